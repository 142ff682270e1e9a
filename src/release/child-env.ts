import { FENCED_MYSQL_DRIVERS } from '../database/mysql-url.js';
import type { DatabaseTarget } from '../database/database-url.js';
import { ConfigError } from '../errors/errors.js';
import { redactSecrets } from '../errors/redact.js';
import { unprovedCommand, type ProofContext } from './command-proof.js';
import { CONNINFO, DATABASE_URL, type ChildTarget } from './command-words.js';
import { fenceTarget, makeFence, type Fence } from './fence.js';
import type { VerdictLine } from '../report/verdict-line.js';

export type { ChildTarget } from './command-words.js';

/**
 * What a child the tool starts (rehearse --then, release -- CMD, release --tenants -- LOOP) may reach.
 * Its command is proved fenced before it starts (command-proof.ts) or refused; the Python fence
 * (fence.ts) stops a Python child that connects elsewhere; and its environment names only its target:
 *
 * - every libpq variable (PG*) is removed, then set to the target when it is PostgreSQL (a `psql` with no
 *   arguments connects there), or to nowhere when it is not; ~/.pgpass and ~/.pg_service.conf are not read;
 * - every variable whose value is a database URL or a libpq connection string names the target;
 * - split variables (`DB_HOST`, `DATABASE_PORT`, `POSTGRES_DB`, `MYSQL_PASSWORD`, …) name its parts.
 */

/** The parts split variables name, by their name's last word. */
const PARTS: Readonly<Record<string, 'host' | 'port' | 'database' | 'user' | 'password'>> = {
  HOST: 'host',
  HOSTNAME: 'host',
  SERVER: 'host',
  PORT: 'port',
  NAME: 'database',
  DATABASE: 'database',
  DB: 'database',
  USER: 'user',
  USERNAME: 'user',
  PASSWORD: 'password',
  PASS: 'password',
  PWD: 'password',
};
/** The word before it that says the variable is a database's (`DB_HOST`, `APP_POSTGRES_HOST`). */
const KINDS = new Set(['DB', 'DATABASE', 'POSTGRES', 'POSTGRESQL', 'PG', 'MYSQL', 'MARIADB', 'SQL', 'RDS']);
/** A host that resolves nowhere (RFC 2606): where a split variable points when the target has no server. */
const NO_HOST = 'alembic-preflight-no-server.invalid';

/** The part of the target a split variable names (`DB_HOST` → its host), or undefined for any other variable. */
function splitPart(name: string): 'host' | 'port' | 'database' | 'user' | 'password' | undefined {
  const words = name.split('_');
  if (words.length < 2) return undefined;
  const part = PARTS[words.at(-1)!];
  if (part !== undefined && KINDS.has(words.at(-2)!)) return part;
  // libmysqlclient's own: MYSQL_TCP_PORT
  return name === 'MYSQL_TCP_PORT' ? 'port' : undefined;
}

function targetPart(t: DatabaseTarget, part: ReturnType<typeof splitPart> & string): string {
  if (t.dialect === 'sqlite')
    return part === 'host' ? NO_HOST : part === 'database' ? t.file : part === 'port' ? '1' : '';
  const v = { host: t.host, port: String(t.port), database: t.database, user: t.user, password: t.password }[
    part
  ];
  return v ?? '';
}

/** The target as a libpq connection string, or one that reaches no server when it is not PostgreSQL. */
function targetConninfo(t: DatabaseTarget): string {
  if (t.dialect !== 'postgresql') return 'host=/nonexistent/alembic-preflight-no-server';
  const q = (s: string) => `'${s.replace(/\\/gu, '\\\\').replace(/'/gu, "\\'")}'`;
  return [
    `host=${q(t.host)}`,
    `port=${t.port}`,
    `dbname=${q(t.database)}`,
    ...(t.user ? [`user=${q(t.user)}`] : []),
    ...(t.password ? [`password=${q(t.password)}`] : []),
  ].join(' ');
}

export function confinedEnv(
  env: Readonly<Record<string, string | undefined>>,
  target: ChildTarget,
  urlVariables: readonly string[],
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const t = target.db;
  for (const [k, v] of Object.entries(env)) {
    // libpq's and libmysqlclient's defaults (a host, a port, a password) for connections that name none
    if (/^PG[A-Z_]+$/u.test(k) || /^MYSQL_(?:HOST|PWD|TCP_PORT|UNIX_PORT)$/u.test(k)) continue;
    const part = splitPart(k);
    if (v === undefined) out[k] = v;
    else if (DATABASE_URL.test(v.trim())) out[k] = target.url;
    else if (CONNINFO.test(v) && !v.includes('://')) out[k] = targetConninfo(t);
    else if (part !== undefined) out[k] = targetPart(t, part);
    else out[k] = v;
  }
  for (const name of urlVariables) out[name] = target.url;
  // no password file, no service file: only what is set here
  out.PGPASSFILE = '/dev/null';
  out.PGSERVICEFILE = '/dev/null';
  if (t.dialect === 'postgresql') {
    out.PGHOST = t.host;
    out.PGPORT = String(t.port);
    out.PGDATABASE = t.database;
    if (t.user) out.PGUSER = t.user;
    if (t.password) out.PGPASSWORD = t.password;
  } else {
    // a target that is not PostgreSQL: libpq reaches no server (a socket folder that does not exist)
    out.PGHOST = '/nonexistent/alembic-preflight-no-server';
  }
  if (t.dialect === 'mysql') {
    out.MYSQL_HOST = t.host;
    out.MYSQL_TCP_PORT = String(t.port);
    if (t.socket) out.MYSQL_UNIX_PORT = t.socket;
    if (t.password) out.MYSQL_PWD = t.password;
  } else out.MYSQL_HOST = NO_HOST;
  return out;
}

/**
 * What a command's proof needs beside its words, whether --unfenced lets an unproved command start,
 * and where to say so when it does.
 */
export interface ChildProof extends Omit<ProofContext, 'target' | 'env'> {
  readonly unfenced?: boolean | undefined;
  readonly out?: (text: string) => void;
}

/**
 * Why `argv` cannot be proved fenced, when --unfenced starts it anyway; otherwise that refusal is
 * thrown before anything starts (exit 2). Undefined when it is proved.
 */
export function proveCommand(
  argv: readonly string[],
  ctx: ProofContext,
  how: {
    readonly unfenced?: boolean | undefined;
    readonly tool: 'rehearse' | 'release';
    readonly what: string;
  },
): string | undefined {
  const why = unprovedCommand(argv, ctx);
  if (why && !how.unfenced) throw refusedCommand(how.what, why, how.tool);
  return why;
}

/**
 * A child's environment confined to `target` and its Python fence, for release's wrapped command and
 * release --tenants' loop. `command` (the user's, when there is one) is refused first when it cannot be
 * proved fenced, unless `--unfenced` says to start it anyway: the notice then goes to `out`, and
 * `unproved` says why, for the verdict line and the ledger. Throws the refusal before anything starts.
 */
export function fencedChild(
  command: readonly string[] | undefined,
  target: ChildTarget,
  urlVariables: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  proof: ChildProof,
): { env: Record<string, string | undefined>; fence: Fence; unproved?: string } {
  const db = target.db;
  if (db.dialect === 'mysql' && !FENCED_MYSQL_DRIVERS.has(db.driver))
    throw new ConfigError(
      `The upgrade was not started: the URL's driver ${db.driver} (${db.scheme}://) is one the connection fence cannot check, so the app's code could reach another database unseen.`,
      {
        hint: 'Use PyMySQL or mysqlclient, which the fence checks: mysql+pymysql://… or mysql+mysqldb://… in the URL Alembic connects with.',
      },
    );
  const base = confinedEnv(env, target, urlVariables);
  const what = `\`${(command ?? []).join(' ')}\``;
  const why =
    command && command.length > 0
      ? proveCommand(command, { ...proof, env: base, target }, { ...proof, tool: 'release', what })
      : undefined;
  if (why) proof.out?.(unfencedNotice('release', what, why));
  const fence = makeFence([fenceTarget(target.db)], urlVariables, base);
  return { env: { ...base, ...fence.env }, fence, ...(why ? { unproved: why } : {}) };
}

/** The refusal as an error (exit 2): what the command does, and what to run instead. */
export function refusedCommand(what: string, why: string, tool: 'rehearse' | 'release'): ConfigError {
  const database = tool === 'rehearse' ? 'the scratch database' : 'the database verify read';
  return new ConfigError(`${redactSecrets(what)} was not started: ${why}.`, {
    hint: `Run what it runs as alembic, flask db, python3 or a shell script of such commands, without a database on its command line (the environment names ${database}: DATABASE_URL, PGHOST, PGDATABASE, …); or add --unfenced to start it anyway, which the verdict line and the ledger record.`,
  });
}

/** A verdict after a command --unfenced let start: it says so. */
export function withUnfenced(line: VerdictLine, unproved: string | undefined): VerdictLine {
  return unproved ? { ...line, qualifiers: [...line.qualifiers, 'unfenced'] } : line;
}

/** What the ledger records of a command --unfenced let start (`applied_by.unfenced`): its words, redacted. */
export function unfencedRecord(argv: readonly string[]): string {
  return redactSecrets(argv.join(' ')).slice(0, 200);
}

/** The line a release or rehearsal prints before it starts a command --unfenced let through. */
export function unfencedNotice(tool: 'rehearse' | 'release', command: string, why: string): string {
  return `alembic-preflight ${tool}: --unfenced: starting ${redactSecrets(command)} although it cannot be proved fenced: ${why}\n`;
}
