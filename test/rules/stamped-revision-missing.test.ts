import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAlembicUpgrade } from '../helpers/db-scenario.js';
import { PYTHON } from '../helpers/oracle.js';
import { describeDbRule, verifySqlite } from '../helpers/verify.js';

const LINEAR = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
];

describeDbRule(
  'stamped-revision-missing',
  { bad: { name: 'bad', revs: LINEAR, rows: ['guest_lockout_001'] }, good: { name: 'good', revs: LINEAR, rows: ['aaa111'] } },
  (f, r) => {
    expect(f.severity).toBe('error');
    expect(f.revision).toBe('guest_lockout_001');
    expect(f.alembicError).toBe("FAILED: Can't locate revision identified by 'guest_lockout_001'");
    expect(f.hint).toContain('alembic stamp --purge bbb222');
    expect(r.ok).toBe(false);
  },
);

describe('stamped-revision-missing: an id with blanks around it', () => {
  it('names the revision the row means and the UPDATE that fixes it, where real Alembic fails on the row as stored', async () => {
    const s = { name: 'blank', revs: LINEAR, rows: ['aaa111 '] };
    const { result, root } = await verifySqlite(s);
    const f = result.findings.find((x) => x.code === 'stamped-revision-missing')!;
    expect(f.message).toContain("is 'aaa111' with blanks around it");
    expect(f.message).not.toContain('Git:');
    expect(f.hint).toBe("Store the id without the blanks: UPDATE alembic_version SET version_num = 'aaa111' WHERE version_num = 'aaa111 ';");
    const before = runAlembicUpgrade(root, 'sqlite:///app.db', 'head');
    expect(before.rc).not.toBe(0);
    expect(before.stdout + before.stderr).toContain(f.alembicError!);
    // the hint, run as written, lets the real upgrade through
    const fix = spawnSync(PYTHON, ['-c', 'import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute(sys.argv[2])\nc.commit()\n', path.join(root, 'app.db'), f.hint!.replace(/^.*?: /u, '')], { encoding: 'utf8' });
    expect(fix.status).toBe(0);
    const after = runAlembicUpgrade(root, 'sqlite:///app.db', 'head');
    expect(after.rc).toBe(0);
    expect(after.applied).toEqual(['bbb222']);
  });
});
