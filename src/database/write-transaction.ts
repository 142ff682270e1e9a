import { pathExists } from '../project/machine-files.js';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { Client as PgClient } from 'pg';
import { DatabaseError } from '../errors/errors.js';
import type { SqliteTarget } from './database-url.js';
import { openSqlite } from './open-sqlite.js';
import { localLimits, type PostgresOptions } from './pg-connect.js';

/**
 * The SQLite file opened to write, waiting up to `busyMs` for a lock. A missing file is an error:
 * SQLite would create an empty database there. Opening itself may throw the driver's error.
 */
export async function openSqliteForWrite(t: SqliteTarget, busyMs: number): Promise<SqliteDatabase> {
  if (!pathExists(t.file))
    throw new DatabaseError(`The SQLite database file ${t.written} does not exist.`, {
      hint: 'Check the path in the URL.',
    });
  return openSqlite(t.file, { fileMustExist: true, timeout: busyMs });
}

/** `work` in one PostgreSQL transaction with our statement and lock timeouts: committed, or rolled back and its error rethrown. */
export async function inWriteTransaction<T>(
  client: PgClient,
  pg: PostgresOptions,
  work: () => Promise<T>,
): Promise<T> {
  await client.query(`BEGIN; ${localLimits(pg)}`);
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
