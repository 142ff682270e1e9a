import { expect } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'down-revision-is-label',
  {
    bad: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null, "branch_labels = ('core',)"), [V + 'b2_x.py']: rev('b2', 'core') },
        DEFAULT_INI,
      ),
    good: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null, "branch_labels = ('core',)"), [V + 'b2_x.py']: rev('b2', 'a1') },
        DEFAULT_INI,
      ),
  },
  (f) => {
    expect(f.alembicError).toBe("KeyError: 'core'");
    expect(f.hint).toContain("'a1'");
  },
);
