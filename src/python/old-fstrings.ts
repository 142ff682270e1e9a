// How tokenizers before PEP 701 (Python 3.11 and older) read an f-string: where they end it and what they refuse.
import { isAsciiIdent } from './python-chars.js';
import { isStringPrefix } from './tokenizer-tables.js';

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
      if (open !== (c === 41 ? 40 : c === 93 ? 91 : 123))
        return `f-string: closing parenthesis '${String.fromCharCode(c)}' does not match opening parenthesis '${String.fromCharCode(open)}'`;
    } else if (c === 125) inField = false;
    else if (stack.length === 0 && (c === 33 || c === 58 || c === 61 || c === 60 || c === 62)) return null;
    i++;
  }
  if (!inField) return null;
  return stack.length > 0
    ? `f-string: unmatched '${String.fromCharCode(stack[stack.length - 1]!)}'`
    : "f-string: expecting '}'";
}

/** Where Python 3.11's tokenizer ends the string literal whose opening quote is at `at` (-1: unterminated). */
export function oldStringEnd(src: string, at: number, triple: boolean): number {
  const q = src.charCodeAt(at);
  for (let i = at + (triple ? 3 : 1); i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 92) i++;
    else if ((c === 10 || c === 13) && !triple) return -1;
    else if (c === q && (!triple || (src.charCodeAt(i + 1) === q && src.charCodeAt(i + 2) === q)))
      return i + (triple ? 3 : 1);
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
