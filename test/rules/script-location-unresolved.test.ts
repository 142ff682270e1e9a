import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'script-location-unresolved',
  {
    bad: () => makeProject({[V+'a1_x.py']: rev('a1', null)}, '[alembic]\nscript_location = mypkg:migrations\n'),
    good: () => makeProject({'mypkg/migrations/versions/a1_x.py': rev('a1', null)}, '[alembic]\nscript_location = mypkg:migrations\n'),
  },
  (f) => {
    expect(f.alembicError).toBe("ModuleNotFoundError: No module named 'mypkg'");
  },
);
