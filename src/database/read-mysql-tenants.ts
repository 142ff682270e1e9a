import { mysqlTableName } from './quote-ident.js';
import type { Connection } from 'mysql2/promise';
import type { MysqlTarget } from './database-url.js';
import { startReadSession, withMysqlConnection } from './mysql-connect.js';
import { mysqlLedger, notAVersionTable } from './read-mysql.js';
import type { PostgresOptions } from './pg-connect.js';
import { likePattern, type FleetRead, type TenantState } from './read-tenants.js';

type Row = Record<string, unknown>;

/** Databases read per transaction: what one batch returns is what the run holds at once. */
const BATCH = 500;

/**
 * Every database on the server whose name matches `pattern`, as a tenant (MySQL has no schemas inside a
 * database: a tenant per database is its form of them), read on one connection, BATCH databases per
 * read-only transaction with a consistent snapshot: each one's version table (its rows, collation and
 * key), ledger, tables, columns, indexes and constraints. The server's SQL mode is read once.
 */
export async function readMysqlTenants(
  t: MysqlTarget,
  pattern: string,
  versionTable: string,
  ledgerTable: string | undefined,
  opts: PostgresOptions,
  onBatch: (tenants: TenantState[]) => void,
  keep: (schema: string) => boolean = () => true,
): Promise<FleetRead & { readonly sqlMode: string }> {
  return withMysqlConnection(t, opts, async (conn) => {
    const server = await startReadSession(conn, opts);
    const [found] = await conn.query(
      "SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ESCAPE '\\\\' ORDER BY SCHEMA_NAME",
      [likePattern(pattern)],
    );
    const names = (found as Row[]).map((r) => String(r.s)).filter(keep);
    for (let i = 0; i < names.length; i += BATCH) {
      await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      try {
        onBatch(await readBatch(conn, names.slice(i, i + BATCH), versionTable, ledgerTable));
      } finally {
        await conn.query('ROLLBACK');
      }
    }
    return {
      server: { version: server.version, inRecovery: false },
      total: names.length,
      sqlMode: t.params.get('sql_mode') ?? server.sqlMode,
    };
  });
}

async function readBatch(
  conn: Connection,
  batch: readonly string[],
  versionTable: string,
  ledgerTable: string | undefined,
): Promise<TenantState[]> {
  const grouped = async (sql: string, args: unknown[] = []): Promise<Map<string, Row[]>> => {
    const [rows] = await conn.query(sql, [batch, ...args]);
    const out = new Map<string, Row[]>();
    for (const r of rows as Row[]) out.set(String(r.s), [...(out.get(String(r.s)) ?? []), r]);
    return out;
  };
  const version = await grouped(
    "SELECT TABLE_SCHEMA AS s, COLLATION_NAME AS coll, COLUMN_KEY AS k, CHARACTER_MAXIMUM_LENGTH AS len FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (?) AND TABLE_NAME = ? AND COLUMN_NAME = 'version_num'",
    [versionTable],
  );
  const rows = new Map<string, string[]>();
  const having = [...version.keys()];
  // Alembic's SELECT per database, a hundred in one statement
  for (let i = 0; i < having.length; i += 100) {
    const sql = having
      .slice(i, i + 100)
      .map((s) => `SELECT ${conn.escape(s)} AS s, version_num AS v FROM ${mysqlTableName(s, versionTable)}`)
      .join(' UNION ALL ');
    const [got] = await conn.query(sql);
    for (const r of got as Row[]) rows.set(String(r.s), [...(rows.get(String(r.s)) ?? []), String(r.v)]);
  }
  const tables = await grouped(
    'SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?)',
  );
  const columns = await grouped(
    'SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (?)',
  );
  const indexes = await grouped(
    'SELECT DISTINCT TABLE_SCHEMA AS s, INDEX_NAME AS i, TABLE_NAME AS t FROM information_schema.STATISTICS WHERE TABLE_SCHEMA IN (?)',
  );
  const constraints = await grouped(
    'SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, CONSTRAINT_NAME AS c FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA IN (?)',
  );
  const ledgerColumns =
    ledgerTable === undefined
      ? new Map<string, Row[]>()
      : await grouped(
          'SELECT TABLE_SCHEMA AS s, LOWER(COLUMN_NAME) AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (?) AND TABLE_NAME = ?',
          [ledgerTable],
        );
  const out: TenantState[] = [];
  for (const schema of batch) {
    const v = version.get(schema)?.[0];
    // a table by that name without version_num: Alembic fails on it, as verify does on one database
    if (!v && (tables.get(schema) ?? []).some((r) => String(r.t) === versionTable))
      throw notAVersionTable(schema, versionTable);
    const ledger =
      ledgerTable === undefined
        ? undefined
        : await mysqlLedger(
            conn,
            schema,
            ledgerTable,
            new Set((ledgerColumns.get(schema) ?? []).map((r) => String(r.c))),
          );
    out.push({
      schema,
      exists: v !== undefined,
      rows: rows.get(schema) ?? [],
      ...(ledger ? { ledger } : {}),
      tables: (tables.get(schema) ?? []).map((r) => String(r.t)),
      catalog: {
        schema,
        columns: (columns.get(schema) ?? []).map((r) => [String(r.t), String(r.c)] as const),
        indexes: (indexes.get(schema) ?? []).map((r) => [String(r.i), String(r.t)] as const),
        constraints: (constraints.get(schema) ?? []).map((r) => [String(r.t), String(r.c)] as const),
      },
      ...(v
        ? {
            mysql: {
              collation: v.coll === null ? null : String(v.coll),
              versionKey: v.k === 'PRI' || v.k === 'UNI',
              length: v.len === null ? null : Number(v.len),
            },
          }
        : {}),
    });
  }
  return out;
}
