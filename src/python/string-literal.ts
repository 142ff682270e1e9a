import { detach } from './python-tokenizer.js';
import type { PyValue } from './python-value.js';

/**
 * Evaluates one Python string literal token (prefix + quotes + body) the way
 * CPython does. f-strings without replacement fields are plain strings; with
 * fields they are unknown, since their value depends on run time.
 */
export function evalStringLiteral(text: string): PyValue {
  let i = 0;
  while (i < text.length && text[i] !== '"' && text[i] !== "'") i++;
  // a caller that hands over any other token gets no value, not an endless loop
  if (i === text.length) return { t: 'unknown', reason: 'not a string literal' };
  const prefix = text.slice(0, i).toLowerCase();
  const q = text[i]!;
  const triple = text[i + 1] === q && text[i + 2] === q && text.length >= i + 6;
  const qlen = triple ? 3 : 1;
  const body = text.slice(i + qlen, text.length - qlen);
  const raw = prefix.includes('r');
  const bytes = prefix.includes('b');
  const fmt = prefix.includes('f') || prefix.includes('t');
  if (prefix.includes('t')) return { t: 'unknown', reason: 'a template string (t-string)' };
  let s = body;
  if (fmt) {
    let out = '';
    for (let k = 0; k < s.length; k++) {
      const ch = s[k]!;
      if (ch === '{') {
        if (s[k + 1] === '{') {
          out += '{';
          k++;
          continue;
        }
        return { t: 'unknown', reason: 'an f-string with replacement fields' };
      }
      if (ch === '}' && s[k + 1] === '}') {
        out += '}';
        k++;
        continue;
      }
      if (ch === '\\' && !raw) {
        out += ch + (s[k + 1] ?? '');
        k++;
        continue;
      }
      out += ch;
    }
    s = out;
  }
  if (bytes && [...s].some((ch) => ch.charCodeAt(0) > 0x7f)) {
    return { t: 'unknown', reason: 'a bytes literal with non-ASCII characters (a SyntaxError)' };
  }
  if (!raw) {
    const decoded = decodeEscapes(s, bytes);
    if (decoded === null)
      return { t: 'unknown', reason: 'a \\N{…} escape the static reader does not resolve' };
    s = decoded;
  } else {
    s = s.replace(/\r\n?/g, '\n');
  }
  s = detach(s);
  return bytes ? { t: 'bytes', v: s } : { t: 'str', v: s };
}

const SIMPLE: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

function decodeEscapes(s: string, bytes: boolean): string | null {
  if (!s.includes('\\') && !s.includes('\r')) return s;
  let out = '';
  for (let k = 0; k < s.length; k++) {
    const ch = s[k]!;
    if (ch === '\r') {
      out += '\n';
      if (s[k + 1] === '\n') k++;
      continue;
    }
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const e = s[k + 1];
    if (e === undefined) {
      out += '\\';
      continue;
    }
    if (e === '\n') {
      k++;
      continue;
    }
    if (e === '\r') {
      k += s[k + 2] === '\n' ? 2 : 1;
      continue;
    }
    if (e in SIMPLE) {
      out += SIMPLE[e];
      k++;
      continue;
    }
    if (e >= '0' && e <= '7') {
      let j = k + 1;
      let digits = '';
      while (j < s.length && digits.length < 3 && s[j]! >= '0' && s[j]! <= '7') digits += s[j++];
      out += String.fromCodePoint(parseInt(digits, 8) & (bytes ? 0xff : 0x1ff));
      k = j - 1;
      continue;
    }
    const hexLen = e === 'x' ? 2 : !bytes && e === 'u' ? 4 : !bytes && e === 'U' ? 8 : 0;
    if (hexLen > 0) {
      const hex = s.slice(k + 2, k + 2 + hexLen);
      if (hex.length !== hexLen || !/^[0-9a-fA-F]+$/.test(hex)) return null;
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) return null;
      out += String.fromCodePoint(cp);
      k += 1 + hexLen;
      continue;
    }
    if (!bytes && e === 'N') return null;
    // unknown escapes are kept as written (with a DeprecationWarning in Python)
    out += '\\' + e;
    k++;
  }
  return out;
}
