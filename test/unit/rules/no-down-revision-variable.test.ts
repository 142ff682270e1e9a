import { expect } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'no-down-revision-variable',
  {
    bad: () => makeProject({ [V + 'a1_x.py']: 'revision = "a1"\n' }, DEFAULT_INI),
    good: () => makeProject({ [V + 'a1_x.py']: 'revision = "a1"\ndown_revision = None\n' }, DEFAULT_INI),
  },
  (f) => {
    expect(f.alembicError).toBe("AttributeError: module 'a1_x_py' has no attribute 'down_revision'");
  },
);
