import { expect } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { makeBare } from '../../helpers/bare.js';
import { rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'versions-folder-missing',
  {
    bad: () => makeBare({ 'migrations/env.py': '' }, '[alembic]\nscript_location = migrations\n'),
    good: () =>
      makeBare(
        { 'migrations/env.py': '', [V + 'a1_x.py']: rev('a1', null) },
        '[alembic]\nscript_location = migrations\n',
      ),
  },
  (f) => {
    expect(f.severity).toBe('warning');
  },
);
