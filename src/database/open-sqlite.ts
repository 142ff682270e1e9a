import type { Database as SqliteDatabase, Options as SqliteOptions } from 'better-sqlite3';

/**
 * Every SQLite handle this process opened, and every statement prepared on one, held until the process
 * ends. better-sqlite3 12 wraps them in Node's raw ObjectWrap; built against Node 24.19 or newer, that
 * wrap's destructor asserts that a V8 context is entered. A handle or statement the garbage collector
 * frees from a task the event loop runs (no context) aborts the process with SIGABRT (exit 134) —
 * after a verdict was printed, or before. Objects still alive at exit are freed by Node's environment
 * cleanup, inside the context, so keeping them alive removes the abort. The cost is bounded by the
 * work: a few statements per database read.
 */
const pinned: object[] = [];

/** The number of SQLite handles and statements kept alive so far. */
export function pinnedSqliteObjects(): number {
  return pinned.length;
}

/** Opens a SQLite file through the one door that loads the driver; see `pinned` for why nothing it makes is freed early. */
export async function openSqlite(file: string, options: SqliteOptions): Promise<SqliteDatabase> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file, options);
  pinned.push(db);
  const prepare = db.prepare.bind(db) as SqliteDatabase['prepare'];
  db.prepare = ((source: string) => {
    const statement = prepare(source);
    pinned.push(statement);
    return statement;
  }) as SqliteDatabase['prepare'];
  return db;
}
