import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'multiple-heads',
  {
    bad: () => makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1'), [V+'c3_x.py']: rev('c3', 'a1')}, DEFAULT_INI),
    good: () => makeProject({[V+'a1_x.py']: rev('a1', null), [V+'b2_x.py']: rev('b2', 'a1'), [V+'c3_x.py']: rev('c3', 'a1'), [V+'m4_x.py']: rev('m4', "('b2', 'c3')")}, DEFAULT_INI),
  },
  (f) => {
    expect(f.alembicError).toContain("Multiple head revisions are present for given argument 'head'");
    expect(f.hint).toContain('alembic merge');
  },
);
