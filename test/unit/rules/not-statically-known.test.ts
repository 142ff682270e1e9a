import { expect } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'not-statically-known',
  {
    bad: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + 'b2_x.py']: rev('b2', 'a1', "import os\nif os.environ.get('X'):\n    down_revision = 'zz'"),
        },
        DEFAULT_INI,
      ),
    good: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + 'b2_x.py']: rev('b2', 'a1', "def f():\n    down_revision = 'zz'"),
        },
        DEFAULT_INI,
      ),
  },
  (f, r) => {
    expect(f.message).toContain('`if` block');
    expect(f.line).toBe(14);
    expect(r.model.complete).toBe(false);
  },
);
