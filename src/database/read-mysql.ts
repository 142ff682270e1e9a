import { mysqlTableName } from './quote-ident.js';
import type { Connection } from 'mysql2/promise';
import { DatabaseError } from '../errors/errors.js';
import { describeTarget, type MysqlTarget } from './database-url.js';
import {
  LEDGER_COLUMNS,
  notALedger,
  OWNER_TABLE,
  parseLedgerRows,
  selectLedgerSql,
  STEPS_COLUMN,
  type LedgerState,
} from './ledger.js';
import { startReadSession, withMysqlConnection } from './mysql-connect.js';
import { mysqlCatalog } from './mysql-catalog.js';
import { mysqlLockWaits } from './mysql-lock-wait.js';
import type { PostgresOptions } from './pg-connect.js';
import {
  reprOf,
  type MysqlFacts,
  type VersionTableRequest,
  type VersionTableState,
} from './version-table.js';

type Row = Record<string, unknown>;

/**
 * Reads the version table of a MySQL or MariaDB database over one connection, in one read-only
 * transaction (a consistent snapshot), with our session's metadata-lock wait and statement time
 * bounded, then closes it. Alembic's own statements where it has them: SQLAlchemy's has_table query,
 * and its unordered SELECT of version_num.
 */
export async function readMysqlVersionTable(
  t: MysqlTarget,
  req: VersionTableRequest,
  opts: PostgresOptions,
): Promise<VersionTableState> {
  return withMysqlConnection(t, opts, async (conn, session) => {
    const server = await startReadSession(conn, opts);
    // read_only stops every user but those with SUPER (or MariaDB's READ ONLY ADMIN)
    const [bypass] = await conn.query(
      `SELECT COUNT(*) AS n FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE IN ('SUPER', 'READ ONLY ADMIN') AND GRANTEE = ${ACCOUNT}`,
    );
    const readOnly = server.readOnly && Number((bypass as Row[])[0]!.n) === 0;
    const { version, mariadb } = server;
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    try {
      const schema = req.versionTableSchema ?? server.database;
      const table = await describeVersionTable(conn, schema, req.versionTable);
      const rows = table ? await versionRows(conn, req) : [];
      const ledger =
        req.ledgerTable === undefined ? undefined : await readLedger(conn, schema, req.ledgerTable);
      const [tableRows] = await conn.query(
        'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
      );
      const read = req.catalog ? await mysqlCatalog(conn, req) : undefined;
      // the URL's init_command runs in Alembic's session first: a lock_wait_timeout it sets is the one the ALTERs wait under
      const initWait = mysqlLockWaits(t.params.get('init_command') ?? '').at(-1);
      const catalog =
        read && initWait && !('unreadable' in read) ? { ...read, lockWaitSeconds: initWait.ms / 1000 } : read;
      const mode = t.params.get('sql_mode') ?? server.sqlMode;
      const grants = await privileges(conn, schema, req.versionTable);
      const mysql: MysqlFacts = {
        flavor: mariadb ? 'MariaDB' : 'MySQL',
        sqlMode: mode,
        strict: /STRICT_(TRANS|ALL)_TABLES/iu.test(mode),
        driver: t.driver,
        ...grants,
        ...(table?.column
          ? {
              collation: table.column.collation,
              dataType: table.column.dataType,
              versionKey: table.column.key,
            }
          : {}),
      };
      return {
        dialect: 'mysql',
        host: describeTarget(t).host,
        database: t.database,
        versionTable: req.versionTable,
        versionTableSchema: req.versionTableSchema,
        foundInSchema: table ? schema : null,
        exists: table !== undefined,
        rows: rows.map(reprOf),
        columnLength: table?.column?.length ?? null,
        server: { version, inRecovery: false },
        tls: session.tls,
        tables: (tableRows as Row[]).map((r) => String(r.name)),
        // on MySQL only read_only (against the user's SUPER or READ ONLY ADMIN) is read: not its other privileges
        writable: {
          recovery: false,
          readOnly,
          schema,
          schemaExists: true,
          canCreate: true,
        },
        mysql,
        ...(ledger ? { ledger } : {}),
        ...(catalog ? { catalog } : {}),
      };
    } finally {
      await conn.query('ROLLBACK').catch(() => undefined);
    }
  });
}

interface VersionColumn {
  readonly length: number | null;
  readonly collation: string | null;
  readonly dataType: string;
  readonly key: boolean;
}

/** SQLAlchemy's has_table (its exact query), then the version_num column's type and collation. */
async function describeVersionTable(
  conn: Connection,
  schema: string,
  name: string,
): Promise<{ column: VersionColumn | undefined } | undefined> {
  const [found] = await conn.query(
    'SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = ?',
    [schema, name],
  );
  if (Number((found as Row[])[0]!.n) === 0) return undefined;
  const [cols] = await conn.query(
    "SELECT DATA_TYPE AS type, CHARACTER_MAXIMUM_LENGTH AS len, COLLATION_NAME AS coll, COLUMN_KEY AS k FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = 'version_num'",
    [schema, name],
  );
  const c = (cols as Row[])[0];
  if (!c) throw notAVersionTable(schema, name);
  return {
    column: {
      dataType: String(c.type).toLowerCase(),
      length: c.len === null ? null : Number(c.len),
      collation: c.coll === null ? null : String(c.coll),
      key: c.k === 'PRI' || c.k === 'UNI',
    },
  };
}

/** A table by the version table's name without a version_num column: Alembic fails on it too. */
export function notAVersionTable(schema: string, name: string): DatabaseError {
  return new DatabaseError(
    `The table ${schema}.${name} has no version_num column, so it is not an Alembic version table.`,
    {
      hint: 'Alembic would fail on it as well. Check --version-table / --version-table-schema, or the version_table given to context.configure() in env.py.',
    },
  );
}

/** Alembic's SELECT of the rows, unordered: the order it sees them in decides which stale row it names first. */
async function versionRows(conn: Connection, req: VersionTableRequest): Promise<unknown[]> {
  const [rows] = await conn.query({
    sql: `SELECT version_num FROM ${mysqlTableName(req.versionTableSchema, req.versionTable)}`,
    rowsAsArray: true,
  });
  return (rows as unknown[][]).map((r) => r[0]);
}

/** The ledger beside the version table, in the app's database (MySQL's DDL cannot move it inside a transaction), with the owner beside it. */
async function readLedger(conn: Connection, schema: string, table: string): Promise<LedgerState> {
  const [cols] = await conn.query(
    'SELECT LOWER(COLUMN_NAME) AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [schema, table],
  );
  const ledger = await mysqlLedger(conn, schema, table, new Set((cols as Row[]).map((r) => String(r.name))));
  const owner = await mysqlOwner(conn, schema);
  return owner === undefined ? ledger : { ...ledger, owner };
}

/** The app the database was handed to (the owner table beside the ledger), if it was and can be read. */
async function mysqlOwner(conn: Connection, schema: string): Promise<string | undefined> {
  try {
    const [found] = await conn.query(
      'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [schema, OWNER_TABLE],
    );
    if (Number((found as Row[])[0]!.n) === 0) return undefined;
    const [rows] = await conn.query(`SELECT app FROM ${mysqlTableName(schema, OWNER_TABLE)} LIMIT 1`);
    const app = (rows as Row[])[0]?.app;
    return typeof app === 'string' ? app : undefined;
  } catch {
    // unreadable: the owner is then the ledger rows', which refuses more
    return undefined;
  }
}

/** The ledger in `schema` from its columns' (lower-cased) names: absent with none, refused without the ledger's own. */
export async function mysqlLedger(
  conn: Connection,
  schema: string,
  table: string,
  names: ReadonlySet<string>,
): Promise<LedgerState> {
  if (names.size === 0) return { table, exists: false, rows: [] };
  const missing = LEDGER_COLUMNS.filter((c) => !names.has(c));
  if (missing.length > 0) throw notALedger(table, missing);
  const hasSteps = names.has(STEPS_COLUMN);
  try {
    const [rows] = await conn.query({ sql: selectLedgerSql(table, schema, hasSteps), rowsAsArray: true });
    return { table, exists: true, schema, hasSteps, rows: parseLedgerRows(rows as unknown[][]) };
  } catch (e) {
    return { table, exists: true, schema, hasSteps, rows: [], unreadable: (e as Error).message };
  }
}

const ACCOUNT =
  "CONCAT('''', REPLACE(SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''', ''''''), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";

/**
 * What this user may do on the version table, from its grants (global, on the database, on the
 * table), and its login as the server's errors name it. Privileges a role grants are not read here:
 * with a role applicable, they are left unknown.
 */
async function privileges(
  conn: Connection,
  schema: string,
  table: string,
): Promise<{ privileges?: string[]; login: string }> {
  const [who] = await conn.query('SELECT USER() AS u');
  const user = String((who as Row[])[0]!.u);
  const at = user.lastIndexOf('@');
  const login = `'${user.slice(0, at)}'@'${user.slice(at + 1)}'`;
  try {
    const [roles] = await conn.query('SELECT COUNT(*) AS n FROM information_schema.APPLICABLE_ROLES');
    if (Number((roles as Row[])[0]!.n) > 0) return { login };
    const [rows] = await conn.query(
      `SELECT PRIVILEGE_TYPE AS p FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ${ACCOUNT}
       UNION SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = ${ACCOUNT} AND ? LIKE TABLE_SCHEMA
       UNION SELECT PRIVILEGE_TYPE FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = ${ACCOUNT} AND TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
      [schema, schema, table],
    );
    return { privileges: (rows as Row[]).map((r) => String(r.p)), login };
  } catch {
    return { login };
  }
}
