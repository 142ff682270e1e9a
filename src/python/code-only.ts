/**
 * Python source with its strings and comments blanked, for scans that look at code only.
 */

/** The text with every string literal's and comment's characters but newlines replaced by spaces; undefined if a string is unclosed. */
export function codeOnly(text: string): string | undefined {
  const parts: string[] = [];
  let from = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x23) {
      // a comment, up to the end of its line
      let end = text.indexOf('\n', i);
      if (end < 0) end = n;
      parts.push(text.slice(from, i), ' '.repeat(end - i));
      from = end;
      i = end - 1;
    } else if (c === 0x22 || c === 0x27) {
      const q = text[i]!;
      const quote = text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c ? q + q + q : q;
      let j = i + quote.length;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) j++;
        else if (d === c && (quote.length === 1 || text.startsWith(quote, j))) break;
        else if (d === 0x0a && quote.length === 1) return undefined;
      }
      if (j >= n) return undefined;
      // keep the quotes (a call's first argument is read from the original text)
      const start = i + quote.length;
      parts.push(text.slice(from, start), blank(text, start, j));
      from = j;
      i = j + quote.length - 1;
    }
  }
  parts.push(text.slice(from));
  return parts.join('');
}

/** `text[from, to)` with every character but newlines as a space. */
function blank(text: string, from: number, to: number): string {
  let out = '';
  let at = from;
  for (let nl = text.indexOf('\n', at); nl >= 0 && nl < to; nl = text.indexOf('\n', at)) {
    out += ' '.repeat(nl - at) + '\n';
    at = nl + 1;
  }
  return out + ' '.repeat(to - at);
}

export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
