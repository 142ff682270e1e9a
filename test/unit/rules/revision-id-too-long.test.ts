import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, check, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'revision-id-too-long',
  {
    bad: () =>
      makeProject(
        {
          [V + 'guest_lockout_and_password_reset_001_x.py']: rev(
            'guest_lockout_and_password_reset_001',
            null,
          ),
        },
        DEFAULT_INI,
      ),
    good: () => makeProject({ [V + 'guest_lockout_001_x.py']: rev('guest_lockout_001', null) }, DEFAULT_INI),
  },
  (f) => {
    expect(f.message).toContain('36 characters');
  },
);

describe('revision-id-too-long: a project that plainly runs on SQLite only', () => {
  const LONG = '0006_story_world_semantic_dependencies';
  const ENV =
    "from alembic import context\nconfig = context.config\nurl = settings.database_url.replace('sqlite+aiosqlite', 'sqlite')\n";
  const found = async (files: Record<string, string>, lint = true): Promise<[string, boolean][]> => {
    const dir = makeProject(
      { 'migrations/env.py': ENV, [V + `${LONG}.py`]: rev(LONG, null), ...files },
      DEFAULT_INI,
    );
    return (await check(dir, 'latest', { lint })).findings
      .filter((f) => f.code === 'revision-id-too-long')
      .map((f) => [
        f.severity,
        f.message.includes('appears to run on SQLite only (the project declares aiosqlite (SQLite)'),
      ]);
  };

  it('is a warning when the project declares only aiosqlite and nothing mentions PostgreSQL (SoloRing, a local-first app)', async () => {
    expect(
      await found({
        'pyproject.toml':
          '[project]\nname = "x"\ndependencies = ["sqlalchemy>=2", "aiosqlite>=0.20", "alembic"]\n',
      }),
    ).toEqual([['warning', true]]);
  });

  it('stays an error with a PostgreSQL or MySQL driver beside it, a Dockerfile that installs one, no manifest, or lints off', async () => {
    const both = (extra: string): Record<string, string> => ({
      'requirements.txt': `sqlalchemy\naiosqlite\n${extra}`,
    });
    expect(await found(both('asyncpg\n'))).toEqual([['error', false]]);
    expect(await found(both('pymysql\n'))).toEqual([['error', false]]);
    expect(
      await found({ ...both(''), Dockerfile: 'FROM python:3.12\nRUN pip install psycopg2-binary\n' }),
    ).toEqual([['error', false]]);
    expect(await found({})).toEqual([['error', false]]);
    expect(await found(both(''), false)).toEqual([['error', false]]);
  });
});
