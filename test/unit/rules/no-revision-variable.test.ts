import { expect } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'no-revision-variable',
  {
    bad: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null), [V + 'helpers.py']: 'def util():\n    return 1\n' },
        DEFAULT_INI,
      ),
    good: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null), [V + 'abcd12.py']: "down_revision = 'a1'\n" },
        DEFAULT_INI,
      ),
  },
  (f) => {
    expect(f.alembicError).toContain('FAILED: Could not determine revision id from filename helpers.py.');
  },
);
