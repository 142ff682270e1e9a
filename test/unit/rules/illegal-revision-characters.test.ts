import { expect } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'illegal-revision-characters',
  {
    bad: () => makeProject({ [V + 'a-1_x.py']: rev('a-1', null) }, DEFAULT_INI),
    good: () => makeProject({ [V + 'a_1_x.py']: rev('a_1', null) }, DEFAULT_INI),
  },
  (f) => {
    expect(f.alembicError).toBe("FAILED: Character(s) '-' not allowed in revision identifier 'a-1'");
  },
);
