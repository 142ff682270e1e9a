import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';
const BASE = {
  [V + 'r0_x.py']: rev('r0', null),
  [V + 'x1_x.py']: rev('x1', 'r0'),
  [V + 'y1_x.py']: rev('y1', 'r0', "depends_on = 'x1'"),
  [V + 'z1_x.py']: rev('z1', 'r0'),
};

describeRule(
  'redundant-merge-parent',
  {
    // the merge that makes `alembic upgrade heads` raise KeyError: 'x1' on a new database (upgrade-will-fail.test.ts)
    bad: () => makeProject({ ...BASE, [V + 'm1_x.py']: rev('m1', "('z1', 'x1', 'y1')") }, DEFAULT_INI),
    good: () => makeProject({ ...BASE, [V + 'm1_x.py']: rev('m1', "('z1', 'y1')") }, DEFAULT_INI),
  },
  (f) => {
    expect(f.revision).toBe('m1');
    expect(f.message).toContain(
      'lists x1 as a down revision, but y1, another of its parents, already descends from it (through depends_on)',
    );
    expect(f.message).toContain("KeyError: 'x1'");
    expect(f.hint).toContain('Remove x1 from down_revision in m1');
  },
);

describe('redundant-merge-parent: what it leaves alone', () => {
  it('a redundant parent in a two-parent merge (harmless; Open Event Server has one)', async () => {
    const r = await check(
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + 'b2_x.py']: rev('b2', 'a1'),
          [V + 'c3_x.py']: rev('c3', 'b2'),
          [V + 'm4_x.py']: rev('m4', "('a1', 'c3')"),
        },
        DEFAULT_INI,
      ),
    );
    expect(r.findings.map((f) => f.code)).not.toContain('redundant-merge-parent');
  });

  it('a three-way merge of independent branches, and a redundancy through the down_revision chain', async () => {
    const independent = await check(
      makeProject(
        { ...BASE, [V + 'w1_x.py']: rev('w1', 'r0'), [V + 'm1_x.py']: rev('m1', "('z1', 'w1', 'x1')") },
        DEFAULT_INI,
      ),
    );
    expect(independent.findings.map((f) => f.code)).not.toContain('redundant-merge-parent');
    const chain = await check(
      makeProject(
        { ...BASE, [V + 'x2_x.py']: rev('x2', 'x1'), [V + 'm1_x.py']: rev('m1', "('z1', 'x1', 'x2')") },
        DEFAULT_INI,
      ),
    );
    const f = chain.findings.find((x) => x.code === 'redundant-merge-parent');
    expect(f?.message).toContain(
      'lists x1 as a down revision, but x2, another of its parents, already descends from it.',
    );
  });
});
