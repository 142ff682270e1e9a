import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'filename-convention',
  {
    bad: () => makeProject({[V+'a1_x.py']: rev('a1', null), [V+'c3_add_users.py']: rev('b2', 'a1')}, DEFAULT_INI),
    good: () => makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_add_users.py']: rev('b2', 'a1')}, DEFAULT_INI),
  },
  (f) => {
    expect(f.hint).toContain('b2_<slug>.py');
  },
);
