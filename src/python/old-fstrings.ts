// How tokenizers before PEP 701 (Python 3.11 and older) read an f-string: where they end it and what they refuse.

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
