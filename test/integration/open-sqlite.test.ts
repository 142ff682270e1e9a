import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite, pinnedSqliteObjects } from '../../src/database/open-sqlite.js';

// Why the door keeps them (the wheel test runs `verify --databases` over SQLite files on Node 24, where
// a handle freed by the garbage collector outside a V8 context aborted the process). This file runs on
// the Node that runs npm, whose better-sqlite3 build the Node 24 pass cannot load.
describe('openSqlite', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'preflight-open-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the handle and every statement prepared on it alive, and the statements still work', async () => {
    const before = pinnedSqliteObjects();
    const db = await openSqlite(path.join(dir, 'a.db'), {});
    db.exec('CREATE TABLE t (x INTEGER)');
    db.prepare('INSERT INTO t VALUES (?)').run(41);
    const row = db.prepare('SELECT x + 1 AS y FROM t').get() as { y: number };
    db.close();
    expect(row.y).toBe(42);
    expect(pinnedSqliteObjects() - before).toBe(3);
  });
});
