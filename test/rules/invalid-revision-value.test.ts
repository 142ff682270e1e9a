import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'invalid-revision-value',
  {
    bad: () => makeProject({[V+'a1_x.py']: 'revision = 333\ndown_revision = None\n'}, DEFAULT_INI),
    good: () => makeProject({[V+'a1_x.py']: 'revision = "333"\ndown_revision = None\n'}, DEFAULT_INI),
  },
  (f) => {
    expect(f.alembicError).toBe("TypeError: 'int' object is not iterable");
  },
);
