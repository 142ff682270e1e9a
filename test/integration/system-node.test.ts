import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { exampleIncident } from '../helpers/example-db.js';

// The CLI started by the machine's own Node (Debian's /usr/bin/node, Node 20 on this machine kind), as
// a user who skips the project's Node 24 would: reading a SQLite file either works (Node 22 and later)
// or is refused with what to do, never a crash (better-sqlite3 13's prebuilt binary segfaults on Node 20).

describe('verify on SQLite under the system Node', () => {
  it('reads the database, or says which Node it needs; never a signal', () => {
    const node = '/usr/bin/node';
    const major = Number(
      spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.split('.')[0],
    );
    expect(major).toBeGreaterThan(0);
    const root = exampleIncident();
    const r = spawnSync(node, [BIN, 'verify', '--database-url', 'sqlite:///app.db'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ALEMBIC_PREFLIGHT_CACHE: 'off' },
    });
    expect(r.signal).toBeNull();
    if (major < 22) {
      expect(r.status).toBe(3);
      expect(r.stderr).toContain(`Reading a SQLite database needs Node 22 or later; this is Node ${major}.`);
      expect(r.stderr).toContain('fix: Run alembic-preflight on Node 24');
    } else {
      // the incident's database: a stamp no file defines blocks
      expect(r.status).toBe(1);
      expect(r.stdout).toContain("stamped 'guest_lockout_001'");
    }
  });
});
