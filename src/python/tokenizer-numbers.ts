// Pass: number literals, and the fast path over skipped function and class bodies.
import { isAsciiIdent, isDecimal, isHexDigit, isIdentPart, KEYWORD_AFTER_NUMBER } from './python-chars.js';
import { openerOf } from './statement-checks.js';
import { Tokenizer } from './tokenizer-state.js';
import {
  augmentedOp,
  BAIL,
  BANG,
  CLOSE,
  COLON,
  DIGIT,
  DOT,
  HASH,
  isStringPrefix,
  K_STRING,
  K_WORD,
  NEWLINE,
  OPCHAR,
  OPEN,
  opLength,
  opMayFollow,
  P_COLON,
  P_DANGLING,
  P_DOT,
  P_NONE,
  P_SEPARATOR,
  PUNCT1,
  QUOTE,
  SKIP_CLASS,
  SPACE,
  WORD,
} from './tokenizer-tables.js';
import { TokenizeError } from './tokens.js';

declare module './tokenizer-state.js' {
  interface Tokenizer {
    scanNumber(): void;
    decimalTail(begin: number): void;
    endOfNumber(kind: string, begin: number): void;
    badDigitOr(kind: string, fallback: string, begin: number): TokenizeError;
    numberError(message: string, begin: number): TokenizeError;
    skipPlain(): void;
    skipOperator(c: number): boolean;
    skipDot(): boolean;
    skipColon(): boolean;
  }
}

/**
 * Steps over a number literal from pos, as CPython's tokenizer reads one,
 * with its errors: `1_`, `0x`, `0o8`, `0755`, `1abc` (but `1if x else 2`
 * is a number and a keyword).
 */
Tokenizer.prototype.scanNumber = function (this: Tokenizer): void {
  const begin = this.pos;
  const x = this.src.charCodeAt(this.pos + 1) | 32;
  if (this.src.charCodeAt(this.pos) === 48 && (x === 120 || x === 111 || x === 98)) {
    const kind = x === 120 ? 'hexadecimal' : x === 111 ? 'octal' : 'binary';
    const top = x === 111 ? 56 : 50;
    const ok = (d: number): boolean => (x === 120 ? isHexDigit(d) : d >= 48 && d < top);
    this.pos += 2;
    do {
      if (this.src.charCodeAt(this.pos) === 95) this.pos++;
      if (!ok(this.src.charCodeAt(this.pos))) throw this.badDigitOr(kind, `invalid ${kind} literal`, begin);
      do this.pos++;
      while (ok(this.src.charCodeAt(this.pos)));
    } while (this.src.charCodeAt(this.pos) === 95);
    const bad = this.badDigitOr(kind, '', begin);
    if (bad.message !== '') throw bad;
    this.endOfNumber(kind, begin);
    return;
  }
  if (this.src.charCodeAt(this.pos) === 48) {
    // 0, 00, 0_0 … and Python 2's octal 0755, which is an error unless a fraction, exponent or j follows
    this.pos++;
    for (;;) {
      if (this.src.charCodeAt(this.pos) === 95) {
        this.pos++;
        if (!isDecimal(this.src.charCodeAt(this.pos)))
          throw this.numberError('invalid decimal literal', begin);
      }
      if (this.src.charCodeAt(this.pos) !== 48) break;
      this.pos++;
    }
    const nonzero = isDecimal(this.src.charCodeAt(this.pos));
    if (nonzero) this.decimalTail(begin);
    const c = this.src.charCodeAt(this.pos) | 32;
    if (nonzero && c !== 46 && c !== 101 && c !== 106) {
      throw this.numberError(
        'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers',
        begin,
      );
    }
  } else if (this.src.charCodeAt(this.pos) !== 46) this.decimalTail(begin);
  if (this.src.charCodeAt(this.pos) === 46) {
    this.pos++;
    if (isDecimal(this.src.charCodeAt(this.pos))) this.decimalTail(begin);
  }
  if ((this.src.charCodeAt(this.pos) | 32) === 101) {
    const e = this.pos;
    this.pos++;
    const c = this.src.charCodeAt(this.pos);
    if (c === 43 || c === 45) {
      this.pos++;
      if (!isDecimal(this.src.charCodeAt(this.pos))) throw this.numberError('invalid decimal literal', begin);
    } else if (!isDecimal(c)) {
      // `1else`: the number ends before the keyword; `1e` alone is an error
      this.pos = e;
      this.endOfNumber('decimal', begin);
      return;
    }
    this.decimalTail(begin);
  }
  if ((this.src.charCodeAt(this.pos) | 32) === 106) {
    this.pos++;
    this.endOfNumber('imaginary', begin);
  } else this.endOfNumber('decimal', begin);
};

/** Digits with single underscores between them, from a digit at pos. */
Tokenizer.prototype.decimalTail = function (this: Tokenizer, begin: number): void {
  for (;;) {
    while (isDecimal(this.src.charCodeAt(this.pos))) this.pos++;
    if (this.src.charCodeAt(this.pos) !== 95) return;
    this.pos++;
    if (!isDecimal(this.src.charCodeAt(this.pos))) throw this.numberError('invalid decimal literal', begin);
  }
};

/** A name character right after a number is an error, unless a keyword that may follow one starts there (`1if`, `0or`). */
Tokenizer.prototype.endOfNumber = function (this: Tokenizer, kind: string, begin: number): void {
  const c = this.src.charCodeAt(this.pos);
  // a non-ASCII character is left to the next token (3.10 alone called it part of the literal)
  if (c >= 128 || !isAsciiIdent(c)) return;
  const rest = KEYWORD_AFTER_NUMBER[String.fromCharCode(c)];
  if (rest !== undefined && this.src.startsWith(rest, this.pos + 1)) {
    const after = this.src.charCodeAt(this.pos + 1 + rest.length);
    if (!(after >= 128 || isAsciiIdent(after))) return;
  }
  if (c === 105 && /[fns]/.test(this.src[this.pos + 1] ?? '')) return;
  throw this.numberError(`invalid ${kind} literal`, begin);
};

/** In an octal or binary literal, a decimal digit out of range is named; else `fallback`. */
Tokenizer.prototype.badDigitOr = function (
  this: Tokenizer,
  kind: string,
  fallback: string,
  begin: number,
): TokenizeError {
  const d = this.src.charCodeAt(this.pos);
  if (kind !== 'hexadecimal' && d >= 48 && d <= 57)
    return this.numberError(`invalid digit '${this.src[this.pos]!}' in ${kind} literal`, begin);
  return this.numberError(fallback, begin);
};

Tokenizer.prototype.numberError = function (this: Tokenizer, message: string, begin: number): TokenizeError {
  return new TokenizeError(message, this.line, begin - this.lineStart);
};

/**
 * Steps over the common characters of a skipped body line without making
 * tokens: names, numbers, operators, strings, comments, brackets that
 * match, and newlines inside brackets. It stops before anything that needs
 * the general loop (the line's end, a backslash, a non-ASCII character
 * outside a name, a mismatched bracket, an invalid character), which then
 * handles it, errors included, exactly as before.
 */
Tokenizer.prototype.skipPlain = function (this: Tokenizer): void {
  for (;;) {
    const c = this.src.charCodeAt(this.pos);
    switch (c < 128 ? SKIP_CLASS[c] : BAIL) {
      case SPACE:
        this.pos++;
        break;
      case OPCHAR:
        if (!this.skipOperator(c)) return;
        break;
      case WORD: {
        const before = this.punct;
        this.punct = P_NONE;
        const begin = this.pos;
        this.pos++;
        while (this.pos < this.n) {
          const d = this.src.charCodeAt(this.pos);
          if (d < 128 ? isAsciiIdent(d) : isIdentPart(d, this.src, this.pos)) this.pos++;
          else break;
        }
        const q = this.src.charCodeAt(this.pos);
        if ((q === 34 || q === 39) && this.pos - begin <= 2 && isStringPrefix(this.src, begin, this.pos)) {
          this.operand(K_STRING, begin, this.line);
          this.scanString(this.pos, this.pos - begin);
        } else this.word(begin, this.line, before);
        break;
      }
      case DIGIT:
        this.punct = P_NONE;
        this.number(this.line);
        break;
      case DOT:
        if (!this.skipDot()) return;
        break;
      case COLON:
        if (!this.skipColon()) return;
        break;
      case BANG:
        if (
          this.src.charCodeAt(this.pos + 1) !== 61 ||
          !opMayFollow(this.punct, 33, 2, this.depth) ||
          (this.operandEnd && this.prevKw && this.prevKind === K_WORD && this.keywordRefuses(33, 2))
        )
          return;
        if (this.argStart) this.argToken(33, 2);
        this.operandEnd = false;
        this.punct = P_DANGLING;
        this.pos += 2;
        break;
      case OPEN: {
        // after a `.`, no bracket (`op.(`); after a keyword that refuses one (`pass(`), the general loop says so
        if (
          this.punct >= P_DOT ||
          (this.operandEnd && this.prevKw && this.prevKind === K_WORD && this.keywordRefuses(c, 1))
        )
          return;
        if (c === 123) this.brace(this.pos, this.line);
        const paren = c === 40 ? this.parenKind() : 0;
        const subscript = c === 91 && this.subscriptHere();
        if (this.argStart) this.argToken(c, 1);
        this.punct = P_SEPARATOR;
        this.operandEnd = false;
        this.openBracket(c, this.line, this.pos - this.lineStart, paren, this.pos, subscript);
        this.pos++;
        break;
      }
      case CLOSE:
        if (
          this.depth === 0 ||
          this.bracketCh[this.depth - 1] !== openerOf(c) ||
          c === 125 ||
          this.punct === P_DANGLING ||
          this.punct >= P_DOT ||
          (this.operandEnd && this.prevKw && this.prevKind === K_WORD && this.keywordRefuses(c, 1))
        )
          return;
        if (this.ternaryOpen > 0) this.ternaryEnd(this.depth, -1);
        this.punct = P_NONE;
        this.depth--;
        this.leftBracket(this.line, this.pos - this.lineStart);
        this.closed(this.pos, this.line);
        this.pos++;
        break;
      case QUOTE:
        this.punct = P_NONE;
        this.operand(K_STRING, this.pos, this.line);
        this.scanString(this.pos, 0);
        break;
      case HASH:
        while (
          this.pos < this.n &&
          this.src.charCodeAt(this.pos) !== 10 &&
          this.src.charCodeAt(this.pos) !== 13
        )
          this.pos++;
        break;
      case NEWLINE:
        if (this.depth === 0) return;
        if (c === 13 && this.src.charCodeAt(this.pos + 1) === 10) this.pos++;
        this.pos++;
        this.newline();
        break;
      default:
        return;
    }
  }
};

/** An operator in a skipped body: stepped over as the general loop would read it (true), or left to that loop (false). */
Tokenizer.prototype.skipOperator = function (this: Tokenizer, c: number): boolean {
  // an operator in the wrong place goes to the general loop, which reports it
  const len = opLength(this.src, this.pos, c);
  if (
    (c === 44 && this.punct === P_SEPARATOR) ||
    (c === 47 && this.punct === P_SEPARATOR) ||
    (c === 59 && this.misplacedSemicolon(this.punct)) ||
    (this.punct !== P_NONE && !opMayFollow(this.punct, c, len, this.depth))
  )
    return false;
  if (
    (c === 45 && len === 2 && this.misplacedArrow()) ||
    (this.operandEnd && this.prevKw && this.prevKind === K_WORD && this.keywordRefuses(c, len))
  )
    return false;
  // `->`/`-=` and a `*` after an operator are rare in bodies: the general loop notes and checks a header's arrow
  if ((c === 45 && len === 2) || (c === 42 && this.punct === P_DANGLING)) return false;
  // a `{` display's separators and unpackings are judged by the general loop (braceElement)
  if (
    this.depth > 0 &&
    this.bracketCh[this.depth - 1] === 123 &&
    this.fieldNest === 0 &&
    (c === 42 || c === 44)
  )
    return false;
  const next = len !== 1 ? P_DANGLING : c === 42 || c === 47 ? this.punctOf(c) : PUNCT1[c]!;
  if (this.ternaryOpen > 0 && len === 1 && (c === 44 || c === 59)) this.ternaryEnd(this.depth, -1);
  this.operandEnd = false;
  if (c === 44 && this.depth === 0 && !this.lineColon) this.python2Comma(this.pos);
  else if (this.depth > 0) {
    if (c === 61 && len === 1 && !this.inCall) this.bracketEquals(this.pos);
    else if (augmentedOp(this.src, this.pos, c, len)) this.augmentedInBrackets();
  } else if (c === 61 || len >= 2) this.assignmentOperator(c, len);
  if (this.inCall) {
    if (len === 1 && c === 44) this.argComma();
    else if (len === 1 && c === 61) this.argEquals();
    else if (this.argStart || (c === 42 && this.startsArgument(this.pos))) this.argToken(c, len);
  }
  this.punct = next;
  this.pos += len;
  if (c === 59) this.nextStatement();
  return true;
};

/** A `.` in a skipped body: a number's start, an ellipsis or an attribute's dot (true), or left to the general loop (false). */
Tokenizer.prototype.skipDot = function (this: Tokenizer): boolean {
  const d = this.src.charCodeAt(this.pos + 1);
  if (d >= 48 && d <= 57) {
    this.punct = P_NONE;
    this.number(this.line);
  } else if (d === 46 && this.src.charCodeAt(this.pos + 2) === 46) {
    // Ellipsis
    if (!opMayFollow(this.punct, 46, 3, this.depth)) return false;
    if (this.argStart) this.argToken(46, 3);
    this.punct = P_NONE;
    this.operandEnd = false;
    this.pos += 3;
  } else {
    if (
      !opMayFollow(this.punct, 46, 1, this.depth) ||
      (this.operandEnd && this.prevKw && this.prevKind === K_WORD && this.keywordRefuses(46, 1))
    )
      return false;
    if (this.argStart) this.argToken(46, 1);
    this.punct = this.dotKind();
    this.operandEnd = false;
    this.pos++;
  }
  return true;
};

/** A `:` or `:=` in a skipped body: stepped over (true), or left to the general loop (false). */
Tokenizer.prototype.skipColon = function (this: Tokenizer): boolean {
  const len = this.src.charCodeAt(this.pos + 1) === 61 ? 2 : 1;
  // `:=` outside brackets is checked by the general loop
  if (
    (len === 2 && this.depth === 0) ||
    (this.depth > 0 && this.bracketCh[this.depth - 1] === 123 && this.fieldNest === 0) ||
    !opMayFollow(this.punct, 58, len, this.depth) ||
    (this.operandEnd && this.prevKw && this.prevKind === K_WORD && this.keywordRefuses(58, len)) ||
    (len === 1 && this.punct === P_SEPARATOR && this.colonAfterOpener(this.pos))
  )
    return false;
  this.operandEnd = false;
  if (this.ternaryOpen > 0 && len === 1) this.ternaryEnd(this.depth, this.pos);
  if (len === 1 && this.lambdaAt.length > 0) this.lambdaColon(this.pos);
  if (len === 2) {
    if (this.argStart) this.argToken(58, 2);
    this.punct = P_DANGLING;
    this.pos += 2;
  } else {
    if (this.inCall) this.argColon();
    else if (this.depth === 0) {
      this.statementColon(this.pos);
      this.lineColon = true;
      this.stmtBegin = this.pos + 1;
    }
    this.punct = P_COLON;
    this.pos++;
  }
  return true;
};
