/**
 * PEP 508 environment markers (`; python_version < "3.9" and sys_platform == "linux"`), evaluated
 * for the deploy: a Heroku dyno (Linux, CPython) on the project's declared Python. A variable the
 * environment does not know makes its comparison unknown, and so does the whole marker unless the
 * rest decides it (`unknown or true` is true). No extras are requested, as in a requirements file.
 */
export type MarkerValue = boolean | 'unknown';

export interface MarkerEnvironment {
  readonly [variable: string]: string | undefined;
}

/** The dyno's environment, with the Python version when the project declares one. */
export function dynoMarkers(python: { readonly text: string } | null | undefined): MarkerEnvironment {
  const parts = python?.text.split('.') ?? [];
  return {
    os_name: 'posix',
    sys_platform: 'linux',
    platform_system: 'Linux',
    platform_python_implementation: 'CPython',
    implementation_name: 'cpython',
    extra: '',
    python_version: parts.length >= 2 ? `${parts[0]}.${parts[1]}` : undefined,
    python_full_version: parts.length >= 3 ? python!.text : undefined,
    implementation_version: parts.length >= 3 ? python!.text : undefined,
  };
}

type Token =
  | { kind: 'var'; name: string }
  | { kind: 'str'; value: string }
  | { kind: 'op'; op: string }
  | { kind: 'word'; word: 'and' | 'or' | 'not' | 'in' }
  | { kind: 'paren'; open: boolean };

const TOKEN = /(\(|\))|("[^"]*"|'[^']*')|(===|==|!=|<=|>=|~=|<|>)|([A-Za-z_][A-Za-z0-9_.]*)/uy;

function tokens(text: string): Token[] | undefined {
  const out: Token[] = [];
  let at = 0;
  for (;;) {
    while (at < text.length && /\s/u.test(text[at]!)) at++;
    if (at >= text.length) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m) return undefined;
    at = TOKEN.lastIndex;
    if (m[1]) out.push({ kind: 'paren', open: m[1] === '(' });
    else if (m[2]) out.push({ kind: 'str', value: m[2].slice(1, -1) });
    else if (m[3]) out.push({ kind: 'op', op: m[3] });
    else if (m[4] === 'and' || m[4] === 'or' || m[4] === 'not' || m[4] === 'in')
      out.push({ kind: 'word', word: m[4] });
    else out.push({ kind: 'var', name: m[4]! });
  }
  return out;
}

/** A marker's value for the environment; 'unknown' also when it cannot be read. */
export function evaluateMarker(marker: string, env: MarkerEnvironment): MarkerValue {
  const ts = tokens(marker);
  if (!ts || ts.length === 0) return 'unknown';
  let i = 0;
  // `a or b` and `a and b` in three-valued logic: a deciding operand decides, else unknown stays unknown
  const chain = (word: 'or' | 'and', operand: () => MarkerValue | undefined): MarkerValue | undefined => {
    const decides = word === 'or';
    let v = operand();
    while (v !== undefined && ts[i]?.kind === 'word' && (ts[i] as { word: string }).word === word) {
      i++;
      const r = operand();
      if (r === undefined) return undefined;
      v =
        v === decides || r === decides ? decides : v === 'unknown' || r === 'unknown' ? 'unknown' : !decides;
    }
    return v;
  };
  const or = (): MarkerValue | undefined => chain('or', and);
  const and = (): MarkerValue | undefined => chain('and', atom);
  const value = (): { known: boolean; text: string } | undefined => {
    const t = ts[i++];
    if (t?.kind === 'str') return { known: true, text: t.value };
    if (t?.kind === 'var') {
      const v = env[t.name];
      return v === undefined ? { known: false, text: '' } : { known: true, text: v };
    }
    return undefined;
  };
  const atom = (): MarkerValue | undefined => {
    const t = ts[i];
    if (t?.kind === 'paren' && t.open) {
      i++;
      const v = or();
      const close = ts[i++];
      return close?.kind === 'paren' && !close.open ? v : undefined;
    }
    const left = value();
    if (!left) return undefined;
    let op: string;
    const o = ts[i++];
    if (o?.kind === 'op') op = o.op;
    else if (o?.kind === 'word' && o.word === 'in') op = 'in';
    else if (
      o?.kind === 'word' &&
      o.word === 'not' &&
      ts[i]?.kind === 'word' &&
      (ts[i] as { word: string }).word === 'in'
    ) {
      i++;
      op = 'not in';
    } else return undefined;
    const right = value();
    if (!right) return undefined;
    if (!left.known || !right.known) return 'unknown';
    return compare(left.text, op, right.text);
  };
  const v = or();
  return v === undefined || i !== ts.length ? 'unknown' : v;
}

/** PEP 508's comparison: as versions where both sides are versions, else as strings (== and != only). */
function compare(a: string, op: string, b: string): MarkerValue {
  if (op === 'in') return b.includes(a);
  if (op === 'not in') return !b.includes(a);
  const va = version(a);
  const vb = version(b);
  if (!va || !vb) return op === '==' || op === '===' ? a === b : op === '!=' ? a !== b : 'unknown';
  const c = order(va, vb);
  switch (op) {
    case '==':
      return c === 0;
    case '===':
      return a === b;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    case '~=': {
      // ~=X.Y means >=X.Y, ==X.*: every part but the last agrees
      const prefix = vb.slice(0, Math.max(1, vb.length - 1));
      return c >= 0 && prefix.every((p, k) => (va[k] ?? 0) === p);
    }
    default:
      return 'unknown';
  }
}

function version(text: string): number[] | undefined {
  return /^\d+(?:\.\d+)*$/u.test(text) ? text.split('.').map(Number) : undefined;
}

function order(a: readonly number[], b: readonly number[]): number {
  for (let k = 0; k < Math.max(a.length, b.length); k++) {
    const d = (a[k] ?? 0) - (b[k] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
