import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
const env = (read: string): string => `import os\nfrom alembic import context\n\nconfig = context.config\n${read}\nconfig.set_main_option("sqlalchemy.url", url)\n`;

describeRule(
  'postgres-url-scheme',
  {
    bad: () => makeProject({ [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': env('url = os.environ["DATABASE_URL"]') }),
    good: () =>
      makeProject({
        [V + 'a1_x.py']: rev('a1', null),
        'migrations/env.py': env('url = os.environ["DATABASE_URL"]\nif url.startswith("postgres://"):\n    url = url.replace("postgres://", "postgresql://", 1)'),
      }),
  },
  (f) => {
    expect(f.path).toBe('migrations/env.py');
    expect(f.line).toBe(5);
    expect(f.message).toContain("Can't load plugin: sqlalchemy.dialects:postgres");
    expect(f.hint).toContain('url.replace("postgres://", "postgresql://", 1)');
  },
);
