// Pass: which operator may follow which, and the error CPython gives where one may not.
import { identAt, isAsciiIdent, skipBlanks } from './python-chars.js';
import { afterAsync, isWordAt, statementStart } from './statement-checks.js';
import { Tokenizer } from './tokenizer-state.js';
import {
  A_PARAMS,
  B_CLASS,
  K_WORD,
  needsOperand,
  P_COLON,
  P_DANGLING,
  P_DOT,
  P_NONE,
  P_RELDOT,
  P_SEMI,
  P_SEPARATOR,
  P_SLASH,
  P_STAR,
  PUNCT1,
  Word,
  wordKind,
} from './tokenizer-tables.js';
import { E_PARSER, TokenizeError } from './tokens.js';

declare module './tokenizer-state.js' {
  interface Tokenizer {
    fail(e: TokenizeError): void;
    needs(since: number, feature: string, atLine: number, message?: string, messageFrom?: number): void;
    punctOf(c: number): number;
    startsArgumentList(at: number): boolean;
    prefixStarTakesNothing(): boolean;
    importStar(): void;
    arrowHere(): void;
    afterArrow(at: number): boolean;
    operandMissing(pending: number, at: number, col: number, where: number): TokenizeError;
    slashOutsideParameters(): boolean;
    misplacedArrow(): boolean;
    dotKind(): number;
    misplacedKeyword(before: number, begin: number): boolean;
    colonAfterOpener(at: number): boolean;
    semicolonError(before: number, atCol: number): void;
    misplacedSemicolon(before: number): boolean;
  }
}

/** A tokenizer error ends the scan; the first parser error is held and the scan goes on, as CPython's does. */
Tokenizer.prototype.fail = function (this: Tokenizer, e: TokenizeError): void {
  if (e.rank !== E_PARSER) throw e;
  if (this.deferred === null) {
    this.deferred = e;
    this.deferredAt = this.line;
    this.linesBeforeError = this.lines.length;
  }
};

/** Records the first use of a construct only Python 3.`since` and later accept (see NewerSyntax). */
Tokenizer.prototype.needs = function (
  this: Tokenizer,
  since: number,
  feature: string,
  atLine: number,
  message?: string,
  messageFrom?: number,
): void {
  for (let i = 0; i < this.newer.length; i++) if (this.newer[i]!.feature === feature) return;
  this.newer.push(
    message === undefined
      ? { since, feature, line: atLine }
      : { since, feature, line: atLine, message, messageFrom },
  );
};

/**
 * What a one-character operator leaves pending (read before operandEnd is
 * reset). After an operand, `*` and `/` multiply and divide, and need a
 * right operand; elsewhere a lone `*` may end a line (`import *`) or stand
 * for a parameter list's marker (`lambda *, a: 0`), as `/` may (`f(a, /)`).
 */
Tokenizer.prototype.punctOf = function (this: Tokenizer, c: number): number {
  if (c === 46) return this.dotKind();
  if (c === 42) {
    if (!this.operandEnd) {
      if (this.symtableError === null) this.importStar();
      if (this.prefixStarTakesNothing()) return P_NONE;
      this.starAfterArgument = this.inCall && !this.startsArgumentList(this.pos);
      return P_STAR;
    }
    if (this.prevKind !== K_WORD || this.prevEnd - this.prevStart !== 6) return P_DANGLING;
    if (this.src.startsWith('lambda', this.prevStart)) return P_NONE;
    if (!this.src.startsWith('import', this.prevStart)) return P_DANGLING;
    // after a relative import's dots, `import` ends an operand
    if (this.symtableError === null) this.importStar();
    return P_NONE;
  }
  if (c === 47) return this.operandEnd ? P_DANGLING : P_SLASH;
  return PUNCT1[c]!;
};

/** Whether only blanks separate `at` from the `(` before it: the first argument. */
Tokenizer.prototype.startsArgumentList = function (this: Tokenizer, at: number): boolean {
  for (let i = at - 1; ; i--) {
    const d = this.src.charCodeAt(i);
    if (d !== 32 && d !== 9 && d !== 10 && d !== 13 && d !== 12) return d === 40;
  }
};

/** A prefix `*` that may stand alone: `import *`, the keyword-only marker of a def's or a lambda's parameters. */
Tokenizer.prototype.prefixStarTakesNothing = function (this: Tokenizer): boolean {
  // blanks and backslash continuations may stand between (`from x import \\` then `*`)
  let i = this.pos - 1;
  for (
    let c = this.src.charCodeAt(i);
    i >= 0 && (c === 32 || c === 9 || c === 12 || c === 10 || c === 13 || c === 92);
    c = this.src.charCodeAt(--i)
  );
  if (i >= 5 && this.src.startsWith('import', i - 5) && !(i >= 6 && isAsciiIdent(this.src.charCodeAt(i - 6))))
    return true;
  return this.lambdaAt.length > 0 || (this.depth > 0 && (this.argFlags[this.depth - 1]! & A_PARAMS) !== 0);
};

/** A `*` at pos after the word `import` (`from x import *`) in a function's or a class's body: the symbol table's error, at the `*`. */
Tokenizer.prototype.importStar = function (this: Tokenizer): void {
  // blanks and backslash continuations may stand between (`from x import \\` then `*`)
  let i = this.pos - 1;
  for (
    let c = this.src.charCodeAt(i);
    i >= 0 && (c === 32 || c === 9 || c === 12 || c === 10 || c === 13 || c === 92);
    c = this.src.charCodeAt(--i)
  );
  if (
    i < 5 ||
    this.src.charCodeAt(i) !== 116 ||
    !this.src.startsWith('import', i - 5) ||
    identAt(this.src, i - 6)
  )
    return;
  if (this.enclosingScope() <= B_CLASS)
    this.symtableError = new TokenizeError(
      'import * only allowed at module level',
      this.line,
      this.pos - this.lineStart,
    );
};

/** Notes a `->` at `pos` (not `-=`) that passed misplacedArrow(), so in a function's header. */
Tokenizer.prototype.arrowHere = function (this: Tokenizer): void {
  if (this.src.charCodeAt(this.pos + 1) === 62) this.arrowAt = this.pos;
};

/**
 * Whether the header's `->` is the last token before `at` (only blanks,
 * line continuations and a comment between): the return annotation is
 * missing, or starts with `*`, which no annotation may.
 */
Tokenizer.prototype.afterArrow = function (this: Tokenizer, at: number): boolean {
  if (this.arrowAt < 0) return false;
  let i = skipBlanks(this.src, this.arrowAt + 2);
  if (this.src.charCodeAt(i) === 35)
    while (i < at && this.src.charCodeAt(i) !== 10 && this.src.charCodeAt(i) !== 13) i++;
  return i === at || (i === at - 1 && this.src.charCodeAt(i) === 13);
};

/**
 * The parser error for a token that cannot come where an operand is
 * pending (`at` is where the token or the line's end is). After a
 * function's `->` CPython 3.10 and later want the header's `:` instead of an
 * annotation that cannot start there, and say so at the arrow.
 */
Tokenizer.prototype.operandMissing = function (
  this: Tokenizer,
  pending: number,
  at: number,
  col: number,
  where: number,
): TokenizeError {
  if (pending === P_DANGLING && this.afterArrow(where)) return this.errorAt("expected ':'", this.arrowAt);
  // `f(a, *)`: CPython's rule for a lone star after arguments names an unpacking order instead
  if (pending === P_STAR && this.starAfterArgument)
    return new TokenizeError(
      'iterable argument unpacking follows keyword argument unpacking',
      this.firstArgLine(this.depth - 1),
      col,
      E_PARSER,
    );
  return new TokenizeError('invalid syntax', at, col, E_PARSER);
};

/**
 * A `/` right after `(` or `,` marks positional-only parameters, so it may
 * stand only in a `def`'s parameters or an open lambda's; in a call, a
 * tuple or a list (`sa.Column('a',/ sa.String())`) it is "invalid syntax".
 */
Tokenizer.prototype.slashOutsideParameters = function (this: Tokenizer): boolean {
  // a lambda's parameters, or a generator beside other arguments (CPython names that first)
  if (this.lambdaAt.length > 0 || this.compFor[this.depth] === true) return false;
  return this.depth === 0 || (this.argFlags[this.depth - 1]! & A_PARAMS) === 0;
};

/** `->` outside a function's header, where it follows the parameters' `)`: `Sequence->[str]`, `sa.Col->umn`. */
Tokenizer.prototype.misplacedArrow = function (this: Tokenizer): boolean {
  if (this.src.charCodeAt(this.pos + 1) !== 62 || this.depth > 0) return this.depth > 0;
  const b = afterAsync(this.src, this.currentBegin);
  // in a function's header other checks speak (`def f -> int:` is "expected '('")
  return !isWordAt(this.src, b, 'def');
};

/** What a `.` leaves pending: after an operand an attribute's name (but after `from` a relative import's), elsewhere more of a relative import's dots. */
Tokenizer.prototype.dotKind = function (this: Tokenizer): number {
  if (!this.operandEnd) return P_RELDOT;
  return this.prevKind === K_WORD &&
    this.prevEnd - this.prevStart === 4 &&
    this.src.startsWith('from', this.prevStart)
    ? P_RELDOT
    : P_DOT;
};

/**
 * A keyword where CPython's parser cannot take one: after an attribute's
 * `.` (`a.if`), after an operator or separator unless it starts an operand
 * (`not`, `lambda`, `await`, `yield`, and `in` after a comma: `for a, in b`),
 * `and`/`or`/`in`/`is`/`as` at a statement's start, anything but `import` after
 * a relative import's dots. The word is [begin, pos).
 */
Tokenizer.prototype.misplacedKeyword = function (this: Tokenizer, before: number, begin: number): boolean {
  const kind = wordKind(this.src, begin, this.pos);
  if (kind === Word.Name || kind === Word.Soft) return false;
  if (before === P_DOT) return true;
  const len = this.pos - begin;
  const c0 = this.src.charCodeAt(begin);
  if (before === P_RELDOT) return kind === Word.Constant || !(c0 === 105 && len === 6);
  if (kind === Word.Constant) return false;
  if (before === P_SEMI)
    return len === 2 ? !(c0 === 105 && this.src.charCodeAt(begin + 1) === 102) : len === 3 && c0 === 97;
  if (
    (c0 === 110 && len === 3) ||
    (c0 === 108 && len === 6) ||
    (c0 === 121 && len === 5) ||
    (c0 === 97 && len === 5 && this.src.startsWith('await', begin))
  )
    return false;
  return !(before === P_SEPARATOR && c0 === 105 && len === 2 && this.src.charCodeAt(begin + 1) === 110);
};

/**
 * A `:` at `at` right after an opening bracket where no slice can start:
 * `(:` and `{:`, and `[:` in a list display (`x = [:1]`) but not in a
 * subscript (`a[:1]`, told by what stands before the `[`).
 */
Tokenizer.prototype.colonAfterOpener = function (this: Tokenizer, at: number): boolean {
  let i = at - 1;
  for (
    let d = this.src.charCodeAt(i);
    d === 32 || d === 9 || d === 12 || d === 10 || d === 13;
    d = this.src.charCodeAt(--i)
  );
  const c = this.src.charCodeAt(i);
  if (c === 40 || c === 123) return true;
  if (c !== 91) return false;
  for (
    let d = this.src.charCodeAt(--i);
    d === 32 || d === 9 || d === 12 || d === 10 || d === 13;
    d = this.src.charCodeAt(--i)
  );
  return i < 0 || '=([{,:;+-*/%&|^~<>@!'.includes(this.src[i]!);
};

/**
 * A misplaced `;`: "invalid syntax", but where a block header's colon is
 * required at that point ("expected ':'" after `try`, `else`, `finally` and
 * a function's parameters; "expected '('" after `def NAME`).
 */
Tokenizer.prototype.semicolonError = function (this: Tokenizer, before: number, atCol: number): void {
  const b = afterAsync(this.src, this.currentBegin);
  if (this.depth === 0 && before === P_NONE && !this.lineColon) {
    if (isWordAt(this.src, b, 'try') || isWordAt(this.src, b, 'finally') || isWordAt(this.src, b, 'else'))
      return this.fail(new TokenizeError("expected ':'", this.line, atCol, E_PARSER));
    if (isWordAt(this.src, b, 'def')) {
      if (this.src.lastIndexOf(')', this.pos) > b)
        return this.fail(new TokenizeError("expected ':'", this.line, atCol, E_PARSER));
      if (this.defWithoutParen(b)) return;
    }
  }
  this.fail(new TokenizeError('invalid syntax', this.line, atCol, E_PARSER));
};

/** `;` ends a statement: not inside brackets, not first on a line, not after another `;`, an operator or a block's `:`, not in a block's header. */
Tokenizer.prototype.misplacedSemicolon = function (this: Tokenizer, before: number): boolean {
  if (this.depth > 0 || before === P_SEMI || before === P_COLON || needsOperand(before)) return true;
  // a decorator ends at its line's end (`@dec; x = 1`)
  if (this.src.charCodeAt(statementStart(this.src, this.stmtBegin)) === 64) return true;
  // nor inside a block header before its `:` (`with op.batch_a;lter_table("t") as b:`)
  return !this.lineColon && this.startsCompound(afterAsync(this.src, this.currentBegin));
};
