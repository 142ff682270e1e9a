import { expect } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'version-location-is-cwd',
  {
    bad: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null) },
        '[alembic]\nscript_location = migrations\nversion_locations = %(here)s/migrations/versions,\n',
      ),
    good: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null) },
        '[alembic]\nscript_location = migrations\nversion_locations = %(here)s/migrations/versions\n',
      ),
  },
  (f) => {
    expect(f.message).toContain('empty entry');
  },
);
