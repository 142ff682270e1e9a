import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDatabaseUrlVariables } from '../../../src/alembic/env/env-database-url.js';
import { runCli } from '../../helpers/cli.js';
import { ORACLE_PYTHON, PYTHON } from '../../helpers/oracle.js';
import { makeProject, onlineEnvPy, rev } from '../../helpers/project.js';
import { tempDir } from '../../helpers/temp-dir.js';

const V = 'migrations/versions/';
const project = (read: string): string =>
  makeProject({
    [V + 'a1_x.py']: rev('a1', null),
    [V + 'b2_x.py']: rev('b2', 'a1'),
    'migrations/env.py': onlineEnvPy(`config.set_main_option("sqlalchemy.url", ${read}.replace("%", "%%"))`),
    'migrations/script.py.mako': '',
  });

/** A real SQLite file whose alembic_version holds `row`. */
function database(row: string): string {
  const file = path.join(tempDir(), 'app.db');
  const init = spawnSync(PYTHON, [
    '-c',
    `import sqlite3; c = sqlite3.connect(${JSON.stringify(file)}); c.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"); c.execute("INSERT INTO alembic_version VALUES ('${row}')"); c.commit()`,
  ]);
  expect(init.status).toBe(0);
  return `sqlite:///${file}`;
}

const upgrade = (root: string, env: Record<string, string>) =>
  spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '', PYTHONDONTWRITEBYTECODE: '1', ...env },
  });

const found = (stdout: string) =>
  (
    JSON.parse(stdout).findings as {
      code: string;
      severity: string;
      line: number;
      message: string;
      hint: string;
    }[]
  ).filter((f) => f.code === 'url-variable-differs');

describe('url-variable-differs: env.py reads the URL from another variable than verify', () => {
  const READ = 'os.environ["SQLALCHEMY_DATABASE_URI"]';

  it('blocks when that variable names another database, which real Alembic upgrades (and fails on) instead of ours', () => {
    const root = project(READ);
    const checked = database('b2'); // at head: on its own, an all-clear
    const real = database('guest_lockout_001');
    const env = { DATABASE_URL: checked, SQLALCHEMY_DATABASE_URI: real };
    const r = runCli(root, ['verify', '--format', 'json'], env);
    expect(r.status).toBe(1);
    const [f] = found(r.stdout);
    expect(f).toMatchObject({ severity: 'error', line: 6 });
    expect(f!.message).toContain(
      'env.py takes the database URL from $SQLALCHEMY_DATABASE_URI, and here $SQLALCHEMY_DATABASE_URI names another database than $DATABASE_URL',
    );
    expect(f!.hint).toContain('--database-url-env SQLALCHEMY_DATABASE_URI');
    expect(r.stdout + r.stderr).not.toContain(real);
    // real Alembic goes to the other database, and fails there
    const up = upgrade(root, env);
    expect(up.status).not.toBe(0);
    expect(up.stdout + up.stderr).toContain("Can't locate revision identified by 'guest_lockout_001'");
    // the hint's flag checks the database Alembic uses: the real failure, and this finding is gone
    const fixed = runCli(
      root,
      ['verify', '--format', 'json', '--database-url-env', 'SQLALCHEMY_DATABASE_URI'],
      env,
    );
    expect(fixed.status).toBe(1);
    expect(found(fixed.stdout)).toEqual([]);
    expect(JSON.parse(fixed.stdout).findings.map((x: { code: string }) => x.code)).toContain(
      'stamped-revision-missing',
    );
    // --database-url given by hand, with the variable naming another database here: the same error
    expect(
      found(runCli(root, ['verify', '--format', 'json', '--database-url', checked], env).stdout)[0]?.severity,
    ).toBe('error');
  });

  it("is quiet when both name the same database (however written), and warns (without blocking) when env.py's variable is not set here", () => {
    const root = project(READ);
    const url = database('a1');
    expect(
      found(
        runCli(root, ['verify', '--format', 'json'], { DATABASE_URL: url, SQLALCHEMY_DATABASE_URI: url })
          .stdout,
      ),
    ).toEqual([]);
    // the same file with a driver parameter is the same database, not a reason to block
    expect(
      found(
        runCli(root, ['verify', '--format', 'json'], {
          DATABASE_URL: url,
          SQLALCHEMY_DATABASE_URI: `${url}?timeout=20`,
        }).stdout,
      ),
    ).toEqual([]);
    const alone = runCli(root, ['verify', '--format', 'json'], { DATABASE_URL: url });
    expect(alone.status).toBe(0);
    const [w] = found(alone.stdout);
    expect(w).toMatchObject({ severity: 'warning', line: 6 });
    expect(w!.message).toContain('not from $DATABASE_URL, which verify read; it is not set here');
    expect(runCli(root, ['verify', '--strict'], { DATABASE_URL: url }).status).toBe(1);
    // a URL given by hand (manual preflight against production) with the variable unset: nothing to compare
    expect(found(runCli(root, ['verify', '--format', 'json', '--database-url', url], {}).stdout)).toEqual([]);
  });

  it('is quiet when env.py reads the variable verify read, or builds the URL some other way', () => {
    const url = database('a1');
    const other = database('b2');
    const fallback = project('(os.environ.get("DATABASE_URL") or os.environ["SQLALCHEMY_DATABASE_URI"])');
    expect(
      found(
        runCli(fallback, ['verify', '--format', 'json'], {
          DATABASE_URL: url,
          SQLALCHEMY_DATABASE_URI: other,
        }).stdout,
      ),
    ).toEqual([]);
    const fromSettings = project('settings.database_url');
    expect(found(runCli(fromSettings, ['verify', '--format', 'json'], { DATABASE_URL: url }).stdout)).toEqual(
      [],
    );
  });

  it("knows a database URL's variable from a broker's or an API's, in every way env.py reads one", () => {
    const source = [
      'import os',
      'from os import environ, getenv',
      'a = os.environ["SQLALCHEMY_DATABASE_URI"]',
      'b = os.environ.get("REDIS_URL")',
      'c = getenv("DB_URL", "sqlite://")',
      'd = environ.setdefault("HEROKU_POSTGRESQL_RED_URL", "x")',
      'e = settings.environ["PG_DSN"]',
      "f = os.getenv('SENTRY_DSN')",
      'g = os.environ["DATABASE_NAME"]',
      'h = os.environ["DATABASE_URL"]',
      'config.set_main_option("sqlalchemy.url", os.environ["TARGET_DB"])',
      'engine = create_engine(os.getenv("WAREHOUSE"))',
      'url = os.environ.get("MAIN")',
      'schema = os.environ.get("SCHEMA")',
    ].join('\n');
    expect(readDatabaseUrlVariables(source)).toEqual([
      { name: 'SQLALCHEMY_DATABASE_URI', line: 3 },
      { name: 'DB_URL', line: 5 },
      { name: 'HEROKU_POSTGRESQL_RED_URL', line: 6 },
      { name: 'DATABASE_URL', line: 10 },
      { name: 'TARGET_DB', line: 11 },
      { name: 'WAREHOUSE', line: 12 },
      { name: 'MAIN', line: 13 },
    ]);
  });

  it('leaves out a variable only offline mode reads (quay builds its offline URL apart)', () => {
    const source = [
      'import os',
      'from alembic import context',
      'def run_migrations_offline():',
      '    context.configure(url=os.environ["OFFLINE_DATABASE_URL"])',
      'def run_migrations_online():',
      '    engine = create_engine(os.environ["DATABASE_URL"])',
      'if context.is_offline_mode():',
      '    run_migrations_offline()',
      'else:',
      '    run_migrations_online()',
    ].join('\n');
    expect(readDatabaseUrlVariables(source)).toEqual([{ name: 'DATABASE_URL', line: 6 }]);
    // named in online code too: it may run there
    expect(readDatabaseUrlVariables(`${source}\nrun_migrations_offline()`)).toEqual([
      { name: 'OFFLINE_DATABASE_URL', line: 4 },
      { name: 'DATABASE_URL', line: 6 },
    ]);
  });

  it('reads an env.py as Python decodes it: a BOM, a latin-1 coding line', () => {
    for (const [head, enc] of [
      ['\ufeff', 'utf8'],
      ['# -*- coding: latin-1 -*-\n# \u00e9t\u00e9\n', 'latin1'],
    ] as const) {
      const root = project(READ);
      const file = path.join(root, 'migrations/env.py');
      writeFileSync(file, Buffer.from(head + readFileSync(file, 'utf8'), enc));
      const env = { DATABASE_URL: database('b2'), SQLALCHEMY_DATABASE_URI: database('guest_lockout_001') };
      // real Alembic loads this env.py and goes to the other database
      const up = upgrade(root, env);
      expect(up.stdout + up.stderr).toContain("Can't locate revision identified by 'guest_lockout_001'");
      const r = runCli(root, ['verify', '--format', 'json'], env);
      expect({ head, status: r.status, severity: found(r.stdout)[0]?.severity }).toEqual({
        head,
        status: 1,
        severity: 'error',
      });
    }
  });
});
