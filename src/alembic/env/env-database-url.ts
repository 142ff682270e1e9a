import {
  type LogicalLine,
  splitTop,
  Tok,
  type Token,
  topLevelIndexes,
  topLevelOp,
} from '../../python/python-tokenizer.js';
import { evalStringLiteral } from '../../python/string-literal.js';
import { OTHER_URL_SOURCES, argumentEnd, enclosingCall, linesOf, literal, matching } from './env-tokens.js';
import { offlineOnlyLines } from './offline-lines.js';

// Where env.py takes its database URL from: environment variables, the ini, other sources, and
// whether it rewrites the postgres:// scheme on the way.

/** An environment variable env.py reads by a literal name. */
export interface EnvironmentRead {
  readonly name: string;
  readonly line: number;
}

/**
 * Where the variable's name stands when token `i` starts reading the environment: `os.environ[`,
 * `os.environ.get(`, `os.environ.setdefault(`, `os.getenv(` (or the same after `from os import
 * environ, getenv`); -1 otherwise.
 */
function environRead(t: readonly Token[], i: number): number {
  const tok = t[i]!;
  if (tok.type !== Tok.Name || (i > 0 && t[i - 1]!.text === '.' && t[i - 2]?.text !== 'os')) return -1;
  if (tok.text === 'environ' && t[i + 1]?.text === '[') return i + 2;
  if (
    tok.text === 'environ' &&
    t[i + 1]?.text === '.' &&
    (t[i + 2]?.text === 'get' || t[i + 2]?.text === 'setdefault') &&
    t[i + 3]?.text === '('
  )
    return i + 4;
  if (tok.text === 'getenv' && t[i + 1]?.text === '(') return i + 2;
  return -1;
}

/** Calls that take a database URL. */
const URL_CALLS = new Set(['create_engine', 'create_async_engine', 'make_url']);

/** Names that hold a database URL (DATABASE_URL, SQLALCHEMY_DATABASE_URI, HEROKU_POSTGRESQL_RED_URL, PG_DSN), not a broker's or an API's. */
const DATABASE_URL_NAME = /^(?=.*(?:DATABASE|DB|SQL|POSTGRES|PG))[A-Z0-9_]*(?:URL|URI|DSN)$/iu;

/**
 * The database-URL variables env.py reads by a literal name: `os.environ["X"]`,
 * `os.environ.get("X")`, `os.getenv("X")`, `os.environ.setdefault("X", …)` (also
 * after `from os import environ, getenv`), where the name says it is one or the line
 * hands it to `sqlalchemy.url`, `create_engine()` or a `url =` assignment. Where env.py builds the URL from
 * settings or parts, there is nothing to find, and nothing is claimed.
 */
export function readDatabaseUrlVariables(source: string): EnvironmentRead[] {
  const out: EnvironmentRead[] = [];
  const lines = linesOf(source);
  // a variable read only in offline mode names no database `alembic upgrade` connects to
  const offlineOnly = offlineOnlyLines(lines);
  for (const ll of lines) {
    if (offlineOnly(ll.line)) continue;
    const t = ll.tokens;
    // on a line that plainly handles the URL, a variable of any name is the URL's (os.environ["TARGET_DB"])
    const urlLine = t.some(
      (x, k) =>
        (x.type === Tok.String && literal([x]).value === 'sqlalchemy.url') ||
        (x.type === Tok.Name &&
          (URL_CALLS.has(x.text) || (k === 0 && /url|uri|dsn/iu.test(x.text) && t[1]?.text === '='))),
    );
    for (let i = 0; i < t.length; i++) {
      const at = environRead(t, i);
      const arg = at < 0 ? undefined : t[at];
      if (arg?.type !== Tok.String) continue;
      const value = evalStringLiteral(arg.text);
      if (
        value?.t === 'str' &&
        (urlLine || DATABASE_URL_NAME.test(value.v)) &&
        !out.some((r) => r.name === value.v)
      )
        out.push({ name: value.v, line: arg.line });
    }
  }
  return out;
}

/** How env.py builds its engine from alembic.ini's URL, and where. */
export interface IniUrlConnection {
  readonly line: number;
  /** `engine_from_config(config.get_section(...))` (Alembic's templates), or `create_engine(config.get_main_option("sqlalchemy.url"))`. */
  readonly via: 'engine_from_config' | 'create_engine';
}

/**
 * Where env.py builds its engine from alembic.ini's main section when that is the only way it
 * connects: Alembic's own templates (`engine_from_config(config.get_section(config.config_ini_section,
 * {}))`), or `create_engine(config.get_main_option("sqlalchemy.url"))`, directly or through a name
 * bound to nothing else. `alembic upgrade` then connects to the ini's `sqlalchemy.url`. Null whenever
 * env.py could take a URL from anywhere else: any other word of OTHER_URL_SOURCES, another
 * `create_engine` argument, a `"sqlalchemy.url"` it writes into the section, a `url=` handed to
 * engine_from_config (which overrides the section's), another section than the main one. A finding
 * built on it must never blame a URL env.py replaces.
 */
export function iniUrlConnection(source: string): IniUrlConnection | null {
  let at: IniUrlConnection | null = null;
  let mainSection = false;
  const lines = linesOf(source);
  for (const ll of lines) {
    const t = ll.tokens;
    for (let i = 0; i < t.length; i++) {
      const tok = t[i]!;
      if (tok.type === Tok.String) {
        if (
          literal([tok]).value === 'sqlalchemy.url' &&
          !(t[i - 1]?.text === '(' && t[i - 2]?.text === 'get_main_option')
        )
          return null;
        continue;
      }
      if (tok.type !== Tok.Name) continue;
      const engine = tok.text === 'create_engine' || tok.text === 'create_async_engine';
      if (engine && t[i + 1]?.text === '(') {
        // its first argument the ini's URL, and that alone: anything else may name another database
        const close = matching(t, i + 1);
        const end = argumentEnd(t, i + 2, close);
        const arg = t.slice(i + 2, end);
        const name = arg.length === 1 && arg[0]!.type === Tok.Name ? arg[0]!.text : undefined;
        if (!(iniUrlOption(arg) || (name !== undefined && boundOnlyToIniUrl(lines, name)))) return null;
        mainSection = true;
        at ??= { line: tok.line, via: 'create_engine' };
        i = close;
        continue;
      }
      // imported is not called
      if (engine && (t[0]!.text === 'from' || t[0]!.text === 'import')) continue;
      if (OTHER_URL_SOURCES.has(tok.text)) return null;
      if (t[i + 1]?.text !== '(') continue;
      const args = t.slice(i + 2, matching(t, i + 1));
      if (tok.text === 'get_section') {
        if (!args.some((a) => a.type === Tok.Name && a.text === 'config_ini_section')) return null;
        mainSection = true;
      } else if (tok.text === 'engine_from_config' || tok.text === 'async_engine_from_config') {
        if (
          splitTop(args, 0, args.length, ',').some(
            ([s, e]) =>
              e - s > 1 && args[s]!.type === Tok.Name && args[s]!.text === 'url' && args[s + 1]!.text === '=',
          )
        )
          return null;
        at ??= { line: tok.line, via: 'engine_from_config' };
      }
    }
  }
  return mainSection ? at : null;
}

/** `config.get_main_option("sqlalchemy.url")` (any dotted owner), and nothing more: the main section's URL, or None. */
function iniUrlOption(t: readonly Token[]): boolean {
  const n = t.length;
  if (
    n < 6 ||
    t[n - 1]!.text !== ')' ||
    t[n - 3]!.text !== '(' ||
    t[n - 4]!.text !== 'get_main_option' ||
    t[n - 5]!.text !== '.'
  )
    return false;
  if (t[n - 2]!.type !== Tok.String || literal([t[n - 2]!]).value !== 'sqlalchemy.url') return false;
  // the owner: a dotted name (config, context.config)
  for (let k = 0; k < n - 5; k++)
    if (k % 2 === 0 ? t[k]!.type !== Tok.Name : t[k]!.text !== '.') return false;
  return (n - 5) % 2 === 1;
}

/**
 * Whether every binding of `name` in env.py is a whole line `name = config.get_main_option("sqlalchemy.url")`:
 * a parameter, a loop or `with` target, another assignment or an augmented one may hold anything.
 */
function boundOnlyToIniUrl(lines: readonly LogicalLine[], name: string): boolean {
  let bound = false;
  for (const ll of lines) {
    const t = ll.tokens;
    if (!t.some((x) => x.type === Tok.Name && x.text === name)) continue;
    // a parameter of a function or lambda, a class attribute's owner: bound by its callers
    if (
      t[0]?.text === 'def' ||
      t[0]?.text === 'async' ||
      t[0]?.text === 'class' ||
      t.some((x) => x.type === Tok.Name && x.text === 'lambda')
    )
      return false;
    if (t[0]?.text === name && t[1]?.text === '=' && iniUrlOption(t.slice(2))) {
      bound = true;
      continue;
    }
    // the last `=` outside brackets ends the targets (a keyword argument's `=` is inside them); else an augmented one, or an annotation's `:`
    const lastAssign =
      topLevelIndexes(t, 0, t.length, '=').at(-1) ??
      Math.max(topLevelOp(t, 0, t.length, AUGMENTED_ASSIGN), t[1]?.text === ':' ? 1 : -1);
    for (let i = 0; i < t.length; i++) {
      if (t[i]!.type !== Tok.Name || t[i]!.text !== name || t[i - 1]?.text === '.') continue;
      const prev = t[i - 1]?.text;
      if (
        i < lastAssign ||
        t[i + 1]?.text === ':=' ||
        prev === 'as' ||
        prev === 'for' ||
        prev === 'global' ||
        prev === 'nonlocal' ||
        prev === 'import' ||
        prev === 'del'
      )
        return false;
    }
  }
  return bound;
}

const AUGMENTED_ASSIGN: ReadonlySet<string> = new Set([
  '+=',
  '-=',
  '*=',
  '/=',
  '//=',
  '%=',
  '**=',
  '>>=',
  '<<=',
  '&=',
  '|=',
  '^=',
  '@=',
]);

/**
 * Whether env.py may turn Heroku's postgres:// into a scheme SQLAlchemy 1.4+ accepts: any string
 * literal that names the scheme (`"postgres://"`, `"postgresql"`, `r"^postgres:"`), or a URL
 * object's `drivername`/`make_url`. Generous on purpose: a finding built on "no" blocks a release.
 */
export function rewritesPostgresScheme(source: string): boolean {
  for (const ll of linesOf(source)) {
    for (const tok of ll.tokens) {
      if (
        tok.type === Tok.Name &&
        (tok.text === 'drivername' || tok.text === 'make_url' || tok.text === 'URL')
      )
        return true;
      if (tok.type !== Tok.String || !/postgres/iu.test(tok.text)) continue;
      const value = literal([tok]).value;
      // an f-string or bytes: not a value we read, so count it as a rewrite
      if (typeof value !== 'string' || /postgres/iu.test(value)) return true;
    }
  }
  return false;
}

/** Calls that hand a URL to SQLAlchemy (or to Alembic, which hands it on) as they get it. */
const URL_SINKS = new Set([
  'set_main_option',
  'set_section_option',
  'create_engine',
  'create_async_engine',
  'configure',
]);

/** After a value: `.replace(…)`, `.strip()` and the like, which leave a postgres:// scheme as it is unless their literals name it. */
function afterMethods(t: readonly Token[], k: number): number {
  while (
    t[k]?.text === '.' &&
    t[k + 1]?.type === Tok.Name &&
    /^(replace|strip|rstrip|lstrip)$/u.test(t[k + 1]!.text) &&
    t[k + 2]?.text === '('
  )
    k = matching(t, k + 2) + 1;
  return k;
}

/** Whether tokens [from, to) stand as a whole argument of a URL_SINKS call (positional, or `url=`). */
function sinkArgument(t: readonly Token[], from: number, to: number): boolean {
  const end = t[to]?.text;
  if (end !== ',' && end !== ')') return false;
  let k = from - 1;
  if (t[k]?.text === '=' && t[k - 1]?.text === 'url' && (t[k - 2]?.text === ',' || t[k - 2]?.text === '('))
    k -= 2;
  if (t[k]?.text !== ',' && t[k]?.text !== '(') return false;
  const call = enclosingCall(t, k + 1);
  return call !== undefined && URL_SINKS.has(call);
}

/**
 * Whether env.py hands the value of the environment variable `name` to SQLAlchemy as it is: read
 * straight into a URL_SINKS call, or into a name (`url = os.environ["DATABASE_URL"]`) that is
 * assigned nowhere else and reaches only such calls. Any function of the application in between
 * (`fix_url(os.environ[...])`) may rewrite the scheme, so then the answer is no.
 */
export function passesUrlUnchanged(source: string, name: string): boolean {
  const lines = linesOf(source);
  const held = new Set<string>();
  let sunk = false;
  for (const ll of lines) {
    const t = ll.tokens;
    for (let i = 0; i < t.length; i++) {
      const at = environRead(t, i);
      const arg = at < 0 ? undefined : t[at];
      if (arg?.type !== Tok.String || literal([arg]).value !== name) continue;
      const begin = t[i - 1]?.text === '.' && t[i - 2]?.text === 'os' ? i - 2 : i;
      const end = afterMethods(t, matching(t, at - 1) + 1);
      if (sinkArgument(t, begin, end)) sunk = true;
      // `url = os.environ[...]` as a whole statement
      else if (begin === 2 && t[1]!.text === '=' && t[0]!.type === Tok.Name && end === t.length)
        held.add(t[0]!.text);
      else return false;
    }
  }
  if (held.size === 0) return sunk;
  for (const ll of lines) {
    const t = ll.tokens;
    for (let i = 0; i < t.length; i++) {
      const tok = t[i]!;
      if (tok.type !== Tok.Name || !held.has(tok.text) || t[i - 1]?.text === '.') continue;
      // the read itself, or a test of the value (`if url.startswith(...)` with no postgres literal, `if not url:`)
      if (
        i === 0 &&
        t[1]?.text === '=' &&
        t.slice(2).some((x) => x.text === 'environ' || x.text === 'getenv')
      )
        continue;
      if (t[0]!.text === 'if' || t[0]!.text === 'elif' || t[0]!.text === 'assert') continue;
      if (i === 0 && (t[1]?.text === '=' || t[1]?.text === ':')) return false;
      const end = afterMethods(t, i + 1);
      if (sinkArgument(t, i, end)) sunk = true;
      else return false;
    }
  }
  return sunk;
}
