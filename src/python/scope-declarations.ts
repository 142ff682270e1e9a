import { Tok, type LogicalLine, type Token } from './tokens.js';

/**
 * CPython's symbol table refuses a `global` or `nonlocal` declaration of a name its scope already
 * used, bound or took as a parameter before it ("name 'x' is assigned to before global declaration").
 * Read from the logical lines' tokens, scope by scope (the module, each def and class body), in the
 * symbol table's order. Conservative: names in a comprehension's brackets, after a `lambda`, in a
 * `match`/`case` line or an f-string are not looked at (they may live in a scope of their own), so a
 * declaration is only refused where CPython certainly refuses it.
 */
export function declarationError(
  lines: readonly LogicalLine[],
): { message: string; line: number; col: number } | null {
  return scopeError(lines, 0, lines.length, -1, []);
}

const PARAM = 1;
const USE = 2;
const ANNOT = 4;
const LOCAL = 8;

const KEYWORDS: ReadonlySet<string> = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

/** The scope of lines [from, to) whose header is at `indent` (-1: the module), with its parameters. */
function scopeError(
  lines: readonly LogicalLine[],
  from: number,
  to: number,
  indent: number,
  params: readonly string[],
): { message: string; line: number; col: number } | null {
  const flags = new Map<string, number>();
  const mark = (name: string, f: number): void => void flags.set(name, (flags.get(name) ?? 0) | f);
  for (const p of params) mark(p, PARAM);
  let i = from;
  while (i < to) {
    const l = lines[i]!;
    const toks = l.tokens;
    const first = toks[0]?.text;
    const isAsync = first === 'async';
    const head = isAsync ? toks[1]?.text : first;
    if (head === 'def' || head === 'class') {
      // its body is a scope of its own, walked where the symbol table walks it: at the statement
      const nameTok = toks[isAsync ? 2 : 1];
      let end = i + 1;
      while (end < to && lines[end]!.indent > l.indent) end++;
      const { defaults, parameters } =
        head === 'def' ? headerNames(toks) : { defaults: baseNames(toks), parameters: [] };
      for (const d of defaults) mark(d, USE);
      if (nameTok?.type === Tok.Name) mark(nameTok.text, LOCAL);
      const inner = scopeError(lines, i + 1, end, l.indent, parameters);
      if (inner) return inner;
      i = end;
      continue;
    }
    if (first === '@') {
      for (const n of loads(toks, 1, toks.length)) mark(n, USE);
      i++;
      continue;
    }
    for (const [s, e] of statements(toks)) {
      const err = statementError(toks, s, e, flags, mark);
      if (err) return err;
    }
    i++;
  }
  void indent;
  return null;
}

/** One statement's names: a declaration checked against what came before, then what it uses and binds. */
function statementError(
  toks: readonly Token[],
  s: number,
  e: number,
  flags: Map<string, number>,
  mark: (n: string, f: number) => void,
): { message: string; line: number; col: number } | null {
  const w = toks[s]?.text;
  if (w === 'global' || w === 'nonlocal') {
    for (let k = s + 1; k < e; k++) {
      const t = toks[k]!;
      if (t.type !== Tok.Name) continue;
      const f = flags.get(t.text) ?? 0;
      if (!(f & (PARAM | USE | ANNOT | LOCAL))) continue;
      const what =
        f & PARAM
          ? `name '${t.text}' is parameter and ${w}`
          : f & USE
            ? `name '${t.text}' is used prior to ${w} declaration`
            : f & ANNOT
              ? `annotated name '${t.text}' can't be ${w}`
              : `name '${t.text}' is assigned to before ${w} declaration`;
      return { message: what, line: toks[s]!.line, col: toks[s]!.col };
    }
    return null;
  }
  if (w === 'import' || w === 'from' || w === 'match' || w === 'case') return null;
  for (let k = s; k + 1 < e; k++)
    if (toks[k]!.type === Tok.Name && toks[k + 1]!.text === ':=') mark(toks[k]!.text, LOCAL);
  const aug = topLevel(
    toks,
    s,
    e,
    (t) =>
      t.type === Tok.Op &&
      t.text.length >= 2 &&
      t.text.endsWith('=') &&
      !['==', '<=', '>=', '!='].includes(t.text) &&
      t.text !== ':=',
  );
  const eqs = topLevelAll(toks, s, e, (t) => t.type === Tok.Op && t.text === '=');
  const colon = topLevel(toks, s, e, (t) => t.type === Tok.Op && t.text === ':');
  if (w === 'for' || (w === 'async' && toks[s + 1]?.text === 'for')) {
    const inAt = topLevel(toks, s, e, (t) => t.text === 'in');
    const colonAt = colon < 0 ? e : colon;
    for (const n of loads(toks, inAt + 1, colonAt)) mark(n, USE);
    bind(targets(toks, w === 'for' ? s + 1 : s + 2, inAt), mark);
    return null;
  }
  if (w === 'del') {
    bind(targets(toks, s + 1, e), mark);
    return null;
  }
  if (w === 'with' || w === 'except' || (w === 'async' && toks[s + 1]?.text === 'with')) {
    const end = colon < 0 ? e : colon;
    let k = s + 1;
    while (k < end) {
      const t = toks[k]!;
      if (t.text === 'as') {
        // `as NAME`, or `as (a, b)`: to the next item's comma
        let m = k + 1;
        let depth = 0;
        while (m < end && !(depth === 0 && toks[m]!.text === ',')) {
          const x = toks[m]!.text;
          if (x === '(' || x === '[') depth++;
          else if (x === ')' || x === ']') {
            if (depth === 0) break;
            depth--;
          }
          m++;
        }
        bind(targets(toks, k + 1, m), mark);
        k = m;
        continue;
      }
      if (
        t.type === Tok.Name &&
        !KEYWORDS.has(t.text) &&
        toks[k - 1]?.text !== '.' &&
        toks[k - 1]?.text !== 'as'
      )
        mark(t.text, USE);
      k++;
    }
    return null;
  }
  if (aug >= 0) {
    for (const n of loads(toks, aug + 1, e)) mark(n, USE);
    bind(targets(toks, s, aug), mark);
    return null;
  }
  if (colon >= 0 && !isCompoundHead(w) && toks[s]?.type === Tok.Name && colon === s + 1) {
    // `x: int` or `x: int = 1`: an annotated name
    const eq = eqs.find((q) => q > colon);
    for (const n of loads(toks, colon + 1, eq ?? e)) mark(n, USE);
    if (eq !== undefined) for (const n of loads(toks, eq + 1, e)) mark(n, USE);
    mark(toks[s]!.text, ANNOT | (eq !== undefined ? LOCAL : 0));
    return null;
  }
  if (eqs.length > 0) {
    for (const n of loads(toks, eqs[eqs.length - 1]! + 1, e)) mark(n, USE);
    let from = s;
    for (const q of eqs) {
      bind(targets(toks, from, q), mark);
      from = q + 1;
    }
    return null;
  }
  // any other statement: its names are read (a compound header's up to its colon)
  const start = isCompoundHead(w) ? s + 1 : s;
  for (const n of loads(toks, start, isCompoundHead(w) && colon >= 0 ? colon : e)) mark(n, USE);
  return null;
}

function bind(t: { stores: string[]; reads: string[] }, mark: (n: string, f: number) => void): void {
  for (const n of t.reads) mark(n, USE);
  for (const n of t.stores) mark(n, LOCAL);
}

const COMPOUND: ReadonlySet<string> = new Set([
  'if',
  'elif',
  'else',
  'while',
  'for',
  'with',
  'try',
  'except',
  'finally',
  'async',
]);

function isCompoundHead(w: string | undefined): boolean {
  return (
    w === 'if' ||
    w === 'elif' ||
    w === 'while' ||
    w === 'else' ||
    w === 'try' ||
    w === 'finally' ||
    w === 'return' ||
    w === 'raise' ||
    w === 'assert' ||
    w === 'yield' ||
    w === 'await'
  );
}

/** The statements of a logical line: ranges split at top-level `;` and after a compound header's `:`. */
function statements(toks: readonly Token[]): [number, number][] {
  const out: [number, number][] = [];
  let depth = 0;
  let s = 0;
  let lambdas = 0;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k]!;
    if (t.type === Tok.Name && t.text === 'lambda' && depth === 0) lambdas++;
    if (t.type !== Tok.Op) continue;
    if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
    else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
    else if (depth === 0 && t.text === ';') {
      out.push([s, k]);
      s = k + 1;
    } else if (depth === 0 && t.text === ':' && lambdas > 0) lambdas--;
    else if (depth === 0 && t.text === ':' && COMPOUND.has(toks[s]?.text ?? '')) {
      // `if y: x = 1`: the header, then the statement on its line
      out.push([s, k]);
      s = k + 1;
    }
  }
  out.push([s, toks.length]);
  return out.filter(([a, b]) => b > a);
}

/** The first token index in [s, e) at bracket depth 0 that matches, or -1. */
function topLevel(toks: readonly Token[], s: number, e: number, test: (t: Token) => boolean): number {
  return topLevelAll(toks, s, e, test)[0] ?? -1;
}

function topLevelAll(toks: readonly Token[], s: number, e: number, test: (t: Token) => boolean): number[] {
  const out: number[] = [];
  let depth = 0;
  let lambda = false;
  for (let k = s; k < e; k++) {
    const t = toks[k]!;
    if (t.type === Tok.Op && (t.text === '(' || t.text === '[' || t.text === '{')) depth++;
    else if (t.type === Tok.Op && (t.text === ')' || t.text === ']' || t.text === '}')) depth--;
    else if (depth === 0 && t.text === 'lambda') lambda = true;
    else if (depth === 0 && lambda && t.text === ':') lambda = false;
    else if (depth === 0 && !lambda && test(t)) out.push(k);
  }
  return out;
}

/** A target list [s, e): the plain names it binds, and the names it reads (`a[i]`, `a.b`: a and i). */
function targets(toks: readonly Token[], s: number, e: number): { stores: string[]; reads: string[] } {
  const stores: string[] = [];
  const reads: string[] = [];
  let depth = 0;
  for (let k = s; k < e; k++) {
    const t = toks[k]!;
    if (t.type === Tok.Op && (t.text === '[' || t.text === '(' || t.text === '{')) {
      // a subscript's or a call's bracket is read; a tuple's or a list's holds more targets
      depth += readsBracket(toks, k) ? 1 : 0;
      continue;
    }
    if (t.type === Tok.Op && (t.text === ']' || t.text === ')' || t.text === '}')) {
      if (depth > 0 && closesRead(toks, k)) depth--;
      continue;
    }
    if (t.type !== Tok.Name || KEYWORDS.has(t.text)) continue;
    const prev = toks[k - 1]?.text;
    const next = k + 1 < e ? toks[k + 1]?.text : undefined;
    if (prev === '.') continue;
    if (depth > 0 || next === '.' || next === '[' || next === '(') reads.push(t.text);
    else stores.push(t.text);
  }
  return { stores, reads };
}

/** Whether the bracket opening at k is a subscript's or a call's: it follows a name (not a keyword) or a closer. */
function readsBracket(toks: readonly Token[], k: number): boolean {
  const prev = toks[k - 1];
  return (prev?.type === Tok.Name && !KEYWORDS.has(prev.text)) || prev?.text === ')' || prev?.text === ']';
}

/** Whether the closer at k ends a subscript or call bracket (its opener follows a name or a closer). */
function closesRead(toks: readonly Token[], k: number): boolean {
  let depth = 0;
  for (let m = k; m >= 0; m--) {
    const x = toks[m]!.text;
    if (x === ')' || x === ']' || x === '}') depth++;
    else if (x === '(' || x === '[' || x === '{') {
      depth--;
      if (depth === 0) return readsBracket(toks, m);
    }
  }
  return false;
}

/**
 * Names read in [s, e): not attributes, keywords or keyword arguments' names, and nothing inside a
 * bracket that holds a comprehension or after a `lambda` (their own scopes).
 */
function loads(toks: readonly Token[], s: number, e: number): string[] {
  const out: string[] = [];
  const skip = scopedRanges(toks, s, e);
  for (let k = s; k < e; k++) {
    if (skip[k - s]) continue;
    const t = toks[k]!;
    if (t.type !== Tok.Name || KEYWORDS.has(t.text)) continue;
    if (toks[k - 1]?.text === '.') continue;
    // `(x := 1)`: a binding, which the caller reads from walrusTargets
    if (toks[k + 1]?.text === ':=') continue;
    // `f(x=1)`: a keyword argument's name
    if (toks[k + 1]?.text === '=' && (toks[k - 1]?.text === '(' || toks[k - 1]?.text === ',')) continue;
    out.push(t.text);
  }
  return out;
}

/** Which tokens of [s, e) may belong to another scope: a bracket with a comprehension's `for`, and a lambda to the end of its bracket. */
function scopedRanges(toks: readonly Token[], s: number, e: number): boolean[] {
  const out = new Array<boolean>(e - s).fill(false);
  const opens: number[] = [];
  for (let k = s; k < e; k++) {
    const t = toks[k]!;
    if (t.type === Tok.Op && (t.text === '(' || t.text === '[' || t.text === '{')) opens.push(k);
    else if (t.type === Tok.Op && (t.text === ')' || t.text === ']' || t.text === '}')) opens.pop();
    else if (t.type === Tok.Name && (t.text === 'for' || t.text === 'lambda')) {
      // the whole enclosing bracket (or the rest of the statement at its top level), but a comprehension's
      // first iterable, which the enclosing scope evaluates
      const open = opens[opens.length - 1];
      let depth = 0;
      let end = e;
      for (let m = k; m < e; m++) {
        const x = toks[m]!.text;
        if (x === '(' || x === '[' || x === '{') depth++;
        else if (x === ')' || x === ']' || x === '}') {
          if (depth === 0) {
            end = m;
            break;
          }
          depth--;
        }
      }
      const firstFor = t.text === 'for' && (open === undefined || !out[open - s]);
      for (let m = open === undefined ? s : open; m < end; m++) out[m - s] = true;
      if (firstFor) {
        // from its `in` to the next `for`/`if` at the comprehension's level
        let depth = 0;
        let m = k + 1;
        while (m < end && !(depth === 0 && toks[m]!.text === 'in')) {
          const x = toks[m]!.text;
          if (x === '(' || x === '[' || x === '{') depth++;
          else if (x === ')' || x === ']' || x === '}') depth--;
          m++;
        }
        for (m++; m < end; m++) {
          const x = toks[m]!.text;
          if (depth === 0 && (x === 'for' || x === 'if' || x === 'async')) break;
          if (x === '(' || x === '[' || x === '{') depth++;
          else if (x === ')' || x === ']' || x === '}') depth--;
          out[m - s] = false;
        }
      }
    }
  }
  return out;
}

/** A def's header: the names its defaults and annotations read (in the enclosing scope), and its parameters. */
function headerNames(toks: readonly Token[]): { defaults: string[]; parameters: string[] } {
  const open = toks.findIndex((t) => t.text === '(');
  if (open < 0) return { defaults: [], parameters: [] };
  let depth = 0;
  let close = -1;
  for (let k = open; k < toks.length; k++) {
    const x = toks[k]!.text;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') {
      depth--;
      if (depth === 0) {
        close = k;
        break;
      }
    }
  }
  if (close < 0) return { defaults: [], parameters: [] };
  const parameters: string[] = [];
  const defaults: string[] = [];
  // a parameter's name follows the `(`, a `,` or a `*`/`**` at the list's own level; what follows its `=` or `:` is read outside
  depth = 0;
  let inValue = false;
  for (let k = open + 1; k < close; k++) {
    const t = toks[k]!;
    if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
    else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
    if (depth === 0 && t.text === ',') {
      inValue = false;
      continue;
    }
    if (depth === 0 && (t.text === '=' || t.text === ':')) {
      inValue = true;
      continue;
    }
    if (t.type !== Tok.Name) continue;
    if (inValue) {
      if (!KEYWORDS.has(t.text) && toks[k - 1]?.text !== '.') defaults.push(t.text);
    } else if (depth === 0) parameters.push(t.text);
  }
  return { defaults, parameters };
}

/** A class header's bases: read in the enclosing scope. */
function baseNames(toks: readonly Token[]): string[] {
  const open = toks.findIndex((t) => t.text === '(');
  return open < 0 ? [] : loads(toks, open + 1, toks.length);
}
