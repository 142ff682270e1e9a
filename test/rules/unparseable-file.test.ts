import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'unparseable-file',
  {
    bad: () => makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1', "x = (1,\n")}, DEFAULT_INI),
    good: () => makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1', "x = (1,\n)")}, DEFAULT_INI),
  },
  (f) => {
    expect(f.message).toContain("'(' was never closed");
  },
);
