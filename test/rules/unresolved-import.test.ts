import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'unresolved-import',
  {
    bad: () => makeProject({[V+'a1_x.py']: rev('a1', null, 'from myapp.models import GUID')}, DEFAULT_INI),
    good: () => makeProject({[V+'a1_x.py']: rev('a1', null, 'from myapp.models import GUID'), 'myapp/models.py': 'GUID = 1\n'}, DEFAULT_INI),
  },
  (f) => {
    expect(f.message).toContain('imports myapp');
  },
);
