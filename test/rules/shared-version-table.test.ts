import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
const env = (kw: string): string => `from alembic import context\n\n\ndef run():\n    context.configure(connection=None${kw})\n`;
const project = (otherKw: string): string =>
  makeProject({
    [V + 'a1_x.py']: rev('a1', null),
    'migrations/env.py': env(''),
    'analytics/alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\n',
    'analytics/migrations/env.py': env(otherKw),
    'analytics/migrations/versions/b1_x.py': rev('b1', null),
  });

describeRule(
  'shared-version-table',
  {
    bad: () => project(''),
    good: () => project(', version_table="analytics_version"'),
  },
  (f) => {
    expect(f.message).toContain('alembic.ini [alembic]');
    expect(f.message).toContain('analytics/alembic.ini [alembic]');
    expect(f.message).toContain('alembic_version');
    expect(f.hint).toContain('version_table=');
  },
);
