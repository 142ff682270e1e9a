/**
 * The subset of Python values a migration header can hold, as our static reader
 * evaluates them. `unknown` carries why the value cannot be known without
 * running Python, so callers can report it instead of guessing.
 */
export type PyValue =
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'bytes'; readonly v: string }
  | { readonly t: 'int'; readonly v: bigint }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'none' }
  | { readonly t: 'tuple'; readonly items: readonly PyValue[] }
  | { readonly t: 'list'; readonly items: readonly PyValue[] }
  | PyUnknown;

export interface PyUnknown {
  readonly t: 'unknown';
  /** Human description: "a function call", "an f-string with fields", … */
  readonly reason: string;
  /** Set when the value is a bare name that an importer might resolve. */
  readonly name?: string;
  readonly importedFrom?: { readonly module: string; readonly name: string; readonly level: number };
  /**
   * Set when the name is bound to a module object: `import a.b.c as m` binds
   * a.b.c (loaded: a.b.c); `import a.b.c` binds a (loaded: a.b.c, so a.b and
   * a.b.c are its attributes, other submodules are not).
   */
  readonly module?: { readonly name: string; readonly loaded: string };
}

export const NONE: PyValue = { t: 'none' };

export function str(v: string): PyValue {
  return { t: 'str', v };
}

export function isUnknown(v: PyValue): v is PyUnknown {
  return v.t === 'unknown';
}

/** First unknown part of a value, if any (tuples may hide one inside). */
export function findUnknown(v: PyValue): PyUnknown | undefined {
  if (v.t === 'unknown') return v;
  if (v.t === 'tuple' || v.t === 'list') {
    for (const item of v.items) {
      const u = findUnknown(item);
      if (u) return u;
    }
  }
  return undefined;
}

/** Python's repr(), used to reproduce Alembic's messages byte for byte. */
export function pyRepr(v: PyValue): string {
  switch (v.t) {
    case 'str':
      return reprString(v.v, false);
    case 'bytes':
      return reprString(v.v, true);
    case 'int':
      return v.v.toString();
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'tuple':
      return v.items.length === 1 ? `(${pyRepr(v.items[0]!)},)` : `(${v.items.map(pyRepr).join(', ')})`;
    case 'list':
      return `[${v.items.map(pyRepr).join(', ')}]`;
    case 'unknown':
      return `<${v.reason}>`;
  }
}

/** Python's str(): strings print bare, everything else as repr. */
export function pyStr(v: PyValue): string {
  return v.t === 'str' ? v.v : pyRepr(v);
}

function reprString(s: string, bytes: boolean): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = bytes ? 'b' + quote : quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (bytes && c > 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** `alembic.util.to_tuple`: None → default, str → (x,), iterable → tuple(x), else (x,). */
export function toTuple(v: PyValue, dflt: readonly PyValue[] | null): readonly PyValue[] | null {
  switch (v.t) {
    case 'none':
      return dflt;
    case 'str':
      return [v];
    case 'tuple':
    case 'list':
      return v.items;
    case 'bytes':
      // iterating bytes yields ints
      return [...v.v].map((ch) => ({ t: 'int', v: BigInt(ch.charCodeAt(0)) }) as PyValue);
    default:
      return [v];
  }
}

/** Python truthiness for the values we model. */
export function truthy(v: PyValue): boolean {
  switch (v.t) {
    case 'none':
      return false;
    case 'str':
    case 'bytes':
      return v.v.length > 0;
    case 'int':
      return v.v !== 0n;
    case 'bool':
      return v.v;
    case 'tuple':
    case 'list':
      return v.items.length > 0;
    case 'unknown':
      return true;
  }
}

/** Map key for a value: a str id is itself; other types can never equal a str key. */
export function keyOf(v: PyValue): string {
  return v.t === 'str' ? v.v : '\u0000' + pyRepr(v);
}

/** Python `list` representation of a header value as written: str → [str], None → []. */
export function asWrittenList(v: PyValue | undefined): PyValue[] {
  if (!v || v.t === 'none') return [];
  if (v.t === 'tuple' || v.t === 'list') return [...v.items];
  return [v];
}

/** JSON-friendly form: strings stay strings, others become their repr. */
export function toJson(v: PyValue): string {
  return v.t === 'str' ? v.v : pyRepr(v);
}
