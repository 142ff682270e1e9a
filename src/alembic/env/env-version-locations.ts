import path from 'node:path';
import { readExpression, type PyExpr } from '../../python/expression-reader.js';
import { headerColon, Tok, type LogicalLine, type Token } from '../../python/python-tokenizer.js';
import { BLOCK_WORDS, linesOf } from './env-tokens.js';

// Alembic builds its revision map only when a command first needs it: `upgrade`, `downgrade`, `stamp` and
// `current` run env.py before that, so `context.script.version_locations = …` in env.py decides which
// folders they read (`heads` and `history`, which run no env.py, read the ini's). A
// `config.set_main_option("version_locations", …)` in env.py changes nothing: the script directory read
// the option before env.py ran.

/** What env.py's assignments leave in `context.script.version_locations`, for one dialect. */
export type EnvVersionLocations =
  /** the folders, as written or joined (relative ones are relative to the working directory) */
  | { readonly kind: 'set'; readonly entries: readonly string[]; readonly line: number }
  | { readonly kind: 'unknown'; readonly line: number; readonly why: string };

/** Where env.py runs, as the reading needs it: its file, the working directory and the URL's dialect. */
export interface EnvRun {
  readonly envFile: string;
  readonly cwd: string;
  /** SQLAlchemy's dialect name (`postgresql`, `sqlite`, `mysql`, `mariadb`); undefined when not known. */
  readonly dialect: string | undefined;
}

/** A dotted name ending in `version_locations` (`context.script.version_locations`). */
const TARGET = /^(?:\w+\.)+version_locations$/u;

/**
 * The version locations env.py sets at run time; undefined where it sets none. The forms read: a list or
 * tuple of string literals, `os.path.join`/`dirname`/`abspath`/`realpath`/`normpath` over them and
 * `__file__`, module-level names bound once to such a value, under `if`/`elif`/`else` on the dialect's name
 * (`connection.dialect.name == "postgresql"`, `!=`, `in`, `.startswith`) or on `context.is_offline_mode()`.
 * An assignment in a function whose name says offline is not run online. Anything else is `unknown`, with
 * its line: the caller stops rather than guess.
 */
export function envVersionLocations(source: string, run: EnvRun): EnvVersionLocations | undefined {
  if (!source.includes('version_locations')) return undefined;
  const lines = linesOf(source);
  const names = moduleNames(lines);
  let result: EnvVersionLocations | undefined;
  for (const [i, line] of lines.entries()) {
    let t = line.tokens;
    // the attribute (a local name of the same spelling is only a value)
    let at = t.findIndex(
      (x, k) => x.type === Tok.Name && x.text === 'version_locations' && t[k - 1]?.text === '.',
    );
    if (at < 0) continue;
    // a body on the header line (`if …: context.script.version_locations = […]`) runs under that header
    const colon = BLOCK_WORDS.has(t[0]!.text) ? headerColon(t) : t.length;
    if (at > colon) {
      const holds = blockHolds(lines, i, t[0]!.text, run.dialect);
      if (holds === false) continue;
      if (holds !== true) {
        result = { kind: 'unknown', line: line.line, why: holds };
        continue;
      }
      t = t.slice(colon + 1);
      at -= colon + 1;
    }
    const eq = t.findIndex((x) => x.type === Tok.Op && x.text === '=');
    const target = t
      .slice(0, Math.max(eq, 0))
      .map((x) => x.text)
      .join('');
    // a call that reads or mutates it (`.append(…)`, `+=`), or an option set where Alembic no longer looks
    if (eq < 0 || eq < at || !TARGET.test(target)) {
      if (/set_main_option|set_section_option/u.test(t.map((x) => x.text).join(''))) continue;
      result = { kind: 'unknown', line: line.line, why: 'it is changed in place, not assigned' };
      continue;
    }
    const runs = runsOnline(lines, i, run.dialect);
    if (runs === false) continue;
    if (runs !== true) {
      result = { kind: 'unknown', line: line.line, why: runs };
      continue;
    }
    const value = readExpression(t.slice(eq + 1));
    const entries = value.k === 'seq' ? value.items.map((e) => pathOf(e, run, names)) : undefined;
    result =
      entries && entries.every((e) => e !== undefined)
        ? { kind: 'set', entries: entries as string[], line: line.line }
        : {
            kind: 'unknown',
            line: line.line,
            why: 'its value is not a list of literal paths, os.path joins of them and __file__',
          };
  }
  return result;
}

/** Module-level names bound exactly once (`here = os.path.dirname(__file__)`): their expressions. */
function moduleNames(lines: readonly LogicalLine[]): Map<string, PyExpr | undefined> {
  const out = new Map<string, PyExpr | undefined>();
  for (const l of lines) {
    const t = l.tokens;
    if (t.length < 3 || t[0]!.type !== Tok.Name) continue;
    const eq = t.findIndex((x) => x.type === Tok.Op && x.text === '=');
    if (eq < 0) continue;
    // any binding of the name anywhere, or one not at the top: the name's value is not known
    if (eq !== 1 || l.indent > 0) {
      if (eq === 1) out.set(t[0]!.text, undefined);
      continue;
    }
    const name = t[0]!.text;
    out.set(name, out.has(name) ? undefined : readExpression(t.slice(2)));
  }
  return out;
}

/** A path as Python computes it; undefined for anything else. */
function pathOf(
  e: PyExpr,
  run: EnvRun,
  names: ReadonlyMap<string, PyExpr | undefined>,
  depth = 0,
): string | undefined {
  if (depth > 20) return undefined;
  const of = (x: PyExpr | undefined): string | undefined =>
    x === undefined ? undefined : pathOf(x, run, names, depth + 1);
  if (e.k === 'str') return e.v;
  if (e.k === 'name') return e.v === '__file__' ? run.envFile : of(names.get(e.v));
  if (e.k !== 'call' || e.star || e.kw.size > 0 || e.recv !== undefined) return undefined;
  const args = e.args.map(of);
  if (args.some((a) => a === undefined)) return undefined;
  const a = args as string[];
  switch (e.callee) {
    case 'os.path.join':
      // an absolute part starts the path again, as in Python
      return a.length === 0 ? undefined : a.reduce((acc, p) => (path.isAbsolute(p) ? p : path.join(acc, p)));
    case 'os.path.dirname':
      return a.length === 1 ? (a[0]!.includes('/') ? path.dirname(a[0]!) : '') : undefined;
    case 'os.path.abspath':
    case 'os.path.realpath':
    case 'os.path.normpath':
      return a.length === 1 ? path.resolve(run.cwd, a[0]!) : undefined;
    case 'str':
      return a.length === 1 ? a[0] : undefined;
    default:
      return undefined;
  }
}

/**
 * Whether line `i` runs when Alembic migrates online on the dialect: true, false, or why it cannot be known.
 * Every block around it counts: an `if`/`elif`/`else` chain by its conditions, a function by its name.
 */
function runsOnline(lines: readonly LogicalLine[], i: number, dialect: string | undefined): boolean | string {
  let indent = lines[i]!.indent;
  for (let j = i - 1; j >= 0 && indent > 0; j--) {
    const h = lines[j]!;
    if (h.indent >= indent) continue;
    indent = h.indent;
    const word = h.tokens[0]?.text ?? '';
    const holds = blockHolds(lines, j, word, dialect);
    if (holds !== true) return holds;
  }
  return true;
}

function blockHolds(
  lines: readonly LogicalLine[],
  j: number,
  word: string,
  dialect: string | undefined,
): boolean | string {
  const h = lines[j]!;
  if (word === 'def' || word === 'async') {
    const name = h.tokens.find((x, k) => k > 0 && x.type === Tok.Name && x.text !== 'def')?.text ?? '';
    return !/offline/iu.test(name);
  }
  if (word === 'with' || word === 'try' || word === 'finally') return true;
  if (word === 'if' || word === 'elif' || word === 'else') {
    // the chain before it must not have been taken
    const chain: LogicalLine[] = [];
    for (let k = j - 1; k >= 0 && word !== 'if'; k--) {
      const l = lines[k]!;
      if (l.indent > h.indent) continue;
      const w = l.tokens[0]?.text;
      if (l.indent < h.indent || (w !== 'if' && w !== 'elif')) break;
      chain.push(l);
      if (w === 'if') break;
    }
    for (const prior of chain) {
      const c = condition(prior.tokens, dialect);
      if (c !== false) return c === true ? false : c;
    }
    return word === 'else' ? true : condition(h.tokens, dialect);
  }
  return `it runs under \`${word} …\`, which the reading does not follow`;
}

/** An `if`/`elif` header's condition on the dialect or the mode: true, false, or why it is not known. */
function condition(header: readonly Token[], dialect: string | undefined): boolean | string {
  // the tokens as written, a space only between two words (`not in`, `not x`)
  let text = '';
  const colon = headerColon(header);
  for (const [k, x] of header.slice(1, colon < header.length ? colon : header.length - 1).entries()) {
    const word = x.type === Tok.Name || x.type === Tok.Number;
    const prev = header[k];
    text += k > 0 && word && (prev!.type === Tok.Name || prev!.type === Tok.Number) ? ` ${x.text}` : x.text;
  }
  const holds = truth(text, dialect);
  return holds ?? `it depends on \`${text}\`, which the reading cannot decide here`;
}

// `<anything>.dialect.name` compared with a name, tested for membership, or by prefix
const EQ = /^[\w.()]*\bdialect\.name\s*(==|!=)\s*['"](\w+)['"]$/u;
const IN = /^[\w.()]*\bdialect\.name\s+(not\s+in|in)\s*[([{]([^)\]}]*)[)\]}]$/u;
const STARTS = /^[\w.()]*\bdialect\.name\.startswith\(\s*['"](\w+)['"]\s*\)$/u;

function truth(c: string, dialect: string | undefined): boolean | undefined {
  const negated = /^not\s+(.*)$/su.exec(c);
  if (negated) {
    const inner = truth(negated[1]!, dialect);
    return inner === undefined ? undefined : !inner;
  }
  if (/^(?:context\.)?is_offline_mode\(\)$/u.test(c)) return false;
  if (dialect === undefined) return undefined;
  const eq = EQ.exec(c);
  if (eq) return (eq[2] === dialect) === (eq[1] === '==');
  const within = IN.exec(c);
  if (within) {
    const listed = [...within[2]!.matchAll(/['"](\w+)['"]/gu)].map((m) => m[1]);
    return listed.includes(dialect) === !within[1]!.startsWith('not');
  }
  const starts = STARTS.exec(c);
  if (starts) return dialect.startsWith(starts[1]!);
  return undefined;
}
