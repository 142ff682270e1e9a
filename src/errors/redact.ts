/**
 * Hides credentials by where they stand, never by what they spell: the password of a URL's userinfo
 * (`scheme://user:PASSWORD@host`), and the value of a `key=value` pair or an environment assignment whose
 * key names a secret (`password=…`, `PGPASSWORD=…`, `DB_PASS='…'`). Every other character is kept, so a
 * password that is also an ordinary word (`data`, `1`, the user's own name) changes nothing else in the
 * text, and where the stars fall tells nothing about it.
 */
export const HIDDEN = '***';

/** Keys whose value is a secret: *password*, *passwd*, *pwd*, *pass, *secret*, *token*, *api_key*, *apikey*. */
const SECRET_KEY = /(?:password|passwd|pwd|pass$|secret|token|api_?key)/iu;
const SCHEME_START = /[A-Za-z]/u;
const SCHEME_CHAR = /[A-Za-z0-9+.-]/u;
const KEY_CHAR = /[A-Za-z0-9_.-]/u;

export function redactSecrets(text: string): string {
  if (!text.includes('@') && !text.includes('=')) return text;
  return text.split('\n').map(redactLine).join('\n');
}

function redactLine(line: string): string {
  return redactPairs(redactUserinfo(line));
}

/** The `://` of each URL on the line, with the index where its scheme starts. */
function urlStarts(line: string): number[] {
  const starts: number[] = [];
  for (let i = line.indexOf('://'); i >= 0; i = line.indexOf('://', i + 3)) {
    let s = i;
    while (s > 0 && SCHEME_CHAR.test(line[s - 1]!)) s--;
    while (s < i && !SCHEME_START.test(line[s]!)) s++;
    if (s < i) starts.push(i);
  }
  return starts;
}

/**
 * `scheme://user:SECRET@host`: the secret runs to the last `@` before the next URL on the line, since a
 * password may hold `@`, quotes and spaces unencoded; hiding too much is safe, showing any of it is not.
 */
function redactUserinfo(line: string): string {
  const starts = urlStarts(line);
  if (starts.length === 0) return line;
  let out = '';
  let kept = 0;
  starts.forEach((colonSlash, k) => {
    const from = colonSlash + 3;
    if (from < kept) return;
    let userEnd = from;
    while (userEnd < line.length && !':/@?# \t'.includes(line[userEnd]!)) userEnd++;
    if (line[userEnd] !== ':') return;
    const limit = k + 1 < starts.length ? starts[k + 1]! : line.length;
    const at = line.lastIndexOf('@', limit - 1);
    if (at <= userEnd) return;
    out += line.slice(kept, userEnd + 1) + HIDDEN;
    kept = at;
  });
  return out + line.slice(kept);
}

/** `KEY=value`, `KEY = 'value'`, `KEY="va lue"` where KEY names a secret: the value goes. */
function redactPairs(line: string): string {
  if (!line.includes('=')) return line;
  let out = '';
  let kept = 0;
  for (let eq = line.indexOf('='); eq >= 0; eq = line.indexOf('=', eq + 1)) {
    if (eq < kept) continue;
    let keyEnd = eq;
    while (keyEnd > 0 && (line[keyEnd - 1] === ' ' || line[keyEnd - 1] === '\t')) keyEnd--;
    let keyStart = keyEnd;
    while (keyStart > 0 && KEY_CHAR.test(line[keyStart - 1]!)) keyStart--;
    const key = line.slice(keyStart, keyEnd);
    if (key === '' || !SECRET_KEY.test(key)) continue;
    let v = eq + 1;
    while (v < line.length && (line[v] === ' ' || line[v] === '\t')) v++;
    const end = valueEnd(line, v, inUrlQuery(line, keyStart));
    if (end === v || line.slice(v, end) === HIDDEN) continue;
    out += line.slice(kept, v) + HIDDEN;
    kept = end;
    eq = end - 1;
  }
  return out + line.slice(kept);
}

/**
 * Where a value ends: a quoted one at its closing quote (or the line's end); an unquoted one at the
 * next blank or quote, `&`, `;`, `|` and `,` included, since a password may hold any of them (when in
 * doubt, hide more); in a URL's query, at the next `&` or `#`, which the query's own grammar ends it at.
 */
function valueEnd(line: string, v: number, query: boolean): number {
  const quote = line[v];
  if (quote === "'" || quote === '"') {
    let i = v + 1;
    while (i < line.length && line[i] !== quote) i += line[i] === '\\' ? 2 : 1;
    return Math.min(i + 1, line.length);
  }
  const stops = query ? VALUE_STOPS + '&#' : VALUE_STOPS;
  let i = v;
  while (i < line.length && !stops.includes(line[i]!)) i++;
  return i;
}

/** What ends an unquoted value: a blank, or a quote that closes the text around it. */
const VALUE_STOPS = ' \t\'"`';

/** Whether the key at `keyStart` is a parameter of a URL's query (`scheme://…?key=` or `&key=` in the same word). */
function inUrlQuery(line: string, keyStart: number): boolean {
  const before = line[keyStart - 1];
  if (before !== '?' && before !== '&') return false;
  let w = keyStart;
  while (w > 0 && !VALUE_STOPS.includes(line[w - 1]!)) w--;
  const word = line.slice(w, keyStart);
  const scheme = word.indexOf('://');
  return scheme >= 0 && word.indexOf('?', scheme) >= 0;
}

/** Every string in a JSON value, redacted; the same object when nothing changed. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  // copies are made only from the first change on: a report of 10,000 revisions is mostly unchanged
  if (Array.isArray(value)) {
    let next: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const r = redactDeep(v);
      if (r !== v) next ??= value.slice();
      if (next) next[i] = r;
    }
    return (next ?? value) as T;
  }
  if (value !== null && typeof value === 'object') {
    let next: Record<string, unknown> | undefined;
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const v = o[k];
      const r = redactDeep(v);
      if (r !== v) next ??= { ...o };
      if (next) next[k] = r;
    }
    return (next ?? value) as T;
  }
  return value;
}
