import { headerColon, type LogicalLine, splitTop, Tok, type Token } from '../../python/python-tokenizer.js';
import { BLOCK_WORDS, OTHER_URL_SOURCES, enclosingCall, linesOf, literal, matching } from './env-tokens.js';
import { offlineOnlyLines } from './offline-lines.js';

// Other setup facts of env.py: logging's fileConfig, the isolation level, imports run by
// configure() hooks, several databases.

/** What the CLI always satisfies: config_file_name is the -c value or alembic.ini, never None. */
const PRESENCE = /^(?:[A-Za-z_]\w*\.)*config_file_name(?:isnotNone)?$/;

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
  const importedByName =
    /^[ \t]*from[ \t]+logging\.config[ \t]+import[ \t]+(?:\(\s*)?(?:[\w,][\w\s,]*,\s*)?fileConfig\b(?!\s+as\b)/m.test(
      source,
    );
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
      const colon = headerColon(t);
      const cond = t
        .slice(1, colon)
        .map((x) => x.text)
        .join('');
      const presence = first.text === 'if' && PRESENCE.test(cond);
      blocks.push({ indent: ll.indent, runs: presence });
      // a one-line block (`if config.config_file_name: fileConfig(...)`) holds its body after the colon
      if (colon >= t.length - 1) continue;
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
      return positional && !(positional[0]?.type === Tok.Name && positional[1]?.text === '=')
        ? positional
        : undefined;
    };
    const dotted = (a: Token[] | undefined): string | undefined =>
      a && a.length > 0 && a.every((x) => x.type === Tok.Name || x.text === '.')
        ? a.map((x) => x.text).join('')
        : undefined;
    if (!/(^|\.)config_file_name$/.test(dotted(named('fname', 0)) ?? '')) continue;
    if (args.some((a) => a[0]?.text === '*' || a[0]?.text === '**')) continue;
    const defaults = named('defaults', 1);
    const given = dotted(defaults);
    return {
      line: t[from]!.line,
      defaults:
        defaults === undefined || given === 'None'
          ? 'none'
          : /(^|\.)config_args$/.test(given ?? '')
            ? 'config_args'
            : 'unknown',
    };
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
      const named =
        key.type === Tok.Name
          ? key.text === 'isolation_level' && t[i + 1]!.text === '='
          : key.type === Tok.String && literal([key]).value === 'isolation_level' && t[i + 1]!.text === ':';
      if (!named) continue;
      // the value alone, up to the argument's or the entry's end
      const value = t[i + 2]!;
      const end = t[i + 3]?.text;
      if (
        value.type === Tok.String &&
        literal([value]).value === 'AUTOCOMMIT' &&
        (end === undefined || end === ',' || end === ')' || end === '}')
      )
        at ??= value.line;
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
const AUTOGENERATE_HOOKS = new Set([
  'include_object',
  'include_name',
  'include_symbol',
  'process_revision_directives',
  'render_item',
  'compare_type',
  'compare_server_default',
]);

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
        if (x.type !== Tok.Name || t[i - 1]?.text === '.' || !defs.has(x.text) || reached.has(x.text))
          continue;
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
      if (
        first.type === Tok.Name &&
        BLOCK_WORDS.has(first.text) &&
        t[1]?.text !== '=' &&
        t[1]?.text !== '.'
      ) {
        // every block but `with` may not run its body, or guards it
        blocks.push({
          indent: ll.indent,
          guarded: first.text !== 'with' && !(first.text === 'async' && t[1]?.text === 'with'),
        });
        continue;
      }
      if (offline(ll.line) || blocks.some((b) => b.guarded)) continue;
      if (first.text === 'import') {
        for (const [a, b] of splitTop(t, 1, t.length, ','))
          if (b > a && t[a]!.type === Tok.Name)
            out.push({ module: t[a]!.text, level: 0, line: first.line, fn });
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
        if (value === 'databases' && t[i - 1]?.text === '(' && t[i - 2]?.text === 'get_main_option')
          ini = true;
        else if (value !== null && value !== undefined && BINDS.has(value)) binds = true;
        continue;
      }
      if (tok.type !== Tok.Name) continue;
      if (BINDS.has(tok.text)) binds = true;
      if (
        line !== undefined ||
        offlineOnly(ll.line) ||
        t[i + 1]?.text !== '=' ||
        (t[i - 1]?.text !== ',' && t[i - 1]?.text !== '(')
      )
        continue;
      if (
        tok.text === 'upgrade_token' ||
        (tok.text === 'engine_name' && enclosingCall(t, i) === 'run_migrations')
      )
        line = tok.line;
    }
  }
  if (line === undefined) return null;
  return { line, names: ini ? 'ini' : binds ? 'binds' : 'unknown' };
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
