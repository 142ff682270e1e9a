import { expect } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'hidden-revision-file',
  {
    bad: () =>
      makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + '.b2_old.py']: rev('b2', 'a1') }, DEFAULT_INI),
    good: () =>
      makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_old.py']: rev('b2', 'a1') }, DEFAULT_INI),
  },
  (f) => {
    expect(f.path).toContain('.b2_old.py');
  },
);
