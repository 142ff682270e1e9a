import { expect } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'duplicate-revision',
  {
    bad: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + 'b2_x.py']: rev('b2', 'a1'),
          [V + 'b2_y.py']: rev('b2', 'a1'),
        },
        DEFAULT_INI,
      ),
    good: () =>
      makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1') }, DEFAULT_INI),
  },
  (f) => {
    expect(f.message).toContain('b2_x.py');
    expect(f.message).toContain('b2_y.py');
  },
);
