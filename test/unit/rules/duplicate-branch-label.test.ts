import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'duplicate-branch-label',
  {
    bad: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null, "branch_labels = 'core'"),
          [V + 'b2_x.py']: rev('b2', 'a1', "branch_labels = ['core']"),
        },
        DEFAULT_INI,
      ),
    good: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null, "branch_labels = 'core'"),
          [V + 'b2_x.py']: rev('b2', 'a1', "branch_labels = ['web']"),
        },
        DEFAULT_INI,
      ),
  },
  (f) => {
    expect(f.alembicError).toBe("FAILED: Branch name 'core' in revision b2 already used by revision a1");
  },
);

describe('duplicate-branch-label: which revision Alembic names first', () => {
  it('lists both orders: Alembic maps labels while walking a Python set of revisions', async () => {
    const r = await check(
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null, "branch_labels = 'core'"),
          [V + 'b2_x.py']: rev('b2', 'a1', "branch_labels = ['core']"),
        },
        DEFAULT_INI,
      ),
    );
    expect([r.alembicError, ...r.alembicErrorAlternatives].sort()).toEqual([
      "FAILED: Branch name 'core' in revision a1 already used by revision b2",
      "FAILED: Branch name 'core' in revision b2 already used by revision a1",
    ]);
  });
});
