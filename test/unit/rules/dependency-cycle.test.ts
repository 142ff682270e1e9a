import { expect } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'dependency-cycle',
  {
    bad: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null, "depends_on = 'b2'"), [V + 'b2_x.py']: rev('b2', 'a1') },
        DEFAULT_INI,
      ),
    good: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + 'b2_x.py']: rev('b2', 'a1'),
          [V + 'c3_x.py']: rev('c3', 'b2', "depends_on = 'a1'"),
        },
        DEFAULT_INI,
      ),
  },
  (f) => {
    expect(f.alembicError).toContain('Dependency cycle is detected in revisions');
  },
);
