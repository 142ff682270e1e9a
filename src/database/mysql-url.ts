import { UsageError } from '../errors/errors.js';
import { decode, NOT_A_URL_HINT, portOf, type UrlParts } from './url-parts.js';

/** A MySQL or MariaDB server, as SQLAlchemy's mysql and mariadb dialects read the URL . */
export interface MysqlTarget {
  readonly dialect: 'mysql';
  readonly scheme: string;
  /** The Python driver SQLAlchemy loads for the scheme: mysqldb (mysqlclient), pymysql, mariadbconnector, … */
  readonly driver: string;
  readonly host: string;
  readonly port: number;
  /** unix_socket= from the query: the driver connects there, not to host:port. */
  readonly socket?: string;
  readonly database: string;
  readonly user?: string;
  readonly password?: string;
  /** The query's options, which SQLAlchemy hands to the driver's connect() as keyword arguments. */
  readonly params: ReadonlyMap<string, string>;
}

/**
 * The keyword arguments each driver's connect() takes from a URL's query: SQLAlchemy's mysql dialects
 * hand every query option to it (`opts.update(url.query)`), folding ssl_ca, ssl_cert, ssl_key, ssl_capath,
 * ssl_cipher and ssl_check_hostname into one `ssl` dictionary first. An option the driver does not take
 * makes `alembic upgrade` fail with a TypeError before it connects (ClearDB's `?reconnect=true`).
 */
const SSL_OPTIONS = ['ssl_ca', 'ssl_key', 'ssl_cert', 'ssl_capath', 'ssl_cipher', 'ssl_check_hostname'];
const DRIVER_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  // PyMySQL 1.0's Connection.__init__
  pymysql: [
    'unix_socket',
    'charset',
    'sql_mode',
    'read_default_file',
    'use_unicode',
    'client_flag',
    'init_command',
    'connect_timeout',
    'read_default_group',
    'autocommit',
    'local_infile',
    'max_allowed_packet',
    'defer_connect',
    'read_timeout',
    'write_timeout',
    'bind_address',
    'binary_prefix',
    'program_name',
    'server_public_key',
    'ssl_disabled',
    'ssl_verify_cert',
    'ssl_verify_identity',
    'compress',
    'named_pipe',
  ],
  // mysqlclient's MySQLdb.connect and _mysql.connect
  mysqldb: [
    'unix_socket',
    'connect_timeout',
    'compress',
    'named_pipe',
    'init_command',
    'read_default_file',
    'read_default_group',
    'client_flag',
    'ssl_mode',
    'local_infile',
    'read_timeout',
    'write_timeout',
    'charset',
    'sql_mode',
    'binary_prefix',
    'use_unicode',
    'auth_plugin',
    'autocommit',
  ],
};

/** The Python drivers whose connections the release fence sees (release/fence-python.ts). */
export const FENCED_MYSQL_DRIVERS: ReadonlySet<string> = new Set(['pymysql', 'mysqldb']);

/** Where libmariadb and libmysqlclient look for the server's socket when the host is localhost (Debian's build). */
const DEFAULT_SOCKET = '/run/mysqld/mysqld.sock';

/**
 * A mysql:// or mariadb:// URL as SQLAlchemy 1.4 and 2.0 read it: mysql:// and mariadb:// load mysqlclient
 * (`mysqldb`), mysql+DRIVER:// the driver named. The database is the path; without one Alembic has no
 * database to put its version table in.
 */
export function parseMysql(
  scheme: string,
  parts: UrlParts,
  env?: Readonly<Record<string, string | undefined>>,
): MysqlTarget {
  const driver = scheme.includes('+') ? scheme.slice(scheme.indexOf('+') + 1) : 'mysqldb';
  const params = parts.params;
  refuseUnknownOptions(driver, params);
  const database = decode(parts.pathPart, 'database name');
  if (!database)
    throw new UsageError(
      'The database URL names no database: Alembic would find no version table and its CREATE TABLE would fail with "No database selected" (1046).',
      { hint: 'Name the database after the host: mysql+pymysql://HOST:3306/DBNAME.' },
    );
  const host = parts.host || 'localhost';
  const port = portOf(parts.portText ?? params.get('port'), 3306);
  // mysqlclient (libmariadb, libmysqlclient) reaches localhost through the socket; PyMySQL always by TCP
  const socket =
    params.get('unix_socket') ||
    (driver === 'mysqldb' && host === 'localhost'
      ? env?.MYSQL_UNIX_PORT || env?.MARIADB_UNIX_PORT || DEFAULT_SOCKET
      : undefined);
  return {
    dialect: 'mysql',
    scheme,
    driver,
    host,
    port,
    ...(socket ? { socket } : {}),
    database,
    ...(parts.user !== undefined ? { user: parts.user } : {}),
    ...(parts.password !== undefined ? { password: parts.password } : {}),
    params,
  };
}

function refuseUnknownOptions(driver: string, params: ReadonlyMap<string, string>): void {
  const known = DRIVER_OPTIONS[driver];
  if (!known) return;
  for (const key of params.keys()) {
    if (SSL_OPTIONS.includes(key) || known.includes(key)) continue;
    const name = driver === 'pymysql' ? 'PyMySQL' : 'mysqlclient';
    throw new UsageError(
      `The database URL's option ${key}= is not an argument ${name}'s connect() takes: SQLAlchemy hands every query option to the driver, so \`alembic upgrade\` fails with "TypeError: … '${key}'" before it connects.`,
      {
        hint: `Remove ?${key}=… from the URL (ClearDB's URLs carry ?reconnect=true), in env.py or where the URL is set. ${NOT_A_URL_HINT}`,
      },
    );
  }
}

/** What TLS the driver uses for the URL: none unless an ssl_ option asks; verified against ssl_ca when given. */
export interface MysqlTls {
  readonly mode: 'disabled' | 'required' | 'verify-ca' | 'verify-full';
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

export function mysqlTls(t: MysqlTarget, flag?: string): MysqlTls {
  const p = t.params;
  const files = {
    ...(p.get('ssl_ca') ? { ca: p.get('ssl_ca')! } : {}),
    ...(p.get('ssl_cert') ? { cert: p.get('ssl_cert')! } : {}),
    ...(p.get('ssl_key') ? { key: p.get('ssl_key')! } : {}),
  };
  if (flag === 'disable') return { mode: 'disabled' };
  if (flag === 'verify-full' || flag === 'verify-ca' || flag === 'require')
    return { mode: flag === 'require' ? 'required' : flag, ...files };
  const sslMode = p.get('ssl_mode')?.toUpperCase();
  if (/^(true|1|yes)$/iu.test(p.get('ssl_disabled') ?? '') || sslMode === 'DISABLED')
    return { mode: 'disabled' };
  if (files.ca || p.get('ssl_capath')) {
    // PyMySQL checks the host name against the certificate unless ssl_check_hostname=false
    const hostname = !/^(false|0|no|off)$/iu.test(p.get('ssl_check_hostname') ?? 'true');
    return { mode: hostname ? 'verify-full' : 'verify-ca', ...files };
  }
  if (sslMode === 'VERIFY_IDENTITY') return { mode: 'verify-full', ...files };
  if (sslMode === 'VERIFY_CA') return { mode: 'verify-ca', ...files };
  if (files.cert || files.key || sslMode === 'REQUIRED' || SSL_OPTIONS.some((k) => p.has(k)))
    return { mode: 'required', ...files };
  return { mode: 'disabled' };
}
