import { expect } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'file-loaded-twice',
  {
    bad: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null) },
        DEFAULT_INI + 'version_locations = %(here)s/migrations/versions:%(here)s/migrations/versions/\n',
      ),
    good: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null) },
        DEFAULT_INI + 'version_locations = %(here)s/migrations/versions\n',
      ),
  },
  (f) => {
    expect(f.message).toContain('loaded twice');
  },
);
