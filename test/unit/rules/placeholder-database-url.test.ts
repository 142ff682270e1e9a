import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, check, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';
const TEMPLATE_INI = `${DEFAULT_INI}sqlalchemy.url = driver://user:pass@localhost/dbname\n`;
const TEMPLATE_ENV =
  'from alembic import context\nfrom sqlalchemy import engine_from_config, pool\n\nconfig = context.config\nconnectable = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)\n';

describeRule(
  'placeholder-database-url',
  {
    bad: () =>
      makeProject({ [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': TEMPLATE_ENV }, TEMPLATE_INI),
    good: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          'migrations/env.py': `import os\n${TEMPLATE_ENV}config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"])\n`,
        },
        TEMPLATE_INI,
      ),
  },
  (f) => {
    expect(f.path).toBe('alembic.ini');
    expect(f.line).toBe(4);
    expect(f.message).toContain('sqlalchemy.dialects:driver');
  },
);

describe('placeholder-database-url reads the configured section', () => {
  it('a template URL in another section is not the one Alembic uses', async () => {
    const ini = `${DEFAULT_INI}sqlalchemy.url = postgresql://db/app\n\n[spare]\nscript_location = migrations\nsqlalchemy.url = driver://user:pass@localhost/dbname\n`;
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': TEMPLATE_ENV }, ini);
    expect((await check(root)).findings.map((f) => f.code)).not.toContain('placeholder-database-url');
  });

  it('finds it when it comes from [DEFAULT], at its line', async () => {
    const ini = `[DEFAULT]\nsqlalchemy.url = driver://user:pass@localhost/dbname\n\n${DEFAULT_INI}`;
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': TEMPLATE_ENV }, ini);
    const f = (await check(root)).findings.find((x) => x.code === 'placeholder-database-url');
    expect(f?.line).toBe(2);
  });

  it("says nothing without an env.py to read: the missing file is unreadable-file's finding", async () => {
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null) }, TEMPLATE_INI);
    rmSync(path.join(root, 'migrations', 'env.py'));
    const found = (await check(root)).findings.map((f) => f.code);
    expect(found).toContain('unreadable-file');
    expect(found).not.toContain('placeholder-database-url');
  });
});
