import path from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from './temp-dir.js';

/** A SQLite file with `sql` run on it (a test's tables and rows); its URL. */
export function sqliteWith(sql: readonly string[]): { url: string; file: string } {
  const file = path.join(tempDir('data-db-'), 'app.db');
  const db = new Database(file);
  for (const s of sql) db.exec(s);
  db.close();
  return { url: `sqlite:///${file}`, file };
}

/** Every row of every table of a SQLite file, as text: what a read-only run must leave as it found. */
export function sqliteRows(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .raw()
      .all() as string[][];
    return tables
      .map(([t]) => `${t}:${JSON.stringify(db.prepare(`SELECT * FROM "${t}"`).raw().all())}`)
      .join('\n');
  } finally {
    db.close();
  }
}
