import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/check/finding.js';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';
const env = (read: string): string =>
  `import os\nfrom alembic import context\n\nconfig = context.config\n${read}\nconfig.set_main_option("sqlalchemy.url", url)\n`;

describeRule(
  'postgres-url-scheme',
  {
    bad: () =>
      makeProject({
        [V + 'a1_x.py']: rev('a1', null),
        'migrations/env.py': env('url = os.environ["DATABASE_URL"]'),
        Procfile: 'release: alembic upgrade head\nweb: gunicorn app:app\n',
      }),
    good: () =>
      makeProject({
        [V + 'a1_x.py']: rev('a1', null),
        'migrations/env.py': env(
          'url = os.environ["DATABASE_URL"]\nif url.startswith("postgres://"):\n    url = url.replace("postgres://", "postgresql://", 1)',
        ),
      }),
  },
  (f) => {
    expect(f.path).toBe('migrations/env.py');
    expect(f.line).toBe(5);
    expect(f.message).toContain("Can't load plugin: sqlalchemy.dialects:postgres");
    expect(f.hint).toContain('url.replace("postgres://", "postgresql://", 1)');
    expect(f.severity).toBe('error');
    expect(f.message).toContain('deploys to Heroku (Procfile)');
  },
);

describe('postgres-url-scheme: Heroku or not', () => {
  const found = async (files: Record<string, string>): Promise<Finding | undefined> =>
    (
      await check(
        makeProject({
          [V + 'a1_x.py']: rev('a1', null),
          'migrations/env.py': env('url = os.environ.get("DATABASE_URL")'),
          ...files,
        }),
      )
    ).findings.find((f) => f.code === 'postgres-url-scheme');

  it('is a warning where nothing says the app runs on Heroku (Hypothesis deploys elsewhere)', async () => {
    const f = await found({});
    expect(f?.severity).toBe('warning');
    expect(f?.message).toContain('If this app runs on Heroku');
  });

  it('is a blocking error with an app.json or heroku.yml', async () => {
    expect((await found({ 'app.json': '{"name": "x"}' }))?.severity).toBe('error');
    expect((await found({ 'heroku.yml': 'build:\n  docker:\n    web: Dockerfile\n' }))?.severity).toBe(
      'error',
    );
  });

  it('takes the severity the project sets over its own grading', async () => {
    expect(
      (await found({ 'pyproject.toml': '[tool.alembic-preflight.rules]\npostgres-url-scheme = "error"\n' }))
        ?.severity,
    ).toBe('error');
    expect(
      (
        await found({
          Procfile: 'web: x\n',
          'pyproject.toml': '[tool.alembic-preflight.rules]\npostgres-url-scheme = "warning"\n',
        })
      )?.severity,
    ).toBe('warning');
  });

  it('finds the Procfile at the root of the repository when Alembic runs from a subfolder', async () => {
    const project = (git: boolean): string =>
      makeProject({
        ...(git ? { '.git/HEAD': 'ref: refs/heads/main\n' } : {}),
        Procfile: 'release: cd web && alembic upgrade head\n',
        'web/alembic.ini': '[alembic]\nscript_location = migrations\n',
        'web/migrations/versions/a1_x.py': rev('a1', null),
        'web/migrations/env.py': env('url = os.environ["DATABASE_URL"]'),
      });
    const severity = async (root: string): Promise<string | undefined> =>
      (await check(path.join(root, 'web'))).findings.find((f) => f.code === 'postgres-url-scheme')?.severity;
    expect(await severity(project(true))).toBe('error');
    // outside a repository only the working folder counts
    expect(await severity(project(false))).toBe('warning');
  });
});
