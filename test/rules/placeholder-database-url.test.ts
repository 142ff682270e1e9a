import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { DEFAULT_INI, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';
const TEMPLATE_INI = `${DEFAULT_INI}sqlalchemy.url = driver://user:pass@localhost/dbname\n`;
const TEMPLATE_ENV = 'from alembic import context\nfrom sqlalchemy import engine_from_config, pool\n\nconfig = context.config\nconnectable = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)\n';

describeRule(
  'placeholder-database-url',
  {
    bad: () => makeProject({ [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': TEMPLATE_ENV }, TEMPLATE_INI),
    good: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': `import os\n${TEMPLATE_ENV}config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"])\n` },
        TEMPLATE_INI,
      ),
  },
  (f) => {
    expect(f.path).toBe('alembic.ini');
    expect(f.line).toBe(4);
    expect(f.message).toContain('sqlalchemy.dialects:driver');
  },
);
