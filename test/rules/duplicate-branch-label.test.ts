import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'duplicate-branch-label',
  {
    bad: () => makeProject({[V+'a1_x.py']: rev('a1', null, "branch_labels = 'core'"), [V+'b2_x.py']: rev('b2', 'a1', "branch_labels = ['core']")}, DEFAULT_INI),
    good: () => makeProject({[V+'a1_x.py']: rev('a1', null, "branch_labels = 'core'"), [V+'b2_x.py']: rev('b2', 'a1', "branch_labels = ['web']")}, DEFAULT_INI),
  },
  (f) => {
    expect(f.alembicError).toBe("FAILED: Branch name 'core' in revision b2 already used by revision a1");
  },
);
