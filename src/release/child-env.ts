import { FENCED_MYSQL_DRIVERS } from '../database/mysql-url.js';
import path from 'node:path';
import type { DatabaseTarget } from '../database/database-url.js';
import { ConfigError } from '../errors/errors.js';
import { redactSecrets } from '../errors/redact.js';
import { shellWords } from '../deploy/shell-words.js';
import { fenceTarget, makeFence, type Fence } from './fence.js';

/**
 * What a child the tool starts (rehearse --then, release -- CMD, release --tenants -- LOOP) may reach:
 * its environment names only its target, and a command the Python fence cannot cover is refused before it
 * starts. The fence (fence.ts) stops a Python child that connects elsewhere; these two cover the rest:
 *
 * - every libpq variable (PG*) is removed, then set to the target when it is PostgreSQL (a `psql` with no
 *   arguments connects there), or to nowhere when it is SQLite; ~/.pgpass and ~/.pg_service.conf are not
 *   read; every variable whose value is a database URL names the target;
 * - refused: Python run with -I, -E or -S (the fence is never loaded), and a command line that names a
 *   database itself (a URL, libpq's host=/dbname=, -h/--host, -d/--dbname, -p/--port, a .db file).
 */
export interface ChildTarget {
  /** The target's URL as given (credentials included: for the child's environment only, never printed). */
  readonly url: string;
  readonly db: DatabaseTarget;
}

/** Database URLs as SQLAlchemy, the add-ons and libpq write them. */
const DATABASE_URL = /^(?:postgres(?:ql)?|mysql|mariadb|sqlite|oracle|mssql|cockroachdb)(?:\+[\w-]+)?:\/\//iu;

export function confinedEnv(
  env: Readonly<Record<string, string | undefined>>,
  target: ChildTarget,
  urlVariables: readonly string[],
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    // libpq's and libmysqlclient's defaults (a host, a port, a password) for connections that name none
    if (/^PG[A-Z_]+$/u.test(k) || /^MYSQL_(HOST|PWD|TCP_PORT)$/u.test(k)) continue;
    out[k] = v !== undefined && DATABASE_URL.test(v.trim()) ? target.url : v;
  }
  for (const name of urlVariables) out[name] = target.url;
  // no password file, no service file: only what is set here
  out.PGPASSFILE = '/dev/null';
  out.PGSERVICEFILE = '/dev/null';
  const t = target.db;
  if (t.dialect === 'postgresql') {
    out.PGHOST = t.host;
    out.PGPORT = String(t.port);
    out.PGDATABASE = t.database;
    if (t.user) out.PGUSER = t.user;
    if (t.password) out.PGPASSWORD = t.password;
  } else {
    // a SQLite target: libpq reaches no server (a socket folder that does not exist)
    out.PGHOST = '/nonexistent/alembic-preflight-no-server';
  }
  return out;
}

const PYTHON = /^python[\d.]*$/u;
/** Python's flags that keep sitecustomize (the fence) from loading: isolated, no environment, no site. */
/** Options of libpq's clients (psql, pg_dump, …) that name a server or database. */
const CONNECTION_OPTIONS = new Set(['-h', '--host', '-d', '--dbname', '-p', '--port', '--maintenance-db']);
/**
 * Programs whose own flags name no server: Alembic (`-c` a config file, `-x key=value`), Flask-Migrate
 * (`-d` the migrations folder), Python itself, and the shell's file utilities (`mkdir -p`). Their
 * words are judged only for a URL or a connection string; any other program's connection-like flags
 * are taken as naming a server.
 */
const OWN_GRAMMAR =
  /^(?:alembic|flask|python[\d.]*|mkdir|cp|mv|rm|ln|touch|chmod|echo|test|true|cd|ls|cat)$/u;
/** What separates one command from the next in a shell line. */
const SHELL_OPERATOR = /^(?:&&|\|\||;|\||&)$/u;
const CONNECTION_PREFIX = /^(?:--host|--dbname|--port|--maintenance-db)=/u;
const CONNINFO = /(?:^|\s)(?:host|hostaddr|dbname|port|service)\s*=/u;

/**
 * Why a command cannot start fenced to its target, or undefined when it may start. Without the target
 * (rehearse checks before its scratch database exists, whose URL nobody can name), any database named
 * on the command line is refused.
 */
export function unfencedCommand(argv: readonly string[], target?: ChildTarget): string | undefined {
  const words = expand(argv);
  let program: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (SHELL_OPERATOR.test(w)) {
      program = undefined;
      continue;
    }
    // the command's program: its first word that is not a variable assignment
    if (program === undefined && !/^\w+=/u.test(w)) program = path.basename(w.replace(/;$/u, ''));
    if (PYTHON.test(path.basename(w))) {
      const flag = unfencedPythonFlag(words, i + 1);
      if (flag)
        return `\`${path.basename(w)} ${flag}\` starts Python without its site module or environment, so the connection fence never loads in it`;
    }
    const dropped = droppedFence(w, words[i + 1], program);
    if (dropped) return dropped;
    // a URL as a word, or as a value (`-x dburl=…`, `--url=…`)
    const value = w.includes('=') ? w.slice(w.indexOf('=') + 1) : w;
    for (const u of new Set([w, value]))
      if (DATABASE_URL.test(u) && !sameDatabase(u, target))
        return `it names a database itself (${redactSecrets(w)})`;
    const ownGrammar = program !== undefined && OWN_GRAMMAR.test(program);
    if (!ownGrammar && (CONNECTION_OPTIONS.has(w) || CONNECTION_PREFIX.test(w)))
      return `it names a server or database itself (\`${w}${CONNECTION_PREFIX.test(w) ? '' : ` ${words[i + 1] ?? ''}`}\`)`;
    if (CONNINFO.test(w))
      return `it names a server or database itself (a connection string: ${redactSecrets(w)})`;
    if (
      /\.(?:db|sqlite3?)$/iu.test(w) &&
      !(target?.db.dialect === 'sqlite' && path.resolve(w) === target.db.file)
    )
      return `it names a SQLite file itself (${w})`;
    if (w.endsWith(';')) program = undefined;
  }
  return undefined;
}

/**
 * The first of Python's options (from `from`) that keeps the fence from loading (-I, -E, -S, alone or
 * in a cluster such as -Es), read by Python's own grammar: -W and -X take a value (attached or the next
 * word), and -c, -m or the script end the options.
 */
function unfencedPythonFlag(words: readonly string[], from: number): string | undefined {
  for (let j = from; j < words.length; j++) {
    const w = words[j]!;
    if (w === '--check-hash-based-pycs') {
      j++;
      continue;
    }
    if (!w.startsWith('-') || w === '-' || w.startsWith('--')) {
      if (w.startsWith('--') && w !== '--') continue;
      return undefined;
    }
    for (let k = 1; k < w.length; k++) {
      const c = w[k]!;
      if (/[IES]/u.test(c)) return w;
      if (/[cm]/u.test(c)) return undefined;
      if (/[WX]/u.test(c)) {
        if (k === w.length - 1) j++;
        break;
      }
    }
  }
  return undefined;
}

/** The variables the fence travels in: a command that empties or replaces them starts Python unfenced. */
const FENCE_VARIABLES = /^(?:PYTHONPATH|ALEMBIC_PREFLIGHT_FENCE)$/u;

/**
 * Why a word drops the fence's environment, if it does: `env -i` (or `env -`), `env -u PYTHONPATH`,
 * `unset PYTHONPATH`, or PYTHONPATH set anew (`PYTHONPATH=. python3 …`, `export PYTHONPATH=…`) rather
 * than extended (`PYTHONPATH=$PYTHONPATH:.`).
 */
function droppedFence(
  word: string,
  after: string | undefined,
  program: string | undefined,
): string | undefined {
  // a shell line's `unset PYTHONPATH; python3 …` ends the word with the semicolon
  const w = word.replace(/;$/u, '');
  const next = after?.replace(/;$/u, '');
  const emptied = w === '-' || w === '--ignore-environment' || (/^-[A-Za-z]+$/u.test(w) && w.includes('i'));
  if (program === 'env' && emptied)
    return `\`env ${w}\` starts its command with an empty environment, without the connection fence`;
  if (program === 'env' && w === '-u' && next !== undefined && FENCE_VARIABLES.test(next))
    return `\`env -u ${next}\` removes the variable the connection fence loads by`;
  if (program === 'env' && /^--unset=/u.test(w) && FENCE_VARIABLES.test(w.slice(8)))
    return `\`env ${w}\` removes the variable the connection fence loads by`;
  if (program === 'unset' && FENCE_VARIABLES.test(w))
    return `\`unset ${w}\` removes the variable the connection fence loads by`;
  const set = /^(PYTHONPATH|ALEMBIC_PREFLIGHT_FENCE)=(.*)$/u.exec(w);
  if (
    set &&
    !/\$\{?PYTHONPATH\b/u.test(set[2]!) &&
    !(set[1] === 'ALEMBIC_PREFLIGHT_FENCE' && /\$\{?ALEMBIC_PREFLIGHT_FENCE\b/u.test(set[2]!))
  )
    return `it sets ${set[1]} itself (\`${w}\`), replacing the one the connection fence loads by`;
  return undefined;
}

/** The words of a command, and of what a shell it starts runs (`sh -c "…"`, also after the shell's options). */
function expand(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    out.push(w);
    if (!/^(?:ba|da|z)?sh$/u.test(path.basename(w))) continue;
    // the shell's options before its script (`sh -e -c '…'`, `bash -lc '…'`, `sh -o pipefail -c '…'`)
    let j = i + 1;
    let script = false;
    for (; j < argv.length && /^[-+][A-Za-z]+$/u.test(argv[j]!); j++) {
      if (/^-[A-Za-z]*c/u.test(argv[j]!)) script = true;
      if (/^[-+]o$/u.test(argv[j]!)) j++;
    }
    if (script && argv[j] !== undefined) {
      // the script's words are commands of their own
      out.push(...argv.slice(i + 1, j), ';', ...expand(shellWords(argv[j]!)), ';');
      i = j;
    }
  }
  return out;
}

function sameDatabase(url: string, target: ChildTarget | undefined): boolean {
  return target !== undefined && url === target.url;
}

/**
 * A child's environment confined to `target` and its Python fence, for release's wrapped command and
 * release --tenants' loop; `command` (the user's, when there is one) is refused first when it cannot be
 * fenced. Throws that refusal before anything starts.
 */
export function fencedChild(
  command: readonly string[] | undefined,
  target: ChildTarget,
  urlVariables: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { env: Record<string, string | undefined>; fence: Fence } {
  const why = command && command.length > 0 ? unfencedCommand(command, target) : undefined;
  if (why) throw refusedCommand(`\`${command!.join(' ')}\``, why, 'release');
  const db = target.db;
  if (db.dialect === 'mysql' && !FENCED_MYSQL_DRIVERS.has(db.driver))
    throw new ConfigError(
      `The upgrade was not started: the URL's driver ${db.driver} (${db.scheme}://) is one the connection fence cannot check, so the app's code could reach another database unseen.`,
      {
        hint: 'Use PyMySQL or mysqlclient, which the fence checks: mysql+pymysql://… or mysql+mysqldb://… in the URL Alembic connects with.',
      },
    );
  const base = confinedEnv(env, target, urlVariables);
  const fence = makeFence([fenceTarget(target.db)], urlVariables, base);
  return { env: { ...base, ...fence.env }, fence };
}

/** The refusal as an error (exit 2): what the command does, and what to run instead. */
export function refusedCommand(what: string, why: string, tool: 'rehearse' | 'release'): ConfigError {
  return new ConfigError(`${redactSecrets(what)} was not started: ${why}.`, {
    hint:
      tool === 'rehearse'
        ? 'Run it without the database on its command line (the environment names the scratch database: DATABASE_URL, PGHOST, PGDATABASE, …), and as plain `python3 script.py`.'
        : 'Run it without the database on its command line (the environment names the database verify read: DATABASE_URL, PGHOST, PGDATABASE, …), and as plain `python3 script.py`.',
  });
}
