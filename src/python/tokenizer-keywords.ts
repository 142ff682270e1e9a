// Pass: keywords between operands (`in`, `is`, `not`, conditional expressions) and what may follow each.
import { forTargetError } from './python-condition.js';
import { blanksEnd } from './condition-lexer.js';
import { afterAsync, isWordAt, statementStart, statementWord } from './statement-checks.js';
import { Tokenizer } from './tokenizer-state.js';
import {
  AS_STATEMENTS,
  ENDS_STATEMENT,
  INFIX_KEYWORDS,
  K_NAME,
  K_OTHER,
  K_STRING,
  K_WORD,
  P_COLON,
  P_DANGLING,
  P_NONE,
  P_SLASH,
  startsOperand,
  TAKES_COLON,
  Word,
  wordKind,
} from './tokenizer-tables.js';
import { E_PARSER, TokenizeError } from './tokens.js';

declare module './tokenizer-state.js' {
  interface Tokenizer {
    keywordPlace(begin: number, atLine: number, before: number): void;
    infixKeyword(begin: number, atLine: number): void;
    forTargets(inAt: number): void;
    conditional(begin: number): void;
    ternaryEnd(level: number, colon: number): void;
    notIn(p: number, afterIs: boolean): void;
    keywordPairRefused(begin: number): boolean;
    keywordError(atLine: number, atCol: number): TokenizeError;
    keywordRefuses(c: number, len: number): boolean;
    brace(at: number, atLine: number): void;
    closed(at: number, atLine: number): void;
    sideBySide(kind: number, at: number, atLine: number): TokenizeError;
  }
}

/** A word that may be a keyword, where the token before cannot take that keyword: `x = a + import`, `from alembic import import op`. */
Tokenizer.prototype.keywordPlace = function (
  this: Tokenizer,
  begin: number,
  atLine: number,
  before: number,
): void {
  if (before !== P_NONE && before !== P_COLON && before !== P_SLASH && this.misplacedKeyword(before, begin)) {
    this.fail(new TokenizeError('invalid syntax', atLine, begin - this.lineStart, E_PARSER));
  }
  if (this.operandEnd && this.prevKw && this.prevKind === K_WORD && this.keywordPairRefused(begin))
    this.fail(this.keywordError(atLine, begin - this.lineStart));
};

/**
 * A keyword right after an operand joins two expressions (`a and b`, `x if
 * c else d`, `x for x in y`, `import a as b`, `raise E from e`) and needs an
 * operand after it: `x = a and` at a line's end is an error. `not` (in `not
 * in`) and `async` (`async for`) take a keyword next, so they are left be;
 * any other keyword there (`x = a pass`) is an error at once.
 */
Tokenizer.prototype.infixKeyword = function (this: Tokenizer, begin: number, atLine: number): void {
  const len = this.pos - begin;
  const c0 = this.src.charCodeAt(begin);
  if (c0 === 110 && len === 3) return this.notIn(this.pos, false);
  if (c0 === 97 && len === 5 && this.src.startsWith('async', begin)) return;
  const w = this.src.slice(begin, this.pos);
  // the condition is a disjunction: `and`, `or`, `in`, `is` (and `not in`) go on with it, another keyword but its `else` ends it too early
  if (
    this.ternaryOpen > 0 &&
    this.ternaryIf[this.depth]! >= 0 &&
    w !== 'else' &&
    w !== 'and' &&
    w !== 'or' &&
    w !== 'in' &&
    w !== 'is'
  )
    this.ternaryEnd(this.depth, -1);
  if (w === 'if') this.conditional(begin);
  else if (w === 'in' && (this.depth === 0 || this.compFor[this.depth] === true)) this.forTargets(begin);
  // `as` belongs to import, with, except and case; `import` after a name to `from`: `imporqlalchemy as sa`, `froogging.config import x`
  if (
    !INFIX_KEYWORDS.has(w) ||
    (w === 'as' && !AS_STATEMENTS.has(statementWord(this.src, this.stmtBegin))) ||
    (w === 'import' && statementWord(this.src, this.stmtBegin) !== 'from')
  ) {
    this.fail(new TokenizeError('invalid syntax', atLine, begin - this.lineStart, E_PARSER));
  } else {
    this.punct = P_DANGLING;
    if (w === 'is') this.notIn(this.pos, true);
  }
};

/**
 * An `in` after an operand, at depth 0 or in a comprehension: the first
 * after a `for` ends its targets, which are judged (`for f() in rows:`,
 * `[x for f() in rows]`).
 */
Tokenizer.prototype.forTargets = function (this: Tokenizer, inAt: number): void {
  let b: number;
  if (this.depth > 0) b = this.compForLast[this.depth]!;
  else {
    b = afterAsync(this.src, statementStart(this.src, this.stmtBegin));
    if (this.src.charCodeAt(b) !== 102 || !isWordAt(this.src, b, 'for')) return;
  }
  const e = forTargetError(this.src, b + 3, inAt, this.depth > 0);
  if (e !== null) this.fail(this.errorAt(e.message, e.at));
};

/**
 * An `if` after an operand at `begin`: a conditional expression, which
 * needs its `else`, unless it filters a comprehension or guards a `case`.
 */
Tokenizer.prototype.conditional = function (this: Tokenizer, begin: number): void {
  if (this.compFor[this.depth] === true) return;
  if (this.depth === 0) {
    const b = statementStart(this.src, this.stmtBegin);
    // a case clause's guard, or an assignment to a name `case` (`case = a if b else c`): its `else` is not judged
    if (isWordAt(this.src, b, 'case')) {
      this.looseIf = true;
      return;
    }
    // `import a if b`: no expression stands there
    if (isWordAt(this.src, b, 'import') || isWordAt(this.src, b, 'from'))
      return this.fail(this.errorAt('invalid syntax', begin));
  }
  this.ternaryIf[this.depth] = begin;
  this.ternaryOpen++;
};

/**
 * The end of what can be a conditional expression's condition at bracket
 * level `level`: before a `:` (at `colon`) CPython's parser says "invalid
 * syntax" there, elsewhere "expected 'else' after 'if' expression" at the
 * expression's start. At a logical line's end every level is cleared.
 */
Tokenizer.prototype.ternaryEnd = function (this: Tokenizer, level: number, colon: number): void {
  const at = this.ternaryIf[level]!;
  if (at >= 0) {
    this.ternaryIf[level] = -1;
    this.ternaryOpen--;
    if (colon >= 0) this.fail(this.errorAt('invalid syntax', colon));
    else if (level === 0)
      this.fail(
        this.errorAt("expected 'else' after 'if' expression", statementStart(this.src, this.stmtBegin)),
      );
    else
      this.fail(
        new TokenizeError(
          "expected 'else' after 'if' expression",
          this.lineAt(level - 1, Math.max(this.argumentStart(level - 1, at), 0)),
          0,
          E_PARSER,
        ),
      );
  }
  if (level === 0) {
    this.ternaryIf.length = 0;
    this.ternaryOpen = 0;
  }
};

/**
 * After an infix `not`, or an `is`, ending at `p`: `not` there is half of
 * `not in` (`a not b` is "invalid syntax" at `b`, `x = a not` at the line's
 * end), and `is not` takes no `in` after it (`a is not in b`).
 */
Tokenizer.prototype.notIn = function (this: Tokenizer, p: number, afterIs: boolean): void {
  let q = blanksEnd(this.src, p, this.depth > 0);
  if (afterIs) {
    if (!isWordAt(this.src, q, 'not')) return;
    q = blanksEnd(this.src, q + 3, this.depth > 0);
    if (isWordAt(this.src, q, 'in')) this.fail(this.errorAt('invalid syntax', q));
  } else if (!isWordAt(this.src, q, 'in')) this.fail(this.errorAt('invalid syntax', q));
};

/** Whether the word [begin, pos) cannot follow the keyword just before it: `from alembic import import sa`, `else if`. */
Tokenizer.prototype.keywordPairRefused = function (this: Tokenizer, begin: number): boolean {
  if (
    wordKind(this.src, begin, this.pos) !== Word.Keyword ||
    wordKind(this.src, this.prevStart, this.prevEnd) !== Word.Keyword
  )
    return false;
  const next = this.src.slice(begin, this.pos);
  if (next === 'not' || next === 'lambda' || next === 'await' || next === 'yield') return false;
  const before = this.src.slice(this.prevStart, this.prevEnd);
  return !(
    (before === 'not' && next === 'in') ||
    (before === 'yield' && next === 'from') ||
    (before === 'async' && (next === 'def' || next === 'with' || next === 'for'))
  );
};

/** The error for a token the keyword before it cannot take: "expected ':'" after `else`, `try`, `finally`, which must be followed by one. */
Tokenizer.prototype.keywordError = function (this: Tokenizer, atLine: number, atCol: number): TokenizeError {
  const w = this.src.slice(this.prevStart, this.prevEnd);
  // `x = yield = 1`: CPython's invalid_assignment names it, at the `yield`
  if (w === 'yield' && this.src.charCodeAt(this.pos) === 61 && this.src.charCodeAt(this.pos + 1) !== 61)
    return this.errorAt('assignment to yield expression not possible', this.prevStart);
  return new TokenizeError(
    w === 'else' || w === 'try' || w === 'finally' ? "expected ':'" : 'invalid syntax',
    atLine,
    atCol,
    E_PARSER,
  );
};

/**
 * Whether the operator at hand (c, len), or the line's end (c = 10), cannot
 * follow the keyword just before it (the last token was a word that may be
 * one, unclassified so far; checked at each call site first, which is cheap): `import sqlalchemy as` at a line's end, `with, op`,
 * `with.batch_alter_table`, `x = (not)`, `if = 1`. Only a statement's last
 * keyword may end it (`return`, `pass`, `else` before its missing `:`),
 * only `(yield)` closes a bracket, only some keywords take a `:`.
 */
Tokenizer.prototype.keywordRefuses = function (this: Tokenizer, c: number, len: number): boolean {
  if (wordKind(this.src, this.prevStart, this.prevEnd) !== Word.Keyword) return false;
  // `def` and `class` take a name and nothing else (`def -upgrade():`, `def (`)
  const named = this.prevEnd - this.prevStart;
  if (
    (named === 3 && this.src.startsWith('def', this.prevStart)) ||
    (named === 5 && this.src.startsWith('class', this.prevStart))
  )
    return true;
  const w = this.src.slice(this.prevStart, this.prevEnd);
  // `pass`, `break` and `continue` are whole statements: only the line's end or a `;` may follow
  if (w === 'pass' || w === 'break' || w === 'continue') return c !== 10 && c !== 59;
  if (c !== 10 && startsOperand(c, len)) return false;
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
};

Tokenizer.prototype.brace = function (this: Tokenizer, at: number, atLine: number): void {
  if (this.endsOperand()) this.fail(this.sideBySide(K_OTHER, at, atLine));
};

Tokenizer.prototype.closed = function (this: Tokenizer, at: number, atLine: number): void {
  if (this.depth === 0 && !this.lineClosed) {
    this.lineClosed = true;
    if (this.bracketCh[0] === 40) this.afterParameters(at + 1);
    else if (this.bracketCh[0] === 91) this.typeParameters();
  }
  this.operandEnd = true;
  this.prevKind = K_OTHER;
  this.prevStart = at;
  this.prevLine = atLine;
};

/**
 * CPython's error (3.10 and later) for an operand at `at` right after
 * another: a missing comma is reported where the first operand is, the
 * rest where the second one starts.
 */
Tokenizer.prototype.sideBySide = function (
  this: Tokenizer,
  kind: number,
  at: number,
  atLine: number,
): TokenizeError {
  const col = at - this.lineStart;
  if (this.prevKind === K_NAME || this.prevKind === K_WORD) {
    const name = this.src.slice(this.prevStart, this.prevEnd);
    if ((name === 'print' || name === 'exec') && this.src.charCodeAt(this.prevStart - 1) !== 46) {
      return new TokenizeError(
        `Missing parentheses in call to '${name}'. Did you mean ${name}(...)?`,
        this.prevLine,
        col,
        E_PARSER,
      );
    }
    if (kind === K_STRING) return new TokenizeError('invalid syntax', atLine, col, E_PARSER);
  }
  return this.depth > 0
    ? new TokenizeError('invalid syntax. Perhaps you forgot a comma?', this.prevLine, col, E_PARSER)
    : new TokenizeError('invalid syntax', atLine, col, E_PARSER);
};
