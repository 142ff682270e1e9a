// Literals as Python's tokenizer reads them: where a string or a number ends, and what in one is no Python.
import { isAsciiIdent, isDecimal, isHexDigit, isIdentPart, KEYWORD_AFTER_NUMBER } from './python-chars.js';

/** A literal Python refuses: the message, and the offset it names. */
export class LiteralError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

/** The prefix letters of a string literal, as flags. */
export const RAW = 1;
export const BYTES = 2;
export const FORMATTED = 4;

export function prefixFlags(src: string, begin: number, end: number): number {
  let flags = 0;
  for (let i = begin; i < end; i++) {
    const c = src.charCodeAt(i) | 32;
    if (c === 114) flags |= RAW;
    else if (c === 98) flags |= BYTES;
    else if (c === 102 || c === 116) flags |= FORMATTED;
  }
  return flags;
}

/**
 * The end of the string literal whose opening quote is at `q`, with prefix `flags`. An f-string or
 * t-string's replacement fields are read as Python 3.12 reads them (PEP 701): they may hold strings
 * with the same quote, brackets, comments and further fields.
 */
export function stringEnd(src: string, q: number, flags: number): number {
  const quote = src.charCodeAt(q);
  const triple = src.charCodeAt(q + 1) === quote && src.charCodeAt(q + 2) === quote;
  const lit: Literal = { src, q, quote, triple, flags };
  const body = q + (triple ? 3 : 1);
  return (flags & FORMATTED) !== 0 ? formattedEnd(lit, body) : plainEnd(lit, body);
}

/** The literal being read: its text, where its opening quote is, which quote, whether tripled, its prefix. */
interface Literal {
  readonly src: string;
  readonly q: number;
  readonly quote: number;
  readonly triple: boolean;
  readonly flags: number;
}

/** Whether the literal's closing quote (or three) stands at `i`. */
function closesAt({ src, quote, triple }: Literal, i: number): boolean {
  return (
    src.charCodeAt(i) === quote &&
    (!triple || (src.charCodeAt(i + 1) === quote && src.charCodeAt(i + 2) === quote))
  );
}

function plainEnd(lit: Literal, i: number): number {
  const { src, triple, flags, q } = lit;
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (closesAt(lit, i)) return i + (triple ? 3 : 1);
    if (c === 92) {
      if ((flags & RAW) === 0) checkEscape(src, i, flags);
      if (isUndecodable(src, i + 1)) throw new LiteralError(NOT_UTF8, q);
      i += escapeLength(src, i);
      continue;
    }
    if ((c === 10 || c === 13) && !triple) break;
    if (c >= 128) {
      if ((flags & BYTES) !== 0) throw new LiteralError('bytes can only contain ASCII literal characters', q);
      if (isUndecodable(src, i)) throw new LiteralError(NOT_UTF8, q);
    }
    i++;
  }
  throw unterminated(triple, q);
}

/** What the reader says of bytes that are not UTF-8 where Python decodes them (a string, a name). */
export const NOT_UTF8 = '(unicode error) text that is not UTF-8';

/**
 * A byte the file's UTF-8 decoding could not place: the source reader keeps it as a lone low
 * surrogate, U+DC80 to U+DCFF, as Python's surrogateescape does.
 */
export function isUndecodable(src: string, i: number): boolean {
  const c = src.charCodeAt(i);
  return c >= 0xdc80 && c <= 0xdcff && !(i > 0 && (src.charCodeAt(i - 1) & 0xfc00) === 0xd800);
}

function unterminated(triple: boolean, q: number): LiteralError {
  return new LiteralError(
    triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal',
    q,
  );
}

/** The literal text of an f-string from `i`, its fields read through. */
function formattedEnd(lit: Literal, i: number): number {
  const { src, triple, flags, q } = lit;
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (closesAt(lit, i)) return i + (triple ? 3 : 1);
    if (c === 92) {
      i = formattedEscapeEnd(src, i, flags);
      continue;
    }
    if ((c === 10 || c === 13) && !triple) break;
    if (c >= 0xdc80 && c <= 0xdcff && isUndecodable(src, i)) throw new LiteralError(NOT_UTF8, q);
    if (c === 123) {
      if (src.charCodeAt(i + 1) === 123) i += 2;
      else i = fieldEnd(lit, i + 1);
      continue;
    }
    if (c === 125) {
      if (src.charCodeAt(i + 1) !== 125) throw new LiteralError("f-string: single '}' is not allowed", i);
      i += 2;
      continue;
    }
    i++;
  }
  throw unterminated(triple, q);
}

/** A replacement field from just after its `{`: the expression, a conversion, a format spec; the offset after its `}`. */
function fieldEnd(lit: Literal, i: number): number {
  const { src, triple, q } = lit;
  const n = src.length;
  let depth = 0;
  let sawExpression = false;
  while (i < n) {
    const c = src.charCodeAt(i);
    // any quote starts a nested string, the enclosing literal's own included (PEP 701)
    if (c === 34 || c === 39) {
      i = stringEnd(src, i, 0);
      sawExpression = true;
      continue;
    }
    if (isAsciiIdent(c) && (c < 48 || c > 57)) {
      const b = i;
      while (i < n && isIdentPart(src.charCodeAt(i), src, i)) i++;
      const quoteNext = src.charCodeAt(i);
      if ((quoteNext === 34 || quoteNext === 39) && i - b <= 2 && isPrefix(src, b, i)) {
        i = stringEnd(src, i, prefixFlags(src, b, i));
      }
      sawExpression = true;
      continue;
    }
    if (c === 35) {
      while (i < n && src.charCodeAt(i) !== 10 && src.charCodeAt(i) !== 13) i++;
      continue;
    }
    if (c >= 0xdc80 && c <= 0xdcff && isUndecodable(src, i)) throw new LiteralError(NOT_UTF8, q);
    if (c === 40 || c === 91 || c === 123) depth++;
    else if ((c === 41 || c === 93) && depth > 0) depth--;
    else if (c === 125) {
      if (depth > 0) depth--;
      else {
        if (!sawExpression) throw new LiteralError("f-string: valid expression required before '}'", i);
        return i + 1;
      }
    } else if (depth === 0 && c === 33 && src.charCodeAt(i + 1) !== 61) {
      if (!sawExpression) throw new LiteralError("f-string: valid expression required before '!'", i);
      return conversionEnd(lit, i + 1);
    } else if (depth === 0 && c === 58) {
      if (!sawExpression) throw new LiteralError("f-string: valid expression required before ':'", i);
      return specEnd(lit, i + 1);
    }
    if (c !== 32 && c !== 9 && c !== 12 && c !== 10 && c !== 13 && c !== 61) sawExpression = true;
    i++;
  }
  throw unterminated(triple, q);
}

function isPrefix(src: string, b: number, e: number): boolean {
  for (let k = b; k < e; k++) if (!'rRbBfFtTuU'.includes(src[k]!)) return false;
  return true;
}

/** After a field's `!`: the conversion's letters, then a format spec or the `}`. */
function conversionEnd(lit: Literal, i: number): number {
  const { src } = lit;
  const letter = src.charCodeAt(i);
  if (letter !== 114 && letter !== 115 && letter !== 97)
    throw new LiteralError("f-string: invalid conversion character: expected 's', 'r', or 'a'", i);
  i++;
  while (src.charCodeAt(i) === 32 || src.charCodeAt(i) === 9) i++;
  const c = src.charCodeAt(i);
  if (c === 125) return i + 1;
  if (c === 58) return specEnd(lit, i + 1);
  throw new LiteralError("f-string: expecting '}'", i);
}

/** A format spec from just after its `:`: literal text and nested fields up to the field's `}`. */
function specEnd(lit: Literal, i: number): number {
  const { src, triple, flags, q } = lit;
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (closesAt(lit, i)) throw unterminated(triple, q);
    if ((c === 10 || c === 13) && !triple) throw unterminated(triple, q);
    if (c === 123) {
      i = fieldEnd(lit, i + 1);
      continue;
    }
    if (c === 125) return i + 1;
    if (c >= 0xdc80 && c <= 0xdcff && isUndecodable(src, i)) throw new LiteralError(NOT_UTF8, q);
    if (c === 92) {
      i = formattedEscapeEnd(src, i, flags);
      continue;
    }
    i++;
  }
  throw unterminated(triple, q);
}

/**
 * Past a backslash in an f-string's literal text: a brace after it still opens or closes a field
 * (`rf"\{x}"`), and a `\N{…}` name is no field.
 */
function formattedEscapeEnd(src: string, i: number, flags: number): number {
  const e = src.charCodeAt(i + 1);
  if (isUndecodable(src, i + 1)) throw new LiteralError(NOT_UTF8, i);
  if (e === 123 || e === 125) return i + 1;
  if ((flags & RAW) !== 0) return i + escapeLength(src, i);
  checkEscape(src, i, flags);
  if (e === 78) return src.indexOf('}', i) + 1;
  return i + escapeLength(src, i);
}

/** A backslash at `i` and the character it escapes: 2, or 3 for a `\r\n` line end. */
function escapeLength(src: string, i: number): number {
  return src.charCodeAt(i + 1) === 13 && src.charCodeAt(i + 2) === 10 ? 3 : 2;
}

/** An escape Python cannot decode: a short `\x`, `\u` or `\U`, a code point past U+10FFFF, a malformed `\N{…}`. */
function checkEscape(src: string, i: number, flags: number): void {
  const e = src.charCodeAt(i + 1);
  const bytes = (flags & BYTES) !== 0;
  const digits = e === 120 ? 2 : bytes ? 0 : e === 117 ? 4 : e === 85 ? 8 : 0;
  if (digits > 0) {
    for (let k = 2; k < 2 + digits; k++)
      if (!isHexDigit(src.charCodeAt(i + k))) throw new LiteralError(`truncated \\${src[i + 1]!} escape`, i);
    if (digits === 8 && Number.parseInt(src.slice(i + 2, i + 10), 16) > 0x10ffff)
      throw new LiteralError('illegal Unicode character', i);
  } else if (e === 78 && !bytes) {
    // a name of letters, digits, spaces and hyphens; whether Unicode has it is the interpreter's to say
    let k = i + 2;
    if (src.charCodeAt(k) !== 123) throw new LiteralError('malformed \\N character escape', i);
    k++;
    const b = k;
    while (
      k < src.length &&
      (isAsciiIdent(src.charCodeAt(k)) || src[k] === ' ' || src[k] === '-') &&
      src[k] !== '_'
    )
      k++;
    if (src.charCodeAt(k) !== 125 || k === b) throw new LiteralError('malformed \\N character escape', i);
  }
}

/**
 * The end of the number literal at `i` (a digit, or a `.` before one): `1_`, `0x`, `0o8`, `0755` and
 * `1abc` are errors, but `1if x else 2` is a number and a keyword.
 */
export function numberEnd(src: string, i: number): number {
  const begin = i;
  const x = src.charCodeAt(i + 1) | 32;
  if (src.charCodeAt(i) === 48 && (x === 120 || x === 111 || x === 98)) {
    const kind = x === 120 ? 'hexadecimal' : x === 111 ? 'octal' : 'binary';
    const top = x === 111 ? 56 : 50;
    const ok = (d: number): boolean => (x === 120 ? isHexDigit(d) : d >= 48 && d < top);
    i += 2;
    do {
      if (src.charCodeAt(i) === 95) i++;
      if (!ok(src.charCodeAt(i))) throw new LiteralError(`invalid ${kind} literal`, begin);
      do i++;
      while (ok(src.charCodeAt(i)));
    } while (src.charCodeAt(i) === 95);
    if (isDecimal(src.charCodeAt(i))) throw new LiteralError(`invalid ${kind} literal`, begin);
    return afterNumber(src, i, kind, begin);
  }
  if (src.charCodeAt(i) === 48) {
    i++;
    for (;;) {
      if (src.charCodeAt(i) === 95) {
        i++;
        if (!isDecimal(src.charCodeAt(i))) throw new LiteralError('invalid decimal literal', begin);
      }
      if (src.charCodeAt(i) !== 48) break;
      i++;
    }
    const nonzero = isDecimal(src.charCodeAt(i));
    if (nonzero) i = digitsEnd(src, i, begin);
    const c = src.charCodeAt(i) | 32;
    if (nonzero && c !== 46 && c !== 101 && c !== 106)
      throw new LiteralError('leading zeros in decimal integer literals are not permitted', begin);
  } else if (src.charCodeAt(i) !== 46) i = digitsEnd(src, i, begin);
  if (src.charCodeAt(i) === 46) {
    i++;
    if (isDecimal(src.charCodeAt(i))) i = digitsEnd(src, i, begin);
  }
  if ((src.charCodeAt(i) | 32) === 101) {
    const e = i;
    i++;
    const c = src.charCodeAt(i);
    if (c === 43 || c === 45) {
      i++;
      if (!isDecimal(src.charCodeAt(i))) throw new LiteralError('invalid decimal literal', begin);
    } else if (!isDecimal(c)) return afterNumber(src, e, 'decimal', begin);
    i = digitsEnd(src, i, begin);
  }
  if ((src.charCodeAt(i) | 32) === 106) return afterNumber(src, i + 1, 'imaginary', begin);
  return afterNumber(src, i, 'decimal', begin);
}

/** Digits with single underscores between them, from a digit at `i`. */
function digitsEnd(src: string, i: number, begin: number): number {
  for (;;) {
    while (isDecimal(src.charCodeAt(i))) i++;
    if (src.charCodeAt(i) !== 95) return i;
    i++;
    if (!isDecimal(src.charCodeAt(i))) throw new LiteralError('invalid decimal literal', begin);
  }
}

/** A name character right after a number is an error, unless a keyword that may follow one starts there (`1if`, `0or`). */
function afterNumber(src: string, i: number, kind: string, begin: number): number {
  const c = src.charCodeAt(i);
  if (c >= 128 || !isAsciiIdent(c)) return i;
  const rest = KEYWORD_AFTER_NUMBER[String.fromCharCode(c)];
  if (rest !== undefined && src.startsWith(rest, i + 1)) {
    const after = src.charCodeAt(i + 1 + rest.length);
    if (!(after >= 128 || isAsciiIdent(after))) return i;
  }
  if (c === 105 && 'fns'.includes(src[i + 1] ?? '')) return i;
  throw new LiteralError(`invalid ${kind} literal`, begin);
}
