import { expect } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'empty-down-revision',
  {
    bad: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null).replace('down_revision = None', "down_revision = ''") },
        DEFAULT_INI,
      ),
    good: () => makeProject({ [V + 'a1_x.py']: rev('a1', null) }, DEFAULT_INI),
  },
  (f) => {
    expect(f.alembicError).toBe("KeyError: ''");
  },
);
