import { mysqlTableName } from './quote-ident.js';
import type { Connection } from 'mysql2/promise';
import { parseDatabaseUrl, type MysqlTarget } from './database-url.js';
import { withMysqlConnection } from './mysql-connect.js';
import type { PostgresOptions } from './pg-connect.js';

/** A scratch database is local and ours: plain limits, no retries. */
const SCRATCH: PostgresOptions = {
  connectTimeoutMs: 10_000,
  retries: 0,
  statementTimeoutMs: 60_000,
  lockTimeoutMs: 10_000,
  env: {},
};

function onScratch<T>(url: string, work: (conn: Connection) => Promise<T>): Promise<T> {
  return withMysqlConnection(parseDatabaseUrl(url, '/') as MysqlTarget, SCRATCH, work);
}

type Row = Record<string, unknown>;

/**
 * A MySQL scratch database's schema as sorted lines, in the shape of the PostgreSQL and SQLite
 * snapshots: its tables and views, each column with its type, nullability and default, each index with
 * its columns, each constraint. The version table is left out.
 */
export function snapshotMysql(url: string, versionTable: string): Promise<string[]> {
  return onScratch(url, async (conn) => {
    const lines: string[] = [];
    const [tables] = await conn.query(
      'SELECT TABLE_NAME AS t, TABLE_TYPE AS k FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> ?',
      [versionTable],
    );
    for (const r of tables as Row[]) lines.push(`table ${String(r.t)}${r.k === 'VIEW' ? ' (view)' : ''}`);
    const [columns] = await conn.query(
      'SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLUMN_TYPE AS ty, IS_NULLABLE AS n, COLUMN_DEFAULT AS d FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> ?',
      [versionTable],
    );
    for (const r of columns as Row[])
      lines.push(
        `column ${String(r.t)}.${String(r.c)} ${String(r.ty)}${r.n === 'NO' ? ' not null' : ''}${r.d === null ? '' : ` default ${String(r.d)}`}`,
      );
    const [indexes] = await conn.query(
      'SELECT TABLE_NAME AS t, INDEX_NAME AS i, NON_UNIQUE AS nu, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS cols FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> ? GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE',
      [versionTable],
    );
    for (const r of indexes as Row[])
      lines.push(
        `index ${String(r.i)} on ${String(r.t)}: ${Number(r.nu) === 0 ? 'unique ' : ''}(${String(r.cols)})`,
      );
    const [constraints] = await conn.query(
      'SELECT TABLE_NAME AS t, CONSTRAINT_NAME AS c, CONSTRAINT_TYPE AS k FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME <> ?',
      [versionTable],
    );
    for (const r of constraints as Row[])
      lines.push(`constraint ${String(r.t)}.${String(r.c)}: ${String(r.k)}`);
    return lines.sort();
  });
}

/** The version table's rows in a MySQL scratch database (sorted; none when the table is missing). */
export function mysqlVersionRows(url: string, versionTable: string, schema?: string): Promise<string[]> {
  return onScratch(url, async (conn) => {
    const [found] = await conn.query(
      'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?',
      [schema ?? null, versionTable],
    );
    if (Number((found as Row[])[0]!.n) === 0) return [];
    const [rows] = await conn.query({
      sql: `SELECT version_num FROM ${mysqlTableName(schema, versionTable)}`,
      rowsAsArray: true,
    });
    return (rows as unknown[][]).map((r) => String(r[0])).sort();
  });
}
