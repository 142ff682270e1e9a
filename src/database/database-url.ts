import { pathExists } from '../project/machine-files.js';
import path from 'node:path';
import { UsageError } from '../errors/errors.js';
import { parseMysql, type MysqlTarget } from './mysql-url.js';
import { decode, NOT_A_URL_HINT, portOf, urlParts } from './url-parts.js';

export interface PostgresTarget {
  readonly dialect: 'postgresql';
  /** The scheme as written (postgres, postgresql, postgresql+psycopg2…), for messages. */
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user?: string;
  readonly password?: string;
  /** Query parameters other than the ones we interpret (kept for messages only). */
  readonly params: ReadonlyMap<string, string>;
}

export interface SqliteTarget {
  readonly dialect: 'sqlite';
  readonly scheme: string;
  /** Absolute path of the database file. */
  readonly file: string;
  /** As written in the URL, for messages. */
  readonly written: string;
}

export type { MysqlTarget } from './mysql-url.js';

export type DatabaseTarget = PostgresTarget | SqliteTarget | MysqlTarget;

/** What `alembic init` writes into alembic.ini's sqlalchemy.url: no database at all. */
/** The variable that holds the database URL unless --database-url-env names another: the one Heroku sets. */
export const DEFAULT_URL_VARIABLE = 'DATABASE_URL';

export const TEMPLATE_URL = 'driver://user:pass@localhost/dbname';

/** The name SQLAlchemy's dialect has for the URL (`dialect.name`, which env.py may test): `mariadb://` is its own. */
export function sqlalchemyDialect(t: DatabaseTarget): string {
  return t.scheme.startsWith('mariadb') ? 'mariadb' : t.dialect;
}

/** The libpq environment variables that stand in for parts a PostgreSQL URL leaves out. */
export type LibpqEnv = Readonly<Record<string, string | undefined>>;

/**
 * Parses a database URL the way SQLAlchemy and libpq read it. Every error names
 * the problem without repeating the URL: it may carry a password. With `env`,
 * parts a PostgreSQL URL leaves out come from where the driver would take them
 * (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, then the local socket), so we
 * read the database Alembic would; without it, the URL alone is compared.
 */
export function parseDatabaseUrl(raw: string, cwd: string, env?: LibpqEnv): DatabaseTarget {
  const url = raw.trim();
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/su.exec(url);
  if (!m) {
    throw new UsageError('The database URL is malformed: it has no scheme:// part.', {
      hint: NOT_A_URL_HINT,
    });
  }
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  const [dialect] = scheme.split('+', 1) as [string];
  if (dialect === 'postgres' || dialect === 'postgresql') return parsePostgres(scheme, rest, env);
  if (dialect === 'sqlite') return parseSqlite(scheme, rest, cwd);
  if (dialect === 'mysql' || dialect === 'mariadb') return parseMysql(scheme, urlParts(rest), env);
  throw new UsageError(`Unknown database URL scheme '${scheme}://'.`, {
    hint: `Supported: postgres://, postgresql://, postgresql+<driver>://, mysql://, mysql+pymysql://, mysql+mysqldb://, sqlite:///relative.db, sqlite:////absolute.db. ${NOT_A_URL_HINT}`,
  });
}

function parsePostgres(scheme: string, rest: string, env: LibpqEnv | undefined): PostgresTarget {
  const parts = urlParts(rest);
  const { pathPart, params } = parts;
  let { user, password, host, portText } = parts;
  for (const name of ['service', 'hostaddr']) {
    if (params.has(name)) {
      throw new UsageError(
        `The database URL sets libpq's ${name}=, which alembic-preflight does not read: it could connect somewhere other than Alembic does.`,
        {
          hint:
            name === 'service'
              ? "Write the service's host, port and database (from pg_service.conf) into the URL instead: postgresql://HOST:5432/DBNAME."
              : 'Write the address as the host instead: postgresql://ADDRESS:5432/DBNAME.',
        },
      );
    }
  }
  if (params.has('host')) host = params.get('host')!;
  if (params.has('port')) portText = params.get('port');
  if (!portText && env?.PGPORT) portText = env.PGPORT;
  if (!host && env) host = env.PGHOST || localSocket(portText) || '';
  if (!host) host = 'localhost';
  const port = portOf(portText, 5432);
  if (params.has('user') && !user) user = params.get('user');
  if (!user && env?.PGUSER) user = env.PGUSER;
  if (params.has('password') && password === undefined) password = params.get('password');
  if (password === undefined && env?.PGPASSWORD) password = env.PGPASSWORD;
  // PGOPTIONS (-csearch_path=tenant) decides which alembic_version an unqualified name finds, as options= does
  if (!params.has('options') && env?.PGOPTIONS) params.set('options', env.PGOPTIONS);
  const database = decode(pathPart, 'database name') || params.get('dbname') || env?.PGDATABASE || user || '';
  if (!database) throw new UsageError('The database URL names no database.', { hint: NOT_A_URL_HINT });
  return { dialect: 'postgresql', scheme, host, port, database, user, password, params };
}

function parseSqlite(scheme: string, rest: string, cwd: string): SqliteTarget {
  const q = rest.indexOf('?');
  const main = q >= 0 ? rest.slice(0, q) : rest;
  if (main === '' || main === '/' || main === '/:memory:') {
    throw new UsageError(
      'The database URL points at an in-memory SQLite database (sqlite://), which starts empty in every process: there is nothing to check.',
      {
        hint: 'Point at the database file Alembic uses: sqlite:///relative/path.db or sqlite:////absolute/path.db.',
      },
    );
  }
  if (!main.startsWith('/')) {
    throw new UsageError(
      'The SQLite URL is malformed: it needs three slashes before a relative path (sqlite:///app.db) or four before an absolute one (sqlite:////var/app.db).',
      {
        hint: NOT_A_URL_HINT,
      },
    );
  }
  const written = decode(main.slice(1), 'file name');
  const query = new URLSearchParams(q >= 0 ? rest.slice(q + 1) : '');
  // SQLAlchemy's `uri` option for pysqlite, read with util.asbool
  if (!/^(true|yes|on|y|t|1)$/iu.test(query.get('uri')?.trim() ?? ''))
    return { dialect: 'sqlite', scheme, file: path.resolve(cwd, written), written };
  // ?uri=true: SQLAlchemy hands the name to sqlite3 as a URI, file:PATH (file:///PATH, file://localhost/PATH), or a plain name
  let file = written;
  const raw = main.slice(1);
  if (/^file:/iu.test(raw)) {
    // SQLite decodes the URI's %-escapes itself (SQLAlchemy 1.4 passes the database part on undecoded)
    const inner = raw.slice(5).split(/[?#]/u, 1)[0]!;
    const local = /^\/\/(localhost)?(?=\/)/iu.exec(inner);
    if (inner.startsWith('//') && !local) {
      throw new UsageError('The SQLite URI names a host (file://HOST/…); SQLite opens local files only.', {
        hint: 'Use file:relative.db or file:///absolute/path.db.',
      });
    }
    file = decode(local ? inner.slice(local[0].length) : inner, 'file name');
    const params = new URLSearchParams(
      raw
        .slice(5 + inner.length)
        .replace(/^\?/u, '')
        .split('#', 1)[0],
    );
    if (
      file === ':memory:' ||
      file === '' ||
      params.get('mode') === 'memory' ||
      query.get('mode') === 'memory'
    ) {
      throw new UsageError(
        'The database URL points at an in-memory SQLite database (mode=memory), which starts empty in every process: there is nothing to check.',
        {
          hint: 'Point at the database file Alembic uses: sqlite:///relative/path.db or sqlite:////absolute/path.db.',
        },
      );
    }
  }
  return { dialect: 'sqlite', scheme, file: path.resolve(cwd, file), written };
}

/**
 * The folder of this machine's PostgreSQL socket for the port, where a driver looks when a URL names no
 * host (libpq's compiled-in folder: /var/run/postgresql on Debian, /tmp elsewhere; asyncpg tries both).
 */
function localSocket(portText: string | undefined): string | undefined {
  const port = portText && /^\d+$/u.test(portText) ? portText : '5432';
  return ['/var/run/postgresql', '/tmp'].find((dir) => pathExists(path.join(dir, `.s.PGSQL.${port}`)));
}

/** Where we connect, without credentials: safe for output, logs and JSON. */
export function describeTarget(t: DatabaseTarget): {
  dialect: string;
  host: string | null;
  database: string;
} {
  if (t.dialect === 'sqlite') return { dialect: 'sqlite', host: null, database: t.written };
  if (t.dialect === 'mysql' && t.socket) return { dialect: 'mysql', host: t.socket, database: t.database };
  return {
    dialect: t.dialect,
    host: `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`,
    database: t.database,
  };
}

/**
 * Whether two URLs name the same database: the same PostgreSQL host, port and database (whatever
 * the scheme's spelling, user or parameters: Heroku's postgres:// is SQLAlchemy's postgresql+driver://),
 * or the same SQLite file. `unknown` when either is not a URL we read, unless both are the same text.
 */
export function sameDatabase(a: string, b: string, cwd: string): 'same' | 'different' | 'unknown' {
  let x: DatabaseTarget;
  let y: DatabaseTarget;
  try {
    x = parseDatabaseUrl(a, cwd);
    y = parseDatabaseUrl(b, cwd);
  } catch {
    return a.trim() === b.trim() ? 'same' : 'unknown';
  }
  if (x.dialect === 'sqlite' || y.dialect === 'sqlite')
    return x.dialect === 'sqlite' && y.dialect === 'sqlite' && x.file === y.file ? 'same' : 'different';
  if (x.dialect !== y.dialect) return 'different';
  if (x.port !== y.port || x.database !== y.database) return 'different';
  const hx = hostKind(x.dialect === 'mysql' && x.socket ? x.socket : x.host);
  const hy = hostKind(y.dialect === 'mysql' && y.socket ? y.socket : y.host);
  if (hx === hy) return 'same';
  // two socket folders, or a socket folder and a loopback address: one server, unless two run on one port
  if (hx.startsWith('/') || hy.startsWith('/'))
    return hx === 'loopback' || hy === 'loopback' ? 'same' : 'unknown';
  return 'different';
}

/**
 * A host as what it reaches: DNS names are case-blind and may end in a dot; localhost, 127.x.x.x and ::1
 * are this machine (a host-less URL is localhost already); a path is a Unix-socket folder.
 */
function hostKind(host: string): string {
  const h = host.toLowerCase().replace(/\.$/u, '');
  if (h.startsWith('/')) {
    let end = h.length;
    while (end > 0 && h[end - 1] === '/') end--;
    return h.slice(0, end) || '/';
  }
  return h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1' || /^127(\.\d{1,3}){3}$/u.test(h)
    ? 'loopback'
    : h;
}
