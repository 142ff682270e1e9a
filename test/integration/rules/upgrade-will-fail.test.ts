import { describe, expect, it } from 'vitest';
import { prepareDatabase, runAlembicUpgrade, type Scenario } from '../../helpers/db-scenario.js';
import { describeDbRule, verifySqlite } from '../../helpers/verify.js';

const LINEAR = [
  { id: 'aaa111', down: null },
  { id: 'bbb222', down: 'aaa111' },
];

describeDbRule(
  'upgrade-will-fail',
  {
    bad: { name: 'unknown target', revs: LINEAR, rows: ['aaa111'], target: 'zzzz9999' },
    good: { name: 'known target', revs: LINEAR, rows: ['aaa111'], target: 'bbb222' },
  },
  (f, r) => {
    expect(f.alembicError).toBe("FAILED: Can't locate revision identified by 'zzzz9999'");
    expect(f.hint).toContain("Check the target 'zzzz9999'");
    expect(r.ok).toBe(false);
  },
);

// A merge that lists a parent another parent already reaches through depends_on: Alembic's
// HeadMaintainer removes that parent's row a second time and raises KeyError (found by the
// random-state differential in upgrade-differential.test.ts).
const REDUNDANT_PARENT = [
  { id: 'r0', down: null },
  { id: 'x1', down: 'r0' },
  { id: 'y1', down: 'r0', depends: ['x1'] },
  { id: 'z1', down: 'r0' },
  { id: 'm1', down: ['z1', 'x1', 'y1'] },
];
const FIXED = [...REDUNDANT_PARENT.slice(0, 4), { id: 'm1', down: ['z1', 'y1'] }];

describe('upgrade-will-fail: a merge parent already reached through another parent', () => {
  it('names the merge and the parent to drop, and real Alembic fails the same way', async () => {
    const s: Scenario = {
      name: 'redundant merge parent',
      revs: REDUNDANT_PARENT,
      rows: 'no-table',
      target: 'heads',
    };
    const { result, root } = await verifySqlite(s);
    const f = result.findings.find((x) => x.code === 'upgrade-will-fail');
    expect(f, JSON.stringify(result.findings)).toBeDefined();
    expect(f!.alembicError).toBe("KeyError: 'x1'");
    expect(f!.revision).toBe('m1');
    expect(f!.path).toBe('migrations/versions/m1_m.py');
    expect(f!.message).toContain(
      'it lists x1 as a down revision, but x1 is already an ancestor of y1, another of its parents (through depends_on)',
    );
    expect(f!.hint).toContain('Remove x1 from down_revision in m1');
    // a new database: the info line must not promise "0 migrations" when the run fails
    expect(result.findings.find((x) => x.code === 'version-table-missing')?.message).toContain(
      'the upgrade is predicted to fail',
    );
    const real = runAlembicUpgrade(root, await prepareDatabase(s, 'sqlite', root), 'heads');
    expect(real.rc).not.toBe(0);
    expect(real.stderr).toContain("KeyError: 'x1'");
  });

  it('after the fix the prediction and real Alembic both succeed', async () => {
    const s: Scenario = { name: 'fixed merge', revs: FIXED, rows: 'no-table', target: 'heads' };
    const { result, root } = await verifySqlite(s);
    expect(result.findings.filter((x) => x.severity === 'error')).toEqual([]);
    const real = runAlembicUpgrade(root, await prepareDatabase(s, 'sqlite', root), 'heads');
    expect(real.rc, real.stderr).toBe(0);
    expect(real.applied).toEqual(result.database.prediction.steps.map((x) => x.revision));
  });
});
