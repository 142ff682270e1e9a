import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { pgExec } from '../helpers/pg-cluster.js';
import { tempDir } from '../helpers/temp-dir.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';

// a Flask app as Flask-Migrate's docs write it; the URL comes from Heroku's DATABASE_URL
const APP_PY = `import os
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_migrate import Migrate

app = Flask(__name__)
app.config['SQLALCHEMY_DATABASE_URI'] = os.environ['DATABASE_URL'].replace('postgres://', 'postgresql://', 1)
db = SQLAlchemy(app)
migrate = Migrate(app, db)
`;

const USERS = `"""create users

Revision ID: a1users
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = 'a1users'
down_revision = None
branch_labels = None
depends_on = None

def upgrade():
    op.create_table('users', sa.Column('id', sa.Integer, primary_key=True))

def downgrade():
    op.drop_table('users')
`;

const PATH = '/usr/bin:/bin';

/** A Flask-Migrate app as `flask db init` leaves it (real Flask-Migrate writes migrations/), with one migration. */
function flaskApp(appFile = 'app.py'): string {
  const dir = tempDir('preflight-flask-');
  writeFileSync(path.join(dir, appFile), APP_PY);
  const init = spawnSync('flask', ['db', 'init'], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH, FLASK_APP: appFile, DATABASE_URL: 'sqlite://' },
  });
  if (init.status !== 0) throw new Error(`flask db init failed: ${init.stderr}`);
  mkdirSync(path.join(dir, 'migrations', 'versions'), { recursive: true });
  writeFileSync(path.join(dir, 'migrations', 'versions', 'a1users_create_users.py'), USERS);
  return dir;
}

describe('release in a Flask-Migrate app runs the upgrade it graded: flask db upgrade (real Flask-Migrate, PostgreSQL)', () => {
  const pg = postgresForSuite();
  let n = 0;

  async function database(): Promise<string> {
    const name = `flask_${++n}`;
    await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]);
    return pg()
      .urlFor(name)
      .replace(/^postgresql:/u, 'postgres:');
  }

  it('a pending migration is applied by flask db upgrade, and the verdict is OK', async () => {
    const dir = flaskApp();
    const url = await database();
    expect(existsSync(path.join(dir, 'alembic.ini'))).toBe(false);
    const r = runCli(dir, ['release'], { PATH, DATABASE_URL: url, DYNO: 'release.3' });
    expect(r.stdout).toMatch(/running flask db upgrade -d migrations \(1 migration: a1users\)/u);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(
      /^alembic-preflight release: OK: applied 1 migration, and the database is at a1users/u,
    );
    expect(r.status).toBe(0);
    expect(
      await pgExec(url.replace(/^postgres:/u, 'postgresql:'), 'SELECT version_num FROM alembic_version'),
    ).toEqual([['a1users']]);
    expect(
      await pgExec(url.replace(/^postgres:/u, 'postgresql:'), "SELECT to_regclass('users') IS NOT NULL"),
    ).toEqual([[true]]);
  }, 120_000);

  it('release -- flask db upgrade -d migrations and a shell line with mkdir -p run fenced and migrate (-d and -p name no server there)', async () => {
    for (const command of [
      ['flask', 'db', 'upgrade', '-d', 'migrations'],
      ['sh', '-e', '-c', 'mkdir -p var/run && flask db upgrade -d migrations'],
    ]) {
      const dir = flaskApp();
      const url = await database();
      const r = runCli(dir, ['release', '--', ...command], { PATH, DATABASE_URL: url, DYNO: 'release.4' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(
        await pgExec(url.replace(/^postgres:/u, 'postgresql:'), 'SELECT version_num FROM alembic_version'),
      ).toEqual([['a1users']]);
    }
  }, 120_000);

  it('the app named by FLASK_APP (wsgi module elsewhere) is passed on to flask', async () => {
    const dir = flaskApp('service.py');
    const url = await database();
    const r = runCli(dir, ['release'], { PATH, DATABASE_URL: url, FLASK_APP: 'service.py' });
    expect(r.status).toBe(0);
    expect(
      await pgExec(url.replace(/^postgres:/u, 'postgresql:'), 'SELECT version_num FROM alembic_version'),
    ).toEqual([['a1users']]);
  }, 120_000);

  it('when flask cannot find the app, it says so and nothing runs', async () => {
    const dir = flaskApp('service.py');
    const url = await database();
    const r = runCli(dir, ['release'], { PATH, DATABASE_URL: url });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('flask cannot find the app: FLASK_APP is not set');
    expect(r.stderr).toContain('Nothing was run');
    expect(
      await pgExec(
        url.replace(/^postgres:/u, 'postgresql:'),
        "SELECT to_regclass('alembic_version') IS NULL",
      ),
    ).toEqual([[true]]);
  }, 120_000);

  it.each([
    [
      'a module Python cannot find',
      'servce:app',
      'FLASK_APP is "servce:app", and Python finds no module servce',
    ],
    [
      'a file that is not there',
      'src/service.py',
      'FLASK_APP is "src/service.py", and there is no src/service.py here',
    ],
  ])(
    'a FLASK_APP naming %s stops the release before flask starts',
    async (_what, flaskApp_, said) => {
      const dir = flaskApp('service.py');
      const url = await database();
      // real flask on this app fails: the check is not stricter than flask itself
      const real = spawnSync('flask', ['db', 'current'], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH, FLASK_APP: flaskApp_, DATABASE_URL: url },
      });
      expect(real.status).not.toBe(0);
      const r = runCli(dir, ['release'], { PATH, DATABASE_URL: url, FLASK_APP: flaskApp_ });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`flask cannot find the app: ${said}`);
      expect(r.stderr).not.toContain('Traceback');
      expect(
        await pgExec(
          url.replace(/^postgres:/u, 'postgresql:'),
          "SELECT to_regclass('alembic_version') IS NULL",
        ),
      ).toEqual([[true]]);
    },
    120_000,
  );

  it('a FLASK_APP module that is installed, not in the folder, is left to flask', async () => {
    const dir = flaskApp('service.py');
    const url = await database();
    // the app as an importable module elsewhere: on PYTHONPATH, where find_spec finds it
    const lib = tempDir('preflight-flask-lib-');
    writeFileSync(path.join(lib, 'installed_service.py'), APP_PY);
    const r = runCli(dir, ['release'], {
      PATH,
      DATABASE_URL: url,
      FLASK_APP: 'installed_service:app',
      PYTHONPATH: lib,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(
      await pgExec(url.replace(/^postgres:/u, 'postgresql:'), 'SELECT version_num FROM alembic_version'),
    ).toEqual([['a1users']]);
  }, 120_000);

  it('a migrations folder elsewhere (flask db init -d db/migrations) is the -d the upgrade gets', async () => {
    const dir = tempDir('preflight-flask-');
    writeFileSync(path.join(dir, 'app.py'), APP_PY);
    const init = spawnSync('flask', ['db', 'init', '-d', 'db/migrations'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH, FLASK_APP: 'app.py', DATABASE_URL: 'sqlite://' },
    });
    expect(init.status).toBe(0);
    writeFileSync(path.join(dir, 'db', 'migrations', 'versions', 'a1users_create_users.py'), USERS);
    const url = await database();
    const r = runCli(dir, ['release', '-c', 'db/migrations/alembic.ini'], { PATH, DATABASE_URL: url });
    expect(r.stdout).toContain('running flask db upgrade -d db/migrations');
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(dir, 'db', 'migrations', 'alembic.ini'), 'utf8')).not.toContain(
      'script_location',
    );
  }, 120_000);
});
