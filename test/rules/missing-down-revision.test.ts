import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'missing-down-revision',
  {
    bad: () => makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'gone999')}, DEFAULT_INI),
    good: () => makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1')}, DEFAULT_INI),
  },
  (f) => {
    expect(f.alembicError).toBe("KeyError: 'gone999'");
    expect(f.line).toBe(9);
  },
);
