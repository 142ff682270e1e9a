import type { Database as SqliteDatabase, Options as SqliteOptions } from 'better-sqlite3';
import { DatabaseError } from '../errors/errors.js';

/**
 * Opens a SQLite file through the one door that loads the driver, on first use only (a PostgreSQL run
 * never loads it). better-sqlite3 13 is a Node-API addon: one binary for every supported Node, whose
 * handles and statements the garbage collector may free at any time.
 */
export async function openSqlite(file: string, options: SqliteOptions): Promise<SqliteDatabase> {
  // its prebuilt binary crashes the process (SIGSEGV, nothing printed) on Node 20 and older
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22)
    throw new DatabaseError(
      `Reading a SQLite database needs Node 22 or later; this is Node ${process.versions.node}, whose SQLite driver would crash.`,
      {
        hint: 'Run alembic-preflight on Node 24 (npm scripts in this repository do; npx -p node@24 alembic-preflight …), or install the wheel, which brings its own Node.',
      },
    );
  const { default: Database } = await import('better-sqlite3');
  return new Database(file, options);
}
