// The run's outer loop: logical lines, indentation, blocks and their clauses, the end of the input.
import { blanksEnd } from './condition-lexer.js';
import {
  afterAsync,
  assignmentTargetsError,
  conflictMarkerLine,
  decorated,
  importOrAssignmentError,
  indentationException,
  isWordAt,
  starredAssignmentError,
} from './statement-checks.js';
import { Tokenizer } from './tokenizer-state.js';
import { blockNestingOverflow, type LineStart } from './block-nesting.js';
import {
  B_ASYNC_FUNC,
  B_CLASS,
  B_FUNC,
  B_LOOP,
  B_OTHER,
  B_TRY,
  C_EXCEPT,
  C_IF,
  C_LOOP,
  C_NONE,
  C_TRY,
  C_TRY_ELSE,
  COMPOUND_HEADS,
  K_WORD,
  needsOperand,
  opensBody,
  P_COLON,
  P_SEMI,
  SKIPPED,
} from './tokenizer-tables.js';
import { E_PARSER, E_QUIET, TokenizeError, type TokenizeResult } from './tokens.js';

declare module './tokenizer-state.js' {
  interface Tokenizer {
    run(): TokenizeResult;
    logicalLineStart(): number;
    measureIndent(): [number, number] | null;
    indentOrDedent(col: number, altcol: number): void;
    beginLogicalLine(col: number): void;
    endOfInput(): TokenizeResult;
    finishLine(): void;
    newline(): void;
    failed(e: TokenizeError): TokenizeResult;
    tabError(col: number): TokenizeError;
    lastLine(): number;
    clause(col: number): void;
    blockOf(b: number): number;
    nestedBlocks(): void;
  }
}

/** First characters of the words that open or continue a block: async, class/case, def, elif/else/except, for/finally, if, match, try, while/with. */
const BLOCK_FIRST = new Uint8Array(128);
for (const c of 'acdefimtw') BLOCK_FIRST[c.charCodeAt(0)] = 1;

/** What the start of a logical line found: a line to read, a blank or comment-only line, or the end of the input. */
const LINE = 0;
const BLANK = 1;
const END = 2;

Tokenizer.prototype.run = function (this: Tokenizer): TokenizeResult {
  try {
    while (this.pos < this.n) {
      if (this.current === null && this.depth === 0) {
        const found = this.logicalLineStart();
        if (found === END) break;
        if (found === BLANK) continue;
      }
      if (this.skipping) {
        this.skipPlain();
        if (this.pos >= this.n) break;
      }
      this.scanToken();
    }
    return this.endOfInput();
  } catch (e) {
    if (e instanceof TokenizeError)
      return this.failed(e.rank === E_QUIET && this.deferred !== null ? this.deferred : e);
    throw e;
  }
};

/** At a logical line's start: its indentation measured and checked, the line's state reset (LINE), or BLANK or END. */
Tokenizer.prototype.logicalLineStart = function (this: Tokenizer): number {
  const indent = this.measureIndent();
  if (indent === null) return END;
  const [col, altcol] = indent;
  const c = this.src.charCodeAt(this.pos);
  if (c === 10 || c === 13 || c === 35) {
    // blank or comment-only line: no logical line
    while (this.pos < this.n && this.src.charCodeAt(this.pos) !== 10 && this.src.charCodeAt(this.pos) !== 13)
      this.pos++;
    if (this.pos < this.n) {
      if (this.src.charCodeAt(this.pos) === 13 && this.src.charCodeAt(this.pos + 1) === 10) this.pos++;
      this.pos++;
      this.newline();
    }
    return BLANK;
  }
  this.indentOrDedent(col, altcol);
  this.beginLogicalLine(col);
  return LINE;
};

/** The indentation of the line at pos, counted with tabs to 8 columns and to 1 (altcol); null at the end of the input. */
Tokenizer.prototype.measureIndent = function (this: Tokenizer): [number, number] | null {
  let col = 0;
  let altcol = 0;
  // CPython: the first backslash continuation after blanks fixes the indentation of what follows (if not at column 0), both ways of counting tabs alike
  let contCol = 0;
  while (this.pos < this.n) {
    const c = this.src.charCodeAt(this.pos);
    if (c === 32) {
      col++;
      altcol++;
    } else if (c === 9) {
      col = (Math.floor(col / 8) + 1) * 8;
      altcol++;
    } else if (c === 12) col = altcol = 0;
    else if (
      c === 92 &&
      (this.pos + 1 >= this.n ||
        this.src.charCodeAt(this.pos + 1) === 10 ||
        this.src.charCodeAt(this.pos + 1) === 13)
    ) {
      if (contCol === 0) contCol = col;
      const at = this.line;
      this.pos +=
        this.src.charCodeAt(this.pos + 1) === 13 && this.src.charCodeAt(this.pos + 2) === 10 ? 3 : 2;
      if (this.pos >= this.n) throw new TokenizeError('unexpected EOF while parsing', at, 0, E_QUIET);
      this.newline();
      continue;
    } else break;
    this.pos++;
  }
  if (contCol !== 0) col = altcol = contCol;
  return this.pos >= this.n ? null : [col, altcol];
};

/** An indent opens a level (the header before must have asked for it); a dedent closes levels down to one that exists. */
Tokenizer.prototype.indentOrDedent = function (this: Tokenizer, col: number, altcol: number): void {
  const top = this.indentStack[this.indentStack.length - 1]!;
  if (col > top) {
    if (altcol <= this.altStack[this.altStack.length - 1]!) throw this.tabError(col);
    // CPython raises this one without scanning on; after an earlier parser error it is no error of the tokenizer's
    if (!this.prevEndedWithColon && this.deferred === null)
      throw new TokenizeError('unexpected indent', this.line, col);
    this.indentStack.push(col);
    this.altStack.push(altcol);
    this.levelClause.push(C_NONE);
    this.levelHandlers.push(0);
    // the header on the line before opened it (after an earlier parser error, maybe nothing did)
    this.levelBlock.push(this.prevEndedWithColon ? this.lineBlock : B_OTHER);
    this.levelHeader.push(this.headerBegin);
    return;
  }
  let unfinished = false;
  // the tokenizer's dedent comes before the parser's complaint about a missing block
  while (this.indentStack[this.indentStack.length - 1]! > col) {
    this.indentStack.pop();
    this.altStack.pop();
    this.levelBlock.pop();
    this.levelHeader.pop();
    this.levelHandlers.pop();
    if (this.levelClause.pop() === C_TRY) unfinished = true;
  }
  if (this.indentStack[this.indentStack.length - 1] !== col) {
    throw new TokenizeError('unindent does not match any outer indentation level', this.line, col, E_QUIET);
  }
  if (this.altStack[this.altStack.length - 1] !== altcol) throw this.tabError(col);
  if (this.prevEndedWithColon) this.fail(new TokenizeError(this.missingBlock(), this.line, col, E_PARSER));
  if (unfinished)
    this.fail(new TokenizeError("expected 'except' or 'finally' block", this.line, col, E_PARSER));
};

/** The state of a new logical line at `col`, and what its first character says about the line before (a decorator's). */
Tokenizer.prototype.beginLogicalLine = function (this: Tokenizer, col: number): void {
  this.clause(col);
  this.skipping = this.skipAbove >= 0 && col > this.skipAbove;
  if (!this.skipping) this.skipAbove = -1;
  this.current = this.skipping ? SKIPPED : [];
  this.operandEnd = false;
  this.punct = P_SEMI;
  this.lineColon = false;
  this.stmtColon = false;
  this.annotated = 0;
  this.lineEquals = false;
  this.stmtComma = false;
  this.lineClosed = false;
  this.lineScoped = false;
  this.currentIndent = col;
  this.currentLine = this.line;
  this.currentBegin = this.pos;
  this.stmtBegin = this.pos;
  const first = this.src.charCodeAt(this.pos);
  // the lines that can open a block, for the compiler's limit on nested blocks (block-nesting.ts)
  if (BLOCK_FIRST[first] === 1) this.blockLines.push(this.pos, col, this.line);
  // a decorator is followed, at its own indentation, by another, a def or a class (`@op.f(…)` over `op.g()` is "invalid syntax" there)
  if (this.decoratorCol >= 0) {
    if (col === this.decoratorCol && first !== 64 && !decorated(this.src, this.pos))
      this.fail(new TokenizeError('invalid syntax', this.line, col, E_PARSER));
    // the block ends under a decorator: the parser meets a DEDENT where the def belongs
    else if (col < this.decoratorCol)
      this.fail(new TokenizeError('unexpected unindent', this.line, col, E_PARSER));
    this.decoratorCol = -1;
  }
  if (first === 64) this.decoratorCol = col;
  if (first === 100 || first === 97) {
    const b = afterAsync(this.src, this.pos);
    const e = isWordAt(this.src, b, 'def') ? this.defWithoutParen(b) : null;
    if (e !== null) this.fail(e);
  } else if (first === 99 && isWordAt(this.src, this.pos, 'class')) {
    const e = this.classAfterName(this.pos);
    if (e !== null) this.fail(e);
  }
};

/** The end of the input: a bracket left open, a dangling operator, a block or decorator left without what it needs; then the first error by CPython's order. */
Tokenizer.prototype.endOfInput = function (this: Tokenizer): TokenizeResult {
  // a bracket left open: the parser met the end of the file, unless a parser error came first on a later line
  if (this.depth > 0 && (this.deferred === null || this.deferredAt > this.bracketLine[this.depth - 1]!)) {
    throw new TokenizeError(
      `'${String.fromCharCode(this.bracketCh[this.depth - 1]!)}' was never closed`,
      this.bracketLine[this.depth - 1]!,
      this.bracketCol[this.depth - 1]!,
    );
  }
  if (
    (needsOperand(this.punct) ||
      (this.operandEnd && this.prevKw && this.prevKind === K_WORD && this.keywordRefuses(10, 0))) &&
    this.current !== null
  )
    this.fail(this.operandMissing(this.punct, this.line, this.pos - this.lineStart, this.pos));
  this.finishLine();
  // a decorator over nothing: the end of the file (in a block, its DEDENT) where the def belongs
  if (this.decoratorCol >= 0)
    this.fail(
      new TokenizeError(
        this.decoratorCol > 0 ? 'unexpected unindent' : 'invalid syntax',
        this.lastLine(),
        0,
        E_PARSER,
      ),
    );
  if (this.prevEndedWithColon)
    this.fail(new TokenizeError(this.missingBlock(), this.lastLine(), 0, E_PARSER));
  if (this.levelClause.includes(C_TRY))
    this.fail(new TokenizeError("expected 'except' or 'finally' block", this.lastLine(), 0, E_PARSER));
  this.nestedBlocks();
  this.declarations();
  // the parser's error, then the future statement's, the symbol table's (its walk, then its analysis), the compiler's
  for (const e of [
    this.deferred,
    this.futureError,
    this.symtableError,
    this.moduleNonlocal,
    this.bodyNonlocal,
    this.compileError,
  ])
    if (e !== null) return this.failed(e);
  return this.newer.length > 0 ? { lines: this.lines, newer: this.newer } : { lines: this.lines };
};

Tokenizer.prototype.finishLine = function (this: Tokenizer): void {
  this.looseIf = false;
  if (this.ternaryOpen > 0) this.ternaryEnd(0, -1);
  if (this.lambdaAt.length > 0) this.lambdaAt.length = this.lambdaLevel.length = 0;
  if (this.delAt >= 0) this.delTargets();
  if (this.pendingAwait !== null) {
    if (!this.lineScoped) this.compileAt(this.pendingAwait);
    this.pendingAwait = null;
  }
  if (this.current !== null && (this.skipping || this.current.length > 0)) {
    this.prevEndedWithColon = this.punct === P_COLON;
    if (this.prevEndedWithColon) {
      this.headerBegin = this.currentBegin;
      this.headerLine = this.currentLine;
      // `x = a:` opens no block: only a compound statement's header may end on a colon
      if (!this.startsCompound(this.currentBegin) && !COMPOUND_HEADS.has(this.headerWord()[0]))
        this.fail(new TokenizeError('invalid syntax', this.line, this.pos - this.lineStart, E_PARSER));
    } else if (!this.lineColon) this.missingColon();
    this.levelClause[this.levelClause.length - 1] = this.lineClause;
    // a `;` moved stmtBegin: a later statement of a module-level line may be a future import
    if (
      this.futureState !== 3 ||
      this.src.charCodeAt(this.currentBegin) === 102 ||
      (this.currentIndent === 0 && this.stmtBegin !== this.currentBegin)
    )
      this.futureImport();
    // a module-level import's grammar, from its tokens (the same in both modes: no body is at column 0); `x = 1; import a` is left to the token checks
    if (this.currentIndent === 0 && this.current !== SKIPPED && this.deferred === null) {
      const e =
        this.src.charCodeAt(this.currentBegin) === 105 || this.src.charCodeAt(this.currentBegin) === 102
          ? importOrAssignmentError(this.current!)
          : assignmentTargetsError(this.current!);
      if (e !== null) this.fail(e);
      else {
        const starred = starredAssignmentError(this.current!);
        if (starred !== null) this.compileAt(starred);
      }
    }
    if (!this.skipping) {
      this.lines.push({ indent: this.currentIndent, line: this.currentLine, tokens: this.current });
      if (this.skipBodies && this.punct === P_COLON && opensBody(this.current))
        this.skipAbove = this.currentIndent;
    }
  }
  this.current = null;
};

Tokenizer.prototype.newline = function (this: Tokenizer): void {
  this.line++;
  this.lineStart = this.pos;
};

Tokenizer.prototype.failed = function (this: Tokenizer, e: TokenizeError): TokenizeResult {
  // the lines the parser read before its error; a tokenizer error found later replaces the message only
  const exception = e.exception ?? indentationException(e.message);
  const marker = conflictMarkerLine(this.src);
  const error = {
    message: e.message,
    line: e.line,
    col: e.col,
    ...(exception === undefined ? {} : { exception }),
    ...(e.since === undefined ? {} : { since: e.since }),
    ...(marker === undefined ? {} : { conflictMarkerLine: marker }),
  };
  return {
    lines: this.deferred === null ? this.lines : this.lines.slice(0, this.linesBeforeError),
    error,
    ...(this.newer.length > 0 ? { newer: this.newer } : {}),
  };
};

/** CPython's TabError: a tab counted as 8 columns and as 1 give a different block structure. */
Tokenizer.prototype.tabError = function (this: Tokenizer, col: number): TokenizeError {
  return new TokenizeError('inconsistent use of tabs and spaces in indentation', this.line, col, E_QUIET);
};

/** The number of the file's last line, as CPython counts at the end of input: a final newline opens no line. */
Tokenizer.prototype.lastLine = function (this: Tokenizer): number {
  const last = this.src.charCodeAt(this.n - 1);
  return last === 10 || last === 13 ? this.line - 1 : this.line;
};

/**
 * A logical line starting at pos, at column `col`, after the statement
 * before it at its level: a clause (`elif`, `else`, `except`, `finally`)
 * that has nothing to follow, or a `try` left with neither `except` nor
 * `finally`, is CPython's error there. Sets lineClause for the next line,
 * and lineBlock for the block the line may open.
 */
Tokenizer.prototype.clause = function (this: Tokenizer, col: number): void {
  this.lineBlock = this.blockOf(this.pos);
  const before = this.levelClause[this.levelClause.length - 1]!;
  const c0 = this.src.charCodeAt(this.pos);
  let w = C_NONE;
  let allowed = true;
  if (c0 === 101 && isWordAt(this.src, this.pos, 'except')) {
    allowed = before === C_TRY || before === C_EXCEPT || before < 0;
    if (before < 0) this.compileAt(new TokenizeError("default 'except:' must be last", -before, col));
    const next = this.src.charCodeAt(blanksEnd(this.src, this.pos + 6, false));
    w = next === 58 ? -this.line : C_EXCEPT;
    if (next === 42) this.needs(11, 'except* (exception groups, PEP 654)', this.line, 'invalid syntax', 11);
    // the handlers of one try are all `except` or all `except*`: the first that differs is the error
    const kind = next === 42 ? 2 : 1;
    const top = this.levelHandlers.length - 1;
    if (allowed && this.levelHandlers[top] !== 0 && this.levelHandlers[top] !== kind)
      this.fail(
        new TokenizeError(
          "cannot have both 'except' and 'except*' on the same 'try'",
          this.line,
          col,
          E_PARSER,
        ),
      );
    this.levelHandlers[top] = kind;
  } else if (c0 === 102 && isWordAt(this.src, this.pos, 'finally'))
    allowed = before === C_TRY || before === C_EXCEPT || before < 0 || before === C_TRY_ELSE;
  else if (before === C_TRY) {
    this.lineClause = C_NONE;
    return this.fail(new TokenizeError("expected 'except' or 'finally' block", this.line, col, E_PARSER));
  } else if (c0 === 101 && isWordAt(this.src, this.pos, 'elif')) {
    allowed = before === C_IF;
    w = C_IF;
  } else if (c0 === 101 && isWordAt(this.src, this.pos, 'else')) {
    allowed = before === C_IF || before === C_LOOP || before === C_EXCEPT || before < 0;
    w = before === C_EXCEPT || before < 0 ? C_TRY_ELSE : C_NONE;
  } else if (c0 === 105 && isWordAt(this.src, this.pos, 'if')) w = C_IF;
  else if (c0 === 116 && isWordAt(this.src, this.pos, 'try')) {
    w = C_TRY;
    this.levelHandlers[this.levelHandlers.length - 1] = 0;
  } else if (this.lineBlock === B_LOOP) w = C_LOOP;
  if (
    w === C_TRY ||
    w === C_EXCEPT ||
    w === C_TRY_ELSE ||
    w < 0 ||
    (c0 === 102 && isWordAt(this.src, this.pos, 'finally'))
  )
    this.lineBlock = B_TRY;
  this.lineClause = w;
  if (!allowed) this.fail(new TokenizeError('invalid syntax', this.line, col, E_PARSER));
};

/** What block the statement at `b` opens if it is a compound one: a function's body, a class's, a loop's, or another. */
Tokenizer.prototype.blockOf = function (this: Tokenizer, b: number): number {
  const a = afterAsync(this.src, b);
  switch (this.src.charCodeAt(a)) {
    case 100: // d
      return !isWordAt(this.src, a, 'def') ? B_OTHER : a === b ? B_FUNC : B_ASYNC_FUNC;
    case 99: // c
      return isWordAt(this.src, a, 'class') ? B_CLASS : B_OTHER;
    case 102: // f
    case 119: // w
      return isWordAt(this.src, a, 'for') || isWordAt(this.src, a, 'while') ? B_LOOP : B_OTHER;
    default:
      return B_OTHER;
  }
};

/**
 * The compiler's limit on statically nested blocks (block-nesting.ts): over the limit of every Python
 * it is the compiler's error; over 3.12's only, the file needs 3.13.
 */
Tokenizer.prototype.nestedBlocks = function (this: Tokenizer): void {
  // a block is entered per header; fewer than ten headers cannot reach the limit unless a `with` has many items
  if (this.blockLines.length < 30 && !this.src.includes('with')) return;
  const starts: LineStart[] = [];
  for (let i = 0; i < this.blockLines.length; i += 3)
    starts.push({ pos: this.blockLines[i]!, col: this.blockLines[i + 1]!, line: this.blockLines[i + 2]! });
  const over = blockNestingOverflow(this.src, starts);
  const message = 'too many statically nested blocks';
  if (over.from313 !== undefined) this.compileAt(new TokenizeError(message, over.upTo312 ?? over.from313, 0));
  else if (over.upTo312 !== undefined)
    this.needs(13, 'more than 20 statically nested blocks', over.upTo312, message);
};
