import type { Connection } from 'mysql2/promise';
import { DatabaseError, PreflightError } from '../errors/errors.js';
import { redactSecrets } from '../errors/redact.js';
import { readMachineText } from '../project/machine-files.js';
import { describeTarget, type MysqlTarget } from './database-url.js';
import { connectWithRetries, type ConnectFailure } from './connect-retries.js';
import { mysqlTls, type MysqlTls } from './mysql-url.js';
import type { PostgresOptions } from './pg-connect.js';

/** What a connection's TLS was: the mode the URL asks for, whether the socket is encrypted and verified. */
export interface MysqlSession {
  readonly tls: { readonly mode: string; readonly encrypted: boolean; readonly verified: boolean };
}

/**
 * Connects once (retrying what passes: a refused or timed-out connect, no free connection), runs `work`,
 * and always closes the connection. Driver errors become DatabaseErrors that name the failure without
 * a secret.
 */
export async function withMysqlConnection<T>(
  t: MysqlTarget,
  opts: PostgresOptions,
  work: (conn: Connection, session: MysqlSession) => Promise<T>,
): Promise<T> {
  const tls = mysqlTls(t, opts.ssl);
  const mysql = await import('mysql2/promise');
  const conn = await connectWithRetries<Connection>(opts, async () => {
    try {
      const connected = await (mysql.default ?? mysql).createConnection({
        ...(t.socket ? { socketPath: t.socket } : { host: t.host, port: t.port }),
        ...(t.user !== undefined ? { user: t.user } : {}),
        ...(t.password !== undefined ? { password: t.password } : {}),
        database: t.database,
        connectTimeout: opts.connectTimeoutMs,
        charset: 'utf8mb4_general_ci',
        ...(tls.mode === 'disabled' ? {} : { ssl: sslOptions(tls, opts.sslCa) }),
      });
      return { connected };
    } catch (e) {
      return { error: classify(e, t, tls) };
    }
  });
  conn.on('error', () => undefined);
  try {
    return await work(conn, { tls: sessionTls(conn, tls) });
  } catch (e) {
    if (e instanceof PreflightError) throw e;
    const c = classify(e, t, tls);
    throw new DatabaseError(c.message, { hint: c.hint });
  } finally {
    conn.destroy();
  }
}

function sslOptions(tls: MysqlTls, caFlag: string | undefined): Record<string, unknown> {
  const file = (p: string | undefined): string | undefined => (p ? readMachineText(p) : undefined);
  const ca = file(caFlag ?? tls.ca);
  return {
    ...(ca ? { ca } : {}),
    ...(tls.cert ? { cert: file(tls.cert) } : {}),
    ...(tls.key ? { key: file(tls.key) } : {}),
    rejectUnauthorized: tls.mode === 'verify-ca' || tls.mode === 'verify-full',
    ...(tls.mode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
  };
}

function sessionTls(conn: Connection, tls: MysqlTls): MysqlSession['tls'] {
  const stream = (conn as unknown as { connection?: { stream?: { encrypted?: boolean } } }).connection
    ?.stream;
  const encrypted = tls.mode !== 'disabled' && stream?.encrypted === true;
  return {
    mode: tls.mode,
    encrypted,
    verified: encrypted && (tls.mode === 'verify-ca' || tls.mode === 'verify-full'),
  };
}

type Classified = ConnectFailure;

/** The failure named: DNS, refused, timeout, authentication, a missing database, TLS, connection slots. */
function classify(e: unknown, t: MysqlTarget, tls: MysqlTls): Classified {
  const err = e as { code?: string; errno?: number; message?: string };
  const code = err.code ?? '';
  const raw = redactSecrets(String(err.message ?? e));
  const d = describeTarget(t);
  const where = `${d.host}/${t.database}`;
  const user = t.user ? ` as user '${t.user}'` : '';
  const mk = (kind: string, transient: boolean, message: string, hint: string): Classified => ({
    kind,
    transient,
    message: redactSecrets(message),
    hint: redactSecrets(hint),
  });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return mk(
      'dns',
      code === 'EAI_AGAIN',
      `DNS: cannot resolve the database host '${t.host}' (${code}).`,
      'Check the host name in the URL; on Heroku, fetch the current one with `heroku config:get JAWSDB_URL -a APP` (or CLEARDB_DATABASE_URL).',
    );
  if (code === 'ECONNREFUSED' || code === 'ENOENT')
    return mk(
      'refused',
      true,
      `Connection refused by ${d.host}: nothing is listening there.`,
      t.socket
        ? 'Check the socket path (unix_socket=, or the host: mysqlclient reaches localhost through the socket) and that the server runs.'
        : 'Check the host and port, and that the server is running and accepts TCP connections.',
    );
  if (code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 'PROTOCOL_CONNECTION_LOST')
    return mk(
      'timeout',
      true,
      `Timed out connecting to ${d.host} (${raw}).`,
      'Check network access to the database (firewall, VPN, trusted sources), or raise --connect-timeout.',
    );
  if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_DBACCESS_DENIED_ERROR')
    return mk(
      'auth',
      false,
      `Access denied${user} on ${where}: ${raw}.`,
      'The password is wrong or was rotated; fetch the current URL (`heroku config:get JAWSDB_URL -a APP`).',
    );
  if (code === 'ER_BAD_DB_ERROR')
    return mk(
      'missing-database',
      false,
      `The database '${t.database}' does not exist on ${d.host}.`,
      'Check the database name at the end of the URL.',
    );
  if (
    code === 'ER_CON_COUNT_ERROR' ||
    code === 'ER_TOO_MANY_USER_CONNECTIONS' ||
    code === 'ER_USER_LIMIT_REACHED'
  )
    return mk(
      'too-many-connections',
      true,
      `The server has no connection left for this user (${raw}).`,
      "JawsDB's and ClearDB's plans cap connections per user; close idle ones, then retry.",
    );
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT' || /certificate|SSL|TLS/iu.test(raw))
    return mk(
      'tls',
      false,
      `TLS failed (${tls.mode}${code ? `, ${code}` : ''}): ${raw}.`,
      code === 'HANDSHAKE_NO_SSL_SUPPORT'
        ? 'The server has TLS switched off: remove the ssl_ options from the URL for a trusted local network only.'
        : 'Pass the CA that signed the server certificate as ?ssl_ca=FILE (or --ssl-ca FILE), or ?ssl_check_hostname=false where the name differs.',
    );
  if (code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'ER_STATEMENT_TIMEOUT' || code === 'ER_QUERY_TIMEOUT')
    return mk(
      'timeout',
      false,
      `Reading the version table timed out (${raw}).`,
      'A DDL statement or a long transaction holds the version table (a migration in progress?); check SHOW PROCESSLIST, or raise --statement-timeout.',
    );
  return mk(
    'other',
    false,
    `Database error on ${where}${code ? ` (${code})` : ''}: ${raw}.`,
    'Check the URL and that the server is reachable; run with --log-level debug for details.',
  );
}

/**
 * `work` in one MySQL transaction of its own, on a connection whose session takes double-quoted names
 * (our statements are shared with PostgreSQL and SQLite) and refuses a value too long: committed, or
 * rolled back and its error rethrown. DDL in `before` runs first, outside the transaction: MySQL commits
 * each DDL statement implicitly, so no transaction can hold it.
 */
export async function inMysqlWrite<T>(
  t: MysqlTarget,
  opts: PostgresOptions,
  work: (conn: Connection) => Promise<T>,
  before: readonly string[] = [],
): Promise<T> {
  return withMysqlConnection(t, opts, async (conn) => {
    const lockSeconds = Math.max(1, Math.ceil(opts.lockTimeoutMs / 1000));
    await conn.query(
      `SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',ANSI_QUOTES,STRICT_ALL_TABLES'), lock_wait_timeout = ${lockSeconds}, innodb_lock_wait_timeout = ${lockSeconds}`,
    );
    for (const sql of before) await conn.query(sql);
    await conn.query('START TRANSACTION');
    try {
      const result = await work(conn);
      await conn.query('COMMIT');
      return result;
    } catch (e) {
      await conn.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  });
}

/** What a read session learnt of the server as it started. */
export interface ReadSession {
  readonly version: string;
  readonly mariadb: boolean;
  /** The SQL mode new sessions start with. */
  readonly sqlMode: string;
  /** read_only is on (whether this user may write all the same is its privileges' matter). */
  readonly readOnly: boolean;
  /** The connection's database. */
  readonly database: string;
}

/**
 * Starts a read session: the server read, then in one statement our own bounds (how long a read waits
 * for a metadata lock, and runs) and double-quoted names (the ledger's SELECT is shared with
 * PostgreSQL). MySQL 8 also reads information_schema's TABLE_ROWS fresh, not from a day-old cache.
 */
export async function startReadSession(conn: Connection, opts: PostgresOptions): Promise<ReadSession> {
  const [rows] = await conn.query(
    'SELECT VERSION() AS version, @@GLOBAL.sql_mode AS sql_mode, @@GLOBAL.read_only AS read_only, DATABASE() AS db',
  );
  const r = (rows as Record<string, unknown>[])[0]!;
  const version = String(r.version);
  const mariadb = /mariadb/iu.test(version);
  const lockSeconds = Math.max(1, Math.ceil(opts.lockTimeoutMs / 1000));
  const run = Math.max(0, opts.statementTimeoutMs);
  const statement = mariadb
    ? `max_statement_time = ${run / 1000}`
    : `max_execution_time = ${Math.floor(run)}, information_schema_stats_expiry = 0`;
  await conn.query(
    `SET SESSION lock_wait_timeout = ${lockSeconds}, ${statement}, sql_mode = CONCAT(@@SESSION.sql_mode, ',ANSI_QUOTES')`,
  );
  return {
    version,
    mariadb,
    sqlMode: String(r.sql_mode),
    readOnly: Number(r.read_only) === 1,
    database: String(r.db),
  };
}
