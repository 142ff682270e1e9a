import type { Database as SqliteDatabase, Options as SqliteOptions } from 'better-sqlite3';

/**
 * Opens a SQLite file through the one door that loads the driver, on first use only (a PostgreSQL run
 * never loads it). better-sqlite3 13 is a Node-API addon: one binary for every supported Node, whose
 * handles and statements the garbage collector may free at any time.
 */
export async function openSqlite(file: string, options: SqliteOptions): Promise<SqliteDatabase> {
  const { default: Database } = await import('better-sqlite3');
  return new Database(file, options);
}
