import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/oracle.js';
import { tempDir } from '../helpers/temp-dir.js';

// better-sqlite3 12, built for Node 24.19 or newer, aborted the process (SIGABRT, exit 134) when the garbage
// collector freed a handle or a statement from a task of the event loop, outside a V8 context: after a
// verdict was printed, or before. Version 13 is a Node-API addon. This is the pattern that aborted version
// 12 three times in three (handles left open and closed, statements dropped, garbage that makes V8 collect
// on its own schedule between loop turns), run on the Node the tests run on, through the door every
// SQLite file goes through.
describe('openSqlite', () => {
  it('lets the garbage collector free thousands of handles and statements between loop turns: the process exits 0', () => {
    const dir = tempDir('preflight-open-sqlite-');
    const script = `
      const { openSqlite } = await import(${JSON.stringify(path.join(REPO, 'dist', 'database', 'open-sqlite.js'))});
      let rows = 0;
      for (let turn = 0; turn < 200; turn++) {
        for (let i = 0; i < 10; i++) {
          const db = await openSqlite(${JSON.stringify(dir)} + '/t' + (i % 5) + '.db', {});
          db.exec('CREATE TABLE IF NOT EXISTS t (x INTEGER)');
          for (let k = 0; k < 10; k++) rows += db.prepare('SELECT count(*) AS n FROM t').get().n >= 0 ? 1 : 0;
          if (i % 2) db.close();
        }
        const junk = [];
        for (let j = 0; j < 20000; j++) junk.push({ j, s: 'x'.repeat(20) });
        await new Promise((r) => setTimeout(r, 1));
      }
      console.log('rows ' + rows);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('rows 20000');
    expect(r.status).toBe(0);
  });
});
