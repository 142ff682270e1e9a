// Characters as CPython's tokenizer classes them: digits, identifier letters (XID), blanks.
/** 0-9. */
export function isDecimal(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isHexDigit(c: number): boolean {
  return isDecimal(c) || ((c | 32) >= 97 && (c | 32) <= 102);
}

/**
 * After a number, CPython's tokenizer lets these whole keywords follow without
 * a space (`1and`, `1else`, `1for`, `1or`, `1not`); for `i` one more letter
 * is enough (`1if`, `1in`, `1is`, and so `1ifx` too).
 */
export const KEYWORD_AFTER_NUMBER: Readonly<Record<string, string>> = {
  a: 'nd',
  e: 'lse',
  f: 'or',
  o: 'r',
  n: 'ot',
};

export function isAsciiIdent(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57);
}

/** What CPython's tokenizer allows in a name beyond ASCII (PEP 3131), tested on whole code points: `𝒞` is one character, two in UTF-16. */
const XID_START = /^\p{XID_Start}$/u;
const XID_CONTINUE = /^\p{XID_Continue}$/u;

/** The first offset at or after i that holds no space, tab, form feed or line continuation (a backslash and its newline). */
export function skipBlanks(src: string, i: number): number {
  for (;;) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 12) i++;
    else if (c === 92 && src.charCodeAt(i + 1) === 13) i += src.charCodeAt(i + 2) === 10 ? 3 : 2;
    else if (c === 92 && src.charCodeAt(i + 1) === 10) i += 2;
    else return i;
  }
}

/** A backslash as the text's last character, or followed only by its line end. */
export const CONTINUATION_AT_END = /\\(?:\r\n|\r|\n)?$/u;

/** The last offset at or before i that holds no space, tab or form feed (-1 at the start). */
export function lastNonBlank(src: string, i: number): number {
  while (i >= 0 && (src.charCodeAt(i) === 32 || src.charCodeAt(i) === 9 || src.charCodeAt(i) === 12)) i--;
  return i;
}

export function identAt(src: string, i: number): boolean {
  if (i < 0 || i >= src.length) return false;
  const c = src.charCodeAt(i);
  return c < 128 ? isAsciiIdent(c) : isIdentPart(c, src, i);
}

/** What CPython's tokenizer may take into a name before decoding it: ASCII letters, digits, `_` and any non-ASCII byte. */
export function mayBeInName(c: number): boolean {
  return c >= 128 || isAsciiIdent(c);
}

export function isIdentStart(c: number, src: string, pos: number): boolean {
  if (isAsciiIdent(c)) return c < 48 || c > 57;
  return c >= 128 && XID_START.test(String.fromCodePoint(src.codePointAt(pos)!));
}

export function isIdentPart(c: number, src: string, pos: number): boolean {
  if (isAsciiIdent(c)) return true;
  // NaN past the end of the text, which callers scanning ahead reach in a file without a last newline
  if (!(c >= 128)) return false;
  // the second half of a character beyond U+FFFF whose first half the name took
  if ((c & 0xfc00) === 0xdc00) return (src.charCodeAt(pos - 1) & 0xfc00) === 0xd800;
  return XID_CONTINUE.test(String.fromCodePoint(src.codePointAt(pos)!));
}
