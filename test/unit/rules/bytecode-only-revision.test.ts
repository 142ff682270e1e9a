import { expect } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'bytecode-only-revision',
  {
    bad: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + '__pycache__/b2_x.cpython-311.pyc']: Buffer.from([0x55, 0x0d, 0x0d, 0x0a]),
        },
        DEFAULT_INI + 'sourceless = true\n',
      ),
    good: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + '__pycache__/a1_x.cpython-311.pyc']: Buffer.from([0x55, 0x0d, 0x0d, 0x0a]),
        },
        DEFAULT_INI + 'sourceless = true\n',
      ),
  },
  (f) => {
    expect(f.path).toContain('__pycache__');
  },
);
