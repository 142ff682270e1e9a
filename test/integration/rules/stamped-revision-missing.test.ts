import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAlembicUpgrade } from '../../helpers/db-scenario.js';
import { PYTHON } from '../../helpers/oracle.js';
import { describeDbRule, verifySqlite } from '../../helpers/verify.js';

const LINEAR = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
];

describeDbRule(
  'stamped-revision-missing',
  {
    bad: { name: 'bad', revs: LINEAR, rows: ['guest_lockout_001'] },
    good: { name: 'good', revs: LINEAR, rows: ['aaa111'] },
  },
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
    expect(f.hint).toBe(
      "Store the id without the blanks: UPDATE alembic_version SET version_num = 'aaa111' WHERE version_num = 'aaa111 ';",
    );
    const before = runAlembicUpgrade(root, 'sqlite:///app.db', 'head');
    expect(before.rc).not.toBe(0);
    expect(before.stdout + before.stderr).toContain(f.alembicError!);
    // the hint, run as written, lets the real upgrade through
    const fix = spawnSync(
      PYTHON,
      [
        '-c',
        'import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute(sys.argv[2])\nc.commit()\n',
        path.join(root, 'app.db'),
        f.hint!.replace(/^.*?: /u, ''),
      ],
      { encoding: 'utf8' },
    );
    expect(fix.status).toBe(0);
    const after = runAlembicUpgrade(root, 'sqlite:///app.db', 'head');
    expect(after.rc).toBe(0);
    expect(after.applied).toEqual(['bbb222']);
  });
});

describe('stamped-revision-missing: the DELETE is offered only with its predicted outcome', () => {
  const runSql = (root: string, sql: string): void => {
    const r = spawnSync(
      PYTHON,
      [
        '-c',
        'import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute(sys.argv[2])\nc.commit()\n',
        path.join(root, 'app.db'),
        sql,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
  };

  it('the only row: deleting it is not offered, since an empty table makes the upgrade start from base', async () => {
    const { result } = await verifySqlite({ name: 'only', revs: LINEAR, rows: ['guest_lockout_001'] });
    const f = result.findings.find((x) => x.code === 'stamped-revision-missing')!;
    expect(f.hint).not.toContain('DELETE FROM');
    expect(f.hint).toContain('Do not delete the row: it is the only row');
  });

  for (const [stale, others, applied] of [
    ['beside the head', ['bbb222'], []],
    ['beside an older revision', ['aaa111'], ['bbb222']],
  ] as const) {
    it(`a stale row ${stale}: the DELETE is offered with what the upgrade then runs, and real Alembic does exactly that`, async () => {
      const { result, root } = await verifySqlite({
        name: `stale-${others[0]}`,
        revs: LINEAR,
        rows: [...others, 'guest_lockout_001'],
      });
      const f = result.findings.find((x) => x.code === 'stamped-revision-missing')!;
      const del = /DELETE FROM alembic_version WHERE version_num = 'guest_lockout_001';/u.exec(f.hint)![0];
      expect(f.hint).toContain(
        applied.length === 0
          ? '`alembic upgrade head` then has nothing to run'
          : `\`alembic upgrade head\` then applies 1 migration from 'aaa111' (bbb222)`,
      );
      runSql(root, del);
      const after = runAlembicUpgrade(root, 'sqlite:///app.db', 'head');
      expect(after.rc).toBe(0);
      expect(after.applied).toEqual([...applied]);
    });
  }
});
