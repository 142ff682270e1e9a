import { expect } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'revision-cycle',
  {
    bad: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + 'x1_x.py']: rev('x1', 'y1'),
          [V + 'y1_x.py']: rev('y1', 'x1'),
          [V + 'b2_x.py']: rev('b2', 'a1'),
        },
        DEFAULT_INI,
      ),
    good: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + 'x1_x.py']: rev('x1', 'a1'),
          [V + 'y1_x.py']: rev('y1', 'x1'),
        },
        DEFAULT_INI,
      ),
  },
  (f) => {
    expect(f.alembicError).toBe('FAILED: Cycle is detected in revisions (x1, y1)');
  },
);
