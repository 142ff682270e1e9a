// The state one tokenizer run carries; the passes (tokenizer-*.ts) add their methods to Tokenizer.
import { B_OTHER, C_NONE, P_NONE } from './tokenizer-tables.js';
import type { TokenizeError } from './tokens.js';
import { type LogicalLine, type NewerSyntax, type Token, type TokenizeOptions } from './tokens.js';

/** One run of the tokenizer over a file: the state the passes share, and the passes. */

export class Tokenizer {
  readonly src!: string;
  readonly options!: TokenizeOptions;

  readonly lines!: LogicalLine[];

  readonly n!: number;

  readonly skipBodies!: boolean;

  pos!: number;

  readonly newer!: NewerSyntax[];

  line!: number;

  lineStart!: number;
  // the open-bracket stack as parallel arrays: bodies hold many brackets, and objects would be garbage

  readonly bracketCh!: number[];

  readonly bracketLine!: number[];

  readonly bracketCol!: number[];

  depth!: number;

  current!: Token[] | null;

  currentIndent!: number;
  /** The indentation of a decorator line just read, until the next logical line (-1: none). */

  decoratorCol!: number;

  currentLine!: number;
  /** Where the current logical line starts, and the last line that opened a block (for CPython's message when its body is missing). */

  currentBegin!: number;
  /** Where the current statement starts: the logical line's start, or just after a `;`. */

  stmtBegin!: number;

  headerBegin!: number;

  headerLine!: number;
  /**
   * What the module's statements so far allow (PEP 236): 0 none, 1 the
   * docstring, 2 the docstring and future imports, 3 anything else; a future
   * import after that is the compiler's error, which comes before its others.
   */

  futureState!: number;

  futureError!: TokenizeError | null;
  /** The current logical line has a `:` outside brackets (`if x: y`, `def f(): pass`). */

  lineColon!: boolean;
  /** The current statement has a `:` outside brackets that opens no block (an annotation's, a lambda's): its `=` are not judged. */

  stmtColon!: boolean;
  /** The current statement is annotated (`x: int = 1`): 1 after its `:`, 2 after its `=`, when any other `=` outside brackets is an error; else 0. */

  annotated!: number;
  /** The current logical line had a `=` outside brackets (its first at firstEqAt), and a bracket closed there (a `def`'s parameters). */

  lineEquals!: boolean;

  firstEqAt!: number;

  lineClosed!: boolean;
  /** The current statement had a comma outside brackets before its first `=` (several targets); and where the targets of a `del` starting it begin (-1: none). */

  stmtComma!: boolean;

  delAt!: number;

  readonly indentStack!: number[];
  /**
   * Per indentation level (parallel to indentStack), what the last statement
   * there leaves open for a clause on the next line at that level (C_*): an
   * `else` needs an `if`, a loop or an `except` before it, a `try` needs an
   * `except` or `finally` after it. And what the current line leaves.
   */

  readonly levelClause!: number[];
  /** Per indentation level, the kind of the handlers of the `try` there: 0 none yet, 1 `except`, 2 `except*`. */
  readonly levelHandlers!: number[];

  lineClause!: number;
  /**
   * Per indentation level, the kind of block it is the body of (B_*, the
   * module's B_OTHER), and the kind the current line would open: outside a
   * function's body `return` and `yield` are the compiler's errors, and
   * `break` and `continue` outside a loop's within it.
   */

  readonly levelBlock!: number[];
  /** Per indentation level, where the header that opened it begins (the module's: 0). */

  readonly levelHeader!: number[];
  /** Logical lines that may open or continue a block (first character a, c, d, e, f, i, m, t or w): offset, column, line, flat. */
  readonly blockLines!: number[];

  lineBlock!: number;
  /** What enclosingScope saw between the line and its function or class: a loop's block, a `try` statement's. */

  loopInScope!: boolean;

  tryInScope!: boolean;
  /**
   * An `await` inside brackets outside a coroutine (or a `yield` outside a function), held to the end of its
   * logical line: a `for` or a `lambda` there (a comprehension, a generator,
   * a lambda's body, each a scope of its own) makes it unknown. lineScoped
   * says one came.
   */

  pendingAwait!: TokenizeError | null;

  lineScoped!: boolean;
  /** This logical line has an `if` inside an expression that was not read as a conditional's or a filter's. */

  looseIf!: boolean;
  /**
   * Per bracket level (0 outside brackets), where an `if` after an operand
   * (a conditional expression) waits for its `else` (unset or -1: none), and
   * whether a comprehension's `for` came at that level, after which an `if`
   * is a filter. ternaryOpen counts the waiting ones: other tokens test it alone.
   */

  readonly ternaryIf!: number[];
  /** Lambdas whose `:` is still to come on this line: where their parameters start, and at which bracket level. */

  readonly lambdaAt!: number[];

  readonly lambdaLevel!: number[];

  readonly compFor!: boolean[];
  /** Where the first comprehension `for` at each bracket level is, and whether a call has a comma at its level (a generator must then be parenthesized). */

  readonly compForAt!: number[];
  /** The last `for` at each bracket level, whose targets its `in` ends. */

  readonly compForLast!: number[];

  readonly callComma!: boolean[];
  /** Per open brace: its current element began with `*` or `**`, so no `:` may follow at its level (`{**a: 1}`). */

  readonly braceStar!: boolean[];
  /** Per bracket, whether a `[` follows an operand: a subscript, which takes no bare generator. */
  readonly bracketSub!: boolean[];
  /**
   * Per `{` bracket, what its elements so far make it (0 none yet, 1 a dict, 2 a set, 3 a
   * comprehension, unchecked), and the element being read: flags (BRACE_* in tokenizer-words.ts),
   * its line, the lambdas whose `:` is still to come.
   */
  readonly braceKind!: number[];
  readonly braceElem!: number[];
  readonly braceElemLine!: number[];
  readonly braceLambdas!: number[];
  /** Where the current element's key colon is, for the error of a pair among a set's elements. */
  braceColonAt!: number;
  braceColonLine!: number;

  ternaryOpen!: number;
  /** The same indentation with a tab as one column: where the two disagree, CPython raises TabError. */

  readonly altStack!: number[];

  prevEndedWithColon!: boolean;
  /** Indentation of the `def`/`class` header whose body is being skipped, or -1. */

  skipAbove!: number;

  skipping!: boolean;
  /**
   * The last token ended an operand (a name, literal or closing bracket), so
   * another operand cannot follow: `f(a b)`, `print "x"`. That is the one
   * parser-level error a token stream shows for sure, and the common one in
   * migration bodies (a missing comma between columns, Python 2 code).
   */

  operandEnd!: boolean;

  prevKind!: number;

  prevStart!: number;

  prevEnd!: number;

  prevLine!: number;
  /** The last word (prevKind K_WORD) could be a keyword, by its first character and length. */

  prevKw!: boolean;
  /** What the last token of the current logical line leaves pending (P_*): a `:` there opens a block. */

  punct!: number;
  /** Where the last `->` of a function's header was (-1: none yet). */

  arrowAt!: number;
  /** The first parser error, held while the rest of the file is scanned for a tokenizer error; and how many lines came before it. */

  deferred!: TokenizeError | null;

  linesBeforeError!: number;
  /** The line the scan was on when it met that error (CPython compares the parser's last token's line with an unclosed bracket's). */

  deferredAt!: number;
  /**
   * The first error in the value of the string literal being scanned (a bad
   * escape, an f-string's empty field): CPython meets it when its parser
   * builds the literal, and reports it at the token after the literals.
   */

  stringError!: string | null;
  /** Set with stringError when that is a literal's text that is not UTF-8: the line CPython names, and the exception when not a SyntaxError. */

  stringErrorLine!: number;

  stringErrorException!: string | undefined;
  /** String literals open (an f-string's field holds more), and f-string fields whose expression is being read. */

  stringNest!: number;

  fieldNest!: number;
  /** The string literal operand() just met follows another (implicit concatenation), and whether the last one was bytes: the two cannot mix. */

  stringAfterString!: boolean;

  lastStringBytes!: boolean;
  /** Set while text is read again (argumentStart, lineAfterLiterals): its literals were checked the first time. */

  rescanning!: boolean;
  /** An error CPython's compiler raises after a clean parse (`keyword argument repeated`): reported only when nothing else is. */

  compileError!: TokenizeError | null;
  /** The symbol table's error (a repeated parameter): CPython builds the table for the whole module before compiling any of it. */

  symtableError!: TokenizeError | null;
  /** `nonlocal` at module level: the symbol table says so only after its walk, so after symtableError. */

  moduleNonlocal!: TokenizeError | null;
  /** `nonlocal` in a function or class no function encloses: no binding can exist; the analysis says so after the module's own names. */

  bodyNonlocal!: TokenizeError | null;
  /** Where the last `lazy` soft keyword began (its token is left out), and the `import` or `from` after it (its token marked lazy). */

  lazyAt!: number;

  lazyImportAt!: number;
  /**
   * Per open bracket: for a call's argument list, what its arguments
   * showed so far, the error waiting for the closing `)` and the open
   * lambdas, all in one number (A_*), so that opening a bracket is one store.
   */

  readonly argFlags!: number[];

  readonly bracketPos!: number[];
  /** The keyword names of the open calls, as [begin, end) offsets, innermost last; each call's start at kwBase. */

  readonly kwSpans!: number[];

  kwTop!: number;

  readonly kwBase!: number[];
  /** The innermost open bracket is a call's; and its next token starts an argument. */

  inCall!: boolean;
  /** The pending prefix `*` (P_STAR) came after a call's first argument. */

  starAfterArgument!: boolean;

  argStart!: boolean;
  /** What argumentStart saw: an `=` or `:=` at the call's level in the argument it found. */

  argAssigns!: boolean;
  /** And: a lambda at the bracket's level that may own the `=` (its parameters still open, or its body); where a dict display puts the element (0 none, 1 a key, 2 a value); a `:` at its level in it; a comma at its level before `end`, outside a lambda's parameters and a comprehension's targets. */

  argLambda!: boolean;

  argSeparated!: boolean;

  argEntry!: number;

  argColonSeen!: boolean;
  /** Where the opener of the last closed bracket was (`def f[T](…)` is no call). */

  closedOpener!: number;

  constructor(src: string, options: TokenizeOptions) {
    this.src = src;
    this.options = options;
    this.lines = [];
    this.n = this.src.length;
    this.skipBodies = this.options.skipBodies === true;
    this.pos = 0;
    this.newer = [];
    this.line = 1;
    this.lineStart = 0;
    this.bracketCh = [];
    this.bracketLine = [];
    this.bracketCol = [];
    this.depth = 0;
    this.current = null;
    this.currentIndent = 0;
    this.decoratorCol = -1;
    this.currentLine = 0;
    this.currentBegin = 0;
    this.stmtBegin = 0;
    this.headerBegin = 0;
    this.headerLine = 0;
    this.futureState = 0;
    this.futureError = null;
    this.lineColon = false;
    this.stmtColon = false;
    this.annotated = 0;
    this.lineEquals = false;
    this.firstEqAt = -1;
    this.lineClosed = false;
    this.stmtComma = false;
    this.delAt = -1;
    this.indentStack = [0];
    this.levelClause = [C_NONE];
    this.levelHandlers = [0];
    this.lineClause = C_NONE;
    this.levelBlock = [B_OTHER];
    this.blockLines = [];
    this.levelHeader = [0];
    this.lineBlock = B_OTHER;
    this.loopInScope = false;
    this.tryInScope = false;
    this.pendingAwait = null;
    this.lineScoped = false;
    this.looseIf = false;
    this.ternaryIf = [];
    this.lambdaAt = [];
    this.lambdaLevel = [];
    this.compFor = [];
    this.compForAt = [];
    this.compForLast = [];
    this.callComma = [];
    this.braceStar = [];
    this.bracketSub = [];
    this.braceKind = [];
    this.braceElem = [];
    this.braceElemLine = [];
    this.braceLambdas = [];
    this.braceColonAt = 0;
    this.braceColonLine = 0;
    this.ternaryOpen = 0;
    this.altStack = [0];
    this.prevEndedWithColon = false;
    this.skipAbove = -1;
    this.skipping = false;
    this.operandEnd = false;
    this.prevKind = 0;
    this.prevStart = 0;
    this.prevEnd = 0;
    this.prevLine = 0;
    this.prevKw = false;
    this.punct = P_NONE;
    this.arrowAt = -1;
    this.deferred = null;
    this.linesBeforeError = 0;
    this.deferredAt = 0;
    this.stringError = null;
    this.stringErrorLine = -1;
    this.stringNest = 0;
    this.fieldNest = 0;
    this.stringAfterString = false;
    this.lastStringBytes = false;
    this.rescanning = false;
    this.compileError = null;
    this.symtableError = null;
    this.moduleNonlocal = null;
    this.bodyNonlocal = null;
    this.lazyAt = -1;
    this.lazyImportAt = -1;
    this.argFlags = [];
    this.bracketPos = [];
    this.kwSpans = [];
    this.kwTop = 0;
    this.kwBase = [];
    this.inCall = false;
    this.starAfterArgument = false;
    this.argStart = false;
    this.argAssigns = false;
    this.argLambda = false;
    this.argSeparated = false;
    this.argEntry = 0;
    this.argColonSeen = false;
    this.closedOpener = -1;
  }
}
