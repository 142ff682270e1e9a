import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'missing-dependency',
  {
    bad: () => makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1', "depends_on = 'a1xx'")}, DEFAULT_INI),
    good: () => makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1', "depends_on = 'a1'")}, DEFAULT_INI),
  },
  (f) => {
    expect(f.alembicError).toBe("KeyError: 'a1xx'");
  },
);
