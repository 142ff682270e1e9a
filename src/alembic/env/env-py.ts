import { splitTop, Tok, tokenize, topLevelIndexes, topLevelOp, type LogicalLine, type Token } from '../../python/python-tokenizer.js';
import { evalStringLiteral } from '../../python/string-literal.js';

/** A keyword argument of `context.configure(...)` in env.py that decides where Alembic keeps its version rows. */
export interface EnvSetting {
  /** The literal value; undefined when it is not a plain string literal (or `None`). */
  readonly value: string | null | undefined;
  readonly line: number;
  /** Source text of a value we could not evaluate. */
  readonly expression?: string;
}

/** One `*.configure(...)` call and the two settings it passes. */
export interface ConfigureCall {
  readonly line: number;
  readonly versionTable?: EnvSetting;
  readonly versionTableSchema?: EnvSetting;
  /** Its first `**expr` argument (Flask-Migrate's env.py passes `**…configure_args`), which may carry either setting. */
  readonly unpacked?: { readonly expression: string; readonly line: number };
}

export interface EnvPyFacts {
  readonly calls: ConfigureCall[];
}

/**
 * env.py's logical lines. verify and its rules ask six readers here about the same env.py, so the last text's
 * lines are kept rather than tokenized again for each.
 */
let lastSource: string | undefined;
let lastLines: readonly LogicalLine[] = [];
export function linesOf(source: string): readonly LogicalLine[] {
  if (source !== lastSource) {
    lastLines = tokenize(source).lines;
    lastSource = source;
  }
  return lastLines;
}

const KEYS = { version_table: 'versionTable', version_table_schema: 'versionTableSchema' } as const;

/**
 * Finds `version_table=` / `version_table_schema=` inside every
 * `*.configure(...)` call of env.py (the offline and the online branch each
 * have one). Values are taken only when they are literals; anything else is
 * reported with its line so the caller can ask for a flag instead of guessing.
 */
export function readEnvPy(source: string): EnvPyFacts {
  const out: EnvPyFacts = { calls: [] };
  const lines = linesOf(source);
  for (const ll of lines) {
    const t = ll.tokens;
    for (let i = 2; i < t.length; i++) {
      if (!(t[i]!.type === Tok.Name && t[i]!.text === 'configure' && t[i - 1]!.text === '.' && t[i + 1]?.text === '(')) continue;
      const close = matching(t, i + 1);
      const call: { -readonly [K in keyof ConfigureCall]: ConfigureCall[K] } = { line: t[i]!.line };
      out.calls.push(call);
      let depth = 0;
      for (let j = i + 2; j < close; j++) {
        const tok = t[j]!;
        if (tok.type === Tok.Op && '([{'.includes(tok.text)) depth++;
        else if (tok.type === Tok.Op && ')]}'.includes(tok.text)) depth--;
        if (depth === 0 && tok.type === Tok.Op && tok.text === '**' && (t[j - 1]!.text === ',' || t[j - 1]!.text === '(')) {
          const end = argumentEnd(t, j + 1, close);
          call.unpacked ??= { expression: t.slice(j, end).map((x) => x.text).join(''), line: tok.line };
          continue;
        }
        if (depth !== 0 || tok.type !== Tok.Name || t[j + 1]?.text !== '=' || !Object.hasOwn(KEYS, tok.text)) continue;
        if (t[j - 1]!.text !== ',' && t[j - 1]!.text !== '(') continue;
        const valueToks = t.slice(j + 2, argumentEnd(t, j + 2, close));
        call[KEYS[tok.text as keyof typeof KEYS]] = { ...literal(valueToks), line: tok.line };
      }
    }
  }
  return out;
}

/** Where env.py sets PostgreSQL's search_path itself, and the one schema it names when that is a plain literal. */
export interface SearchPathSetting {
  readonly line: number;
  /** The statement as written (its string literals), for messages. */
  readonly expression: string;
  /** The schema an unqualified table name then means: only for a literal naming exactly one. */
  readonly schema?: string;
}

/** SQL or libpq options that set the search_path (`SET search_path TO …`, `set_config('search_path', …)`, `-csearch_path=…`, `SET SCHEMA …`). */
const SETS_SEARCH_PATH = /\bSET\s+(?:SESSION\s+|LOCAL\s+)?(?:search_path\b|SCHEMA\s)|set_config\s*\(\s*['"]search_path|-c\s*search_path\s*=/i;
const ONE_SCHEMA = [
  /^\s*SET\s+(?:SESSION\s+)?search_path\s*(?:TO|=)\s*"?([A-Za-z_][\w$]*)"?\s*(?:;\s*)?$/i,
  /^\s*-c\s*search_path\s*=\s*"?([A-Za-z_][\w$]*)"?\s*$/i,
];

/**
 * env.py's first statement that sets the search_path, which decides where an
 * unqualified `alembic_version` is found and created (Alembic's cookbook recipe
 * for one schema per tenant does this: `SET search_path TO "%s"` with the
 * tenant from `-x`), or passes `schema_translate_map`, which does the same.
 * Read from string literals only, so a comment never counts.
 */
export function searchPathSetting(source: string): SearchPathSetting | undefined {
  if (!/search_path|SET\s+SCHEMA|schema_translate_map/i.test(source)) return undefined;
  for (const ll of linesOf(source)) {
    const t = ll.tokens;
    for (let i = 0; i < t.length; i++) {
      if (t[i]!.type === Tok.Name && t[i]!.text === 'schema_translate_map') return { line: t[i]!.line, expression: 'schema_translate_map' };
      if (t[i]!.type !== Tok.String) continue;
      let end = i;
      while (end < t.length && t[end]!.type === Tok.String) end++;
      const run = t.slice(i, end);
      const raw = run.map((x) => x.text).join(' ');
      if (!SETS_SEARCH_PATH.test(raw)) {
        i = end - 1;
        continue;
      }
      const { value } = literal(run);
      // `"… %s" % tenant` and `"…{}".format(tenant)` build the value at run time
      const built = t[end]?.text === '%' || t[end]?.text === '.';
      const schema = typeof value === 'string' && !built ? ONE_SCHEMA.map((re) => re.exec(value)?.[1]).find((x) => x !== undefined) : undefined;
      return { line: run[0]!.line, expression: raw.length > 80 ? `${raw.slice(0, 77)}…` : raw, ...(schema ? { schema } : {}) };
    }
  }
  return undefined;
}

function literal(toks: readonly Token[]): { value: string | null | undefined; expression?: string } {
  if (toks.length === 1 && toks[0]!.type === Tok.Name && toks[0]!.text === 'None') return { value: null };
  if (toks.length > 0 && toks.every((x) => x.type === Tok.String)) {
    let s = '';
    for (const x of toks) {
      const v = evalStringLiteral(x.text);
      if (!v || v.t !== 'str') return { value: undefined, expression: toks.map((y) => y.text).join(' ') };
      s += v.v;
    }
    return { value: s };
  }
  return { value: undefined, expression: toks.map((x) => x.text).join(' ') };
}

/** Index of the `,` (or the closing bracket) that ends the argument starting at `from`. */
function argumentEnd(t: readonly Token[], from: number, close: number): number {
  let end = from;
  let d = 0;
  while (end < close) {
    const e = t[end]!;
    if (e.type === Tok.Op && '([{'.includes(e.text)) d++;
    else if (e.type === Tok.Op && ')]}'.includes(e.text)) d--;
    else if (d === 0 && e.text === ',') break;
    end++;
  }
  return end;
}

function matching(t: readonly Token[], open: number): number {
  let d = 0;
  for (let i = open; i < t.length; i++) {
    if (t[i]!.type !== Tok.Op) continue;
    if ('([{'.includes(t[i]!.text)) d++;
    else if (')]}'.includes(t[i]!.text) && --d === 0) return i;
  }
  return t.length;
}

/** A `set_main_option("sqlalchemy.url", …)` or `set_section_option(…, "sqlalchemy.url", …)` call in env.py. */
export interface UrlOptionCall {
  readonly line: number;
  /** The value when it is a plain string literal. */
  readonly literal?: string;
  /** The value goes through `.replace("%", "%%")`, which configparser needs to store it. */
  readonly escaped: boolean;
  /** Only offline mode (`alembic upgrade --sql`) runs it; see offlineOnlyLines. */
  readonly offlineOnly: boolean;
}

/**
 * Alembic's Config stores options in a ConfigParser, whose set() refuses a value holding a `%`
 * that is not `%%` or `%(name)s`: a URL-encoded password (p%40ss) fails every command that runs
 * env.py with "ValueError: invalid interpolation syntax". Finds where env.py stores the URL.
 */
export function readUrlOptionCalls(source: string): UrlOptionCall[] {
  const out: UrlOptionCall[] = [];
  const lines = linesOf(source);
  const offlineOnly = offlineOnlyLines(lines);
  for (const ll of lines) {
    const t = ll.tokens;
    for (let i = 1; i < t.length; i++) {
      const name = t[i]!.text;
      if (t[i]!.type !== Tok.Name || (name !== 'set_main_option' && name !== 'set_section_option') || t[i - 1]!.text !== '.' || t[i + 1]?.text !== '(') continue;
      const close = matching(t, i + 1);
      const args: Token[][] = [];
      for (let from = i + 2; from < close; ) {
        const end = argumentEnd(t, from, close);
        args.push(t.slice(from, end));
        from = end + 1;
      }
      const keyAt = name === 'set_main_option' ? 0 : 1;
      if (literal(args[keyAt] ?? []).value !== 'sqlalchemy.url') continue;
      const value = args[keyAt + 1] ?? [];
      const lit = literal(value).value;
      out.push({ line: t[i]!.line, ...(typeof lit === 'string' ? { literal: lit } : {}), escaped: valueEscaped(value, t[i]!.line, lines, 0), offlineOnly: offlineOnly(t[i]!.line) });
    }
  }
  return out;
}

/** `if context.is_offline_mode():` (any owner), or its negation. */
const OFFLINE_TEST = /^(not)?(?:[A-Za-z_]\w*\.)*is_offline_mode\(\)$/;

/**
 * Which lines of env.py only offline mode runs: lines under `if context.is_offline_mode():` (or the
 * `else:` of `if not context.is_offline_mode():`), and the lines of a module-level function named
 * only there (the template's run_migrations_offline()). `alembic upgrade` without `--sql` never runs
 * them. A function also named anywhere else, or nowhere at all, is not counted: it may run.
 */
function offlineOnlyLines(lines: readonly LogicalLine[]): (line: number) => boolean {
  let known = offlineOnlyOf.get(lines);
  if (!known) {
    known = readOfflineOnlyLines(lines);
    offlineOnlyOf.set(lines, known);
  }
  return known;
}

/** offlineOnlyLines for each env.py's lines (verify asks from two readers). */
const offlineOnlyOf = new WeakMap<readonly LogicalLine[], (line: number) => boolean>();

function readOfflineOnlyLines(lines: readonly LogicalLine[]): (line: number) => boolean {
  interface Block {
    readonly indent: number;
    readonly offline: boolean;
    readonly def?: string;
  }
  const blocks: Block[] = [];
  // the test of the last `if` at each indentation, for its `else:`
  const lastIf = new Map<number, 'offline' | 'online' | undefined>();
  const offlineLines = new Set<number>();
  const defRange = new Map<string, { from: number; to: number }>();
  const pending: { name: string; offline: boolean; inDef: string | undefined }[] = [];
  for (const ll of lines) {
    while (blocks.length > 0 && blocks[blocks.length - 1]!.indent >= ll.indent) blocks.pop();
    for (const k of [...lastIf.keys()]) if (k > ll.indent) lastIf.delete(k);
    const t = ll.tokens;
    const first = t[0];
    if (!first) continue;
    let offline = blocks.some((b) => b.offline);
    let from = 0;
    if (first.type === Tok.Name && BLOCK_WORDS.has(first.text) && t[1]?.text !== '=' && t[1]?.text !== '.') {
      const colon = topLevelOp(t, 0, t.length, COLON);
      const cond = t
        .slice(1, colon < 0 ? t.length : colon)
        .map((x) => x.text)
        .join('');
      let branch = false;
      let def: string | undefined;
      if (first.text === 'if') {
        const m = OFFLINE_TEST.exec(cond);
        lastIf.set(ll.indent, m ? (m[1] ? 'online' : 'offline') : undefined);
        branch = m !== null && !m[1];
      } else if (first.text === 'else') {
        branch = lastIf.get(ll.indent) === 'online';
        lastIf.delete(ll.indent);
      } else {
        if (first.text !== 'elif') lastIf.delete(ll.indent);
        const k = first.text === 'async' ? 1 : 0;
        if (t[k]?.text === 'def' && ll.indent === 0 && t[k + 1]?.type === Tok.Name) def = t[k + 1]!.text;
      }
      blocks.push({ indent: ll.indent, offline: branch, ...(def !== undefined ? { def } : {}) });
      if (def !== undefined) {
        defRange.set(def, { from: ll.line, to: ll.line });
        continue;
      }
      // a one-line block (`if context.is_offline_mode(): run_migrations_offline()`) holds its body after the colon
      if (colon < 0 || colon === t.length - 1) continue;
      offline = offline || branch;
      from = colon + 1;
    } else {
      lastIf.delete(ll.indent);
    }
    const inDef = blocks[0]?.def;
    if (inDef !== undefined) {
      const r = defRange.get(inDef)!;
      defRange.set(inDef, { from: r.from, to: Math.max(r.to, t[t.length - 1]!.line) });
    }
    if (offline) for (let l = t[from]!.line; l <= t[t.length - 1]!.line; l++) offlineLines.add(l);
    for (let i = from; i < t.length; i++) {
      const x = t[i]!;
      if (x.type === Tok.Name && t[i - 1]?.text !== '.') pending.push({ name: x.text, offline, inDef });
    }
  }
  // each module-level function named outside its own body, and those named anywhere but in offline code
  // (a name under an offline test runs only in offline mode, whichever function holds the test)
  const named = new Set<string>();
  const namedOnline = new Set<string>();
  for (const p of pending) {
    if (!defRange.has(p.name) || p.inDef === p.name) continue;
    named.add(p.name);
    if (!p.offline) namedOnline.add(p.name);
  }
  const offlineDefs = [...defRange].filter(([name]) => named.has(name) && !namedOnline.has(name));
  return (line) => offlineLines.has(line) || offlineDefs.some(([, r]) => line >= r.from && line <= r.to);
}

/**
 * Whether the value stored is the escaped URL, followed as far as it can be read plainly: the expression
 * itself (`url.replace("%", "%%")`), the last assignment to a variable before the call (`url = …`), or a
 * module-level function it calls whose body escapes. An escape of some other variable does not count: the
 * value stored is what configparser sees.
 */
function valueEscaped(value: readonly Token[], beforeLine: number, lines: readonly LogicalLine[], depth: number): boolean {
  if (escapesPercent(value)) return true;
  if (depth > 8) return false;
  const name = value.length === 1 && value[0]!.type === Tok.Name ? value[0]!.text : undefined;
  if (name !== undefined) {
    const assigned = [...lines].reverse().find((ll) => ll.line < beforeLine && ll.tokens[0]?.text === name && ll.tokens[1]?.text === '=');
    return assigned !== undefined && valueEscaped(assigned.tokens.slice(2), assigned.line, lines, depth + 1);
  }
  const called = value.length >= 3 && value[0]!.type === Tok.Name && value[1]!.text === '(' ? value[0]!.text : undefined;
  if (called !== undefined) {
    const def = lines.findIndex((ll) => ll.indent === 0 && ll.tokens[0]?.text === 'def' && ll.tokens[1]?.text === called);
    if (def < 0) return false;
    for (let k = def + 1; k < lines.length && lines[k]!.indent > 0; k++) {
      const ll = lines[k]!;
      // the function returns the escaped value, or the escaped variable it returns
      if (ll.tokens[0]?.text === 'return' && valueEscaped(ll.tokens.slice(1), ll.line, lines.slice(def, k + 1), depth + 1)) return true;
    }
  }
  return false;
}

/** `….replace("%", "%%")` somewhere in the value's expression. */
function escapesPercent(toks: readonly Token[]): boolean {
  for (let k = 0; k + 5 < toks.length; k++) {
    if (toks[k]!.text !== 'replace' || toks[k + 1]!.text !== '(' || toks[k + 2]!.type !== Tok.String || toks[k + 4]!.type !== Tok.String) continue;
    const a = evalStringLiteral(toks[k + 2]!.text);
    const b = evalStringLiteral(toks[k + 4]!.text);
    if (a?.t === 'str' && a.v === '%' && toks[k + 3]!.text === ',' && b?.t === 'str' && b.v === '%%') return true;
  }
  return false;
}

/**
 * Where ConfigParser.set() (BasicInterpolation.before_set) refuses the value: the first `%` left
 * after removing `%%` and `%(name)s`, as Python reports it; -1 when it stores the value.
 */
export function interpolationErrorAt(value: string): number {
  return withoutInterpolations(value.replace(/%%/g, '')).indexOf('%');
}

/**
 * `re.sub(r"%\(([^)]+)\)s", "", value)` without its quadratic search: a `%(` matches up to the first
 * `)` after it, when an `s` follows that; with no `)` left, no later `%(` can match either.
 */
function withoutInterpolations(value: string): string {
  let out = '';
  let from = 0;
  let at = value.indexOf('%(');
  let close = -1;
  while (at >= 0) {
    // the first ')' after this '%(' is the last one found while that is still ahead
    if (close < at + 2) close = value.indexOf(')', at + 2);
    if (close < 0) break;
    if (close > at + 2 && value[close + 1] === 's') {
      out += value.slice(from, at);
      from = close + 2;
      at = value.indexOf('%(', from);
    } else at = value.indexOf('%(', at + 1);
  }
  return out + value.slice(from);
}

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
  if (tok.text === 'environ' && t[i + 1]?.text === '.' && (t[i + 2]?.text === 'get' || t[i + 2]?.text === 'setdefault') && t[i + 3]?.text === '(') return i + 4;
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
    const urlLine = t.some((x, k) => (x.type === Tok.String && literal([x]).value === 'sqlalchemy.url') || (x.type === Tok.Name && (URL_CALLS.has(x.text) || (k === 0 && /url|uri|dsn/iu.test(x.text) && t[1]?.text === '='))));
    for (let i = 0; i < t.length; i++) {
      const at = environRead(t, i);
      const arg = at < 0 ? undefined : t[at];
      if (arg?.type !== Tok.String) continue;
      const value = evalStringLiteral(arg.text);
      if (value?.t === 'str' && (urlLine || DATABASE_URL_NAME.test(value.v)) && !out.some((r) => r.name === value.v)) out.push({ name: value.v, line: arg.line });
    }
  }
  return out;
}

/**
 * Words that let env.py connect somewhere else than alembic.ini's `sqlalchemy.url`: its own
 * engine or URL, an application's connection or settings, the environment, `-x` arguments.
 */
const OTHER_URL_SOURCES = new Set([
  'create_engine', 'create_async_engine', 'make_url', 'URL', 'attributes', 'current_app', 'environ', 'getenv',
  'get_x_argument', 'cmd_opts', 'set_main_option', 'set_section_option', 'settings', 'get_settings',
]);

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
        if (literal([tok]).value === 'sqlalchemy.url' && !(t[i - 1]?.text === '(' && t[i - 2]?.text === 'get_main_option')) return null;
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
        if (splitTop(args, 0, args.length, ',').some(([s, e]) => e - s > 1 && args[s]!.type === Tok.Name && args[s]!.text === 'url' && args[s + 1]!.text === '=')) return null;
        at ??= { line: tok.line, via: 'engine_from_config' };
      }
    }
  }
  return mainSection ? at : null;
}

/** `config.get_main_option("sqlalchemy.url")` (any dotted owner), and nothing more: the main section's URL, or None. */
function iniUrlOption(t: readonly Token[]): boolean {
  const n = t.length;
  if (n < 6 || t[n - 1]!.text !== ')' || t[n - 3]!.text !== '(' || t[n - 4]!.text !== 'get_main_option' || t[n - 5]!.text !== '.') return false;
  if (t[n - 2]!.type !== Tok.String || literal([t[n - 2]!]).value !== 'sqlalchemy.url') return false;
  // the owner: a dotted name (config, context.config)
  for (let k = 0; k < n - 5; k++) if (k % 2 === 0 ? t[k]!.type !== Tok.Name : t[k]!.text !== '.') return false;
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
    if (t[0]?.text === 'def' || t[0]?.text === 'async' || t[0]?.text === 'class' || t.some((x) => x.type === Tok.Name && x.text === 'lambda')) return false;
    if (t[0]?.text === name && t[1]?.text === '=' && iniUrlOption(t.slice(2))) {
      bound = true;
      continue;
    }
    // the last `=` outside brackets ends the targets (a keyword argument's `=` is inside them); else an augmented one, or an annotation's `:`
    const lastAssign = topLevelIndexes(t, 0, t.length, '=').at(-1) ?? Math.max(topLevelOp(t, 0, t.length, AUGMENTED_ASSIGN), t[1]?.text === ':' ? 1 : -1);
    for (let i = 0; i < t.length; i++) {
      if (t[i]!.type !== Tok.Name || t[i]!.text !== name || t[i - 1]?.text === '.') continue;
      const prev = t[i - 1]?.text;
      if (i < lastAssign || t[i + 1]?.text === ':=' || prev === 'as' || prev === 'for' || prev === 'global' || prev === 'nonlocal' || prev === 'import' || prev === 'del') return false;
    }
  }
  return bound;
}

const AUGMENTED_ASSIGN: ReadonlySet<string> = new Set(['+=', '-=', '*=', '/=', '//=', '%=', '**=', '>>=', '<<=', '&=', '|=', '^=', '@=']);

/**
 * Whether env.py may turn Heroku's postgres:// into a scheme SQLAlchemy 1.4+ accepts: any string
 * literal that names the scheme (`"postgres://"`, `"postgresql"`, `r"^postgres:"`), or a URL
 * object's `drivername`/`make_url`. Generous on purpose: a finding built on "no" blocks a release.
 */
export function rewritesPostgresScheme(source: string): boolean {
  for (const ll of linesOf(source)) {
    for (const tok of ll.tokens) {
      if (tok.type === Tok.Name && (tok.text === 'drivername' || tok.text === 'make_url' || tok.text === 'URL')) return true;
      if (tok.type !== Tok.String || !/postgres/iu.test(tok.text)) continue;
      const value = literal([tok]).value;
      // an f-string or bytes: not a value we read, so count it as a rewrite
      if (typeof value !== 'string' || /postgres/iu.test(value)) return true;
    }
  }
  return false;
}

/** Calls that hand a URL to SQLAlchemy (or to Alembic, which hands it on) as they get it. */
const URL_SINKS = new Set(['set_main_option', 'set_section_option', 'create_engine', 'create_async_engine', 'configure']);

/** After a value: `.replace(…)`, `.strip()` and the like, which leave a postgres:// scheme as it is unless their literals name it. */
function afterMethods(t: readonly Token[], k: number): number {
  while (t[k]?.text === '.' && t[k + 1]?.type === Tok.Name && /^(replace|strip|rstrip|lstrip)$/u.test(t[k + 1]!.text) && t[k + 2]?.text === '(') k = matching(t, k + 2) + 1;
  return k;
}

/** Whether tokens [from, to) stand as a whole argument of a URL_SINKS call (positional, or `url=`). */
function sinkArgument(t: readonly Token[], from: number, to: number): boolean {
  const end = t[to]?.text;
  if (end !== ',' && end !== ')') return false;
  let k = from - 1;
  if (t[k]?.text === '=' && t[k - 1]?.text === 'url' && (t[k - 2]?.text === ',' || t[k - 2]?.text === '(')) k -= 2;
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
      else if (begin === 2 && t[1]!.text === '=' && t[0]!.type === Tok.Name && end === t.length) held.add(t[0]!.text);
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
      if (i === 0 && t[1]?.text === '=' && t.slice(2).some((x) => x.text === 'environ' || x.text === 'getenv')) continue;
      if (t[0]!.text === 'if' || t[0]!.text === 'elif' || t[0]!.text === 'assert') continue;
      if (i === 0 && (t[1]?.text === '=' || t[1]?.text === ':')) return false;
      const end = afterMethods(t, i + 1);
      if (sinkArgument(t, i, end)) sunk = true;
      else return false;
    }
  }
  return sunk;
}

// statements whose body does not run where they stand, or runs only under a condition we cannot decide
const BLOCK_WORDS = new Set(['if', 'elif', 'else', 'try', 'except', 'finally', 'for', 'while', 'with', 'def', 'class', 'async', 'match', 'case']);
/** What the CLI always satisfies: config_file_name is the -c value or alembic.ini, never None. */
const PRESENCE = /^(?:[A-Za-z_]\w*\.)*config_file_name(?:isnotNone)?$/;
/** A block header's colon: the first `:` outside brackets. */
const COLON: ReadonlySet<string> = new Set([':']);

export interface FileConfigCall {
  readonly line: number;
  /**
   * The parser defaults the call passes: none (the templates), Alembic's own
   * (`defaults=config.config_args`, which holds `here`: peter_sslers' handler
   * writes to %(here)s/…), or something only Python knows.
   */
  readonly defaults: 'none' | 'config_args' | 'unknown';
}

/**
 * A statement `fileConfig(X.config_file_name)` (logging.config's, imported by
 * name or called as `logging.config.fileConfig`) that runs whenever env.py is
 * loaded: at module level, or under `if X.config_file_name is not None:` (or
 * `if X.config_file_name:`), which the CLI always satisfies. Inside a
 * function, a try, a loop or under any other condition (sortipy tests that
 * the file exists first) it may never run, so there is no answer.
 */
export function unguardedFileConfigCall(source: string): FileConfigCall | undefined {
  const importedByName = /^[ \t]*from[ \t]+logging\.config[ \t]+import[ \t]+(?:\(\s*)?(?:[\w,][\w\s,]*,\s*)?fileConfig\b(?!\s+as\b)/m.test(source);
  // enclosing blocks: their indentation, and whether code in them runs on every load
  const blocks: { indent: number; runs: boolean }[] = [];
  for (const ll of linesOf(source)) {
    while (blocks.length > 0 && blocks[blocks.length - 1]!.indent >= ll.indent) blocks.pop();
    const t = ll.tokens;
    const first = t[0];
    if (!first) continue;
    let from = 0;
    let runs = blocks.every((b) => b.runs);
    if (first.type === Tok.Name && BLOCK_WORDS.has(first.text) && t[1]?.text !== '=' && t[1]?.text !== '.') {
      const colon = topLevelOp(t, 0, t.length, COLON);
      const cond = t.slice(1, colon).map((x) => x.text).join('');
      const presence = first.text === 'if' && PRESENCE.test(cond);
      blocks.push({ indent: ll.indent, runs: presence });
      // a one-line block (`if config.config_file_name: fileConfig(...)`) holds its body after the colon
      if (colon < 0 || colon === t.length - 1) continue;
      runs = runs && presence;
      from = colon + 1;
    }
    if (!runs) continue;
    const callee = calleeAt(t, from);
    if (callee === undefined) continue;
    const name = callee.text;
    if (!(name === 'logging.config.fileConfig' || (name === 'fileConfig' && importedByName))) continue;
    const open = callee.next;
    const close = matching(t, open);
    // the call is the whole statement
    if (close !== t.length - 1 && t[close + 1]?.text !== ';') continue;
    // the arguments, each as its tokens: fname first, then defaults, positionally or by keyword
    const args = splitTop(t, open + 1, close, ',')
      .filter(([s, e]) => e > s)
      .map(([s, e]) => t.slice(s, e));
    const named = (name: string, position: number): Token[] | undefined => {
      const kw = args.find((a) => a[0]?.text === name && a[1]?.text === '=');
      if (kw) return kw.slice(2);
      const positional = args[position];
      return positional && !(positional[0]?.type === Tok.Name && positional[1]?.text === '=') ? positional : undefined;
    };
    const dotted = (a: Token[] | undefined): string | undefined => (a && a.length > 0 && a.every((x) => x.type === Tok.Name || x.text === '.') ? a.map((x) => x.text).join('') : undefined);
    if (!/(^|\.)config_file_name$/.test(dotted(named('fname', 0)) ?? '')) continue;
    if (args.some((a) => a[0]?.text === '*' || a[0]?.text === '**')) continue;
    const defaults = named('defaults', 1);
    const given = dotted(defaults);
    return { line: t[from]!.line, defaults: defaults === undefined || given === 'None' ? 'none' : /(^|\.)config_args$/.test(given ?? '') ? 'config_args' : 'unknown' };
  }
  return undefined;
}

/** A dotted name followed by `(` at `from`: its text and the index of the `(`. */
function calleeAt(t: readonly Token[], from: number): { text: string; next: number } | undefined {
  let i = from;
  let text = '';
  while (t[i]?.type === Tok.Name) {
    text += t[i]!.text;
    if (t[i + 1]?.text !== '.') break;
    text += '.';
    i += 2;
  }
  return text !== '' && !text.endsWith('.') && t[i + 1]?.text === '(' ? { text, next: i + 1 } : undefined;
}

/**
 * Line of `isolation_level="AUTOCOMMIT"` where env.py sets it (`connection.execution_options(…)`,
 * `create_engine(…, isolation_level=…)`, or a `"isolation_level": "AUTOCOMMIT"` entry handed on as
 * options), when that is the only isolation level env.py names. Every statement a migration runs then
 * commits on its own: Alembic's `begin_transaction()` opens none, so a failed statement leaves no
 * transaction aborted behind it (privacyIDEA's env.py, "needed for PostgreSQL"). Undefined when env.py
 * names no isolation level, or any other one beside it.
 */
export function autocommitIsolation(source: string): number | undefined {
  if (!source.includes('isolation_level')) return undefined;
  let at: number | undefined;
  for (const ll of linesOf(source)) {
    const t = ll.tokens;
    for (let i = 0; i + 2 < t.length; i++) {
      const key = t[i]!;
      const named = key.type === Tok.Name ? key.text === 'isolation_level' && t[i + 1]!.text === '=' : key.type === Tok.String && literal([key]).value === 'isolation_level' && t[i + 1]!.text === ':';
      if (!named) continue;
      // the value alone, up to the argument's or the entry's end
      const value = t[i + 2]!;
      const end = t[i + 3]?.text;
      if (value.type === Tok.String && literal([value]).value === 'AUTOCOMMIT' && (end === undefined || end === ',' || end === ')' || end === '}')) at ??= value.line;
      else return undefined;
    }
  }
  return at;
}

/** An import inside a module-level function of env.py that an online `alembic upgrade` calls. */
export interface FunctionImport {
  /** The top-level package (`app` for `from app.core.config import settings`). */
  readonly module: string;
  readonly level: number;
  readonly line: number;
  /** The module-level function that holds it. */
  readonly fn: string;
}

/** configure() hooks that only autogenerate (`alembic revision --autogenerate`, `check`) calls: naming one is no call. */
const AUTOGENERATE_HOOKS = new Set(['include_object', 'include_name', 'include_symbol', 'process_revision_directives', 'render_item', 'compare_type', 'compare_server_default']);

/**
 * Imports inside env.py's module-level functions that `alembic upgrade` runs (online): functions named
 * by module-level code, then by the functions reached (called, or handed on as `connection.run_sync(fn)`
 * does), leaving out offline-only code and autogenerate hooks. An import inside `try:` or its handlers,
 * or under an `if`, is left out: it is guarded, or may not run. The template moves imports into
 * run_migrations_online() to avoid import cycles; the module-level reader never sees them.
 */
export function runFunctionImports(source: string): FunctionImport[] {
  const lines = linesOf(source);
  const offline = offlineOnlyLines(lines);
  const defs = new Map<string, LogicalLine[]>();
  const moduleLines: LogicalLine[] = [];
  let current: LogicalLine[] | undefined;
  for (const ll of lines) {
    const t = ll.tokens;
    if (ll.indent === 0) {
      const k = t[0]?.text === 'async' ? 1 : 0;
      if ((t[k]?.text === 'def' || t[k]?.text === 'class') && t[k + 1]?.type === Tok.Name) {
        // a class body's methods run only when something calls them: its lines are set aside, not followed
        current = [];
        if (t[k]!.text === 'def') defs.set(t[k + 1]!.text, current);
        continue;
      }
      current = undefined;
    }
    (current ?? moduleLines).push(ll);
  }
  const reached = new Set<string>();
  const queue: string[] = [];
  const visit = (ls: readonly LogicalLine[]): void => {
    for (const ll of ls) {
      if (offline(ll.line)) continue;
      const t = ll.tokens;
      for (let i = 0; i < t.length; i++) {
        const x = t[i]!;
        if (x.type !== Tok.Name || t[i - 1]?.text === '.' || !defs.has(x.text) || reached.has(x.text)) continue;
        // `f(name=…)` names a keyword; `include_object=include_object` hands a hook autogenerate alone calls
        if (t[i + 1]?.text === '=' && (t[i - 1]?.text === ',' || t[i - 1]?.text === '(')) continue;
        if (t[i - 1]?.text === '=' && AUTOGENERATE_HOOKS.has(t[i - 2]?.text ?? '')) continue;
        reached.add(x.text);
        queue.push(x.text);
      }
    }
  };
  visit(moduleLines);
  const out: FunctionImport[] = [];
  while (queue.length > 0) {
    const fn = queue.shift()!;
    const body = defs.get(fn)!;
    visit(body);
    const blocks: { indent: number; guarded: boolean }[] = [];
    for (const ll of body) {
      while (blocks.length > 0 && blocks[blocks.length - 1]!.indent >= ll.indent) blocks.pop();
      const t = ll.tokens;
      const first = t[0];
      if (!first) continue;
      if (first.type === Tok.Name && BLOCK_WORDS.has(first.text) && t[1]?.text !== '=' && t[1]?.text !== '.') {
        // every block but `with` may not run its body, or guards it
        blocks.push({ indent: ll.indent, guarded: first.text !== 'with' && !(first.text === 'async' && t[1]?.text === 'with') });
        continue;
      }
      if (offline(ll.line) || blocks.some((b) => b.guarded)) continue;
      if (first.text === 'import') {
        for (const [a, b] of splitTop(t, 1, t.length, ',')) if (b > a && t[a]!.type === Tok.Name) out.push({ module: t[a]!.text, level: 0, line: first.line, fn });
      } else if (first.text === 'from') {
        let i = 1;
        let level = 0;
        while (t[i]?.text === '.' || t[i]?.text === '...') level += t[i++]!.text.length;
        const name = t[i]?.type === Tok.Name && t[i]!.text !== 'import' ? t[i]!.text : '';
        out.push({ module: name, level, line: first.line, fn });
      }
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/** env.py migrates several databases in one run, each with its own version table (Alembic's multidb template, Flask-Migrate's `init --multidb`). */
export interface MultiDatabaseSetup {
  /** The online branch's `upgrade_token=` (or `run_migrations(engine_name=…)`) line. */
  readonly line: number;
  /**
   * Where the names of the databases come from: alembic.ini's `databases` option (Alembic's template),
   * the application's binds (Flask-Migrate's: SQLALCHEMY_BINDS), or somewhere we cannot tell.
   */
  readonly names: 'ini' | 'binds' | 'unknown';
}

/** Words by which an env.py finds the application's extra databases: Flask-SQLAlchemy's and Alchemical's binds. */
const BINDS = new Set(['SQLALCHEMY_BINDS', 'ALCHEMICAL_BINDS', 'bind_names', 'get_bind_names']);

/**
 * Whether env.py runs the migrations once per database: it hands `context.configure()` an
 * `upgrade_token` (the name of the per-database upgrade function each script renders) or calls
 * `run_migrations(engine_name=…)`, which only these templates do. Each database then keeps its own
 * version table, and `alembic upgrade` fails when any one of them cannot be upgraded. Lines that run
 * only offline are skipped: `--sql` never reads a version table.
 */
export function multiDatabaseSetup(source: string): MultiDatabaseSetup | null {
  const lines = linesOf(source);
  const offlineOnly = offlineOnlyLines(lines);
  let line: number | undefined;
  let ini = false;
  let binds = false;
  for (const ll of lines) {
    const t = ll.tokens;
    for (let i = 0; i < t.length; i++) {
      const tok = t[i]!;
      if (tok.type === Tok.String) {
        const value = literal([tok]).value;
        if (value === 'databases' && t[i - 1]?.text === '(' && t[i - 2]?.text === 'get_main_option') ini = true;
        else if (value !== null && value !== undefined && BINDS.has(value)) binds = true;
        continue;
      }
      if (tok.type !== Tok.Name) continue;
      if (BINDS.has(tok.text)) binds = true;
      if (line !== undefined || offlineOnly(ll.line) || t[i + 1]?.text !== '=' || (t[i - 1]?.text !== ',' && t[i - 1]?.text !== '(')) continue;
      if (tok.text === 'upgrade_token' || (tok.text === 'engine_name' && enclosingCall(t, i) === 'run_migrations')) line = tok.line;
    }
  }
  if (line === undefined) return null;
  return { line, names: ini ? 'ini' : binds ? 'binds' : 'unknown' };
}

/**
 * The name of the call whose parentheses hold position `at` (`run_migrations` for
 * `context.run_migrations(engine_name=…)`); undefined inside brackets that are no call's.
 */
function enclosingCall(t: readonly Token[], at: number): string | undefined {
  let depth = 0;
  for (let i = at - 1; i > 0; i--) {
    const text = t[i]!.type === Tok.Op ? t[i]!.text : '';
    if (text === ')' || text === ']' || text === '}') depth++;
    else if (text === '(' || text === '[' || text === '{') {
      if (depth === 0) return text === '(' && t[i - 1]!.type === Tok.Name ? t[i - 1]!.text : undefined;
      depth--;
    }
  }
  return undefined;
}

/** Whether env.py names no other source of a database URL than alembic.ini's options (imports aside). */
export function urlsOnlyFromIni(source: string): boolean {
  for (const ll of linesOf(source)) {
    const t = ll.tokens;
    if (t[0]?.text === 'from' || t[0]?.text === 'import') continue;
    if (t.some((x) => x.type === Tok.Name && OTHER_URL_SOURCES.has(x.text))) return false;
  }
  return true;
}
