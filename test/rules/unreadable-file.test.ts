import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'unreadable-file',
  {
    bad: () => makeProject({[V+'a1_x.py']: rev('a1', null), [V+'weird.py/keep.txt']: 'x'}, DEFAULT_INI),
    good: () => makeProject({[V+'a1_x.py']: rev('a1', null), [V+'weird/keep.txt']: 'x'}, DEFAULT_INI),
    version: '1.8.1',
  },
  (f) => {
    expect(f.message).toContain('Is a directory');
  },
);
