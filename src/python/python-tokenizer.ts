/**
 * A Python tokenizer, just deep enough to read module-level assignments.
 *
 * It is not a parser: it splits source into logical lines (joining bracketed
 * and backslash-continued physical lines), records each line's indentation,
 * and yields names, numbers, strings and operators. Strings, comments and
 * brackets are tracked exactly, because that is what a naive regex scan gets
 * wrong ("down_revision = 'x'" inside a SQL string or a docstring).
 *
 * It also reports the syntax errors a tokenizer can see (unterminated strings,
 * unbalanced brackets, bad dedents, stray characters, Python 2 octals) and the
 * parser errors a token stream shows for sure: two operands side by side (a
 * missing comma, Python 2's `print "x"`), a line that ends on an operator
 * (`x = a +`), two tokens that never meet in Python (`x = = 1`, `sa..String`,
 * `f(a, .b)`, `a.if`, `**x` at a statement's start), a keyword argument after
 * something other than a name (`f(a.b=1)`), an `=` where a statement takes
 * none (`if x = 1:`), targets that cannot be assigned (`f() = 1`, `for f()
 * in x:`, `with a as f():`, `x = f() = 1`), and the compiler's and the
 * symbol table's errors (`'return' outside function`, a repeated parameter).
 * Those make Python, and therefore Alembic, fail on every command, wherever
 * they are in the file. Parser errors that need more of a statement's
 * grammar (`x: int = f() = 1`, `except` beside `except*`) are not reported;
 * docs/findings/unparseable-file.md lists them.
 */
import { augmentedTargetError, blanksEnd, bracketAssignError, chainAssignError, comprehensionError, conditionAssignError, delTargetError, forTargetError, refusedAssignError, targetAssignError, withTargetsError } from './python-condition.js';
import { isEscapedByte, originalBytes, utf8Problem } from './python-decode.js';
import { unicodeNameExists } from './unicode-name.js';

export const enum Tok {
  Name = 1,
  Number = 2,
  String = 3,
  Op = 4,
}

export interface Token {
  readonly type: Tok;
  readonly text: string;
  readonly line: number;
  readonly col: number;
  /** On the `import` or `from` after PEP 810's `lazy` (whose own token is left out): the module loads at first use. */
  readonly lazy?: true;
}

export interface LogicalLine {
  /** Indentation column (tabs to the next multiple of 8, as CPython). */
  readonly indent: number;
  readonly line: number;
  readonly tokens: Token[];
}

export interface SyntaxProblem {
  readonly message: string;
  readonly line: number;
  readonly col: number;
  /** The exception when it is not a SyntaxError (3.12+ raises UnicodeDecodeError for an f-string's text that is not UTF-8). */
  readonly exception?: string;
  /** The error exists only from Python 3.`since` on (PEP 810's refusals): an older Python fails earlier, at the newer syntax itself. */
  readonly since?: number;
  /** The first line that is a merge conflict marker (`<<<<<<< HEAD`), when the file has one: the likely cause. */
  readonly conflictMarkerLine?: number;
}

export interface TokenizeResult {
  readonly lines: LogicalLine[];
  readonly error?: SyntaxProblem;
  /** Syntax only newer Pythons accept, the first use of each kind in file order (accepted here: which Python runs is the caller's to say). */
  readonly newer?: readonly NewerSyntax[];
}

/** A construct that Python 3.`since` and later accept and older ones reject. */
export interface NewerSyntax {
  /** The first Python 3 minor version that accepts it (12 for 3.12). */
  readonly since: number;
  /** What it is, for a message: "type parameters (PEP 695)". */
  readonly feature: string;
  readonly line: number;
  /** CPython's SyntaxError message for it from 3.`messageFrom` up to 3.`since - 1`, where it is the same in all of them (checked against real CPython). */
  readonly message?: string;
  readonly messageFrom?: number;
}

const SKIPPED: Token[] = [];

/**
 * A copy of `s` that does not keep its source alive. V8 makes a slice of 13 or
 * more characters a view into the parent string, so one retained name or value
 * would pin a whole file's text (10,000 files: 40 MB held to the end of a run).
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** Character classes for the skipped-body fast path (tokenize's skipPlain); BAIL hands the character to the general loop. */
const BAIL = 0;
const OPCHAR = 1;
const SPACE = 2;
const COLON = 3;
const OPEN = 4;
const CLOSE = 5;
const QUOTE = 6;
const HASH = 7;
const NEWLINE = 8;
const BANG = 9;
const WORD = 10;
const DIGIT = 11;
const DOT = 12;
const SKIP_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[,;+\-*/%&|^~<>=@]/.test(ch)) SKIP_CLASS[c] = OPCHAR;
  else if (/[A-Za-z_]/.test(ch)) SKIP_CLASS[c] = WORD;
  else if (/[0-9]/.test(ch)) SKIP_CLASS[c] = DIGIT;
}
for (const [chars, cls] of [[' \t\f', SPACE], [':', COLON], ['([{', OPEN], [')]}', CLOSE], ['"\'', QUOTE], ['#', HASH], ['\n\r', NEWLINE], ['!', BANG], ['.', DOT]] as const) {
  for (const ch of chars) SKIP_CLASS[ch.charCodeAt(0)] = cls;
}

/** The one-character operators, by character code. */
const OP1_TEXT: (string | undefined)[] = [];
for (const ch of '()[]{}:,;.+-*/%&|^~<>=@') OP1_TEXT[ch.charCodeAt(0)] = ch;

/**
 * What the last token leaves pending. An operator that needs a right operand
 * cannot end a line (`x = a +`), and a comma cannot follow a comma or an
 * opening bracket (`f(a,,b)`). `*` is exempt: `from x import *` ends a line.
 * A `:` that ends a logical line opens a block.
 */
const P_NONE = 0;
const P_DANGLING = 1;
const P_SEPARATOR = 2;
const P_COLON = 3;
/** The start of a logical line, or just after a `;`: another `;` cannot come here. */
const P_SEMI = 4;
/** A lone `/`: it needs an operand, except as the positional-only marker before `)` in `def f(a, /)`. */
const P_SLASH = 5;
/** An attribute's `.` (`sa.`): only a name may follow, no keyword, operator or bracket (`sa..String`, `op.(`). */
const P_DOT = 6;
/** A relative import's `.` (`from .`, `from ..`): more dots, a name or `import` follow. */
const P_RELDOT = 7;
/** A prefix `*` outside parameters and `import *`: an operand must follow (`print(*)`, `*` alone). */
const P_STAR = 8;
const PUNCT1 = new Uint8Array(128).fill(P_DANGLING);
for (const ch of ';*)]}') PUNCT1[ch.charCodeAt(0)] = P_NONE;
PUNCT1[58] = P_COLON;
PUNCT1[59] = P_SEMI;
PUNCT1[47] = P_SLASH;
for (const ch of ',([{') PUNCT1[ch.charCodeAt(0)] = P_SEPARATOR;

/**
 * Length of the operator at `pos` (3, 2 or 1), or 0 when the character starts
 * no operator. Longest match first, as CPython: `**=` `//=` `>>=` `<<=` `...`,
 * then `==` `!=` `<=` `>=` `->` `+=` `-=` `*=` `/=` `%=` `&=` `|=` `^=` `**`
 * `//` `<<` `>>` `:=` `@=`.
 */
function opLength(src: string, pos: number, c: number): number {
  const d = src.charCodeAt(pos + 1);
  const e = src.charCodeAt(pos + 2);
  switch (c) {
    case 42: // *
    case 47: // /
      if (d === c) return e === 61 ? 3 : 2;
      return d === 61 ? 2 : 1;
    case 62: // >
    case 60: // <
      if (d === c) return e === 61 ? 3 : 2;
      return d === 61 ? 2 : 1;
    case 46: // .
      return d === 46 && e === 46 ? 3 : 1;
    case 33: // ! only in !=
      return d === 61 ? 2 : 0;
    case 45: // -
      return d === 61 || d === 62 ? 2 : 1;
    case 58: // :
    case 61: // =
    case 43: // +
    case 37: // %
    case 38: // &
    case 124: // |
    case 94: // ^
    case 64: // @
      return d === 61 ? 2 : 1;
    default:
      return OP1_TEXT[c] === undefined ? 0 : 1;
  }
}

/** Whether what the last token left pending needs an operand: a line cannot end there. */
function needsOperand(p: number): boolean {
  return p === P_DANGLING || p === P_SLASH || p >= P_DOT;
}

/** Whether an operator may start an operand: `(` `[` `{` `-` `+` `~` `*` and `...`. */
function startsOperand(c: number, len: number): boolean {
  if (len === 3) return c === 46;
  return len === 1 && (c === 40 || c === 91 || c === 123 || c === 45 || c === 43 || c === 126 || c === 42);
}

/**
 * Whether the operator at hand (first character c, length len) may come
 * after what the last token left pending (P_*): CPython's parser rejects `x =
 * = 1`, `f(a, .b)`, `sa..String` and `**x` at a statement's start, and says
 * "invalid syntax" at the operator. Closing brackets, and a comma after a
 * separator or a misplaced `;`, have their own checks. Only pairs that are
 * wrong in every context are refused: `*` and `**` pass wherever an unpacking
 * might stand, `:` after a comma (`x[1, :]`, `lambda a,: 0`), `=` after a comma
 * outside brackets (`a, = b`), `/` after a comma (`def f(a, /)`).
 */
function opMayFollow(before: number, c: number, len: number, depth: number): boolean {
  if (before === P_NONE || c === 59) return true;
  const closer = len === 1 && (c === 41 || c === 93 || c === 125);
  switch (before) {
    case P_DANGLING:
      return startsOperand(c, len) || closer;
    case P_SEPARATOR:
      if (len === 1 && (closer || c === 44 || c === 58 || c === 47 || (c === 61 && depth === 0))) return true;
      return startsOperand(c, len) || (c === 42 && len === 2);
    case P_SEMI:
      return startsOperand(c, len) || (len === 1 && (c === 64 || c === 59));
    case P_COLON:
      // `::` only in a slice (`x[::2]`); outside brackets (`if x::`, `def f()::`) nothing takes it
      return startsOperand(c, len) || (c === 42 && len === 2) || (len === 1 && (closer || c === 44 || (c === 58 && depth > 0) || c === 59));
    case P_SLASH:
      return startsOperand(c, len) || (len === 1 && (closer || c === 44 || c === 58));
    case P_DOT:
      return closer;
    case P_STAR:
      return startsOperand(c, len) && c !== 42;
    default:
      // P_RELDOT
      return c === 46 || closer;
  }
}

/** Whether src[begin, end) (one or two letters) is a string prefix: r u b f t br rb fr rf tr rt, any case. */
function isStringPrefix(src: string, begin: number, end: number): boolean {
  const a = src.charCodeAt(begin) | 32;
  if (end - begin === 1) return a === 114 || a === 117 || a === 98 || a === 102 || a === 116;
  const b = src.charCodeAt(begin + 1) | 32;
  if (a === 114) return b === 98 || b === 102 || b === 116;
  return (a === 98 || a === 102 || a === 116) && b === 114;
}

/** What a word is to Python's parser. */
const enum Word {
  Name,
  /** True, False, None: keywords that are operands. */
  Constant,
  Keyword,
  /** match, case, type: keywords only where a statement starts, names elsewhere. */
  Soft,
}

/** Python's keywords by first character, looked up without slicing the source: this runs on many words of every file. */
/**
 * Python's keywords by first character, looked up without slicing the source:
 * this runs on most words of every file, so it is plain indexed arrays (no
 * iterator or destructuring, which stay slow until the optimiser has run),
 * and a mask of the lengths that occur for each first character turns most
 * names away at once.
 */
/** By the first two characters (index c0 * 128 + c1), a mask of the keyword lengths: `op` and `or`, `length` and `lambda`, are told apart before any comparison. */
const KW_PAIRS = new Uint16Array(128 * 128);
const KW_WORDS: string[][] = [];
const KW_KINDS: Word[][] = [];
for (const [kind, words] of [
  [Word.Keyword, 'and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'],
  [Word.Constant, 'False None True'],
  [Word.Soft, 'match case type'],
] as const) {
  for (const w of words.split(' ')) {
    const c0 = w.charCodeAt(0);
    KW_PAIRS[c0 * 128 + w.charCodeAt(1)]! |= 1 << w.length;
    (KW_WORDS[c0] ??= []).push(w);
    (KW_KINDS[c0] ??= []).push(kind);
  }
}

/** Whether the word of `len` characters at `b` could be a keyword, by its first two characters and length alone: most names are not. */
function keywordShaped(src: string, b: number, len: number): boolean {
  const c0 = src.charCodeAt(b);
  const c1 = src.charCodeAt(b + 1);
  return len >= 2 && len <= 8 && (c0 | c1) < 128 && (KW_PAIRS[c0 * 128 + c1]! & (1 << len)) !== 0;
}

function wordKind(src: string, b: number, e: number): Word {
  if (!keywordShaped(src, b, e - b)) return Word.Name;
  const len = e - b;
  const c0 = src.charCodeAt(b);
  const words = KW_WORDS[c0]!;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.length === len && src.startsWith(w, b)) return KW_KINDS[c0]![i]!;
  }
  return Word.Name;
}

/** The kind of the last operand token, for the message when another follows it. */
const K_NAME = 1;
const K_STRING = 2;
const K_OTHER = 3;
const K_NUMBER = 4;
/** A word not yet classified: a name, or a keyword after which an operand may follow. */
const K_WORD = 5;

/** A `def`/`class` header (async too), whose indented body holds no module-level binding. */
function opensBody(toks: readonly Token[]): boolean {
  const first = toks[0];
  if (first === undefined || first.type !== Tok.Name) return false;
  if (first.text === 'def' || first.text === 'class') return true;
  return first.text === 'async' && toks[1]?.text === 'def';
}

/** What a statement leaves for the clause after it: nothing, an if/elif, a loop, a try, an except, a try's else. */
const C_NONE = 0;
const C_IF = 1;
const C_LOOP = 2;
const C_TRY = 3;
const C_EXCEPT = 4;
const C_TRY_ELSE = 5;
// a bare `except:` leaves its line, negated: the compiler wants it last, and names it if it is not

/** Kinds of block, for the compiler's errors: a coroutine's body, a function's, a class's (up to here a scope), a loop's, another. */
const B_ASYNC_FUNC = 0;
const B_FUNC = 1;
const B_CLASS = 2;
const B_LOOP = 3;
const B_OTHER = 4;
/** A `try` statement's blocks (`try`, `except`, `else`, `finally`): a lazy import there is CPython's symbol-table error. */
const B_TRY = 5;

/** By first character, the statements in which an `=` outside brackets is an error. */
const EQUALS_REFUSED: (string[] | undefined)[] = [];
for (const w of ['if', 'elif', 'while', 'return', 'raise', 'assert', 'import', 'from', 'global', 'nonlocal', 'with', 'for']) (EQUALS_REFUSED[w.charCodeAt(0)] ??= []).push(w);

/** Whether the whole word `w` stands at `b` (not the start of a longer name). */
function isWordAt(src: string, b: number, w: string): boolean {
  return src.startsWith(w, b) && !identAt(src, b + w.length);
}

/** Where the statement at `b` starts once a leading `async` is stepped over (`async def`, `async for`, `async with`). */
function afterAsync(src: string, b: number): number {
  if (src.charCodeAt(b) !== 97 || !src.startsWith('async', b) || identAt(src, b + 5)) return b;
  let at = b + 5;
  while (src.charCodeAt(at) === 32 || src.charCodeAt(at) === 9 || src.charCodeAt(at) === 12) at++;
  return at;
}

/** Where the first word of the statement at `b` starts: blanks and an `async` stepped over. */
function statementStart(src: string, b: number): number {
  while (src.charCodeAt(b) === 32 || src.charCodeAt(b) === 9 || src.charCodeAt(b) === 12) b++;
  return afterAsync(src, b);
}

/** The first word of the statement at `b` (blanks and an `async` stepped over), or ''. */
function statementWord(src: string, b: number): string {
  b = statementStart(src, b);
  let e = b;
  while (identAt(src, e)) e++;
  return src.slice(b, e);
}

/** The first error among a module-level logical line's `;`-separated statements: an `import` or `from … import` statement's grammar, any other statement's assignment targets; or null (for a line whose first word starts with i or f, which may be an import or not: `foo: int = 1`). */
function importOrAssignmentError(toks: readonly Token[]): TokenizeError | null {
  return firstInStatements(toks, (s, e) => {
    const t = toks[s]!;
    return t.type === Tok.Name && (t.text === 'import' || t.text === 'from') ? importError(toks, s, e) : assignmentError(toks, s, e);
  });
}

/** The first error `check` finds in the `;`-separated statements toks[s, e) of a logical line, in order. */
function firstInStatements(toks: readonly Token[], check: (s: number, e: number) => TokenizeError | null): TokenizeError | null {
  for (let s = 0; s < toks.length; ) {
    let e = s;
    while (e < toks.length && toks[e]!.text !== ';') e++;
    const err = check(s, e);
    if (err !== null) return err;
    s = e + 1;
  }
  return null;
}

/**
 * The first module-level assignment among a logical line's tokens whose
 * target is an expression: `depe+nds_on = None` ("cannot assign to expression
 * here. Maybe you meant '==' instead of '='?", or without the advice for a
 * later target of `a = b + c = 1`), `do+wn_revision: str = …` ("illegal target
 * for annotation"). Statements that start with a keyword or a soft keyword
 * (`match a, b:`) or hold a `lambda` (whose defaults are `=` too) are left
 * alone, as is any target holding a keyword or, when annotated, a comma.
 */
function assignmentTargetsError(toks: readonly Token[]): TokenizeError | null {
  return firstInStatements(toks, (s, e) => assignmentError(toks, s, e));
}

function assignmentError(toks: readonly Token[], s: number, e: number): TokenizeError | null {
  const first = toks[s];
  // a statement that starts with a keyword, or a soft one (`match x, y:`), is no assignment of this kind
  if (first === undefined || (first.type === Tok.Name && wordKind(first.text, 0, first.text.length) !== Word.Name)) return null;
  for (let k = s; k < e; k++) if (toks[k]!.type === Tok.Name && toks[k]!.text === 'lambda') return null;
  const eqs = topLevelIndexes(toks, s, e, '=');
  // an annotation: a `:` before the first `=`
  const colon = topLevelIndexes(toks, s, eqs[0] ?? e, ':')[0];
  if (colon !== undefined) return annotationTargetError(toks, s, colon);
  let start = s;
  for (let i = 0; i < eqs.length; i++) {
    for (const [a, b] of splitTop(toks, start, eqs[i]!, ',')) {
      if (targetHasOperator(toks, a, b)) {
        const t = toks[a]!;
        return new TokenizeError(i === 0 ? "cannot assign to expression here. Maybe you meant '==' instead of '='?" : 'cannot assign to expression', t.line, t.col, E_PARSER);
      }
    }
    start = eqs[i]! + 1;
  }
  return null;
}

/**
 * The compiler's error for a star out of place in a module-level assignment: a lone starred value
 * (`a = *b`), a lone starred target (`*a = b`), two starred targets in one list (`a, *b, *c = d`).
 * The value is compiled before the targets, so its error comes first.
 */
function starredAssignmentError(toks: readonly Token[]): TokenizeError | null {
  return firstInStatements(toks, (s, e) => starredInStatement(toks, s, e));
}

function starredInStatement(toks: readonly Token[], s: number, e: number): TokenizeError | null {
  const first = toks[s];
  if (first === undefined || (first.type === Tok.Name && wordKind(first.text, 0, first.text.length) !== Word.Name)) return null;
  for (let k = s; k < e; k++) if (toks[k]!.type === Tok.Name && toks[k]!.text === 'lambda') return null;
  const eqs = topLevelIndexes(toks, s, e, '=');
  const debug = debugTarget(toks, s, e, eqs);
  if (debug !== null) return new TokenizeError('cannot assign to __debug__', toks[debug]!.line, toks[debug]!.col, E_PARSER);
  if (eqs.length === 0 || topLevelIndexes(toks, s, eqs[0]!, ':').length > 0) return null;
  const star = (k: number): boolean => toks[k]?.type === Tok.Op && toks[k]!.text === '*';
  const error = (k: number, msg: string): TokenizeError => new TokenizeError(msg, toks[k]!.line, toks[k]!.col, E_PARSER);
  const value = eqs[eqs.length - 1]! + 1;
  if (star(value) && topLevelIndexes(toks, value, e, ',').length === 0) return error(value, "can't use starred expression here");
  let start = s;
  for (const eq of eqs) {
    const items = splitTop(toks, start, eq, ',');
    const starred = items.filter(([a]) => star(a));
    if (items.length === 1 && starred.length === 1) return error(starred[0]![0], 'starred assignment target must be in a list or tuple');
    const nested = starredTargetList(toks, start, eq);
    if (nested !== null) return error(nested, 'multiple starred expressions in assignment');
    start = eq + 1;
  }
  return null;
}

/**
 * `__debug__` stored to (as a name or an attribute) by a plain, annotated or augmented assignment's
 * target, outside a subscript's brackets: the compiler refuses it. Null when none is.
 */
function debugTarget(toks: readonly Token[], s: number, e: number, eqs: readonly number[]): number | null {
  let end = eqs.length > 0 ? eqs[eqs.length - 1]! : -1;
  if (end < 0) {
    const colon = topLevelIndexes(toks, s, e, ':')[0];
    const aug = toks.findIndex((t, k) => k >= s && k < e && t.type === Tok.Op && t.text.length >= 2 && t.text.endsWith('=') && !['==', '!=', '<=', '>=', ':='].includes(t.text));
    end = colon ?? (aug >= 0 ? aug : -1);
    if (end < 0) return null;
  }
  // per open bracket: whether it subscripts or calls (what it holds is read, not stored)
  const reads: boolean[] = [];
  for (let k = s; k < end; k++) {
    const t = toks[k]!;
    const x = t.text;
    if (t.type === Tok.Op && (x === '(' || x === '[' || x === '{')) {
      const prev = k > s ? toks[k - 1]! : undefined;
      reads.push(prev !== undefined && (prev.type === Tok.Name || prev.text === ')' || prev.text === ']'));
    } else if (t.type === Tok.Op && (x === ')' || x === ']' || x === '}')) reads.pop();
    else if (t.type === Tok.Name && x === '__debug__' && !reads.includes(true) && !['.', '[', '('].includes(toks[k + 1]?.text ?? '')) return k;
  }
  return null;
}

/** Where a target list toks[s, e) (or one inside its brackets, `(a, *b, *c)`) holds two starred items; null when none does. */
function starredTargetList(toks: readonly Token[], s: number, e: number): number | null {
  const items = splitTop(toks, s, e, ',');
  if (items.filter(([a]) => toks[a]?.type === Tok.Op && toks[a]!.text === '*').length > 1) return s;
  for (const [a, b] of items) {
    const open = toks[a]?.text;
    if ((open === '(' || open === '[') && matching(toks, a, b) === b - 1) {
      const inner = starredTargetList(toks, a + 1, b - 1);
      if (inner !== null) return inner;
    }
  }
  return null;
}

/**
 * CPython's error for the target toks[s, colon) of an annotation, which must be one name, attribute or
 * subscript, optionally in parentheses: a tuple or a list ("only single target (not tuple) can be
 * annotated"), anything else ("illegal target for annotation"). A keyword or a star in it is left unjudged.
 */
function annotationTargetError(toks: readonly Token[], s: number, colon: number): TokenizeError | null {
  const op = (k: number, x: string): boolean => toks[k]?.type === Tok.Op && toks[k]!.text === x;
  const error = (k: number, msg: string): TokenizeError => new TokenizeError(msg, toks[k]!.line, toks[k]!.col, E_PARSER);
  for (let k = s; k < colon; k++) if ((toks[k]!.type === Tok.Name && wordKind(toks[k]!.text, 0, toks[k]!.text.length) === Word.Keyword) || op(k, '*') || op(k, '**')) return null;
  const tuple = 'only single target (not tuple) can be annotated';
  if (topLevelIndexes(toks, s, colon, ',').length > 0) return error(s, tuple);
  let a = s;
  let b = colon;
  // parentheses around the whole target; inside them a tuple, even an empty one, is still one
  while (op(a, '(') && matching(toks, a, b) === b - 1) {
    if (b - a === 2 || topLevelIndexes(toks, a + 1, b - 1, ',').length > 0) return error(a, tuple);
    a++;
    b--;
  }
  if (op(a, '[') && matching(toks, a, b) === b - 1) return error(a, 'only single target (not list) can be annotated');
  // an error is built only when there is one: an Error's stack trace costs more than the whole check
  const illegal = (): TokenizeError => error(a, 'illegal target for annotation');
  if (targetHasOperator(toks, a, b)) return illegal();
  if (b - a === 1) return toks[a]!.type === Tok.Name ? null : illegal();
  // an attribute (`x.y`) or a subscript (`x[0]`) of any primary; a call, a display or a literal is none
  if (toks[b - 1]!.type === Tok.Name && op(b - 2, '.')) return null;
  if (op(b - 1, ']')) return null;
  return illegal();
}

/** Whether toks[a, b), one assignment target, has an operator outside brackets (a leading `*` and `.` aside); a keyword or a comma there makes it unknown (false). */
function targetHasOperator(toks: readonly Token[], a: number, b: number): boolean {
  let depth = 0;
  let found = false;
  for (let k = a; k < b; k++) {
    const t = toks[k]!;
    if (t.type === Tok.Name) {
      if (wordKind(t.text, 0, t.text.length) === Word.Keyword) return false;
      continue;
    }
    if (t.type !== Tok.Op) continue;
    const x = t.text;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') depth--;
    else if (depth === 0 && x === ',') return false;
    else if (depth === 0 && x !== '.' && !(x === '*' && k === a)) found = true;
  }
  return found;
}

/** A name in an import: any word but a keyword (soft keywords are names). */
function importName(t: Token | undefined): boolean {
  if (t === undefined || t.type !== Tok.Name) return false;
  const kind = wordKind(t.text, 0, t.text.length);
  return kind === Word.Name || kind === Word.Soft;
}

/**
 * The error in an `import` or `from … import` statement, toks[i, end), as
 * CPython's parser reports it: "invalid syntax" at the first token the
 * grammar cannot take (or the line's end), and a trailing comma without
 * parentheses named as such. Null when the statement is well formed.
 */
function importError(toks: readonly Token[], i: number, end: number): TokenizeError | null {
  let k = i + 1;
  if (toks[i]!.text === 'import') {
    for (;;) {
      k = importAlias(toks, importDotted(toks, k, end), end);
      if (k < 0) return importBad(toks, -k, end);
      if (k >= end) return null;
      if (toks[k]!.text !== ',') return importBad(toks, k, end);
      k++;
    }
  }
  let dots = 0;
  while (k < end && (toks[k]!.text === '.' || toks[k]!.text === '...')) {
    dots++;
    k++;
  }
  if (k < end && toks[k]!.text !== 'import') {
    k = importDotted(toks, k, end);
    if (k < 0) return importBad(toks, -k, end);
  } else if (dots === 0) return importBad(toks, k, end);
  if (k >= end || toks[k]!.text !== 'import') return importBad(toks, k, end);
  k++;
  if (k < end && toks[k]!.text === '*') return k + 1 >= end ? null : importBad(toks, k + 1, end);
  const paren = k < end && toks[k]!.text === '(';
  if (paren) k++;
  for (;;) {
    if (k >= end || !importName(toks[k])) return importBad(toks, k, end);
    k = importAlias(toks, k + 1, end);
    if (k < 0) return importBad(toks, -k, end);
    if (k >= end) return paren ? importBad(toks, k, end) : null;
    const t = toks[k]!;
    if (paren && t.text === ')') return k + 1 >= end ? null : importBad(toks, k + 1, end);
    if (t.text !== ',') return importBad(toks, k, end);
    k++;
    if (paren && k < end && toks[k]!.text === ')') return k + 1 >= end ? null : importBad(toks, k + 1, end);
    if (!paren && k >= end) return new TokenizeError('trailing comma not allowed without surrounding parentheses', t.line, t.col, E_PARSER);
  }
}

/** Past a dotted name (`a.b.c`) from toks[k]: the index after it, or minus the index where it goes wrong. */
function importDotted(toks: readonly Token[], k: number, end: number): number {
  if (k >= end || !importName(toks[k])) return -k;
  k++;
  while (k < end && toks[k]!.text === '.') {
    k++;
    if (k >= end || !importName(toks[k])) return -k;
    k++;
  }
  return k;
}

/** Past an optional `as NAME` from toks[k] (k negative passes an earlier failure through). */
function importAlias(toks: readonly Token[], k: number, end: number): number {
  if (k < 0 || k >= end || toks[k]!.text !== 'as') return k;
  k++;
  if (k >= end || !importName(toks[k])) return -k;
  return k + 1;
}

/** "invalid syntax" at toks[at], or at the line's end when at reaches the statement's end. */
function importBad(toks: readonly Token[], at: number, end: number): TokenizeError {
  const t = at < end ? toks[at]! : toks[end - 1]!;
  return new TokenizeError('invalid syntax', t.line, at < end ? t.col : t.col + t.text.length, E_PARSER);
}

/** The opening bracket a closing one matches: `)` → `(`, `]` → `[`, `}` → `{`. */
function openerOf(close: number): number {
  return close === 41 ? 40 : close - 2;
}

/** 0-9. */
function isDecimal(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHexDigit(c: number): boolean {
  return isDecimal(c) || ((c | 32) >= 97 && (c | 32) <= 102);
}

/**
 * After a number, CPython's tokenizer lets these whole keywords follow without
 * a space (`1and`, `1else`, `1for`, `1or`, `1not`); for `i` one more letter
 * is enough (`1if`, `1in`, `1is`, and so `1ifx` too).
 */
const KEYWORD_AFTER_NUMBER: Readonly<Record<string, string>> = { a: 'nd', e: 'lse', f: 'or', o: 'r', n: 'ot' };

function isAsciiIdent(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57);
}

/** What CPython's tokenizer allows in a name beyond ASCII (PEP 3131), tested on whole code points: `𝒞` is one character, two in UTF-16. */
const XID_START = /^\p{XID_Start}$/u;
const XID_CONTINUE = /^\p{XID_Continue}$/u;

/**
 * Whether an identifier character stands at `i`, non-ASCII ones included:
 * `importé` and `classé` are names, not the keywords they start with.
 */
/**
 * Whether Python 3.11 rejects the f-string whose opening quote is at `at` and
 * which 3.12 (PEP 701) reads through `end`. Before 3.12 the literal ends at the
 * first unescaped closing quote, wherever a field stands, and a single-quoted
 * one at the line's end; a field's expression may hold no backslash, not even
 * in a string, and no `#` outside one; a format spec's fields nest one deep.
 */
export function oldFStringRejects(src: string, at: number, triple: boolean, end: number): boolean {
  const ql = triple ? 3 : 1;
  return oldStringEnd(src, at, triple) !== end || oldFieldsReject(src, at + ql, end - ql, 0) !== 0;
}

/**
 * Python 3.11's message for an f-string at `at` that it ends early, at a
 * quote inside a field (`f"{row["id"]}"`), when that is certain: the
 * literal is on one line, the token after it is a name, number or operator
 * (the parser then reads the short literal as an f-string and fails there),
 * and the rest of the 3.12 literal tokenizes cleanly the old way, ending
 * where 3.12 ends it. Null when any of that does not hold.
 */
export function oldFStringMessage(src: string, at: number, triple: boolean, end: number): string | null {
  const legacy = oldStringEnd(src, at, triple);
  if (triple || legacy < 0 || legacy >= end) return null;
  for (let i = at; i < end; i++) if (src.charCodeAt(i) === 10 || src.charCodeAt(i) === 13) return null;
  if (!oldTokensResync(src, legacy, end) || !plainTokenAt(src, legacy)) return null;
  return truncatedFieldMessage(src, at + 1, legacy - 1);
}

/** Whether text from `from` tokenizes the 3.11 way without error (names, numbers, operators, strings) and a token ends at `end`. */
function oldTokensResync(src: string, from: number, end: number): boolean {
  let i = from;
  while (i < end) {
    const c = src.charCodeAt(i);
    if (c === 34 || c === 39) {
      const triple = src.charCodeAt(i + 1) === c && src.charCodeAt(i + 2) === c;
      const close = oldStringEnd(src, i, triple);
      if (close < 0 || close > end) return false;
      i = close;
    } else if (c === 32 || c === 9) i++;
    else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) {
      while (i < end && isAsciiIdent(src.charCodeAt(i))) i++;
    } else if (c >= 48 && c <= 57) {
      while (i < end && isAsciiIdent(src.charCodeAt(i))) {
        const d = src.charCodeAt(i++);
        if ((d >= 65 && d <= 90) || (d >= 97 && d <= 122) || d === 95) return false;
      }
    } else if (c < 128 && OLD_OPERATOR.includes(String.fromCharCode(c))) i++;
    else return false;
  }
  return i === end;
}

const OLD_OPERATOR = ',.()[]{}+-*/%&|^~<>=:;!@';

/** Whether the token at `at` (after blanks) is a name that is no string prefix, a number or an operator. */
function plainTokenAt(src: string, at: number): boolean {
  let i = at;
  while (src.charCodeAt(i) === 32 || src.charCodeAt(i) === 9) i++;
  const c = src.charCodeAt(i);
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) {
    let j = i;
    while (isAsciiIdent(src.charCodeAt(j))) j++;
    const q = src.charCodeAt(j);
    return !((q === 34 || q === 39) && j - i <= 2 && isStringPrefix(src, i, j));
  }
  return (c >= 48 && c <= 57) || (c < 128 && OLD_OPERATOR.includes(String.fromCharCode(c)));
}

/** 3.11's f-string parser on text `from`..`to` that ends inside a field: its message, or null where it may stop otherwise. */
function truncatedFieldMessage(src: string, from: number, to: number): string | null {
  let i = from;
  const stack: number[] = [];
  let inField = false;
  while (i < to) {
    const c = src.charCodeAt(i);
    if (!inField) {
      if ((c === 123 || c === 125) && src.charCodeAt(i + 1) === c) i += 2;
      else if (c === 125) return null;
      else {
        if (c === 123) inField = true;
        i += c === 92 ? 2 : 1;
      }
      continue;
    }
    if (c === 92) return 'f-string expression part cannot include a backslash';
    if (c === 34 || c === 39) {
      const triple = src.charCodeAt(i + 1) === c && src.charCodeAt(i + 2) === c;
      const close = oldStringEnd(src, i, triple);
      if (close < 0 || close > to) return 'f-string: unterminated string';
      if (src.slice(i, close).includes('\\')) return 'f-string expression part cannot include a backslash';
      i = close;
      continue;
    }
    if (c === 35) return "f-string expression part cannot include '#'";
    if (c === 40 || c === 91 || c === 123) stack.push(c);
    else if (c === 41 || c === 93 || (c === 125 && stack.length > 0)) {
      const open = stack.pop();
      if (open === undefined) return `f-string: unmatched '${String.fromCharCode(c)}'`;
      if (open !== (c === 41 ? 40 : c === 93 ? 91 : 123)) return `f-string: closing parenthesis '${String.fromCharCode(c)}' does not match opening parenthesis '${String.fromCharCode(open)}'`;
    } else if (c === 125) inField = false;
    else if (stack.length === 0 && (c === 33 || c === 58 || c === 61 || c === 60 || c === 62)) return null;
    i++;
  }
  if (!inField) return null;
  return stack.length > 0 ? `f-string: unmatched '${String.fromCharCode(stack[stack.length - 1]!)}'` : "f-string: expecting '}'";
}

/** Where Python 3.11's tokenizer ends the string literal whose opening quote is at `at` (-1: unterminated). */
export function oldStringEnd(src: string, at: number, triple: boolean): number {
  const q = src.charCodeAt(at);
  for (let i = at + (triple ? 3 : 1); i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 92) i++;
    else if ((c === 10 || c === 13) && !triple) return -1;
    else if (c === q && (!triple || (src.charCodeAt(i + 1) === q && src.charCodeAt(i + 2) === q))) return i + (triple ? 3 : 1);
  }
  return -1;
}

/** Steps over f-string text from `from` to `to` (a format spec when `level` > 0); 0 when Python 3.11 takes its fields, else -1 (or the offset after a spec's closing brace). */
function oldFieldsReject(src: string, from: number, to: number, level: number): number {
  for (let i = from; i < to; i++) {
    const c = src.charCodeAt(i);
    if (c === 125) {
      if (level > 0) return i + 1;
      i++; // `}}`
    } else if (c === 123) {
      if (level === 0 && src.charCodeAt(i + 1) === 123) {
        i++;
        continue;
      }
      if (level >= 2) return -1;
      const after = oldExpressionEnd(src, i + 1, to, level);
      if (after < 0) return -1;
      i = after - 1;
    } else if (c === 92 && src.charCodeAt(i + 1) !== 123 && src.charCodeAt(i + 1) !== 125) i++;
  }
  return level > 0 ? -1 : 0;
}

/** A field's expression from `from` through its closing brace (and format spec): the offset after it, or -1 where 3.11 rejects it. */
function oldExpressionEnd(src: string, from: number, to: number, level: number): number {
  let nest = 0;
  for (let i = from; i < to; i++) {
    const c = src.charCodeAt(i);
    if (c === 92 || c === 35) return -1;
    if (c === 34 || c === 39) {
      const close = oldStringEnd(src, i, src.charCodeAt(i + 1) === c && src.charCodeAt(i + 2) === c);
      if (close < 0 || close > to || src.slice(i, close).includes('\\')) return -1;
      i = close - 1;
    } else if (c === 40 || c === 91 || c === 123) nest++;
    else if (c === 41 || c === 93) nest--;
    else if (c === 125) {
      if (nest === 0) return i + 1;
      nest--;
    } else if (nest === 0 && ((c === 33 && src.charCodeAt(i + 1) !== 61) || c === 58)) {
      // a conversion, then a format spec whose fields are one level deeper
      let k = i;
      if (c === 33) {
        // 3.11 takes one conversion letter, right before the `:` or `}` (3.12 allows `!r }`)
        k = i + 2;
        if (src.charCodeAt(k) !== 58 && src.charCodeAt(k) !== 125) return -1;
      }
      if (src.charCodeAt(k) === 125) return k + 1;
      return oldFieldsReject(src, k + 1, to, level + 1);
    } else if (nest === 0 && c === 33) i++;
  }
  return -1;
}

/** The first offset at or after i that holds no space, tab, form feed or line continuation (a backslash and its newline). */
function skipBlanks(src: string, i: number): number {
  for (;;) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 12) i++;
    else if (c === 92 && src.charCodeAt(i + 1) === 13) i += src.charCodeAt(i + 2) === 10 ? 3 : 2;
    else if (c === 92 && src.charCodeAt(i + 1) === 10) i += 2;
    else return i;
  }
}

/** A backslash as the text's last character, or followed only by its line end. */
const CONTINUATION_AT_END = /\\(?:\r\n|\r|\n)?$/u;

/** The last offset at or before i that holds no space, tab or form feed (-1 at the start). */
function lastNonBlank(src: string, i: number): number {
  while (i >= 0 && (src.charCodeAt(i) === 32 || src.charCodeAt(i) === 9 || src.charCodeAt(i) === 12)) i--;
  return i;
}

function identAt(src: string, i: number): boolean {
  if (i < 0 || i >= src.length) return false;
  const c = src.charCodeAt(i);
  return c < 128 ? isAsciiIdent(c) : isIdentPart(c, src, i);
}

/** What CPython's tokenizer may take into a name before decoding it: ASCII letters, digits, `_` and any non-ASCII byte. */
function mayBeInName(c: number): boolean {
  return c >= 128 || isAsciiIdent(c);
}

function isIdentStart(c: number, src: string, pos: number): boolean {
  if (isAsciiIdent(c)) return c < 48 || c > 57;
  return c >= 128 && XID_START.test(String.fromCodePoint(src.codePointAt(pos)!));
}

function isIdentPart(c: number, src: string, pos: number): boolean {
  if (isAsciiIdent(c)) return true;
  // NaN past the end of the text, which callers scanning ahead reach in a file without a last newline
  if (!(c >= 128)) return false;
  // the second half of a character beyond U+FFFF whose first half the name took
  if ((c & 0xfc00) === 0xdc00) return (src.charCodeAt(pos - 1) & 0xfc00) === 0xd800;
  return XID_CONTINUE.test(String.fromCodePoint(src.codePointAt(pos)!));
}

/**
 * How an error ranks against a later one. After a parser error CPython
 * tokenizes the rest of the file, and a tokenizer error found there replaces
 * it: `test repo :)` is "unmatched ')'", not "invalid syntax".
 */
/** A tokenizer error CPython raises at once (a bad string, bracket, character or number): it wins. */
const E_TOKEN = 0;
/** A parser error: it stands unless the rest of the file has an E_TOKEN error. */
const E_PARSER = 1;
/** A tokenizer error CPython leaves for the parser to raise (indentation, a line continuation): an earlier parser error stands. */
const E_QUIET = 2;

/** What Python's str.isprintable() rejects (the space aside): a no-break space, a zero-width space, a control character. */
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Whether the operator of `len` characters at `at` (starting with `c`) assigns (`+=`, `>>=`), rather than compares (`==`, `<=`, `>=`, `!=`), names (`:=`) or assigns nothing. */
function augmentedOp(src: string, at: number, c: number, len: number): boolean {
  return len >= 2 && src.charCodeAt(at + len - 1) === 61 && (len === 3 || !(c === 61 || c === 60 || c === 62 || c === 33 || c === 58));
}

/** Whether a word of this first character and length could be `lambda`, `for` or `yield`. */
function maySpecial(c0: number, len: number): boolean {
  return (c0 === 108 && len === 6) || (c0 === 102 && len === 3) || (c0 === 121 && len === 5);
}

/** What a call's argument list has shown so far (tokenize's argFlags). */
const A_CALL = 1;
/** The `(` of a `def`'s parameters (`def f(`, `def f[T](`), where a `/` may stand. */
const A_PARAMS = 2;
const A_KW = 4;
const A_KWUNPACK = 8;
/** Something the argument rules do not model (a generator, `f(a.b=1)`): no argument error is reported for this call. */
const A_UNKNOWN = 32;
/** A positional argument came after a keyword (or after `**`): reported at the call's `)`. */
const A_PENDING = 64;
const A_PENDING_UNPACK = 128;
/** One open lambda (counted from here up: its commas separate parameters, not arguments). */
const A_LAMBDA = 256;

/** The features `from __future__ import` knows (Python 3.7 and later). */
const FUTURE_FEATURES: ReadonlySet<string> = new Set([
  'nested_scopes', 'generators', 'division', 'absolute_import', 'with_statement', 'print_function', 'unicode_literals', 'barry_as_FLUFL', 'generator_stop', 'annotations',
]);

/** Keywords that join two expressions, or a clause to what came before (`import a as b`, `from x import y`). */
const INFIX_KEYWORDS: ReadonlySet<string> = new Set(['and', 'or', 'in', 'is', 'if', 'else', 'for', 'as', 'from', 'import']);
/** Keywords after which a statement may end (for `else`, `try`, `finally`, `except`, the missing `:` is reported as such). */
const ENDS_STATEMENT: ReadonlySet<string> = new Set(['return', 'yield', 'raise', 'pass', 'break', 'continue', 'else', 'try', 'finally', 'except']);
/** The statements an `as` may stand in. */
const AS_STATEMENTS: ReadonlySet<string> = new Set(['import', 'from', 'with', 'except', 'case']);
/** Keywords a `:` may follow. */
const TAKES_COLON: ReadonlySet<string> = new Set(['else', 'try', 'finally', 'except', 'lambda']);

/** The statements whose header ends on a colon and opens a block. */
const COMPOUND_HEADS: ReadonlySet<string> = new Set(['if', 'elif', 'else', 'for', 'while', 'try', 'except', 'finally', 'with', 'def', 'class', 'match', 'case']);

class TokenizeError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
    readonly rank: number = E_TOKEN,
    readonly exception?: string,
    readonly since?: number,
  ) {
    super(message);
  }
}

export interface TokenizeOptions {
  /**
   * Skip the bodies of `def` and `class` blocks: they are still scanned, so
   * every syntax error is still reported, but yield no tokens. Module-level
   * assignments never live there, and bodies are most of a migration file.
   */
  readonly skipBodies?: boolean;
}

/** The line of git's first conflict marker (seven < or > at a line's start), looked for only in a file that fails. */
function conflictMarkerLine(src: string): number | undefined {
  // '=======' alone is also a reST heading's underline in a docstring: only the outer markers count
  const m = /^(?:<{7}|>{7}|\|{7})(?:[ \t]|\r?$)/mu.exec(src);
  if (!m) return undefined;
  let line = 1;
  for (let i = src.indexOf('\n'); i >= 0 && i < m.index; i = src.indexOf('\n', i + 1)) line++;
  return line;
}

/** Whether the statement at p is what a decorator may stand over: a def (async or not) or a class. */
function decorated(src: string, p: number): boolean {
  const b = afterAsync(src, p);
  return isWordAt(src, b, 'def') || (b === p && isWordAt(src, p, 'class'));
}

/** Headers whose condition may hold a `:=` outside brackets (`if x := f():`). */
const WALRUS_HEADERS: ReadonlySet<string> = new Set(['if', 'elif', 'while', 'match']);
/** Statements whose first word leaves no place for a `:=` outside brackets (`return x := 1`, `for a in x := b:`; a leading `async` is stepped over). */
const WALRUS_REFUSING_STATEMENTS: ReadonlySet<string> = new Set(['return', 'assert', 'with', 'del', 'yield', 'raise', 'for', 'global', 'nonlocal', 'import', 'from']);

/** SyntaxError's subclasses, which Alembic's traceback names: IndentationError and TabError. */
function indentationException(message: string): string | undefined {
  if (message.startsWith('inconsistent use of tabs')) return 'TabError';
  return /^(?:expected an indented block|unexpected indent|unexpected unindent|unindent does not match|too many levels of indentation)/u.test(message) ? 'IndentationError' : undefined;
}

export function tokenize(src: string, options: TokenizeOptions = {}): TokenizeResult {
  const lines: LogicalLine[] = [];
  const n = src.length;
  const skipBodies = options.skipBodies === true;
  let pos = 0;
  const newer: NewerSyntax[] = [];
  let line = 1;
  let lineStart = 0;
  // the open-bracket stack as parallel arrays: bodies hold many brackets, and objects would be garbage
  const bracketCh: number[] = [];
  const bracketLine: number[] = [];
  const bracketCol: number[] = [];
  let depth = 0;
  let current: Token[] | null = null;
  let currentIndent = 0;
  /** The indentation of a decorator line just read, until the next logical line (-1: none). */
  let decoratorCol = -1;
  let currentLine = 0;
  /** Where the current logical line starts, and the last line that opened a block (for CPython's message when its body is missing). */
  let currentBegin = 0;
  /** Where the current statement starts: the logical line's start, or just after a `;`. */
  let stmtBegin = 0;
  let headerBegin = 0;
  let headerLine = 0;
  /**
   * What the module's statements so far allow (PEP 236): 0 none, 1 the
   * docstring, 2 the docstring and future imports, 3 anything else; a future
   * import after that is the compiler's error, which comes before its others.
   */
  let futureState = 0;
  let futureError: TokenizeError | null = null;
  /** The current logical line has a `:` outside brackets (`if x: y`, `def f(): pass`). */
  let lineColon = false;
  /** The current statement has a `:` outside brackets that opens no block (an annotation's, a lambda's): its `=` are not judged. */
  let stmtColon = false;
  /** The current statement is annotated (`x: int = 1`): 1 after its `:`, 2 after its `=`, when any other `=` outside brackets is an error; else 0. */
  let annotated = 0;
  /** The current logical line had a `=` outside brackets (its first at firstEqAt), and a bracket closed there (a `def`'s parameters). */
  let lineEquals = false;
  let firstEqAt = -1;
  let lineClosed = false;
  /** The current statement had a comma outside brackets before its first `=` (several targets); and where the targets of a `del` starting it begin (-1: none). */
  let stmtComma = false;
  let delAt = -1;
  const indentStack = [0];
  /**
   * Per indentation level (parallel to indentStack), what the last statement
   * there leaves open for a clause on the next line at that level (C_*): an
   * `else` needs an `if`, a loop or an `except` before it, a `try` needs an
   * `except` or `finally` after it. And what the current line leaves.
   */
  const levelClause = [C_NONE];
  let lineClause = C_NONE;
  /**
   * Per indentation level, the kind of block it is the body of (B_*, the
   * module's B_OTHER), and the kind the current line would open: outside a
   * function's body `return` and `yield` are the compiler's errors, and
   * `break` and `continue` outside a loop's within it.
   */
  const levelBlock = [B_OTHER];
  /** Per indentation level, where the header that opened it begins (the module's: 0). */
  const levelHeader = [0];
  let lineBlock = B_OTHER;
  /** What enclosingScope saw between the line and its function or class: a loop's block, a `try` statement's. */
  let loopInScope = false;
  let tryInScope = false;
  /**
   * An `await` inside brackets outside a coroutine (or a `yield` outside a function), held to the end of its
   * logical line: a `for` or a `lambda` there (a comprehension, a generator,
   * a lambda's body, each a scope of its own) makes it unknown. lineScoped
   * says one came.
   */
  let pendingAwait: TokenizeError | null = null;
  let lineScoped = false;
  /** This logical line has an `if` inside an expression that was not read as a conditional's or a filter's. */
  let looseIf = false;
  /**
   * Per bracket level (0 outside brackets), where an `if` after an operand
   * (a conditional expression) waits for its `else` (unset or -1: none), and
   * whether a comprehension's `for` came at that level, after which an `if`
   * is a filter. ternaryOpen counts the waiting ones: other tokens test it alone.
   */
  const ternaryIf: number[] = [];
  /** Lambdas whose `:` is still to come on this line: where their parameters start, and at which bracket level. */
  const lambdaAt: number[] = [];
  const lambdaLevel: number[] = [];
  const compFor: boolean[] = [];
  /** Where the first comprehension `for` at each bracket level is, and whether a call has a comma at its level (a generator must then be parenthesized). */
  const compForAt: number[] = [];
  /** The last `for` at each bracket level, whose targets its `in` ends. */
  const compForLast: number[] = [];
  const callComma: boolean[] = [];
  /** Per open brace: its current element began with `*` or `**`, so no `:` may follow at its level (`{**a: 1}`). */
  const braceStar: boolean[] = [];
  let ternaryOpen = 0;
  /** The same indentation with a tab as one column: where the two disagree, CPython raises TabError. */
  const altStack = [0];
  let prevEndedWithColon = false;
  /** Indentation of the `def`/`class` header whose body is being skipped, or -1. */
  let skipAbove = -1;
  let skipping = false;
  /**
   * The last token ended an operand (a name, literal or closing bracket), so
   * another operand cannot follow: `f(a b)`, `print "x"`. That is the one
   * parser-level error a token stream shows for sure, and the common one in
   * migration bodies (a missing comma between columns, Python 2 code).
   */
  let operandEnd = false;
  let prevKind = 0;
  let prevStart = 0;
  let prevEnd = 0;
  let prevLine = 0;
  /** The last word (prevKind K_WORD) could be a keyword, by its first character and length. */
  let prevKw = false;
  /** What the last token of the current logical line leaves pending (P_*): a `:` there opens a block. */
  let punct = P_NONE;
  /** Where the last `->` of a function's header was (-1: none yet). */
  let arrowAt = -1;
  /** The first parser error, held while the rest of the file is scanned for a tokenizer error; and how many lines came before it. */
  let deferred: TokenizeError | null = null;
  let linesBeforeError = 0;
  /** The line the scan was on when it met that error (CPython compares the parser's last token's line with an unclosed bracket's). */
  let deferredAt = 0;
  /**
   * The first error in the value of the string literal being scanned (a bad
   * escape, an f-string's empty field): CPython meets it when its parser
   * builds the literal, and reports it at the token after the literals.
   */
  let stringError: string | null = null;
  /** Set with stringError when that is a literal's text that is not UTF-8: the line CPython names, and the exception when not a SyntaxError. */
  let stringErrorLine = -1;
  let stringErrorException: string | undefined;
  /** String literals open (an f-string's field holds more), and f-string fields whose expression is being read. */
  let stringNest = 0;
  let fieldNest = 0;
  /** The string literal operand() just met follows another (implicit concatenation), and whether the last one was bytes: the two cannot mix. */
  let stringAfterString = false;
  let lastStringBytes = false;
  /** Set while text is read again (argumentStart, lineAfterLiterals): its literals were checked the first time. */
  let rescanning = false;
  /** An error CPython's compiler raises after a clean parse (`keyword argument repeated`): reported only when nothing else is. */
  let compileError: TokenizeError | null = null;
  /** The symbol table's error (a repeated parameter): CPython builds the table for the whole module before compiling any of it. */
  let symtableError: TokenizeError | null = null;
  /** `nonlocal` at module level: the symbol table says so only after its walk, so after symtableError. */
  let moduleNonlocal: TokenizeError | null = null;
  /** `nonlocal` in a function or class no function encloses: no binding can exist; the analysis says so after the module's own names. */
  let bodyNonlocal: TokenizeError | null = null;
  /** Where the last `lazy` soft keyword began (its token is left out), and the `import` or `from` after it (its token marked lazy). */
  let lazyAt = -1;
  let lazyImportAt = -1;
  /**
   * Per open bracket: for a call's argument list, what its arguments
   * showed so far, the error waiting for the closing `)` and the open
   * lambdas, all in one number (A_*), so that opening a bracket is one store.
   */
  const argFlags: number[] = [];
  const bracketPos: number[] = [];
  /** The keyword names of the open calls, as [begin, end) offsets, innermost last; each call's start at kwBase. */
  const kwSpans: number[] = [];
  let kwTop = 0;
  const kwBase: number[] = [];
  /** The innermost open bracket is a call's; and its next token starts an argument. */
  let inCall = false;
  /** The pending prefix `*` (P_STAR) came after a call's first argument. */
  let starAfterArgument = false;
  let argStart = false;
  /** What argumentStart saw: an `=` or `:=` at the call's level in the argument it found. */
  let argAssigns = false;
  /** And: a lambda at the bracket's level that may own the `=` (its parameters still open, or its body); where a dict display puts the element (0 none, 1 a key, 2 a value); a `:` at its level in it; a comma at its level before `end`, outside a lambda's parameters and a comprehension's targets. */
  let argLambda = false;
  let argSeparated = false;
  let argEntry = 0;
  let argColonSeen = false;
  /** Where the opener of the last closed bracket was (`def f[T](…)` is no call). */
  let closedOpener = -1;

  const finishLine = (): void => {
    looseIf = false;
    if (ternaryOpen > 0) ternaryEnd(0, -1);
    if (lambdaAt.length > 0) lambdaAt.length = lambdaLevel.length = 0;
    if (delAt >= 0) delTargets();
    if (pendingAwait !== null) {
      if (!lineScoped) compileAt(pendingAwait);
      pendingAwait = null;
    }
    if (current !== null && (skipping || current.length > 0)) {
      prevEndedWithColon = punct === P_COLON;
      if (prevEndedWithColon) {
        headerBegin = currentBegin;
        headerLine = currentLine;
        // `x = a:` opens no block: only a compound statement's header may end on a colon
        if (!startsCompound(currentBegin) && !COMPOUND_HEADS.has(headerWord()[0])) fail(new TokenizeError('invalid syntax', line, pos - lineStart, E_PARSER));
      } else if (!lineColon) missingColon();
      levelClause[levelClause.length - 1] = lineClause;
      // a `;` moved stmtBegin: a later statement of a module-level line may be a future import
      if (futureState !== 3 || src.charCodeAt(currentBegin) === 102 || (currentIndent === 0 && stmtBegin !== currentBegin)) futureImport();
      // a module-level import's grammar, from its tokens (the same in both modes: no body is at column 0); `x = 1; import a` is left to the token checks
      if (currentIndent === 0 && current !== SKIPPED && deferred === null) {
        const e = src.charCodeAt(currentBegin) === 105 || src.charCodeAt(currentBegin) === 102 ? importOrAssignmentError(current!) : assignmentTargetsError(current!);
        if (e !== null) fail(e);
        else {
          const starred = starredAssignmentError(current!);
          if (starred !== null) compileAt(starred);
        }
      }
      if (!skipping) {
        lines.push({ indent: currentIndent, line: currentLine, tokens: current });
        if (skipBodies && punct === P_COLON && opensBody(current)) skipAbove = currentIndent;
      }
    }
    current = null;
  };

  const newline = (): void => {
    line++;
    lineStart = pos;
  };

  try {
    while (pos < n) {
      if (current === null && depth === 0) {
        // start of a logical line: measure indentation
        let col = 0;
        let altcol = 0;
        // CPython: the first backslash continuation after blanks fixes the indentation of what follows (if not at column 0), both ways of counting tabs alike
        let contCol = 0;
        while (pos < n) {
          const c = src.charCodeAt(pos);
          if (c === 32) {
            col++;
            altcol++;
          } else if (c === 9) {
            col = (Math.floor(col / 8) + 1) * 8;
            altcol++;
          } else if (c === 12) col = altcol = 0;
          else if (c === 92 && (pos + 1 >= n || src.charCodeAt(pos + 1) === 10 || src.charCodeAt(pos + 1) === 13)) {
            if (contCol === 0) contCol = col;
            const at = line;
            pos += src.charCodeAt(pos + 1) === 13 && src.charCodeAt(pos + 2) === 10 ? 3 : 2;
            if (pos >= n) throw new TokenizeError('unexpected EOF while parsing', at, 0, E_QUIET);
            newline();
            continue;
          } else break;
          pos++;
        }
        if (contCol !== 0) col = altcol = contCol;
        if (pos >= n) break;
        const c = src.charCodeAt(pos);
        if (c === 10 || c === 13 || c === 35) {
          // blank or comment-only line: no logical line
          while (pos < n && src.charCodeAt(pos) !== 10 && src.charCodeAt(pos) !== 13) pos++;
          if (pos < n) {
            if (src.charCodeAt(pos) === 13 && src.charCodeAt(pos + 1) === 10) pos++;
            pos++;
            newline();
          }
          continue;
        }
        const top = indentStack[indentStack.length - 1]!;
        if (col > top) {
          if (altcol <= altStack[altStack.length - 1]!) throw tabError(col);
          // CPython raises this one without scanning on; after an earlier parser error it is no error of the tokenizer's
          if (!prevEndedWithColon && deferred === null) throw new TokenizeError('unexpected indent', line, col);
          indentStack.push(col);
          altStack.push(altcol);
          levelClause.push(C_NONE);
          // the header on the line before opened it (after an earlier parser error, maybe nothing did)
          levelBlock.push(prevEndedWithColon ? lineBlock : B_OTHER);
          levelHeader.push(headerBegin);
        } else {
          let unfinished = false;
          // the tokenizer's dedent comes before the parser's complaint about a missing block
          while (indentStack[indentStack.length - 1]! > col) {
            indentStack.pop();
            altStack.pop();
            levelBlock.pop();
            levelHeader.pop();
            if (levelClause.pop() === C_TRY) unfinished = true;
          }
          if (indentStack[indentStack.length - 1] !== col) {
            throw new TokenizeError('unindent does not match any outer indentation level', line, col, E_QUIET);
          }
          if (altStack[altStack.length - 1] !== altcol) throw tabError(col);
          if (prevEndedWithColon) fail(new TokenizeError(missingBlock(), line, col, E_PARSER));
          if (unfinished) fail(new TokenizeError("expected 'except' or 'finally' block", line, col, E_PARSER));
        }
        clause(col);
        skipping = skipAbove >= 0 && col > skipAbove;
        if (!skipping) skipAbove = -1;
        current = skipping ? SKIPPED : [];
        operandEnd = false;
        punct = P_SEMI;
        lineColon = false;
        stmtColon = false;
        annotated = 0;
        lineEquals = false;
        stmtComma = false;
        lineClosed = false;
        lineScoped = false;
        currentIndent = col;
        currentLine = line;
        currentBegin = pos;
        stmtBegin = pos;
        const first = src.charCodeAt(pos);
        // a decorator is followed, at its own indentation, by another, a def or a class (`@op.f(…)` over `op.g()` is "invalid syntax" there)
        if (decoratorCol >= 0) {
          if (col === decoratorCol && first !== 64 && !decorated(src, pos)) fail(new TokenizeError('invalid syntax', line, col, E_PARSER));
          // the block ends under a decorator: the parser meets a DEDENT where the def belongs
          else if (col < decoratorCol) fail(new TokenizeError('unexpected unindent', line, col, E_PARSER));
          decoratorCol = -1;
        }
        if (first === 64) decoratorCol = col;
        if (first === 100 || first === 97) {
          const b = afterAsync(src, pos);
          const e = isWordAt(src, b, 'def') ? defWithoutParen(b) : null;
          if (e !== null) fail(e);
        }
      }
      if (skipping) {
        skipPlain();
        if (pos >= n) break;
      }
      const c = src.charCodeAt(pos);
      if (c === 32 || c === 9 || c === 12) {
        pos++;
        continue;
      }
      if (c === 10 || c === 13) {
        if (c === 13 && src.charCodeAt(pos + 1) === 10) pos++;
        if (depth === 0) {
          if (needsOperand(punct) || (operandEnd && prevKw && prevKind === K_WORD && keywordRefuses(10, 0))) fail(operandMissing(punct, line, pos - lineStart, pos));
          finishLine();
        }
        pos++;
        newline();
        continue;
      }
      if (c === 35) {
        while (pos < n && src.charCodeAt(pos) !== 10 && src.charCodeAt(pos) !== 13) pos++;
        continue;
      }
      if (c === 92) {
        const next = src.charCodeAt(pos + 1);
        // a continuation into the end of the file, with or without its newline: CPython names the backslash's
        // line, or the bracket left open
        if (next === 10 || next === 13 || pos + 1 >= n) {
          const at = line;
          const col = pos + 1 - lineStart;
          pos += next === 13 && src.charCodeAt(pos + 2) === 10 ? 3 : pos + 1 >= n ? 1 : 2;
          if (pos >= n && depth === 0) throw new TokenizeError('unexpected EOF while parsing', at, col, E_QUIET);
          if (next === 10 || next === 13) newline();
          continue;
        }
        throw new TokenizeError('unexpected character after line continuation character', line, pos - lineStart, E_QUIET);
      }
      const startCol = pos - lineStart;
      const startLine = line;
      const punctBefore = punct;
      punct = P_NONE;
      if (c === 34 || c === 39) {
        const begin = pos;
        operand(K_STRING, begin, startLine);
        scanString(pos, 0);
        if (!skipping) current!.push({ type: Tok.String, text: src.slice(begin, pos), line: startLine, col: startCol });
        continue;
      }
      if (isIdentStart(c, src, pos)) {
        const begin = pos;
        pos++;
        while (pos < n && isIdentPart(src.charCodeAt(pos), src, pos)) pos++;
        const q = src.charCodeAt(pos);
        if ((q === 34 || q === 39) && pos - begin <= 2 && isStringPrefix(src, begin, pos)) {
          operand(K_STRING, begin, startLine);
          scanString(pos, pos - begin);
          if (!skipping) current!.push({ type: Tok.String, text: src.slice(begin, pos), line: startLine, col: startCol });
          continue;
        }
        word(begin, startLine, punctBefore);
        if (skipping || begin === lazyAt) continue;
        const text = detach(src.slice(begin, pos));
        current!.push(begin === lazyImportAt ? { type: Tok.Name, text, line: startLine, col: startCol, lazy: true } : { type: Tok.Name, text, line: startLine, col: startCol });
        continue;
      }
      if ((c >= 48 && c <= 57) || (c === 46 && src.charCodeAt(pos + 1) >= 48 && src.charCodeAt(pos + 1) <= 57)) {
        const begin = pos;
        number(startLine);
        if (!skipping) current!.push({ type: Tok.Number, text: src.slice(begin, pos), line: startLine, col: startCol });
        continue;
      }
      const len = opLength(src, pos, c);
      if (len === 0) {
        const cp = src.codePointAt(pos)!;
        if (cp > 0x20 && cp < 0x7f) {
          // `$`, `?`, a backtick, a lone `!`: CPython makes them operator tokens, which the parser then rejects
          fail(new TokenizeError('invalid syntax', line, startCol, E_PARSER));
          pos++;
          operandEnd = false;
          continue;
        }
        const undecodable = nameDecodeError(pos);
        if (undecodable !== null) throw undecodable;
        const ch = String.fromCodePoint(cp);
        const hex = cp.toString(16).toUpperCase().padStart(4, '0');
        if (NON_PRINTABLE.test(ch)) throw new TokenizeError(`invalid non-printable character U+${hex}`, line, startCol);
        throw new TokenizeError(`invalid character '${ch}' (U+${hex})`, line, startCol);
      }
      if (c === 123) brace(pos, startLine);
      if (depth > 0 && bracketCh[depth - 1] === 123 && fieldNest === 0) braceElement(c, len, punctBefore, startLine, startCol);
      if (c === 59 && misplacedSemicolon(punctBefore)) semicolonError(punctBefore, startCol);
      else if ((c === 44 && punctBefore === P_SEPARATOR) || (c === 47 && len === 1 && punctBefore === P_SEPARATOR && slashOutsideParameters()) || !opMayFollow(punctBefore, c, len, depth) || (c === 45 && len === 2 && misplacedArrow()) || (c === 58 && len === 1 && punctBefore === P_SEPARATOR && colonAfterOpener(pos)) || (c === 42 && punctBefore === P_DANGLING && afterArrow(pos))) {
        fail(operandMissing(punctBefore, startLine, startCol, pos));
      } else if (operandEnd && prevKw && prevKind === K_WORD && keywordRefuses(c, len)) fail(keywordError(startLine, startCol));
      else if (c === 58 && len === 2 && depth === 0) walrusOutsideBrackets(startLine, startCol);
      if (ternaryOpen > 0 && len === 1 && (c === 44 || c === 59 || c === 58 || c === 41 || c === 93 || c === 125)) ternaryEnd(depth, c === 58 ? pos : -1);
      if (c === 58 && len === 1 && lambdaAt.length > 0) lambdaColon(pos);
      punct = len === 1 ? punctOf(c) : len === 3 && c === 46 ? P_NONE : P_DANGLING;
      if (c === 45 && len === 2 && depth === 0) arrowHere();
      const paren = c === 40 ? parenKind() : 0;
      if (inCall) {
        if (len === 1 && c === 44) argComma();
        else if (len === 1 && c === 58) argColon();
        else if (len === 1 && c === 61) argEquals();
        else if (argStart ? !(len === 1 && (c === 41 || c === 93 || c === 125)) : c === 42 && startsArgument(pos)) argToken(c, len);
      }
      if (depth > 0) {
        if (c === 61 && len === 1 && !inCall) bracketEquals(pos);
        else if (augmentedOp(src, pos, c, len)) augmentedInBrackets();
      } else if (c === 61 || len >= 2) assignmentOperator(c, len);
      pos += len;
      if (c === 59) {
        if (delAt >= 0) delTargets();
        stmtBegin = pos;
        lineEquals = false;
        stmtComma = false;
        stmtColon = false;
        annotated = 0;
      }
      operandEnd = false;
      if (c === 58 && len === 1 && depth === 0) {
        // a block header's colon: a statement may follow on the same line (`try: import a as b`)
        statementColon(pos - 1);
        lineColon = true;
        stmtBegin = pos;
      }
      else if (c === 44 && depth === 0 && !lineColon) python2Comma(pos - 1);
      if (len === 1) {
        if (c === 40 || c === 91 || c === 123) {
          openBracket(c, startLine, startCol, paren, pos - 1);
        } else if (c === 41 || c === 93 || c === 125) {
          const op = String.fromCharCode(c);
          if (depth === 0) throw new TokenizeError(`unmatched '${op}'`, startLine, startCol);
          const open = bracketCh[--depth]!;
          if (open !== openerOf(c)) {
            throw new TokenizeError(
              `closing parenthesis '${op}' does not match opening parenthesis '${String.fromCharCode(open)}'` +
                (bracketLine[depth] !== startLine ? ` on line ${bracketLine[depth]}` : ''),
              startLine,
              startCol,
            );
          }
          // `f(a +)`: the operator has no right operand (checked after the bracket match, as CPython)
          if (punctBefore === P_DANGLING || punctBefore >= P_DOT) fail(new TokenizeError('invalid syntax', startLine, startCol, E_PARSER));
          leftBracket(startLine, startCol);
          closed(pos - 1, startLine);
        }
      }
      if (!skipping) current!.push({ type: Tok.Op, text: len === 1 ? OP1_TEXT[c]! : src.slice(pos - len, pos), line: startLine, col: startCol });
    }
    // a bracket left open: the parser met the end of the file, unless a parser error came first on a later line
    if (depth > 0 && (deferred === null || deferredAt > bracketLine[depth - 1]!)) {
      throw new TokenizeError(`'${String.fromCharCode(bracketCh[depth - 1]!)}' was never closed`, bracketLine[depth - 1]!, bracketCol[depth - 1]!);
    }
    if ((needsOperand(punct) || (operandEnd && prevKw && prevKind === K_WORD && keywordRefuses(10, 0))) && current !== null) fail(operandMissing(punct, line, pos - lineStart, pos));
    finishLine();
    // a decorator over nothing: the end of the file (in a block, its DEDENT) where the def belongs
    if (decoratorCol >= 0) fail(new TokenizeError(decoratorCol > 0 ? 'unexpected unindent' : 'invalid syntax', lastLine(), 0, E_PARSER));
    if (prevEndedWithColon) fail(new TokenizeError(missingBlock(), lastLine(), 0, E_PARSER));
    if (levelClause.includes(C_TRY)) fail(new TokenizeError("expected 'except' or 'finally' block", lastLine(), 0, E_PARSER));
    if (deferred !== null) return failed(deferred as TokenizeError);
    if (futureError !== null) return failed(futureError as TokenizeError);
    if (symtableError !== null) return failed(symtableError as TokenizeError);
    if (moduleNonlocal !== null) return failed(moduleNonlocal as TokenizeError);
    if (bodyNonlocal !== null) return failed(bodyNonlocal as TokenizeError);
    if (compileError !== null) return failed(compileError as TokenizeError);
    return newer.length > 0 ? { lines, newer } : { lines };
  } catch (e) {
    if (e instanceof TokenizeError) return failed(e.rank === E_QUIET && deferred !== null ? deferred : e);
    throw e;
  }

  function failed(e: TokenizeError): TokenizeResult {
    // the lines the parser read before its error; a tokenizer error found later replaces the message only
    const exception = e.exception ?? indentationException(e.message);
    const marker = conflictMarkerLine(src);
    const error = {
      message: e.message,
      line: e.line,
      col: e.col,
      ...(exception === undefined ? {} : { exception }),
      ...(e.since === undefined ? {} : { since: e.since }),
      ...(marker === undefined ? {} : { conflictMarkerLine: marker }),
    };
    return { lines: deferred === null ? lines : lines.slice(0, linesBeforeError), error, ...(newer.length > 0 ? { newer } : {}) };
  }

  /** CPython's TabError: a tab counted as 8 columns and as 1 give a different block structure. */
  function tabError(col: number): TokenizeError {
    return new TokenizeError('inconsistent use of tabs and spaces in indentation', line, col, E_QUIET);
  }

  /** The number of the file's last line, as CPython counts at the end of input: a final newline opens no line. */
  function lastLine(): number {
    const last = src.charCodeAt(n - 1);
    return last === 10 || last === 13 ? line - 1 : line;
  }

  /** CPython's IndentationError for a block header with no body: "expected an indented block after 'if' statement on line 3". */
  function missingBlock(): string {
    const [word, star] = headerWord();
    const what = word === 'def' ? 'function definition' : word === 'class' ? 'class definition' : `'${word}${word === 'except' && star ? '*' : ''}' statement`;
    return `expected an indented block after ${what} on line ${headerLine}`;
  }

  /** The first word of the last block header (after `async`), and whether a `*` follows it (`except*`). */
  function headerWord(): [string, boolean] {
    const b = afterAsync(src, headerBegin);
    let at = b;
    while (identAt(src, at)) at++;
    const word = src.slice(b, at);
    while (src.charCodeAt(at) === 32 || src.charCodeAt(at) === 9 || src.charCodeAt(at) === 12) at++;
    return [word, src.charCodeAt(at) === 42];
  }

  /**
   * A compound statement's header with no `:` outside brackets: `def
   * upgrade()` with its colon forgotten. CPython says "expected ':'" at the
   * header's end, and "expected '('" for `def f:`; it says so whatever follows, so the next line's indent is
   * no error of its own.
   */
  function missingColon(): void {
    const b = afterAsync(src, currentBegin);
    if (b !== currentBegin && !(src.startsWith('def', b) || src.startsWith('for', b) || src.startsWith('with', b))) return;
    if (!startsCompound(b)) return;
    // reported when the line began
    if (src.startsWith('def', b) && defWithoutParen(b) !== null) return;
    fail(new TokenizeError("expected ':'", line, pos - lineStart, E_PARSER));
  }

  /**
   * `def f:`, `def f -> int:`, `def up grade():`: CPython's parser wants `(`
   * (or 3.12's `[`) right after the function's name and says "expected '('" at
   * whatever token stands there instead, before anything later on the line.
   * Returns that error for `def NAME` at `b`, or null.
   */
  function defWithoutParen(b: number): TokenizeError | null {
    let i = skipBlanks(src, b + 3);
    const name = i;
    while (isIdentPart(src.charCodeAt(i), src, i)) i++;
    if (i === name) return null;
    // `def f'x'`: the name is a string's prefix, so a string follows `def`, not a name
    if ((src.charCodeAt(i) === 39 || src.charCodeAt(i) === 34) && i - name <= 2 && isStringPrefix(src, name, i)) return errorAt('invalid syntax', name);
    i = skipBlanks(src, i);
    const d = src.charCodeAt(i);
    if (d === 40 || d === 91) return null;
    // a continuation that ends the file (the backslash, or its own line end, last) is the tokenizer's error; blanks after it are the parser's
    if (i >= n - 1 && CONTINUATION_AT_END.test(src)) return null;
    return errorAt("expected '('", i);
  }

  /**
   * The first `=` outside brackets in a logical line, at `at`: in an `if`,
   * `elif` or `while` condition it is an error, which CPython names by what
   * stands on either side (python-condition.ts); after `return`, `import`,
   * `with` and the other statements that assign nothing (`del` aside, which
   * has its own message) it is "invalid syntax" there.
   */
  function firstEquals(at: number): void {
    lineEquals = true;
    firstEqAt = at;
    const b = statementStart(src, stmtBegin);
    if (src.charCodeAt(b) === 116 && isWordAt(src, b, 'type') && declaredNameEnd(b + 4) === at) {
      needs(12, 'type parameters or a type alias (PEP 695)', currentLine, 'invalid syntax', 11);
    }
    // `yield a = 1` (a lambda's default aside: `yield lambda a=1: a`)
    if (src.charCodeAt(b) === 121 && isWordAt(src, b, 'yield') && !lambdaOpenOutside()) return fail(errorAt('assignment to yield expression not possible', b));
    const w = EQUALS_REFUSED[src.charCodeAt(b)];
    if (w === undefined) return assignedTo(b, at);
    for (let i = 0; i < w.length; i++) {
      const word = w[i]!;
      if (!isWordAt(src, b, word)) continue;
      const cond = b + word.length;
      const e = word === 'if' || word === 'elif' || word === 'while' ? conditionAssignError(src, cond, at) : refusedAssignError(src, cond, at);
      if (e !== null) fail(errorAt(e.message, e.at));
      return;
    }
    assignedTo(b, at);
  }

  /**
   * An assignment statement at `b` with its first `=` at `at`: a target that
   * ends in `)`, a quote or `}` is looked at (`print(x) = 1`, `"a" = 1`); the
   * valid ones (names, attributes, subscripts) end otherwise, and cost nothing.
   */
  function assignedTo(b: number, at: number): void {
    const c = src.charCodeAt(lastNonBlank(src, at - 1));
    if (c !== 41 && c !== 34 && c !== 39 && c !== 125 && !stmtComma && !(c === 93 && src.charCodeAt(b) === 91)) return;
    const e = targetAssignError(src, b, at);
    if (e !== null) fail(errorAt(e.message, e.at));
  }

  /**
   * An operator outside brackets at pos that may assign (`c` is `=` when
   * `len` is 1): an `=` (the
   * statement's first, a later one of a chain, or one after an annotation),
   * or an augmented one, whose target is judged whatever it ends in (`a + b
   * += 1`; such statements are few). After a `:` that opens no block only an
   * annotation's `=` are looked at.
   */
  function assignmentOperator(c: number, len: number): void {
    if (len === 1) {
      if (!stmtColon) {
        if (!lineEquals) firstEquals(pos);
        else laterEquals(pos);
      } else if (annotated > 0) annotatedEquals(pos);
    } else if (!stmtColon && augmentedOp(src, pos, c, len)) {
      const e = augmentedTargetError(src, statementStart(src, stmtBegin), pos);
      if (e !== null) fail(errorAt(e.message, e.at));
    }
  }

  /**
   * `+=`, `/=`, `**=` … inside brackets (`nullable/=True`, `f(a, b+=1)`): no
   * expression holds one, so CPython stops there with "invalid syntax". Left
   * to the argument rules where a call around it has keywords, unpackings, a
   * lambda or something unmodelled (CPython then names the argument's error),
   * where a comprehension or a conditional expression is open, and inside
   * braces (a dict's key position is "':' expected after dictionary key").
   */
  function augmentedInBrackets(): void {
    if (ternaryOpen > 0) return;
    for (let i = 0; i < depth; i++) {
      if (bracketCh[i] === 123) return;
      const f = argFlags[i]!;
      if (f & A_CALL && (f & (A_KW | A_KWUNPACK | A_UNKNOWN | A_PENDING) || f >= A_LAMBDA)) return;
      if (compFor[i + 1] === true) return;
    }
    fail(new TokenizeError('invalid syntax', line, pos - lineStart, E_PARSER));
  }

  /**
   * `:=` outside brackets. Only an `if`, `elif`, `while` or `match` header and
   * a decorator take one; after an `=`, an annotation, or a statement's
   * keyword (`return x := 1`), and with a plain name as the whole target of
   * an expression statement (`down_revision := 'a1'`), CPython stops at it
   * with "invalid syntax". Other targets (`a.b := 1`, `not x := 1`, a lambda)
   * have messages of their own, and are left to them.
   */
  function walrusOutsideBrackets(atLine: number, atCol: number): void {
    if (ternaryOpen > 0) return; // "expected 'else' after 'if' expression" comes first
    const b = statementStart(src, stmtBegin);
    // a lambda's `:` ends no statement, though the loop treats it as a header's: leave its body to CPython's own message
    if (src.charCodeAt(b) === 64 || /\blambda\b/u.test(src.slice(currentBegin, pos))) return;
    const word = statementWord(src, b);
    if (!lineColon && !stmtColon && WALRUS_HEADERS.has(word)) return;
    const keywordFirst = WALRUS_REFUSING_STATEMENTS.has(word);
    const nameAlone = prevStart === b && (prevKind === K_NAME || prevKind === K_WORD) && wordKind(src, prevStart, prevEnd) === Word.Name;
    if (lineEquals || stmtColon || keywordFirst || nameAlone) fail(new TokenizeError('invalid syntax', atLine, atCol, E_PARSER));
  }

  /** A later `=` of an assignment at depth 0 (`x = f() = 1`): the targets up to it, which a chain of them may leave unjudged. */
  function laterEquals(at: number): void {
    // `x = 1 if y = 2`: the conditional's missing `else` is CPython's error first
    if (ternaryOpen > 0 && ternaryIf[0]! >= 0) return ternaryEnd(0, -1);
    const e = chainAssignError(src, statementStart(src, stmtBegin), firstEqAt, at);
    if (e !== null) fail(errorAt(e.message, e.at));
  }

  /**
   * A `:` outside brackets at `at`. The first of a compound statement's line
   * ends its header: a `with` statement's targets after `as` are judged there,
   * the tokens inside them checked by now (`with a as f():`), and the block's
   * first statement may follow on the line (`if x: y = f() = 1`). Any other
   * (an annotation's, a lambda's) leaves the statement's `=` unjudged.
   */
  function statementColon(at: number): void {
    const b = afterAsync(src, statementStart(src, stmtBegin));
    if (lineColon || stmtColon || !startsCompound(b)) {
      // an annotation's: the first, before any `=`, no lambda's, no match's or case's
      if (!stmtColon && !lineEquals && !lambdaOpenOutside() && !isWordAt(src, b, 'match') && !isWordAt(src, b, 'case')) annotated = 1;
      stmtColon = true;
      return;
    }
    if (src.charCodeAt(b) === 119 && isWordAt(src, b, 'with')) {
      const e = withTargetsError(src, b + 4, at);
      if (e !== null) fail(errorAt(e.message, e.at));
    }
    lineEquals = false;
    stmtComma = false;
  }

  /** An `=` outside brackets in an annotated statement: its value's, then (outside a lambda's parameters) CPython's "invalid syntax" there (`x: int = f() = 1`). */
  function annotatedEquals(at: number): void {
    if (annotated === 1) annotated = 2;
    else if (!lambdaOpenOutside()) fail(errorAt('invalid syntax', at));
  }

  /** At the end of a statement that starts with `del`: its targets, which the tokens alone do not judge (`del f()`). */
  function delTargets(): void {
    const e = delTargetError(src, delAt);
    delAt = -1;
    if (e !== null) fail(errorAt(e.message, e.at));
  }

  /**
   * The `]` that closes a logical line's first bracket: type parameters
   * (`def f[T]`, `class C[T]`, `type A[T] = …`) when the bracket follows the
   * name a def, class or type statement declares.
   */
  function typeParameters(): void {
    const b = afterAsync(src, statementStart(src, stmtBegin));
    const c = src.charCodeAt(b);
    const word = c === 100 ? 'def' : c === 99 ? 'class' : c === 116 ? 'type' : '';
    if (word === '' || !isWordAt(src, b, word) || declaredNameEnd(b + word.length) !== bracketPos[0]) return;
    // 3.11 says "expected '('" after def NAME, and 'invalid syntax' for the others
    needs(12, 'type parameters or a type alias (PEP 695)', bracketLine[0]!, word === 'def' ? "expected '('" : 'invalid syntax', 11);
  }

  /** After a def, class or type keyword ending at `at`: where the blanks after the name it declares end (-1 if no name). */
  function declaredNameEnd(at: number): number {
    let i = at;
    while (src.charCodeAt(i) === 32 || src.charCodeAt(i) === 9 || src.charCodeAt(i) === 12) i++;
    if (i === at) return -1;
    const name = i;
    while (identAt(src, i)) i++;
    if (i === name) return -1;
    return blanksEnd(src, i, false);
  }

  /**
   * After the `)` that closes a logical line's first bracket, at `at`: in a
   * function's header only `->` or the `:` may follow its parameters
   * (`def upgrade() > None:` is CPython's "expected ':'" there). The line's
   * end is missingColon's to report.
   */
  function afterParameters(at: number): void {
    if (!isWordAt(src, afterAsync(src, currentBegin), 'def')) return;
    parametersError(bracketPos[0]!, at - 1);
    at = blanksEnd(src, at, false);
    const c = src.charCodeAt(at);
    if (at >= n || c === 10 || c === 13 || c === 35) return;
    if ((c === 58 && src.charCodeAt(at + 1) !== 61) || (c === 45 && src.charCodeAt(at + 1) === 62)) return;
    fail(errorAt("expected ':'", at));
  }

  /** Whether a lambda outside brackets still waits for its `:` (its parameters' defaults hold `=`). */
  function lambdaOpenOutside(): boolean {
    return lambdaLevel.length > 0 && lambdaLevel[0] === 0;
  }

  /** A `:` at `at`: the one of the innermost lambda at this bracket level ends its parameters, which are judged as a function's. */
  function lambdaColon(at: number): void {
    while (lambdaLevel.length > 0 && lambdaLevel[lambdaLevel.length - 1]! > depth) {
      lambdaAt.pop();
      lambdaLevel.pop();
    }
    if (lambdaLevel.length === 0 || lambdaLevel[lambdaLevel.length - 1] !== depth) return;
    lambdaLevel.pop();
    parametersError(lambdaAt.pop()! - 1, at);
  }

  /**
   * A function's parameters, between the brackets at `open` and `close` (or a
   * lambda's, between the word and its `:`): the
   * parser's errors for their order (a parameter without a default after one
   * with, a bare `*` with nothing after it, a second `*`, anything after
   * `**kwargs`, a default for `*args` or `**kwargs`, `/` out of place) and the
   * symbol table's for a repeated name. A parameter this does not read (a
   * tuple, a literal) leaves the list to the other checks.
   */
  function parametersError(open: number, close: number): void {
    const savedPos = pos;
    const savedLine = line;
    const savedLineStart = lineStart;
    const names: string[] = [];
    let positionalDefault = false;
    let defaultAfterSlash = false;
    let star = -1;
    let starNamed = false;
    // plain parameters after a bare `*`: it needs one
    let keywordOnly = 0;
    let kwargs = false;
    let slash = false;
    let error: TokenizeError | null = null;
    pos = open + 1;
    rescanning = true;
    try {
      // the parameters were scanned already: a backslash here continues a line, and a comment never holds the `)`
      for (pos = blanksEnd(src, pos, true); pos < close && error === null; pos = blanksEnd(src, pos, true)) {
        const at = pos;
        const c = src.charCodeAt(pos);
        if (kwargs) {
          error = errorAt('arguments cannot follow var-keyword argument', at);
          break;
        }
        if (c === 47) {
          // `(/)` alone is plain "invalid syntax"
          if (names.length === 0 && star < 0) error = errorAt(blanksEnd(src, at + 1, true) >= close ? 'invalid syntax' : 'at least one argument must precede /', at);
          else if (slash) error = errorAt('/ may appear only once', at);
          else if (star >= 0) error = errorAt('/ must be ahead of *', at);
          slash = true;
          pos++;
        } else {
          const stars = c === 42 ? (src.charCodeAt(pos + 1) === 42 ? 2 : 1) : 0;
          pos += stars;
          pos = blanksEnd(src, pos, true);
          // Python 2's tuple parameter (`def f((a, b)):`, `lambda (k, v): v`)
          if (src.charCodeAt(pos) === 40) {
            error = tupleParameterError(pos, close, stars === 0 && star < 0 && !slash && !positionalDefault, src.charCodeAt(open) !== 40);
            if (error === null) return;
            break;
          }
          const begin = pos;
          while (pos < close && identAt(src, pos)) pos++;
          if (pos === begin && stars !== 1) return;
          const name = src.slice(begin, pos);
          if (name !== '' && wordKind(src, begin, pos) !== Word.Name && wordKind(src, begin, pos) !== Word.Soft) return;
          pos = blanksEnd(src, pos, true);
          // an annotation, then a default: each an expression up to the next parameter
          if (pos < close && src.charCodeAt(pos) === 58 && name !== '') skipExpression(close, true);
          const hasDefault = src.charCodeAt(pos) === 61 && src.charCodeAt(pos + 1) !== 61;
          if (hasDefault) skipExpression(close, false);
          if (stars === 1) {
            if (star >= 0) error = errorAt('* argument may appear only once', at);
            else if (hasDefault) error = errorAt('var-positional argument cannot have default value', at);
            star = at;
            starNamed = name !== '';
          } else if (stars === 2) {
            if (hasDefault) error = errorAt('var-keyword argument cannot have default value', at);
            else if (star >= 0 && !starNamed && keywordOnly === 0) error = errorAt('named arguments must follow bare *', star);
            kwargs = true;
          } else if (star < 0) {
            if (hasDefault) {
              if (!positionalDefault) defaultAfterSlash = slash;
              positionalDefault = true;
              // 3.11 names the error only where the defaults start before any `/`; after one its parser says "invalid syntax" at the `)`
            } else if (positionalDefault) error = defaultAfterSlash ? errorAt('invalid syntax', close) : errorAt('non-default argument follows default argument', at);
          } else keywordOnly++;
          if (name !== '') {
            if (names.includes(name)) symtableError ??= new TokenizeError(`duplicate argument '${name}' in function definition`, lineFrom(currentBegin, currentLine, begin), begin);
            names.push(name);
          }
        }
        if (error !== null) break;
        pos = blanksEnd(src, pos, true);
        if (pos < close && src.charCodeAt(pos) !== 44) return;
        pos++;
      }
      if (error === null && star >= 0 && !starNamed && keywordOnly === 0 && !kwargs) error = errorAt('named arguments must follow bare *', star);
    } finally {
      rescanning = false;
      pos = savedPos;
      line = savedLine;
      lineStart = savedLineStart;
    }
    if (error !== null) fail(error);
  }

  /**
   * A parameter that starts with the `(` at `at`: after plain parameters only, names in parentheses are
   * CPython's "Function parameters cannot be parenthesized" (a lambda's: "Lambda expression …"), and
   * after a default, a star or a `/`, plain "invalid syntax" there. Other contents are left unjudged (null).
   */
  function tupleParameterError(at: number, close: number, afterPlain: boolean, lambda: boolean): TokenizeError | null {
    if (!afterPlain) return errorAt('invalid syntax', at);
    let p = blanksEnd(src, at + 1, true);
    let count = 0;
    for (;;) {
      const b = p;
      while (p < close && identAt(src, p)) p++;
      if (p === b || (wordKind(src, b, p) !== Word.Name && wordKind(src, b, p) !== Word.Soft)) return null;
      count++;
      p = blanksEnd(src, p, true);
      if (src.charCodeAt(p) === 44) p = blanksEnd(src, p + 1, true);
      else if (src.charCodeAt(p) !== 41) return null;
      if (src.charCodeAt(p) === 41) break;
    }
    return count > 0 ? errorAt(`${lambda ? 'Lambda expression' : 'Function'} parameters cannot be parenthesized`, at) : null;
  }

  /**
   * Past the `:` or `=` at pos and the expression after it, to the next comma
   * outside brackets and lambda parameters (or, for an annotation, an `=`),
   * or `end`.
   */
  function skipExpression(end: number, annotation: boolean): void {
    pos++;
    let nest = 0;
    let lambdaOpen = false;
    while (pos < end) {
      const d = src.charCodeAt(pos);
      if (d === 34 || d === 39) scanString(pos, 0);
      else if (d === 35) while (pos < end && src.charCodeAt(pos) !== 10 && src.charCodeAt(pos) !== 13) pos++;
      else if (isAsciiIdent(d)) {
        const b = pos;
        while (isAsciiIdent(src.charCodeAt(pos))) pos++;
        const q = src.charCodeAt(pos);
        if ((q === 34 || q === 39) && pos - b <= 2 && isStringPrefix(src, b, pos)) scanString(pos, pos - b);
        else if (nest === 0 && pos - b === 6 && src.startsWith('lambda', b) && !identAt(src, pos)) lambdaOpen = true;
      } else {
        if (nest === 0 && !lambdaOpen && (d === 44 || (annotation && d === 61 && src.charCodeAt(pos + 1) !== 61 && !'=<>!'.includes(src[pos - 1]!)))) return;
        if (d === 40 || d === 91 || d === 123) nest++;
        else if (d === 41 || d === 93 || d === 125) nest--;
        else if (d === 58 && nest === 0 && lambdaOpen) lambdaOpen = false;
        pos += d === 92 ? 2 : 1;
      }
    }
  }

  /** A parser error located at offset `at` of the current logical line (before pos, or after it on a continued line). */
  function errorAt(message: string, at: number): TokenizeError {
    const start = Math.max(src.lastIndexOf('\n', at - 1), src.lastIndexOf('\r', at - 1)) + 1;
    return new TokenizeError(message, lineFrom(currentBegin, currentLine, at), at - start, E_PARSER);
  }

  /** A comma outside brackets at `at`, before any colon: Python 2's `except A, e:` and `raise E, "message"`. */
  function python2Comma(at: number): void {
    if (!lineEquals) stmtComma = true;
    const c = src.charCodeAt(currentBegin);
    if (c === 101 && isWordAt(src, currentBegin, 'except')) {
      // 3.14 (PEP 758) takes `except A, B:`, but not with `as`
      if (asBeforeColon(at)) fail(new TokenizeError('multiple exception types must be parenthesized', currentLine, 0, E_PARSER));
      else needs(14, 'several exception types without parentheses (PEP 758)', currentLine, 'multiple exception types must be parenthesized', 11);
    } else if ((c === 114 || stmtBegin !== currentBegin) && isWordAt(src, statementStart(src, stmtBegin), 'raise') && !lambdaBefore(at)) {
      fail(errorAt('invalid syntax', at));
    }
  }

  /** Whether an `as` follows `at` in an except clause's header, before its `:` (brackets and strings stepped over). */
  function asBeforeColon(at: number): boolean {
    let nest = 0;
    for (let i = at; i < n; i++) {
      const c = src.charCodeAt(i);
      if (c === 40 || c === 91 || c === 123) nest++;
      else if (c === 41 || c === 93 || c === 125) nest--;
      else if (c === 34 || c === 39) {
        const end = src.indexOf(String.fromCharCode(c), i + 1);
        if (end < 0) return false;
        i = end;
      } else if (c === 92) i++;
      else if (nest === 0 && (c === 58 || c === 10 || c === 13 || c === 35)) return false;
      else if (c === 97 && isWordAt(src, i, 'as') && !identAt(src, i - 1)) return true;
    }
    return false;
  }

  /**
   * Keeps futureState for the logical line just finished, and finds what
   * CPython's compiler rejects in a `from __future__ import …`: one after
   * other statements (or in a block), and an unknown feature. Each statement
   * of a line counts (`import os; from __future__ import x` is an error).
   */
  function futureImport(): void {
    if (current === SKIPPED) {
      const b = currentBegin;
      const future = src.startsWith('from', b) && /^from[ \t\f]+__future__[ \t\f]+import\b/.test(src.slice(b, b + 40));
      if (!future) futureState = 3;
      else if (futureState === 3 || currentIndent > 0) futureError ??= new TokenizeError('from __future__ imports must occur at the beginning of the file', currentLine, 0);
      else futureState = 2;
      return;
    }
    const toks = current!;
    for (let from = 0; ; ) {
      let end = from;
      while (end < toks.length && toks[end]!.text !== ';') end++;
      futureStatement(toks, from, end);
      if (end >= toks.length) return;
      from = end + 1;
    }
  }

  /** One statement of the line, toks[from, end). */
  function futureStatement(toks: readonly Token[], from: number, end: number): void {
    const first = toks[from];
    if (first === undefined) return;
    if (!(first.text === 'from' && toks[from + 1]?.text === '__future__' && toks[from + 2]?.text === 'import')) {
      // the docstring: a first statement that is only string literals
      let strings = futureState === 0;
      for (let i = from; i < end && strings; i++) strings = toks[i]!.type === Tok.String;
      futureState = strings ? 1 : 3;
      return;
    }
    if (futureState === 3 || currentIndent > 0) {
      futureError ??= new TokenizeError('from __future__ imports must occur at the beginning of the file', first.line, from === 0 ? 0 : first.col);
      return;
    }
    futureState = 2;
    for (let i = from + 3; i < end; i++) {
      const t = toks[i]!;
      if (t.text === 'as') i++;
      else if (t.type === Tok.Name || t.text === '*') {
        if (t.text === 'braces') futureError ??= new TokenizeError('not a chance', first.line, t.col);
        else if (!FUTURE_FEATURES.has(t.text)) futureError ??= new TokenizeError(`future feature ${t.text} is not defined`, first.line, t.col);
      }
    }
  }

  /** The common block headers (`def`, `if`, `else`, `with`, `for`, `try`, `class`), recognised without making a string. */
  function startsCompound(b: number): boolean {
    const c0 = src.charCodeAt(b);
    switch (c0) {
      case 100: // d
        return isWordAt(src, b, 'def');
      case 105: // i
        return isWordAt(src, b, 'if');
      case 101: // e
        return isWordAt(src, b, 'else') || isWordAt(src, b, 'elif') || isWordAt(src, b, 'except');
      case 119: // w
        return isWordAt(src, b, 'with') || isWordAt(src, b, 'while');
      case 102: // f
        return isWordAt(src, b, 'for') || isWordAt(src, b, 'finally');
      case 116: // t
        return isWordAt(src, b, 'try');
      case 99: // c
        return isWordAt(src, b, 'class');
      default:
        return false;
    }
  }

  /** A tokenizer error ends the scan; the first parser error is held and the scan goes on, as CPython's does. */
  function fail(e: TokenizeError): void {
    if (e.rank !== E_PARSER) throw e;
    if (deferred === null) {
      deferred = e;
      deferredAt = line;
      linesBeforeError = lines.length;
    }
  }

  /** Records the first use of a construct only Python 3.`since` and later accept (see NewerSyntax). */
  function needs(since: number, feature: string, atLine: number, message?: string, messageFrom?: number): void {
    for (let i = 0; i < newer.length; i++) if (newer[i]!.feature === feature) return;
    newer.push(message === undefined ? { since, feature, line: atLine } : { since, feature, line: atLine, message, messageFrom });
  }

  /**
   * What a one-character operator leaves pending (read before operandEnd is
   * reset). After an operand, `*` and `/` multiply and divide, and need a
   * right operand; elsewhere a lone `*` may end a line (`import *`) or stand
   * for a parameter list's marker (`lambda *, a: 0`), as `/` may (`f(a, /)`).
   */
  function punctOf(c: number): number {
    if (c === 46) return dotKind();
    if (c === 42) {
      if (!operandEnd) {
        if (symtableError === null) importStar();
        if (prefixStarTakesNothing()) return P_NONE;
        starAfterArgument = inCall && !startsArgumentList(pos);
        return P_STAR;
      }
      if (prevKind !== K_WORD || prevEnd - prevStart !== 6) return P_DANGLING;
      if (src.startsWith('lambda', prevStart)) return P_NONE;
      if (!src.startsWith('import', prevStart)) return P_DANGLING;
      // after a relative import's dots, `import` ends an operand
      if (symtableError === null) importStar();
      return P_NONE;
    }
    if (c === 47) return operandEnd ? P_DANGLING : P_SLASH;
    return PUNCT1[c]!;
  }

  /** Whether only blanks separate `at` from the `(` before it: the first argument. */
  function startsArgumentList(at: number): boolean {
    for (let i = at - 1; ; i--) {
      const d = src.charCodeAt(i);
      if (d !== 32 && d !== 9 && d !== 10 && d !== 13 && d !== 12) return d === 40;
    }
  }

  /** A prefix `*` that may stand alone: `import *`, the keyword-only marker of a def's or a lambda's parameters. */
  function prefixStarTakesNothing(): boolean {
    // blanks and backslash continuations may stand between (`from x import \\` then `*`)
    let i = pos - 1;
    for (let c = src.charCodeAt(i); i >= 0 && (c === 32 || c === 9 || c === 12 || c === 10 || c === 13 || c === 92); c = src.charCodeAt(--i));
    if (i >= 5 && src.startsWith('import', i - 5) && !(i >= 6 && isAsciiIdent(src.charCodeAt(i - 6)))) return true;
    return lambdaAt.length > 0 || (depth > 0 && (argFlags[depth - 1]! & A_PARAMS) !== 0);
  }

  /** A `*` at pos after the word `import` (`from x import *`) in a function's or a class's body: the symbol table's error, at the `*`. */
  function importStar(): void {
    // blanks and backslash continuations may stand between (`from x import \\` then `*`)
    let i = pos - 1;
    for (let c = src.charCodeAt(i); i >= 0 && (c === 32 || c === 9 || c === 12 || c === 10 || c === 13 || c === 92); c = src.charCodeAt(--i));
    if (i < 5 || src.charCodeAt(i) !== 116 || !src.startsWith('import', i - 5) || identAt(src, i - 6)) return;
    if (enclosingScope() <= B_CLASS) symtableError = new TokenizeError('import * only allowed at module level', line, pos - lineStart);
  }

  /** Notes a `->` at `pos` (not `-=`) that passed misplacedArrow(), so in a function's header. */
  function arrowHere(): void {
    if (src.charCodeAt(pos + 1) === 62) arrowAt = pos;
  }

  /**
   * Whether the header's `->` is the last token before `at` (only blanks,
   * line continuations and a comment between): the return annotation is
   * missing, or starts with `*`, which no annotation may.
   */
  function afterArrow(at: number): boolean {
    if (arrowAt < 0) return false;
    let i = skipBlanks(src, arrowAt + 2);
    if (src.charCodeAt(i) === 35) while (i < at && src.charCodeAt(i) !== 10 && src.charCodeAt(i) !== 13) i++;
    return i === at || (i === at - 1 && src.charCodeAt(i) === 13);
  }

  /**
   * The parser error for a token that cannot come where an operand is
   * pending (`at` is where the token or the line's end is). After a
   * function's `->` CPython 3.10 and later want the header's `:` instead of an
   * annotation that cannot start there, and say so at the arrow.
   */
  function operandMissing(pending: number, at: number, col: number, where: number): TokenizeError {
    if (pending === P_DANGLING && afterArrow(where)) return errorAt("expected ':'", arrowAt);
    // `f(a, *)`: CPython's rule for a lone star after arguments names an unpacking order instead
    if (pending === P_STAR && starAfterArgument) return new TokenizeError('iterable argument unpacking follows keyword argument unpacking', firstArgLine(depth - 1), col, E_PARSER);
    return new TokenizeError('invalid syntax', at, col, E_PARSER);
  }

  /**
   * A `/` right after `(` or `,` marks positional-only parameters, so it may
   * stand only in a `def`'s parameters or an open lambda's; in a call, a
   * tuple or a list (`sa.Column('a',/ sa.String())`) it is "invalid syntax".
   */
  function slashOutsideParameters(): boolean {
    // a lambda's parameters, or a generator beside other arguments (CPython names that first)
    if (lambdaAt.length > 0 || compFor[depth] === true) return false;
    return depth === 0 || (argFlags[depth - 1]! & A_PARAMS) === 0;
  }

  /** `->` outside a function's header, where it follows the parameters' `)`: `Sequence->[str]`, `sa.Col->umn`. */
  function misplacedArrow(): boolean {
    if (src.charCodeAt(pos + 1) !== 62 || depth > 0) return depth > 0;
    const b = afterAsync(src, currentBegin);
    // in a function's header other checks speak (`def f -> int:` is "expected '('")
    return !isWordAt(src, b, 'def');
  }

  /** What a `.` leaves pending: after an operand an attribute's name (but after `from` a relative import's), elsewhere more of a relative import's dots. */
  function dotKind(): number {
    if (!operandEnd) return P_RELDOT;
    return prevKind === K_WORD && prevEnd - prevStart === 4 && src.startsWith('from', prevStart) ? P_RELDOT : P_DOT;
  }

  /**
   * A keyword where CPython's parser cannot take one: after an attribute's
   * `.` (`a.if`), after an operator or separator unless it starts an operand
   * (`not`, `lambda`, `await`, `yield`, and `in` after a comma: `for a, in b`),
   * `and`/`or`/`in`/`is`/`as` at a statement's start, anything but `import` after
   * a relative import's dots. The word is [begin, pos).
   */
  function misplacedKeyword(before: number, begin: number): boolean {
    const kind = wordKind(src, begin, pos);
    if (kind === Word.Name || kind === Word.Soft) return false;
    if (before === P_DOT) return true;
    const len = pos - begin;
    const c0 = src.charCodeAt(begin);
    if (before === P_RELDOT) return kind === Word.Constant || !(c0 === 105 && len === 6);
    if (kind === Word.Constant) return false;
    if (before === P_SEMI) return len === 2 ? !(c0 === 105 && src.charCodeAt(begin + 1) === 102) : len === 3 && c0 === 97;
    if ((c0 === 110 && len === 3) || (c0 === 108 && len === 6) || (c0 === 121 && len === 5) || (c0 === 97 && len === 5 && src.startsWith('await', begin))) return false;
    return !(before === P_SEPARATOR && c0 === 105 && len === 2 && src.charCodeAt(begin + 1) === 110);
  }

  /**
   * A `:` at `at` right after an opening bracket where no slice can start:
   * `(:` and `{:`, and `[:` in a list display (`x = [:1]`) but not in a
   * subscript (`a[:1]`, told by what stands before the `[`).
   */
  function colonAfterOpener(at: number): boolean {
    let i = at - 1;
    for (let d = src.charCodeAt(i); d === 32 || d === 9 || d === 12 || d === 10 || d === 13; d = src.charCodeAt(--i));
    const c = src.charCodeAt(i);
    if (c === 40 || c === 123) return true;
    if (c !== 91) return false;
    for (let d = src.charCodeAt(--i); d === 32 || d === 9 || d === 12 || d === 10 || d === 13; d = src.charCodeAt(--i));
    return i < 0 || '=([{,:;+-*/%&|^~<>@!'.includes(src[i]!);
  }

  /**
   * A misplaced `;`: "invalid syntax", but where a block header's colon is
   * required at that point ("expected ':'" after `try`, `else`, `finally` and
   * a function's parameters; "expected '('" after `def NAME`).
   */
  function semicolonError(before: number, atCol: number): void {
    const b = afterAsync(src, currentBegin);
    if (depth === 0 && before === P_NONE && !lineColon) {
      if (isWordAt(src, b, 'try') || isWordAt(src, b, 'finally') || isWordAt(src, b, 'else')) return fail(new TokenizeError("expected ':'", line, atCol, E_PARSER));
      if (isWordAt(src, b, 'def')) {
        if (src.lastIndexOf(')', pos) > b) return fail(new TokenizeError("expected ':'", line, atCol, E_PARSER));
        if (defWithoutParen(b)) return;
      }
    }
    fail(new TokenizeError('invalid syntax', line, atCol, E_PARSER));
  }

  /** `;` ends a statement: not inside brackets, not first on a line, not after another `;`, an operator or a block's `:`, not in a block's header. */
  function misplacedSemicolon(before: number): boolean {
    if (depth > 0 || before === P_SEMI || before === P_COLON || needsOperand(before)) return true;
    // a decorator ends at its line's end (`@dec; x = 1`)
    if (src.charCodeAt(statementStart(src, stmtBegin)) === 64) return true;
    // nor inside a block header before its `:` (`with op.batch_a;lter_table("t") as b:`)
    return !lineColon && startsCompound(afterAsync(src, currentBegin));
  }

  function openBracket(c: number, atLine: number, atCol: number, paren: number, at: number): void {
    bracketCh[depth] = c;
    bracketLine[depth] = atLine;
    bracketPos[depth] = at;
    argFlags[depth] = paren;
    callComma[depth] = false;
    braceStar[depth] = false;
    argStart = false;
    bracketCol[depth++] = atCol;
    compFor[depth] = false;
    inCall = paren === A_CALL;
  }

  /** After the bracket at index `depth` closed: a call's argument error is reported at its `)`, as CPython locates it. */
  function leftBracket(atLine: number, atCol: number): void {
    if (bracketCh[depth] === 91) closedOpener = bracketPos[depth]!;
    const f = argFlags[depth]!;
    if (compFor[depth + 1] === true) {
      const e = comprehensionError(src, bracketPos[depth]!, compForAt[depth + 1]!, (f & A_CALL) !== 0);
      if (e !== null) {
        const error = errorAt(e.message, e.at);
        // PEP 798 (3.15) lets a comprehension's element be unpacked; older Pythons say so in these words from 3.9 on
        if (e.since !== undefined) needs(e.since, 'unpacking in a comprehension (PEP 798)', error.line, e.message, 9);
        else fail(error);
      }
    }
    if (f & A_CALL) {
      // a generator beside other arguments (`f(x for x in xs, y)`), located where it starts
      // read again from the `(`: commas in the `for`'s targets (`for k, v in`) and a lambda's parameters separate no arguments
      if (callComma[depth] && compFor[depth + 1] === true && (argumentStart(depth, pos), argSeparated)) {
        const start = argumentStart(depth, compForAt[depth + 1]!);
        fail(errorAt('Generator expression must be parenthesized', start < 0 ? compForAt[depth + 1]! : start));
      }
      if (f & A_KW) kwTop = kwBase[depth]!;
      if ((f & (A_UNKNOWN | A_PENDING)) === A_PENDING) {
        const message = f & A_PENDING_UNPACK ? 'positional argument follows keyword argument unpacking' : 'positional argument follows keyword argument';
        fail(new TokenizeError(message, atLine, atCol, E_PARSER));
      }
    }
    inCall = depth > 0 && (argFlags[depth - 1]! & A_CALL) !== 0;
    // the bracket was itself (part of) an argument, whose start is behind
    argStart = false;
  }

  /**
   * What a `(` here opens: a call's arguments (A_CALL) when it follows an
   * operand that is not a keyword (`if (x = 1):` is a condition's `=`, not a
   * keyword argument's); a function's parameters (A_PARAMS) after `def NAME`
   * or `def NAME[T]`; else a group or a tuple (0).
   */
  function parenKind(): number {
    if (!operandEnd) return 0;
    if (prevKind === K_WORD && prevKw && wordKind(src, prevStart, prevEnd) === Word.Keyword) return 0;
    let i = prevStart - 1;
    if (prevKind === K_OTHER) {
      if (src.charCodeAt(prevStart) !== 93) return A_CALL;
      i = lastNonBlank(src, closedOpener - 1);
      while (i >= 0 && isAsciiIdent(src.charCodeAt(i))) i--;
    } else if (prevKind !== K_NAME && prevKind !== K_WORD) return A_CALL;
    i = lastNonBlank(src, i);
    const isDef = i >= 2 && src.charCodeAt(i) === 102 && src.charCodeAt(i - 1) === 101 && src.charCodeAt(i - 2) === 100;
    return isDef && !(i >= 3 && isAsciiIdent(src.charCodeAt(i - 3))) ? A_PARAMS : A_CALL;
  }

  /**
   * A word [begin, pos) in a call's arguments: where an argument starts after
   * a keyword argument (a name before `=` is the next keyword, anything else
   * a positional argument out of place), or `lambda`, `for`, `yield`.
   */
  function argWord(begin: number): void {
    const top = depth - 1;
    const f = argFlags[top]!;
    if (f & A_UNKNOWN) return;
    const len = pos - begin;
    const c0 = src.charCodeAt(begin);
    if (c0 === 108 && len === 6 && src.startsWith('lambda', begin)) argFlags[top] = f + A_LAMBDA;
    else if ((c0 === 102 && len === 3 && src.startsWith('for', begin)) || (c0 === 121 && len === 5 && src.startsWith('yield', begin))) {
      // a generator expression or a yield: CPython names those errors otherwise
      if (c0 === 102 && f & A_KW && f < A_LAMBDA) generatorAfterKeyword(top, begin);
      argFlags[top] = f | A_UNKNOWN;
      return;
    }
    if (!argStart) return;
    argStart = false;
    if (!followedByAssign(pos)) positional(top);
  }

  /** `f(a, b=1 for x in y)`: a keyword argument's value cannot be a bare generator (CPython names the keyword's line). */
  function generatorAfterKeyword(top: number, forAt: number): void {
    const start = argumentStart(top, forAt);
    if (start < 0 || !isIdentStart(src.charCodeAt(start), src, start)) return;
    let i = start;
    while (isIdentPart(src.charCodeAt(i), src, i)) i++;
    while (src.charCodeAt(i) === 32 || src.charCodeAt(i) === 9) i++;
    if (src.charCodeAt(i) === 61 && src.charCodeAt(i + 1) !== 61) {
      fail(new TokenizeError("invalid syntax. Maybe you meant '==' or ':=' instead of '='?", lineAt(top, start), 0, E_PARSER));
    }
  }

  /** An operator, bracket or literal (len 0) where an argument starts: after a keyword argument, or a `*`/`**` unpacking. */
  function argToken(c: number, len: number): void {
    argStart = false;
    const top = depth - 1;
    const f = argFlags[top]!;
    // a lambda's parameters (`lambda x, **k: …`) are no arguments
    if (f & A_UNKNOWN || f >= A_LAMBDA) return;
    if (c === 42 && len === 1) {
      if (f & A_KWUNPACK) fail(new TokenizeError('iterable argument unpacking follows keyword argument unpacking', firstArgLine(top), 0, E_PARSER));
    } else if (c === 42 && len === 2) argFlags[top] = f | A_KWUNPACK;
    else positional(top);
  }

  /** A `,` at a call's top level: once a keyword argument came, each next argument is looked at. */
  function argComma(): void {
    const top = depth - 1;
    const f = argFlags[top]!;
    if (f < A_LAMBDA) callComma[top] = true;
    if (f & (A_KW | A_KWUNPACK) && f < A_LAMBDA) argStart = true;
  }

  /** A `:` at a call's top level ends a lambda's parameters. */
  function argColon(): void {
    const top = depth - 1;
    const f = argFlags[top]!;
    if (f >= A_LAMBDA) argFlags[top] = f - A_LAMBDA;
    // no other `:` stands at a call's level (`sa.te:xt(…)`, `f(a: b)`), unless something unmodelled (a generator) hides a lambda
    else if (!(f & A_UNKNOWN)) fail(new TokenizeError('invalid syntax', line, pos - lineStart, E_PARSER));
  }

  /** A lone `=` at a call's top level: a keyword argument when the name before it starts the argument. */
  function argEquals(): void {
    const top = depth - 1;
    const f = argFlags[top]!;
    if (f & A_UNKNOWN || f >= A_LAMBDA) return;
    const named = prevKind === K_WORD || prevKind === K_NAME;
    // the common case is told from the characters before the name; a comment there needs the argument read from the `(`
    const start = named && startsArgument(prevStart) ? prevStart : argumentStart(top, pos);
    if (named && start === prevStart) {
      if (wordKind(src, prevStart, prevEnd) === Word.Constant) fail(new TokenizeError(`cannot assign to ${src.slice(prevStart, prevEnd)}`, prevLine, 0, E_PARSER));
      // the first keyword: the names of calls closed before it are off the stack again, so it starts here
      if (!(f & A_KW)) kwBase[top] = kwTop;
      if (keywordSeen(top, prevStart, prevEnd)) compileError ??= new TokenizeError(`keyword argument repeated: ${src.slice(prevStart, prevEnd)}`, prevLine, 0);
      kwSpans[kwTop++] = prevStart;
      kwSpans[kwTop++] = prevEnd;
      argFlags[top] = f | A_KW;
      return;
    }
    // `f(a.b=1)`, `f(x == y = 1)`: CPython's message names the argument's first line; after `a=` or `a:=` (`f(a=b=1)`) or an unpacking (`f(**a=1)`) it is plain
    if (start >= 0) {
      if (src.charCodeAt(start) === 42 || argAssigns) fail(new TokenizeError('invalid syntax', line, pos - lineStart, E_PARSER));
      else fail(new TokenizeError('expression cannot contain assignment, perhaps you meant "=="?', lineAt(top, start), 0, E_PARSER));
    }
    argFlags[top] = f | A_UNKNOWN;
  }

  /**
   * A lone `=` inside brackets that hold no call's arguments (`if (x = 1):`,
   * `[a = 1]`, `{'a': 1, 'b' = 2}`): CPython's error for it, unless it is a
   * default in the parameters of a function (`def f(a=1)`), of a generic
   * class or alias (3.13's `class C[T=int]`), or of a lambda in the bracket.
   * An import's parenthesised names take no `=`.
   */
  function bracketEquals(at: number): void {
    const top = depth - 1;
    const b = statementStart(src, stmtBegin);
    if (top === 0 && (isWordAt(src, b, 'def') || isWordAt(src, b, 'class') || isWordAt(src, b, 'type'))) {
      if (bracketCh[0] === 91) needs(13, 'a type parameter default (PEP 696)', line);
      return;
    }
    if (isWordAt(src, b, 'from') || isWordAt(src, b, 'import')) return fail(errorAt('invalid syntax', at));
    const start = argumentStart(top, at);
    // a `:` in a subscript's element is a slice's
    if (start < 0 || argLambda || (argColonSeen && bracketCh[top] !== 123)) return;
    const e = bracketAssignError(src, start, at, bracketCh[top] === 123 ? argEntry : 0);
    if (e !== null) fail(errorAt(e.message, e.at));
  }

  /**
   * Where the argument that reaches `end` starts in the call whose bracket is
   * at index `top`: its first token after the `(` or after the last comma at
   * the call's level, comments and strings stepped over; -1 when none yet.
   * Read again from the `(`, which is rare: only for an `=` after something
   * other than a plain name, or a generator after a keyword argument.
   */
  function argumentStart(top: number, end: number): number {
    argAssigns = false;
    argLambda = false;
    argColonSeen = false;
    argSeparated = false;
    const savedPos = pos;
    const savedLine = line;
    const savedLineStart = lineStart;
    let start = -1;
    let nest = 0;
    // a lambda's parameters are open (their commas separate no elements); an earlier element was a dict's `key: value` or `**d`
    let lambdaOpen = false;
    // between a comprehension's `for` and its `in`: commas there separate targets
    let target = false;
    let dict = false;
    pos = bracketPos[top]! + 1;
    rescanning = true;
    try {
      while (pos < end) {
        const d = src.charCodeAt(pos);
        if (d === 32 || d === 9 || d === 12 || d === 10 || d === 13) pos++;
        else if (d === 92) pos += 2;
        else if (d === 35) while (pos < end && src.charCodeAt(pos) !== 10 && src.charCodeAt(pos) !== 13) pos++;
        else {
          if (start < 0) start = pos;
          if (d === 34 || d === 39) scanString(pos, 0);
          else if (isAsciiIdent(d)) {
            const b = pos;
            while (isAsciiIdent(src.charCodeAt(pos))) pos++;
            const q = src.charCodeAt(pos);
            if ((q === 34 || q === 39) && pos - b <= 2 && isStringPrefix(src, b, pos)) scanString(pos, pos - b);
            else if (nest === 0 && pos - b === 6 && src.startsWith('lambda', b) && !identAt(src, pos)) lambdaOpen = argLambda = true;
            else if (nest === 0 && !identAt(src, pos) && !identAt(src, b - 1)) {
              if (pos - b === 3 && src.startsWith('for', b)) target = true;
              else if (pos - b === 2 && src.startsWith('in', b)) target = false;
            }
          } else {
            if (d === 40 || d === 91 || d === 123) nest++;
            else if (d === 41 || d === 93 || d === 125) nest--;
            else if (d === 44 && nest === 0 && !lambdaOpen && !target) {
              argSeparated = true;
              if (argColonSeen || (src.charCodeAt(start) === 42 && src.charCodeAt(start + 1) === 42)) dict = true;
              start = -1;
              argAssigns = argLambda = argColonSeen = false;
            } else if (d === 58 && nest === 0 && src.charCodeAt(pos + 1) !== 61) {
              if (lambdaOpen) lambdaOpen = false;
              else argColonSeen = true;
            } else if (d === 61 && nest === 0 && src.charCodeAt(pos + 1) !== 61 && !'=<>!'.includes(src[pos - 1]!)) argAssigns = true;
            pos++;
          }
        }
      }
    } finally {
      rescanning = false;
      pos = savedPos;
      line = savedLine;
      lineStart = savedLineStart;
    }
    argEntry = argColonSeen ? 2 : dict ? 1 : 0;
    return start;
  }

  /** The line of offset `at`, inside the bracket at index `top` (counted from the bracket's line). */
  function lineAt(top: number, at: number): number {
    return lineFrom(bracketPos[top]!, bracketLine[top]!, at);
  }

  /** The line of offset `at`, counted on from offset `from` on line `fromLine` (CRLF, LF or CR). */
  function lineFrom(from: number, fromLine: number, at: number): number {
    let l = fromLine;
    for (let i = from; i < at; i++) {
      const d = src.charCodeAt(i);
      if (d === 10 || (d === 13 && src.charCodeAt(i + 1) !== 10)) l++;
    }
    return l;
  }

  /** Whether only blanks separate `at` from the `(` or `,` before it. */
  function startsArgument(at: number): boolean {
    for (let i = at - 1; ; i--) {
      const d = src.charCodeAt(i);
      if (d !== 32 && d !== 9 && d !== 10 && d !== 13 && d !== 12) return d === 40 || d === 44;
    }
  }

  /** The line of a call's first argument (where CPython reports an unpacking out of order). */
  function firstArgLine(top: number): number {
    let i = bracketPos[top]! + 1;
    for (let d = src.charCodeAt(i); d === 32 || d === 9 || d === 12 || d === 10 || d === 13; d = src.charCodeAt(++i));
    return lineAt(top, i);
  }

  /** Whether the call at `top` already has a keyword argument named src[begin, end). */
  function keywordSeen(top: number, begin: number, end: number): boolean {
    const len = end - begin;
    for (let k = kwBase[top]!; k < kwTop; k += 2) {
      const b = kwSpans[k]!;
      if (kwSpans[k + 1]! - b !== len) continue;
      let i = 0;
      while (i < len && src.charCodeAt(b + i) === src.charCodeAt(begin + i)) i++;
      if (i === len) return true;
    }
    return false;
  }

  /** A positional argument after a keyword argument: CPython's parser rejects it (reported at the call's `)`). */
  function positional(top: number): void {
    const f = argFlags[top]!;
    if (!(f & A_PENDING)) argFlags[top] = f | A_PENDING | (f & A_KWUNPACK ? A_PENDING_UNPACK : 0);
  }

  /** Whether a lone `=` comes next, past spaces, newlines and comments (inside brackets they do not matter). */
  function followedByAssign(p: number): boolean {
    p = blanksEnd(src, p, true);
    return src.charCodeAt(p) === 61 && src.charCodeAt(p + 1) !== 61;
  }

  /**
   * Whether the last token ended an operand. A word is classified only when
   * that matters, when another operand follows it: `if x` is fine, `a x` is
   * not. Most words are followed by an operator and never need it.
   */
  function endsOperand(): boolean {
    if (!operandEnd) return false;
    if (prevKind !== K_WORD) return true;
    const kind = wordKind(src, prevStart, prevEnd);
    // match, case and type are keywords where no operand precedes them, as here
    if (kind === Word.Keyword || kind === Word.Soft) return false;
    prevKind = K_NAME;
    return true;
  }

  /** An operand token (string, number) starts at `begin`: an error when another one just ended. */
  function operand(kind: number, begin: number, atLine: number): void {
    if (argStart) argToken(0, 0);
    stringAfterString = operandEnd && kind === K_STRING && prevKind === K_STRING;
    if (operandEnd && (kind !== K_STRING || prevKind !== K_STRING) && endsOperand()) fail(sideBySide(kind, begin, atLine));
    operandEnd = true;
    prevKind = kind;
    prevStart = begin;
    prevLine = atLine;
  }

  /** A number literal at pos, an operand. */
  function number(atLine: number): void {
    operand(K_NUMBER, pos, atLine);
    scanNumber();
    prevEnd = pos;
  }

  /** The word from `begin` to pos: after an operand only a keyword may come. */
  function word(begin: number, atLine: number, before: number): void {
    const len = pos - begin;
    const startsStatement = before === P_SEMI || (before === P_COLON && depth === 0);
    // `lazy import` / `lazy from` (PEP 810, 3.15): the soft keyword is read and left out of the tokens
    if (len === 4 && startsStatement && src.charCodeAt(begin) === 108 && src.startsWith('lazy', begin) && lazyImport(begin, atLine)) {
      punct = before;
      return;
    }
    // most words cannot be keywords by their shape: they skip every keyword check below
    const kwLike = keywordShaped(src, begin, len);
    if (kwLike) {
      keywordPlace(begin, atLine, before);
      if (startsStatement && len === 3 && src.charCodeAt(begin) === 100 && src.startsWith('del', begin)) delAt = pos;
      // a compiler error already found leaves only the symbol table's (`nonlocal`) to look for
      if (startsStatement && (compileError === null || len === 8)) outsideStatement(begin, atLine);
      else if (asyncShaped(src.charCodeAt(begin), len)) asyncWord(begin, atLine, before);
      if (len === 4 && !startsStatement && src.startsWith('else', begin)) elseWord(begin, atLine, before);
    }
    // in a call, a word matters where an argument starts, or as lambda, for, yield
    if (inCall && (argStart || maySpecial(src.charCodeAt(begin), len))) argWord(begin);
    if (operandEnd && endsOperand()) {
      if (wordKind(src, begin, pos) === Word.Keyword) {
        operandEnd = false;
        infixKeyword(begin, atLine);
        return;
      }
      fail(sideBySide(K_NAME, begin, atLine));
    }
    // an `if` not read as infix (after `...` or a soft keyword used as a name): this line's `else` is not judged
    if (kwLike && len === 2 && !startsStatement) looseIf ||= src.charCodeAt(begin) === 105 && src.charCodeAt(begin + 1) === 102;
    operandEnd = true;
    prevKind = K_WORD;
    prevKw = kwLike;
    prevStart = begin;
    prevEnd = pos;
    prevLine = atLine;
  }

  /**
   * The word `lazy` at [begin, pos) at a statement's start: when `import` or `from` follows, it is
   * PEP 810's soft keyword (Python 3.15). CPython's symbol table refuses it inside a `try`
   * statement's blocks, a function or a class (checked in that order, within the innermost scope),
   * and with `import *`; its parser refuses `lazy from __future__`. Older Pythons: "invalid syntax".
   */
  function lazyImport(begin: number, atLine: number): boolean {
    const next = blanksEnd(src, pos, false);
    const isFrom = isWordAt(src, next, 'from');
    if (!isFrom && !isWordAt(src, next, 'import')) return false;
    lazyAt = begin;
    lazyImportAt = next;
    stmtBegin = next;
    needs(15, 'a lazy import (PEP 810)', atLine, 'invalid syntax', 8);
    const statement = src.slice(next, src.indexOf('\n', next) >>> 0);
    if (isFrom && /^from[ \t\f]+__future__\b/.test(statement)) {
      fail(new TokenizeError('lazy from __future__ import is not allowed', atLine, begin - lineStart, E_PARSER, undefined, 15));
      return true;
    }
    if (symtableError !== null) return true;
    const scope = enclosingScope();
    const where = tryInScope ? 'try/except blocks' : scope <= B_FUNC ? 'functions' : scope === B_CLASS ? 'classes' : null;
    const what = isFrom ? 'from ... import' : 'import';
    if (where !== null) symtableError = new TokenizeError(`lazy ${what} not allowed inside ${where}`, atLine, begin - lineStart, E_TOKEN, undefined, 15);
    else if (isFrom && /^from\b[^#;]*?\bimport[ \t\f]*\*/.test(statement)) symtableError = new TokenizeError('lazy from ... import * is not allowed', atLine, begin - lineStart, E_TOKEN, undefined, 15);
    return true;
  }

  /**
   * A statement starting with the word [begin, pos): `return` and `yield`
   * outside a function's body (at module level or in a class's), and `break`
   * and `continue` outside a loop's block within the innermost function or
   * class, are CPython's compiler errors; `nonlocal` at module level is its
   * symbol table's.
   */
  function outsideStatement(begin: number, atLine: number): void {
    const len = pos - begin;
    const c0 = src.charCodeAt(begin);
    const isReturn = c0 === 114 && len === 6 && src.startsWith('return', begin);
    const isYield = c0 === 121 && len === 5 && src.startsWith('yield', begin);
    const isBreak = c0 === 98 && len === 5 && src.startsWith('break', begin);
    const isContinue = c0 === 99 && len === 8 && src.startsWith('continue', begin);
    const isAsync = c0 === 97 && len === 5 && src.startsWith('async', begin);
    const isNonlocal = c0 === 110 && len === 8 && src.startsWith('nonlocal', begin);
    if (!isNonlocal && compileError !== null) return;
    if (!isReturn && !isYield && !isBreak && !isContinue && !isAsync && !isNonlocal) return asyncWord(begin, atLine, P_SEMI);
    const scope = enclosingScope();
    if (isNonlocal) {
      // the symbol table's analysis, after its whole walk: a name used before at module level is its walk's own
      // error ("… assigned to before nonlocal declaration"), which is not tracked here, so that case is left unjudged
      if (scope > B_CLASS) {
        if (moduleNonlocal === null && !namesSeenBefore(begin, 0)) moduleNonlocal = new TokenizeError('nonlocal declaration not allowed at module level', atLine, begin - lineStart);
      } else if (bodyNonlocal === null) bodyNonlocal = unboundNonlocal(begin, atLine);
      return;
    }
    if (isAsync) {
      // `async for` and `async with` need a coroutine's body (`async def` is checked by the parser)
      const next = statementStart(src, pos);
      const what = isWordAt(src, next, 'for') ? 'for' : isWordAt(src, next, 'with') ? 'with' : null;
      if (what !== null && scope !== B_ASYNC_FUNC) compileError = new TokenizeError(`'async ${what}' outside async function`, atLine, begin - lineStart);
    } else if (isReturn || isYield) {
      if (scope > B_FUNC) compileError = new TokenizeError(`'${isReturn ? 'return' : 'yield'}' outside function`, atLine, begin - lineStart);
      else if (isYield && scope === B_ASYNC_FUNC && isWordAt(src, statementStart(src, pos), 'from')) compileError = new TokenizeError("'yield from' inside async function", atLine, begin - lineStart);
    } else if (!loopInScope) compileError = new TokenizeError(isBreak ? "'break' outside loop" : "'continue' not properly in loop", atLine, begin - lineStart);
  }

  /** The names of the `nonlocal` statement whose word ends at pos. */
  function nonlocalNames(): string[] {
    return /^[ \t\f]*([^\n;#]*)/u.exec(src.slice(pos, pos + 1000))![1]!.split(',').map((n) => n.trim());
  }

  /** Whether any name of the `nonlocal` statement at [begin, pos) appears as a word in src[from, begin). */
  function namesSeenBefore(begin: number, from: number): boolean {
    const before = src.slice(from, begin);
    return nonlocalNames().some((n) => n === '' || new RegExp(`(?<![\\w.])${n.replace(/[^\p{L}\p{N}_]/gu, '')}(?!\\w)`, 'u').test(before));
  }

  /**
   * A `nonlocal` statement at [begin, pos) in a function or class body: when no function encloses
   * that scope, no name can have a binding, which CPython's symbol table reports for the first name.
   * Left unjudged where its walk may say something else first: a name already seen in the scope
   * (a parameter, a use, an assignment), in a file that says `global`, or mangled in a class (`__x`).
   */
  function unboundNonlocal(begin: number, atLine: number): TokenizeError | null {
    let i = levelBlock.length - 1;
    let from: number;
    if (lineColon && lineBlock <= B_CLASS) from = currentBegin;
    else {
      while (i > 0 && levelBlock[i]! > B_CLASS) i--;
      from = levelHeader[i]!;
      i--;
    }
    for (; i >= 0; i--) if (levelBlock[i]! <= B_FUNC) return null;
    const names = nonlocalNames();
    if (names.some((n) => !/^[A-Za-z_]\w*$/u.test(n) || n.startsWith('__')) || namesSeenBefore(begin, from)) return null;
    // a `global` for the same name makes it "nonlocal and global"; any `global` in the file leaves the case unjudged
    if (src.includes('global')) return null;
    return new TokenizeError(`no binding for nonlocal '${names[0]}' found`, atLine, begin - lineStart);
  }

  /**
   * An `else` inside a statement: a conditional expression's, after an operand or not (`x if match else y`:
   * a soft keyword ends no operand here). One no conditional expression waits for at its level is
   * "invalid syntax": after a comprehension's filter (`[x for x in y if x else 0]`, a disjunction), or
   * with no `if` at all (`x = a else b`). Kept out of word(), which runs for every name.
   */
  function elseWord(begin: number, atLine: number, before: number): void {
    if (ternaryOpen > 0 && ternaryIf[depth]! >= 0) {
      ternaryIf[depth] = -1;
      ternaryOpen--;
    } else if (before !== P_COLON && !looseIf) fail(new TokenizeError('invalid syntax', atLine, begin - lineStart, E_PARSER));
  }

  /** Whether a word of this first character and length could be `await`, `async`, `yield`, `for` or `lambda`. */
  function asyncShaped(c0: number, len: number): boolean {
    return ((c0 === 97 || c0 === 121) && len === 5) || (c0 === 102 && len === 3) || (c0 === 108 && len === 6);
  }

  /**
   * The word [begin, pos), not at a statement's start, when it is `await`,
   * `async`, `for` or `lambda`. An `await` needs a coroutine's body: in
   * another function's "'await' outside async function", at module level or
   * in a class's body "'await' outside function". In brackets the verdict
   * waits for the line's end, as a comprehension, a generator or a lambda
   * there would be a scope of its own. `async for` in a list, set or dict
   * comprehension needs a coroutine too.
   */
  function asyncWord(begin: number, atLine: number, before: number): void {
    const c0 = src.charCodeAt(begin);
    if (c0 === 102 || c0 === 108) {
      if ((depth > 0 || c0 === 108) && wordKind(src, begin, pos) === Word.Keyword) {
        lineScoped = true;
        if (c0 === 108) {
          lambdaAt.push(pos);
          lambdaLevel.push(depth);
        }
        if (c0 === 102) {
          if (compFor[depth] !== true) {
            compFor[depth] = true;
            compForAt[depth] = begin;
          }
          compForLast[depth] = begin;
        }
      }
      return;
    }
    const isAwait = src.startsWith('await', begin);
    const isYield = !isAwait && src.startsWith('yield', begin);
    if (!isAwait && !isYield && !src.startsWith('async', begin)) return;
    if (isYield && misplacedYield(begin, before)) fail(new TokenizeError('invalid syntax', atLine, begin - lineStart, E_PARSER));
    if (lineScoped) return;
    const scope = enclosingScope();
    if (isYield) {
      // `x = yield v` needs a function's body as `yield v` does; a lambda is one (`lambda: (yield)`)
      if (scope <= B_FUNC || lambdaBefore(begin)) return;
      const e = new TokenizeError("'yield' outside function", atLine, begin - lineStart);
      if (depth === 0) compileAt(e);
      else pendingAwait ??= e;
      return;
    }
    if (scope === B_ASYNC_FUNC || lambdaBefore(begin)) return;
    if (isAwait) {
      const e = new TokenizeError(scope === B_FUNC ? "'await' outside async function" : "'await' outside function", atLine, begin - lineStart);
      if (depth === 0) compileAt(e);
      else pendingAwait ??= e;
    } else if (depth > 0 && isWordAt(src, statementStart(src, pos), 'for')) {
      // in a list, set or dict comprehension; a parenthesised one may be a generator, which may be asynchronous anywhere
      for (let i = 0; i < depth; i++) if (bracketCh[i] === 40 && !(argFlags[i]! & A_CALL)) return;
      compileAt(new TokenizeError('asynchronous comprehension outside of an asynchronous function', bracketLine[depth - 1]!, bracketCol[depth - 1]!));
    }
  }

  /**
   * A `yield` at `begin`, not starting a statement, where the grammar has no place for one: a yield
   * expression stands alone in a grouping `(…)` or as an assignment's whole value (`x = yield`,
   * `x += yield`), nowhere else (`f(yield)`, `[1, yield]`, `return yield`, `f(lambda: yield)`).
   * Where the token before it cannot be told for sure (a comment between), it is not judged.
   */
  function misplacedYield(begin: number, before: number): boolean {
    if (before === P_NONE || before === P_STAR || before === P_SLASH || (before === P_COLON && depth > 0)) return true;
    if (before !== P_SEPARATOR && before !== P_DANGLING) return false;
    if (before === P_DANGLING && depth > 0) return true;
    let j = begin - 1;
    for (;;) {
      const c = src.charCodeAt(j);
      if (c === 32 || c === 9 || c === 12 || c === 10 || c === 13) j--;
      else if (c === 92) j--;
      else break;
    }
    const lineBegin = src.lastIndexOf('\n', j) + 1;
    if (src.indexOf('#', lineBegin) < j && src.indexOf('#', lineBegin) >= 0) return false;
    const c = src.charCodeAt(j);
    if (before === P_SEPARATOR) return c === 44 || c === 91 || c === 123 || (c === 40 && (argFlags[depth - 1]! & A_CALL) !== 0);
    if (c !== 61) return true;
    // `=` and the augmented assignments (`>>=` too) end in `=`; `==`, `!=`, `<=`, `>=` and `:=` compare or bind
    const b = src.charCodeAt(j - 1);
    if (b === 61 || b === 33 || b === 58) return true;
    if (b === 60 || b === 62) return src.charCodeAt(j - 2) !== b;
    return false;
  }

  /** Whether the word `lambda` stands in the current statement before `at` (its body is a function of its own). */
  function lambdaBefore(at: number): boolean {
    for (let i = stmtBegin; i + 6 <= at; i++) if (src.charCodeAt(i) === 108 && src.startsWith('lambda', i)) return true;
    return false;
  }

  /**
   * The innermost function or class whose body holds the current line
   * (B_ASYNC_FUNC, B_FUNC, B_CLASS), or B_OTHER at module level; and in
   * loopInScope, whether a loop's block within it holds the line (in tryInScope, a `try` statement's). A header
   * earlier on the line (`for x in y: break`, `def f(): return`) holds the
   * statement first, then the open blocks.
   */
  function enclosingScope(): number {
    let scope = lineColon ? lineBlock : B_OTHER;
    loopInScope = scope === B_LOOP;
    tryInScope = scope === B_TRY;
    for (let i = levelBlock.length - 1; i >= 0 && scope > B_CLASS; i--) {
      scope = levelBlock[i]!;
      if (scope === B_LOOP) loopInScope = true;
      else if (scope === B_TRY) tryInScope = true;
    }
    return scope;
  }

  /**
   * An operator at the top level of a `{…}` display: a `*` or `**` that starts an element makes a
   * set's or dict's unpacking, which takes no `: value` (CPython: "invalid syntax" at the colon).
   */
  function braceElement(c: number, len: number, before: number, atLine: number, atCol: number): void {
    if (c === 42 && len <= 2 && before === P_SEPARATOR) braceStar[depth - 1] = true;
    else if (c === 44 && len === 1) braceStar[depth - 1] = false;
    else if (c === 58 && len === 1 && braceStar[depth - 1]) fail(new TokenizeError('invalid syntax', atLine, atCol, E_PARSER));
  }

  /** Keeps the compiler's error that comes first in the file. */
  function compileAt(e: TokenizeError): void {
    if (compileError === null || compileError.line > e.line || (compileError.line === e.line && compileError.col > e.col)) compileError = e;
  }

  /**
   * A logical line starting at pos, at column `col`, after the statement
   * before it at its level: a clause (`elif`, `else`, `except`, `finally`)
   * that has nothing to follow, or a `try` left with neither `except` nor
   * `finally`, is CPython's error there. Sets lineClause for the next line,
   * and lineBlock for the block the line may open.
   */
  function clause(col: number): void {
    lineBlock = blockOf(pos);
    const before = levelClause[levelClause.length - 1]!;
    const c0 = src.charCodeAt(pos);
    let w = C_NONE;
    let allowed = true;
    if (c0 === 101 && isWordAt(src, pos, 'except')) {
      allowed = before === C_TRY || before === C_EXCEPT || before < 0;
      if (before < 0) compileAt(new TokenizeError("default 'except:' must be last", -before, col));
      const next = src.charCodeAt(blanksEnd(src, pos + 6, false));
      w = next === 58 ? -line : C_EXCEPT;
      if (next === 42) needs(11, 'except* (exception groups, PEP 654)', line, 'invalid syntax', 11);
    } else if (c0 === 102 && isWordAt(src, pos, 'finally')) allowed = before === C_TRY || before === C_EXCEPT || before < 0 || before === C_TRY_ELSE;
    else if (before === C_TRY) {
      lineClause = C_NONE;
      return fail(new TokenizeError("expected 'except' or 'finally' block", line, col, E_PARSER));
    } else if (c0 === 101 && isWordAt(src, pos, 'elif')) {
      allowed = before === C_IF;
      w = C_IF;
    } else if (c0 === 101 && isWordAt(src, pos, 'else')) {
      allowed = before === C_IF || before === C_LOOP || before === C_EXCEPT || before < 0;
      w = before === C_EXCEPT || before < 0 ? C_TRY_ELSE : C_NONE;
    } else if (c0 === 105 && isWordAt(src, pos, 'if')) w = C_IF;
    else if (c0 === 116 && isWordAt(src, pos, 'try')) w = C_TRY;
    else if (lineBlock === B_LOOP) w = C_LOOP;
    if (w === C_TRY || w === C_EXCEPT || w === C_TRY_ELSE || w < 0 || (c0 === 102 && isWordAt(src, pos, 'finally'))) lineBlock = B_TRY;
    lineClause = w;
    if (!allowed) fail(new TokenizeError('invalid syntax', line, col, E_PARSER));
  }

  /** What block the statement at `b` opens if it is a compound one: a function's body, a class's, a loop's, or another. */
  function blockOf(b: number): number {
    const a = afterAsync(src, b);
    switch (src.charCodeAt(a)) {
      case 100: // d
        return !isWordAt(src, a, 'def') ? B_OTHER : a === b ? B_FUNC : B_ASYNC_FUNC;
      case 99: // c
        return isWordAt(src, a, 'class') ? B_CLASS : B_OTHER;
      case 102: // f
      case 119: // w
        return isWordAt(src, a, 'for') || isWordAt(src, a, 'while') ? B_LOOP : B_OTHER;
      default:
        return B_OTHER;
    }
  }

  /** A word that may be a keyword, where the token before cannot take that keyword: `x = a + import`, `from alembic import import op`. */
  function keywordPlace(begin: number, atLine: number, before: number): void {
    if (before !== P_NONE && before !== P_COLON && before !== P_SLASH && misplacedKeyword(before, begin)) {
      fail(new TokenizeError('invalid syntax', atLine, begin - lineStart, E_PARSER));
    }
    if (operandEnd && prevKw && prevKind === K_WORD && keywordPairRefused(begin)) fail(keywordError(atLine, begin - lineStart));
  }

  /**
   * A keyword right after an operand joins two expressions (`a and b`, `x if
   * c else d`, `x for x in y`, `import a as b`, `raise E from e`) and needs an
   * operand after it: `x = a and` at a line's end is an error. `not` (in `not
   * in`) and `async` (`async for`) take a keyword next, so they are left be;
   * any other keyword there (`x = a pass`) is an error at once.
   */
  function infixKeyword(begin: number, atLine: number): void {
    const len = pos - begin;
    const c0 = src.charCodeAt(begin);
    if (c0 === 110 && len === 3) return notIn(pos, false);
    if (c0 === 97 && len === 5 && src.startsWith('async', begin)) return;
    const w = src.slice(begin, pos);
    // the condition is a disjunction: `and`, `or`, `in`, `is` (and `not in`) go on with it, another keyword but its `else` ends it too early
    if (ternaryOpen > 0 && ternaryIf[depth]! >= 0 && w !== 'else' && w !== 'and' && w !== 'or' && w !== 'in' && w !== 'is') ternaryEnd(depth, -1);
    if (w === 'if') conditional(begin);
    else if (w === 'in' && (depth === 0 || compFor[depth] === true)) forTargets(begin);
    // `as` belongs to import, with, except and case; `import` after a name to `from`: `imporqlalchemy as sa`, `froogging.config import x`
    if (!INFIX_KEYWORDS.has(w) || (w === 'as' && !AS_STATEMENTS.has(statementWord(src, stmtBegin))) || (w === 'import' && statementWord(src, stmtBegin) !== 'from')) {
      fail(new TokenizeError('invalid syntax', atLine, begin - lineStart, E_PARSER));
    } else {
      punct = P_DANGLING;
      if (w === 'is') notIn(pos, true);
    }
  }

  /**
   * An `in` after an operand, at depth 0 or in a comprehension: the first
   * after a `for` ends its targets, which are judged (`for f() in rows:`,
   * `[x for f() in rows]`).
   */
  function forTargets(inAt: number): void {
    let b: number;
    if (depth > 0) b = compForLast[depth]!;
    else {
      b = afterAsync(src, statementStart(src, stmtBegin));
      if (src.charCodeAt(b) !== 102 || !isWordAt(src, b, 'for')) return;
    }
    const e = forTargetError(src, b + 3, inAt, depth > 0);
    if (e !== null) fail(errorAt(e.message, e.at));
  }

  /**
   * An `if` after an operand at `begin`: a conditional expression, which
   * needs its `else`, unless it filters a comprehension or guards a `case`.
   */
  function conditional(begin: number): void {
    if (compFor[depth] === true) return;
    if (depth === 0) {
      const b = statementStart(src, stmtBegin);
      // a case clause's guard, or an assignment to a name `case` (`case = a if b else c`): its `else` is not judged
      if (isWordAt(src, b, 'case')) {
        looseIf = true;
        return;
      }
      // `import a if b`: no expression stands there
      if (isWordAt(src, b, 'import') || isWordAt(src, b, 'from')) return fail(errorAt('invalid syntax', begin));
    }
    ternaryIf[depth] = begin;
    ternaryOpen++;
  }

  /**
   * The end of what can be a conditional expression's condition at bracket
   * level `level`: before a `:` (at `colon`) CPython's parser says "invalid
   * syntax" there, elsewhere "expected 'else' after 'if' expression" at the
   * expression's start. At a logical line's end every level is cleared.
   */
  function ternaryEnd(level: number, colon: number): void {
    const at = ternaryIf[level]!;
    if (at >= 0) {
      ternaryIf[level] = -1;
      ternaryOpen--;
      if (colon >= 0) fail(errorAt('invalid syntax', colon));
      else if (level === 0) fail(errorAt("expected 'else' after 'if' expression", statementStart(src, stmtBegin)));
      else fail(new TokenizeError("expected 'else' after 'if' expression", lineAt(level - 1, Math.max(argumentStart(level - 1, at), 0)), 0, E_PARSER));
    }
    if (level === 0) {
      ternaryIf.length = 0;
      ternaryOpen = 0;
    }
  }

  /**
   * After an infix `not`, or an `is`, ending at `p`: `not` there is half of
   * `not in` (`a not b` is "invalid syntax" at `b`, `x = a not` at the line's
   * end), and `is not` takes no `in` after it (`a is not in b`).
   */
  function notIn(p: number, afterIs: boolean): void {
    let q = blanksEnd(src, p, depth > 0);
    if (afterIs) {
      if (!isWordAt(src, q, 'not')) return;
      q = blanksEnd(src, q + 3, depth > 0);
      if (isWordAt(src, q, 'in')) fail(errorAt('invalid syntax', q));
    } else if (!isWordAt(src, q, 'in')) fail(errorAt('invalid syntax', q));
  }


  /** Whether the word [begin, pos) cannot follow the keyword just before it: `from alembic import import sa`, `else if`. */
  function keywordPairRefused(begin: number): boolean {
    if (wordKind(src, begin, pos) !== Word.Keyword || wordKind(src, prevStart, prevEnd) !== Word.Keyword) return false;
    const next = src.slice(begin, pos);
    if (next === 'not' || next === 'lambda' || next === 'await' || next === 'yield') return false;
    const before = src.slice(prevStart, prevEnd);
    return !((before === 'not' && next === 'in') || (before === 'yield' && next === 'from') || (before === 'async' && (next === 'def' || next === 'with' || next === 'for')));
  }

  /** The error for a token the keyword before it cannot take: "expected ':'" after `else`, `try`, `finally`, which must be followed by one. */
  function keywordError(atLine: number, atCol: number): TokenizeError {
    const w = src.slice(prevStart, prevEnd);
    // `x = yield = 1`: CPython's invalid_assignment names it, at the `yield`
    if (w === 'yield' && src.charCodeAt(pos) === 61 && src.charCodeAt(pos + 1) !== 61) return errorAt('assignment to yield expression not possible', prevStart);
    return new TokenizeError(w === 'else' || w === 'try' || w === 'finally' ? "expected ':'" : 'invalid syntax', atLine, atCol, E_PARSER);
  }

  /**
   * Whether the operator at hand (c, len), or the line's end (c = 10), cannot
   * follow the keyword just before it (the last token was a word that may be
   * one, unclassified so far; checked at each call site first, which is cheap): `import sqlalchemy as` at a line's end, `with, op`,
   * `with.batch_alter_table`, `x = (not)`, `if = 1`. Only a statement's last
   * keyword may end it (`return`, `pass`, `else` before its missing `:`),
   * only `(yield)` closes a bracket, only some keywords take a `:`.
   */
  function keywordRefuses(c: number, len: number): boolean {
    if (wordKind(src, prevStart, prevEnd) !== Word.Keyword) return false;
    // `def` and `class` take a name and nothing else (`def -upgrade():`, `def (`)
    const named = prevEnd - prevStart;
    if ((named === 3 && src.startsWith('def', prevStart)) || (named === 5 && src.startsWith('class', prevStart))) return true;
    if (c !== 10 && startsOperand(c, len)) return false;
    const w = src.slice(prevStart, prevEnd);
    switch (c) {
      case 10:
      case 59:
        return !ENDS_STATEMENT.has(w);
      case 41:
      case 93:
      case 125:
        return w !== 'yield';
      case 58:
        return len !== 1 || !TAKES_COLON.has(w);
      case 46:
        return w !== 'from';
      case 42:
        return w !== 'lambda';
      default:
        return true;
    }
  }

  function brace(at: number, atLine: number): void {
    if (endsOperand()) fail(sideBySide(K_OTHER, at, atLine));
  }

  function closed(at: number, atLine: number): void {
    if (depth === 0 && !lineClosed) {
      lineClosed = true;
      if (bracketCh[0] === 40) afterParameters(at + 1);
      else if (bracketCh[0] === 91) typeParameters();
    }
    operandEnd = true;
    prevKind = K_OTHER;
    prevStart = at;
    prevLine = atLine;
  }

  /**
   * CPython's error (3.10 and later) for an operand at `at` right after
   * another: a missing comma is reported where the first operand is, the
   * rest where the second one starts.
   */
  function sideBySide(kind: number, at: number, atLine: number): TokenizeError {
    const col = at - lineStart;
    if (prevKind === K_NAME || prevKind === K_WORD) {
      const name = src.slice(prevStart, prevEnd);
      if ((name === 'print' || name === 'exec') && src.charCodeAt(prevStart - 1) !== 46) {
        return new TokenizeError(`Missing parentheses in call to '${name}'. Did you mean ${name}(...)?`, prevLine, col, E_PARSER);
      }
      if (kind === K_STRING) return new TokenizeError('invalid syntax', atLine, col, E_PARSER);
    }
    return depth > 0
      ? new TokenizeError('invalid syntax. Perhaps you forgot a comma?', prevLine, col, E_PARSER)
      : new TokenizeError('invalid syntax', atLine, col, E_PARSER);
  }

  /**
   * Steps over a number literal from pos, as CPython's tokenizer reads one,
   * with its errors: `1_`, `0x`, `0o8`, `0755`, `1abc` (but `1if x else 2`
   * is a number and a keyword).
   */
  function scanNumber(): void {
    const begin = pos;
    const x = src.charCodeAt(pos + 1) | 32;
    if (src.charCodeAt(pos) === 48 && (x === 120 || x === 111 || x === 98)) {
      const kind = x === 120 ? 'hexadecimal' : x === 111 ? 'octal' : 'binary';
      const top = x === 111 ? 56 : 50;
      const ok = (d: number): boolean => (x === 120 ? isHexDigit(d) : d >= 48 && d < top);
      pos += 2;
      do {
        if (src.charCodeAt(pos) === 95) pos++;
        if (!ok(src.charCodeAt(pos))) throw badDigitOr(kind, `invalid ${kind} literal`, begin);
        do pos++;
        while (ok(src.charCodeAt(pos)));
      } while (src.charCodeAt(pos) === 95);
      const bad = badDigitOr(kind, '', begin);
      if (bad.message !== '') throw bad;
      endOfNumber(kind, begin);
      return;
    }
    if (src.charCodeAt(pos) === 48) {
      // 0, 00, 0_0 … and Python 2's octal 0755, which is an error unless a fraction, exponent or j follows
      pos++;
      for (;;) {
        if (src.charCodeAt(pos) === 95) {
          pos++;
          if (!isDecimal(src.charCodeAt(pos))) throw numberError('invalid decimal literal', begin);
        }
        if (src.charCodeAt(pos) !== 48) break;
        pos++;
      }
      const nonzero = isDecimal(src.charCodeAt(pos));
      if (nonzero) decimalTail(begin);
      const c = src.charCodeAt(pos) | 32;
      if (nonzero && c !== 46 && c !== 101 && c !== 106) {
        throw numberError('leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers', begin);
      }
    } else if (src.charCodeAt(pos) !== 46) decimalTail(begin);
    if (src.charCodeAt(pos) === 46) {
      pos++;
      if (isDecimal(src.charCodeAt(pos))) decimalTail(begin);
    }
    if ((src.charCodeAt(pos) | 32) === 101) {
      const e = pos;
      pos++;
      const c = src.charCodeAt(pos);
      if (c === 43 || c === 45) {
        pos++;
        if (!isDecimal(src.charCodeAt(pos))) throw numberError('invalid decimal literal', begin);
      } else if (!isDecimal(c)) {
        // `1else`: the number ends before the keyword; `1e` alone is an error
        pos = e;
        endOfNumber('decimal', begin);
        return;
      }
      decimalTail(begin);
    }
    if ((src.charCodeAt(pos) | 32) === 106) {
      pos++;
      endOfNumber('imaginary', begin);
    } else endOfNumber('decimal', begin);
  }

  /** Digits with single underscores between them, from a digit at pos. */
  function decimalTail(begin: number): void {
    for (;;) {
      while (isDecimal(src.charCodeAt(pos))) pos++;
      if (src.charCodeAt(pos) !== 95) return;
      pos++;
      if (!isDecimal(src.charCodeAt(pos))) throw numberError('invalid decimal literal', begin);
    }
  }

  /** A name character right after a number is an error, unless a keyword that may follow one starts there (`1if`, `0or`). */
  function endOfNumber(kind: string, begin: number): void {
    const c = src.charCodeAt(pos);
    // a non-ASCII character is left to the next token (3.10 alone called it part of the literal)
    if (c >= 128 || !isAsciiIdent(c)) return;
    const rest = KEYWORD_AFTER_NUMBER[String.fromCharCode(c)];
    if (rest !== undefined && src.startsWith(rest, pos + 1)) {
      const after = src.charCodeAt(pos + 1 + rest.length);
      if (!(after >= 128 || isAsciiIdent(after))) return;
    }
    if (c === 105 && /[fns]/.test(src[pos + 1] ?? '')) return;
    throw numberError(`invalid ${kind} literal`, begin);
  }

  /** In an octal or binary literal, a decimal digit out of range is named; else `fallback`. */
  function badDigitOr(kind: string, fallback: string, begin: number): TokenizeError {
    const d = src.charCodeAt(pos);
    if (kind !== 'hexadecimal' && d >= 48 && d <= 57) return numberError(`invalid digit '${src[pos]!}' in ${kind} literal`, begin);
    return numberError(fallback, begin);
  }

  function numberError(message: string, begin: number): TokenizeError {
    return new TokenizeError(message, line, begin - lineStart);
  }

  /**
   * Steps over the common characters of a skipped body line without making
   * tokens: names, numbers, operators, strings, comments, brackets that
   * match, and newlines inside brackets. It stops before anything that needs
   * the general loop (the line's end, a backslash, a non-ASCII character
   * outside a name, a mismatched bracket, an invalid character), which then
   * handles it, errors included, exactly as before.
   */
  function skipPlain(): void {
    for (;;) {
      const c = src.charCodeAt(pos);
      switch (c < 128 ? SKIP_CLASS[c] : BAIL) {
        case SPACE:
          pos++;
          break;
        case OPCHAR: {
          // an operator in the wrong place goes to the general loop, which reports it
          const len = opLength(src, pos, c);
          if ((c === 44 && punct === P_SEPARATOR) || (c === 47 && punct === P_SEPARATOR) || (c === 59 && misplacedSemicolon(punct)) || (punct !== P_NONE && !opMayFollow(punct, c, len, depth))) return;
          if ((c === 45 && len === 2 && misplacedArrow()) || (operandEnd && prevKw && prevKind === K_WORD && keywordRefuses(c, len))) return;
          // `->`/`-=` and a `*` after an operator are rare in bodies: the general loop notes and checks a header's arrow
          if ((c === 45 && len === 2) || (c === 42 && punct === P_DANGLING)) return;
          if (depth > 0 && bracketCh[depth - 1] === 123 && ((c === 42 && punct === P_SEPARATOR) || (c === 44 && braceStar[depth - 1]))) return;
          const next = len !== 1 ? P_DANGLING : c === 42 || c === 47 ? punctOf(c) : PUNCT1[c]!;
          if (ternaryOpen > 0 && len === 1 && (c === 44 || c === 59)) ternaryEnd(depth, -1);
          operandEnd = false;
          if (c === 44 && depth === 0 && !lineColon) python2Comma(pos);
          else if (depth > 0) {
            if (c === 61 && len === 1 && !inCall) bracketEquals(pos);
            else if (augmentedOp(src, pos, c, len)) augmentedInBrackets();
          } else if (c === 61 || len >= 2) assignmentOperator(c, len);
          if (inCall) {
            if (len === 1 && c === 44) argComma();
            else if (len === 1 && c === 61) argEquals();
            else if (argStart || (c === 42 && startsArgument(pos))) argToken(c, len);
          }
          punct = next;
          pos += len;
          if (c === 59) {
            if (delAt >= 0) delTargets();
            stmtBegin = pos;
            lineEquals = false;
            stmtComma = false;
            stmtColon = false;
            annotated = 0;
          }
          break;
        }
        case WORD: {
          const before = punct;
          punct = P_NONE;
          const begin = pos;
          pos++;
          while (pos < n) {
            const d = src.charCodeAt(pos);
            if (d < 128 ? isAsciiIdent(d) : isIdentPart(d, src, pos)) pos++;
            else break;
          }
          const q = src.charCodeAt(pos);
          if ((q === 34 || q === 39) && pos - begin <= 2 && isStringPrefix(src, begin, pos)) {
            operand(K_STRING, begin, line);
            scanString(pos, pos - begin);
          } else word(begin, line, before);
          break;
        }
        case DIGIT:
          punct = P_NONE;
          number(line);
          break;
        case DOT: {
          const d = src.charCodeAt(pos + 1);
          if (d >= 48 && d <= 57) {
            punct = P_NONE;
            number(line);
          } else if (d === 46 && src.charCodeAt(pos + 2) === 46) {
            // Ellipsis
            if (!opMayFollow(punct, 46, 3, depth)) return;
            if (argStart) argToken(46, 3);
            punct = P_NONE;
            operandEnd = false;
            pos += 3;
          } else {
            if (!opMayFollow(punct, 46, 1, depth) || (operandEnd && prevKw && prevKind === K_WORD && keywordRefuses(46, 1))) return;
            if (argStart) argToken(46, 1);
            punct = dotKind();
            operandEnd = false;
            pos++;
          }
          break;
        }
        case COLON: {
          const len = src.charCodeAt(pos + 1) === 61 ? 2 : 1;
          // `:=` outside brackets is checked by the general loop
          if ((len === 2 && depth === 0) || (depth > 0 && braceStar[depth - 1]) || !opMayFollow(punct, 58, len, depth) || (operandEnd && prevKw && prevKind === K_WORD && keywordRefuses(58, len)) || (len === 1 && punct === P_SEPARATOR && colonAfterOpener(pos))) return;
          operandEnd = false;
          if (ternaryOpen > 0 && len === 1) ternaryEnd(depth, pos);
          if (len === 1 && lambdaAt.length > 0) lambdaColon(pos);
          if (len === 2) {
            if (argStart) argToken(58, 2);
            punct = P_DANGLING;
            pos += 2;
          } else {
            if (inCall) argColon();
            else if (depth === 0) {
              statementColon(pos);
              lineColon = true;
              stmtBegin = pos + 1;
            }
            punct = P_COLON;
            pos++;
          }
          break;
        }
        case BANG:
          if (src.charCodeAt(pos + 1) !== 61 || !opMayFollow(punct, 33, 2, depth) || (operandEnd && prevKw && prevKind === K_WORD && keywordRefuses(33, 2))) return;
          if (argStart) argToken(33, 2);
          operandEnd = false;
          punct = P_DANGLING;
          pos += 2;
          break;
        case OPEN: {
          // after a `.`, no bracket (`op.(`)
          if (punct >= P_DOT) return;
          if (c === 123) brace(pos, line);
          const paren = c === 40 ? parenKind() : 0;
          if (argStart) argToken(c, 1);
          punct = P_SEPARATOR;
          operandEnd = false;
          openBracket(c, line, pos - lineStart, paren, pos);
          pos++;
          break;
        }
        case CLOSE:
          if (depth === 0 || bracketCh[depth - 1] !== openerOf(c) || punct === P_DANGLING || punct >= P_DOT || (operandEnd && prevKw && prevKind === K_WORD && keywordRefuses(c, 1))) return;
          if (ternaryOpen > 0) ternaryEnd(depth, -1);
          punct = P_NONE;
          depth--;
          leftBracket(line, pos - lineStart);
          closed(pos, line);
          pos++;
          break;
        case QUOTE:
          punct = P_NONE;
          operand(K_STRING, pos, line);
          scanString(pos, 0);
          break;
        case HASH:
          while (pos < n && src.charCodeAt(pos) !== 10 && src.charCodeAt(pos) !== 13) pos++;
          break;
        case NEWLINE:
          if (depth === 0) return;
          if (c === 13 && src.charCodeAt(pos + 1) === 10) pos++;
          pos++;
          newline();
          break;
        default:
          return;
      }
    }
  }

  /** Scans a string literal whose quote is at `at` (after a prefix of `prefixLen` letters), leaving pos after it. */
  function scanString(at: number, prefixLen: number): void {
    const begin = at - prefixLen;
    const startLine = line;
    const startCol = begin - lineStart;
    const q = src.charCodeAt(at);
    const triple = src.charCodeAt(at + 1) === q && src.charCodeAt(at + 2) === q;
    let fields = false;
    let raw = false;
    let bytes = false;
    let template = false;
    for (let i = begin; i < at; i++) {
      const p = src.charCodeAt(i) | 32;
      if (p === 102) fields = true;
      else if (p === 116) fields = template = true;
      else if (p === 114) raw = true;
      else if (p === 98) bytes = true;
    }
    if (template) needs(14, 'a template string (PEP 750)', startLine, 'invalid syntax', 11);
    // a literal in an f-string's field is read by scanField, not after operand(): only an outermost one is concatenated here
    const concatenated = stringNest === 0 && stringAfterString;
    pos = at + (triple ? 3 : 1);
    const errorBefore = stringError;
    let nonAscii = false;
    // the first byte that is not UTF-8 (see decodeEscapingBadBytes), and where its f-string text starts
    let badByte = -1;
    let badChunk = -1;
    // where the literal text being decoded starts: the body, or an f-string's text after a field or a doubled brace
    let chunk = pos;
    stringNest++;
    for (;;) {
      if (pos >= n) {
        // CPython (3.10+) names the line where it gave up
        throw new TokenizeError(
          `${triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal'} (detected at line ${lastLine()})`,
          startLine,
          startCol,
        );
      }
      const d = src.charCodeAt(pos);
      if (d === 92) {
        // a backslash always skips the next character while scanning, raw or not,
        // except a brace in an f-string (`rf"\{{"` is a backslash and a brace) and `\N{…}` (a name, not a field)
        const e = src.charCodeAt(pos + 1);
        if (e >= 128) {
          if (bytes) nonAscii = true;
          else if (badByte < 0 && isEscapedByte(src, pos + 1)) {
            badByte = pos + 1;
            badChunk = chunk;
          }
        }
        if (!raw) checkEscape(chunk, e, bytes, q, triple);
        if (fields && (e === 123 || e === 125)) {
          pos++;
          continue;
        }
        if (fields && !raw && e === 78 && src.charCodeAt(pos + 2) === 123) {
          const close = src.indexOf('}', pos + 3);
          if (close >= 0 && !/[\r\n"']/.test(src.slice(pos + 3, close))) {
            pos = close + 1;
            continue;
          }
        }
        if (e === 13 && src.charCodeAt(pos + 2) === 10) {
          pos += 3;
          newline();
        } else if (e === 10 || e === 13) {
          pos += 2;
          newline();
        } else pos += 2;
        continue;
      }
      if (d === 10 || d === 13) {
        if (!triple) throw new TokenizeError(`unterminated string literal (detected at line ${line})`, startLine, startCol);
        if (d === 13 && src.charCodeAt(pos + 1) === 10) pos++;
        pos++;
        newline();
        continue;
      }
      if (d === q) {
        if (!triple) {
          pos++;
          break;
        }
        if (src.charCodeAt(pos + 1) === q && src.charCodeAt(pos + 2) === q) {
          pos += 3;
          break;
        }
      }
      if (fields && (d === 123 || d === 125)) {
        if (src.charCodeAt(pos + 1) === d) pos += 2;
        else if (d === 123) {
          pos++;
          scanField(q, triple, raw);
        } else {
          stringError ??= "f-string: single '}' is not allowed";
          pos++;
        }
        chunk = pos;
        continue;
      }
      if (d >= 128) {
        if (bytes) nonAscii = true;
        else if (badByte < 0 && d >= 0xdc80 && d <= 0xdcff && isEscapedByte(src, pos)) {
          badByte = pos;
          badChunk = chunk;
        }
      }
      pos++;
    }
    // Python decodes a literal's UTF-8 before its escapes, so this error replaces one an escape set
    if (badByte >= 0 && errorBefore === null) undecodableText(at + (triple ? 3 : 1), pos - (triple ? 3 : 1), badByte, badChunk, fields, raw, startLine);
    // CPython checks a bytes literal for non-ASCII text before its escapes
    if (nonAscii && errorBefore === null) stringError = 'bytes can only contain ASCII literal characters';
    if (fields && stringNest === 1 && stringError === null) {
      // a t-string the old tokenizer ends elsewhere fails there first, with another message
      if (template) {
        if (oldStringEnd(src, at, triple) !== pos) needs(14, 'a template string with nested quotes (PEP 750)', startLine);
      } else if (oldFStringRejects(src, at, triple, pos)) {
        // 3.11's message when certain; an f-string it tokenizes otherwise may fail anywhere further on
        const message = oldFStringMessage(src, at, triple, pos);
        if (message !== null) needs(12, 'an f-string that only PEP 701 allows (quotes, a backslash or a comment inside its braces)', startLine, message, 11);
        else needs(12, 'an f-string that only PEP 701 allows, which older Pythons tokenize differently', startLine);
      }
    }
    if (stringNest === 1) {
      // CPython decodes each literal of a concatenation, then compares its kind with the one before
      if (concatenated && bytes !== lastStringBytes) stringError ??= 'cannot mix bytes and nonbytes literals';
      lastStringBytes = bytes;
    }
    if (--stringNest === 0 && stringError !== null) {
      const message = stringError;
      const atLine = stringErrorLine;
      const exception = stringErrorException;
      stringError = null;
      stringErrorLine = -1;
      stringErrorException = undefined;
      if (!rescanning) fail(new TokenizeError(message, atLine >= 0 ? atLine : lineAfterLiterals(pos), pos - lineStart, E_PARSER, exception));
    }
  }

  /**
   * A literal whose text holds a byte that is not UTF-8 (body from `from` to `to`, the first such byte at `bad`).
   * CPython decodes the body whole when it is raw or has no backslash, else each run of non-ASCII bytes
   * on its own, and counts the position from there. 3.12 and later decode an f-string's text between
   * fields whole, and let the UnicodeDecodeError out.
   */
  function undecodableText(from: number, to: number, bad: number, chunk: number, fields: boolean, raw: boolean, atLine: number): void {
    let begin = from;
    let end = to;
    if (fields) {
      begin = chunk;
      for (let i = bad; i < to; i++) {
        const c = src.charCodeAt(i);
        if (c === 123 || c === 125) {
          end = src.charCodeAt(i + 1) === c ? i + 1 : i;
          break;
        }
      }
    } else if (!raw && src.lastIndexOf('\\', to - 1) >= from) {
      begin = bad;
      while (begin > from && src.charCodeAt(begin - 1) >= 128) begin--;
      end = bad;
      while (end < to && src.charCodeAt(end) >= 128) end++;
    }
    const problem = utf8Problem(originalBytes(src, begin, end))?.message ?? "'utf-8' codec can't decode the text";
    stringError = fields ? problem : `(unicode error) ${problem}`;
    stringErrorException = fields ? 'UnicodeDecodeError' : undefined;
    stringErrorLine = atLine;
  }

  /**
   * A name holding a byte that is not UTF-8 (see decodeEscapingBadBytes). CPython's tokenizer takes a
   * run of letters, digits, `_` and non-ASCII bytes as one name and decodes it whole before it looks at
   * its characters, so that error comes first, counted from the name's start; null when no such byte.
   */
  function nameDecodeError(at: number): TokenizeError | null {
    let begin = at;
    while (begin > lineStart && mayBeInName(src.charCodeAt(begin - 1))) begin--;
    // digits before it were a number, which ended there
    const c0 = src.charCodeAt(begin);
    if (c0 >= 48 && c0 <= 57) begin = at;
    let end = at;
    while (end < n && mayBeInName(src.charCodeAt(end))) end++;
    let bad = false;
    for (let i = begin; i < end && !bad; i++) bad = isEscapedByte(src, i);
    if (!bad) return null;
    return new TokenizeError(`(unicode error) ${utf8Problem(originalBytes(src, begin, end))?.message ?? "'utf-8' codec can't decode the name"}`, line, begin - lineStart);
  }

  /** Keeps the first escape at pos that Python cannot decode (in text, or in a string inside a field). */
  function checkEscape(chunk: number, e: number, bytes: boolean, q: number, triple: boolean): void {
    if (stringError !== null) return;
    if (e === 120 && bytes) stringError = bytesEscapeError(chunk, pos);
    else if (e === 120 || (!bytes && (e === 117 || e === 85 || e === 78))) stringError = escapeError(chunk, pos, e, q, triple);
  }

  /**
   * A `\x`, `\u`, `\U` or `\N` escape at `at` that Python cannot decode, as
   * its unicode-escape codec words it (positions count from `chunk` in the
   * text it decodes, where a non-ASCII character is a 10-character `\U`
   * escape); null when it decodes. Inside an f-string's field any backslash
   * is an error before 3.12, and still one when its escape is bad.
   */
  function escapeError(chunk: number, at: number, e: number, q: number, triple: boolean): string | null {
    let end = -1;
    let reason = '';
    if (e === 78) {
      reason = 'malformed \\N character escape';
      if (src.charCodeAt(at + 2) !== 123) end = at + 2;
      else {
        let i = at + 3;
        for (; i < n; i++) {
          const c = src.charCodeAt(i);
          if (c === 125 || (c === q && (!triple || (src.charCodeAt(i + 1) === q && src.charCodeAt(i + 2) === q)))) break;
          if ((c === 10 || c === 13) && !triple) return null;
        }
        if (src.charCodeAt(i) !== 125) end = i;
        else if (i === at + 3) end = i;
        else if (/[^A-Za-z0-9 -]/u.test(src.slice(at + 3, i)) || !unicodeNameExists(src.slice(at + 3, i))) {
          reason = 'unknown Unicode character name';
          end = i + 1;
        } else return null;
      }
    } else {
      const count = e === 120 ? 2 : e === 117 ? 4 : 8;
      let k = 0;
      let v = 0;
      while (k < count) {
        const h = src.charCodeAt(at + 2 + k);
        if (!isHexDigit(h)) break;
        v = v * 16 + (h <= 57 ? h - 48 : (h | 32) - 87);
        k++;
      }
      if (k < count) {
        end = at + 2 + k;
        reason = `truncated \\${String.fromCharCode(e)}${'X'.repeat(count)} escape`;
      } else if (v > 0x10ffff) {
        end = at + 2 + k;
        reason = 'illegal Unicode character';
      } else return null;
    }
    if (fieldNest > 0) return 'f-string expression part cannot include a backslash';
    const from = decodedOffset(chunk, at);
    return `(unicode error) 'unicodeescape' codec can't decode bytes in position ${from}-${from + decodedOffset(at, end) - 1}: ${reason}`;
  }

  /** A bytes literal's `\x` without two hex digits; its position counts from the literal's text. */
  function bytesEscapeError(chunk: number, at: number): string | null {
    if (isHexDigit(src.charCodeAt(at + 2)) && isHexDigit(src.charCodeAt(at + 3))) return null;
    return fieldNest > 0 ? 'f-string expression part cannot include a backslash' : `(value error) invalid \\x escape at position ${decodedOffset(chunk, at)}`;
  }

  /**
   * The length of src[from, to) in the text Python's string parser decodes:
   * a CRLF is one newline, a non-ASCII character becomes a 10-character
   * `\U` escape, and a backslash before one becomes `\u005c`.
   */
  function decodedOffset(from: number, to: number): number {
    let k = 0;
    for (let i = from; i < to; ) {
      const c = src.charCodeAt(i);
      if (c === 13 && src.charCodeAt(i + 1) === 10) i++;
      else if (c === 92 && src.charCodeAt(i + 1) < 128) {
        k += 2;
        i += src.charCodeAt(i + 1) === 13 && src.charCodeAt(i + 2) === 10 ? 3 : 2;
      } else if (c === 92) {
        k += 6;
        i++;
      } else if (c >= 128) {
        k += 10;
        i += c >= 0xd800 && c < 0xdc00 && (src.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
      } else {
        k++;
        i++;
      }
    }
    return k;
  }

  /**
   * The line of the token after the string literals ending at `at` (adjacent
   * literals are one expression), where CPython reports an error in their value.
   */
  function lineAfterLiterals(at: number): number {
    const savedPos = pos;
    const savedLine = line;
    const savedLineStart = lineStart;
    pos = at;
    rescanning = true;
    try {
      for (;;) {
        const c = src.charCodeAt(pos);
        const continued = c === 92 && (src.charCodeAt(pos + 1) === 10 || src.charCodeAt(pos + 1) === 13);
        if (c === 32 || c === 9 || c === 12) pos++;
        else if (c === 35) while (pos < n && src.charCodeAt(pos) !== 10 && src.charCodeAt(pos) !== 13) pos++;
        else if (continued || ((c === 10 || c === 13) && depth > 0)) {
          if (continued) pos++;
          pos += src.charCodeAt(pos) === 13 && src.charCodeAt(pos + 1) === 10 ? 2 : 1;
          newline();
        } else {
          let b = pos;
          while (b < pos + 2 && isAsciiIdent(src.charCodeAt(b))) b++;
          const d = src.charCodeAt(b);
          if ((d !== 34 && d !== 39) || (b > pos && !isStringPrefix(src, pos, b))) return line;
          scanString(b, b - pos);
        }
      }
    } catch (e) {
      // an unterminated literal further on: the tokenizer error the scan meets next replaces this one
      if (e instanceof TokenizeError) return line;
      throw e;
    } finally {
      rescanning = false;
      pos = savedPos;
      line = savedLine;
      lineStart = savedLineStart;
    }
  }

  /**
   * Steps over an f-string (or t-string) replacement field after its `{`,
   * through its `}`. Python 3.12 (PEP 701) reads the field as code: it may
   * hold strings in the same quotes, span lines and carry comments. A field
   * valid before 3.12 never holds the outer quote, so it ends where it did.
   */
  function scanField(q: number, triple: boolean, raw: boolean): void {
    fieldNest++;
    let spec: boolean;
    try {
      spec = fieldExpression();
    } finally {
      fieldNest--;
    }
    // the format spec is text, decoded as the literal's is
    if (spec) scanSpec(q, triple, raw);
  }

  /** A field's expression, through its `}` (false) or the `:` before a format spec (true). */
  function fieldExpression(): boolean {
    let nest = 0;
    // whether the expression has more than blanks, and where Python 3.11 ends it (`!`, `=`, `:`, `}` outside brackets)
    let expression = false;
    while (pos < n) {
      const c = src.charCodeAt(pos);
      if (c === 34 || c === 39) {
        expression = true;
        scanString(pos, prefixBefore(pos));
        continue;
      }
      if (c === 10 || c === 13) {
        if (c === 13 && src.charCodeAt(pos + 1) === 10) pos++;
        pos++;
        newline();
        continue;
      }
      if (c === 35) {
        while (pos < n && src.charCodeAt(pos) !== 10 && src.charCodeAt(pos) !== 13) pos++;
        continue;
      }
      if (nest === 0 && (c === 33 || c === 61 || c === 60 || c === 62) && src.charCodeAt(pos + 1) === 61) {
        // != == <= >=: operators, not the end of the expression
        expression = true;
        pos += 2;
        continue;
      }
      if (nest === 0 && (c === 33 || c === 61 || c === 58 || c === 125) && !expression) {
        stringError ??= c === 125 ? 'f-string: empty expression not allowed' : `f-string: expression required before '${String.fromCharCode(c)}'`;
        expression = true;
      }
      if (nest === 0 && c === 33) conversion();
      pos++;
      if (c !== 32 && c !== 9 && c !== 12) expression = true;
      if (c === 40 || c === 91 || c === 123) nest++;
      else if (c === 41 || c === 93) nest--;
      else if (c === 125) {
        if (nest === 0) return false;
        nest--;
      } else if (c === 58 && nest === 0) return true;
    }
    return false;
  }

  /**
   * A conversion after the `!` at pos: `!s`, `!r` or `!a`, then `:` or `}`.
   * Only what Python 3.12 rejects as well is reported (it allows `!r }`).
   */
  function conversion(): void {
    const c1 = src.charCodeAt(pos + 1);
    if (c1 !== 115 && c1 !== 114 && c1 !== 97) {
      stringError ??= "f-string: invalid conversion character: expected 's', 'r', or 'a'";
      return;
    }
    const c2 = src.charCodeAt(pos + 2);
    if (c2 === 33 || c2 === 61 || isAsciiIdent(c2)) stringError ??= "f-string: expecting '}'";
  }

  /** The format spec after a field's `:`: text with nested fields, through the field's `}`. */
  function scanSpec(q: number, triple: boolean, raw: boolean): void {
    let chunk = pos;
    while (pos < n) {
      const c = src.charCodeAt(pos);
      // a stray closing quote ends the string, as before 3.12
      if (c === q && (!triple || (src.charCodeAt(pos + 1) === q && src.charCodeAt(pos + 2) === q))) return;
      if (c === 10 || c === 13) {
        if (c === 13 && src.charCodeAt(pos + 1) === 10) pos++;
        pos++;
        newline();
        continue;
      }
      if (c === 92) {
        // a backslash escapes the next character, an outer quote too (`f"{1:\"d\"}"`), but not a brace (as in scanString)
        const e = src.charCodeAt(pos + 1);
        if (!raw) checkEscape(chunk, e, false, q, triple);
        if (e === 123 || e === 125) pos++;
        else if (e === 10 || e === 13) {
          pos += e === 13 && src.charCodeAt(pos + 2) === 10 ? 3 : 2;
          newline();
        } else pos += 2;
        continue;
      }
      pos++;
      if (c === 125) return;
      if (c === 123) {
        scanField(q, triple, raw);
        chunk = pos;
      }
    }
  }

  /** Length of the string prefix (r, f, rb…) that ends at a quote, 0 when none. */
  function prefixBefore(at: number): number {
    for (let len = 2; len >= 1; len--) {
      const b = at - len;
      if (b >= 0 && isStringPrefix(src, b, at) && !(b > 0 && isAsciiIdent(src.charCodeAt(b - 1)))) return len;
    }
    return 0;
  }
}

// Scans over a logical line's tokens, bracket depth counted from the start index.

/** Index of the colon that ends a compound statement's header. */
export function headerColon(toks: readonly Token[]): number {
  let depth = 0;
  let lambdas = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.type === Tok.Op) {
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
      else if (t.text === ':' && depth === 0) {
        if (lambdas > 0) lambdas--;
        else return i;
      }
    } else if (t.type === Tok.Name && t.text === 'lambda' && depth === 0) lambdas++;
  }
  return toks.length;
}

export function topLevelIndexes(toks: readonly Token[], s: number, e: number, op: string): number[] {
  const out: number[] = [];
  let depth = 0;
  for (let i = s; i < e; i++) {
    const t = toks[i]!;
    if (t.type !== Tok.Op) continue;
    const x = t.text;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') depth--;
    else if (depth === 0 && x === op) out.push(i);
  }
  return out;
}

export function topLevelOp(toks: readonly Token[], s: number, e: number, ops: ReadonlySet<string>): number {
  let depth = 0;
  for (let i = s; i < e; i++) {
    const t = toks[i]!;
    if (t.type !== Tok.Op) continue;
    const x = t.text;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') depth--;
    else if (depth === 0 && ops.has(x)) return i;
  }
  return -1;
}

export function splitTop(toks: readonly Token[], s: number, e: number, op: string): [number, number][] {
  const out: [number, number][] = [];
  let start = s;
  for (const i of topLevelIndexes(toks, s, e, op)) {
    out.push([start, i]);
    start = i + 1;
  }
  out.push([start, e]);
  return out;
}

export function matching(toks: readonly Token[], s: number, e: number): number {
  let depth = 0;
  for (let i = s; i < e; i++) {
    const t = toks[i]!;
    if (t.type !== Tok.Op) continue;
    const x = t.text;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
