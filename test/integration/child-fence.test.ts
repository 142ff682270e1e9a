import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rehearseCommand } from '../../src/commands/rehearse-command.js';
import { confinedEnv, fencedChild, unfencedCommand } from '../../src/release/child-env.js';
import { parseDatabaseUrl } from '../../src/database/database-url.js';
import { runCli } from '../helpers/cli.js';
import { exampleAlembic } from '../helpers/example-db.js';
import { alembicOnPath, PYTHON } from '../helpers/oracle.js';
import { pgExec, statementsIn } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { projectWith, revisionFile } from '../helpers/probe-app.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * Every child the tool starts reaches only its target, whatever the developer's shell holds: a psql
 * with PG* variables naming a real database, a Python that skips the fence (-I), a command line that
 * names another database. Judged by the other database's rows and its server log.
 */
const ITEMS: readonly (readonly [string, string])[] = [
  [
    'a1000000',
    'op.create_table("items", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("name", sa.String(40)))',
  ],
];

/** ITEMS with a downgrade that drops the table, as rehearse's cycle needs. */
function reversible(): string {
  const root = projectWith(ITEMS);
  writeFileSync(
    path.join(root, 'migrations', 'versions', 'a1000000_step.py'),
    revisionFile('a1000000', null, ITEMS[0]![1], 'op.drop_table("items")'),
  );
  return root;
}

describe('children fenced to their target (PostgreSQL)', () => {
  const pg = postgresForSuite();

  /** A database named `name` with three items: the one no child may touch. */
  async function real(name: string): Promise<string> {
    await pgExec(pg().url, [`CREATE DATABASE ${name}`]);
    const url = pg().urlFor(name);
    await pgExec(url, [
      'CREATE TABLE items (id integer PRIMARY KEY, name varchar(40))',
      "INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    ]);
    return url;
  }

  /** The developer's libpq variables, naming `db`. */
  function pgVars(db: string): Record<string, string> {
    return {
      PGHOST: '127.0.0.1',
      PGPORT: String(pg().port),
      PGUSER: pg().user,
      PGPASSWORD: pg().password,
      PGDATABASE: db,
    };
  }

  const statementsOn = (db: string, from: number): string[] => statementsIn(pg().logFile!, db, from);

  /** release's environment on `target`: real Alembic on PATH, no cache. */
  const releaseEnv = (target: string): Record<string, string> => ({
    PATH: `${alembicOnPath(tempDir('preflight-alembic-bin-'))}:${process.env.PATH ?? ''}`,
    DATABASE_URL: target,
    PYTHONDONTWRITEBYTECODE: '1',
    ALEMBIC_PREFLIGHT_CACHE: 'off',
  });

  const rehearse = (root: string, then: string, env: Record<string, string>) =>
    rehearseCommand({
      cwd: root,
      format: 'text',
      scratchUrl: pg().url,
      drift: false,
      then,
      env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', ...env },
    });

  it("rehearse --then psql with the developer's PG* naming a real database: psql reaches the scratch, the real rows stay", async () => {
    const url = await real('then_psql');
    const root = reversible();
    const from = readFileSync(pg().logFile!, 'utf8').length;
    const out = await rehearse(root, "psql -v ON_ERROR_STOP=1 -c 'DELETE FROM items'", pgVars('then_psql'));
    expect(out.outcome.then, out.stdout).toMatchObject({ ok: true });
    expect(out.exitCode).toBe(0);
    expect(statementsOn('then_psql', from)).toEqual([]);
    expect(await pgExec(url, 'SELECT count(*)::int FROM items')).toEqual([[3]]);
  }, 120_000);

  it('rehearse --then python3 -I (which never loads the fence): refused before anything starts', async () => {
    const url = await real('then_isolated');
    const root = projectWith(ITEMS);
    writeFileSync(
      path.join(root, 'seed.py'),
      'import os, psycopg2\nopen("ran", "w").close()\nc = psycopg2.connect("")\nc.cursor().execute("DELETE FROM items")\nc.commit()\n',
    );
    const run = rehearse(root, 'python3 -I seed.py', pgVars('then_isolated'));
    await expect(run).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(
        /^--then `python3 -I seed\.py` was not started: `python3 -I` starts Python without/u,
      ),
    });
    expect(existsSync(path.join(root, 'ran'))).toBe(false);
    expect(await pgExec(url, 'SELECT count(*)::int FROM items')).toEqual([[3]]);
  }, 120_000);

  it('rehearse --then naming a database on its command line: refused, nothing changed, no password printed', async () => {
    const url = await real('then_named');
    const root = projectWith(ITEMS);
    const run = rehearse(root, `psql ${url} -c 'DELETE FROM items'`, {});
    await expect(run).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('it names a database itself'),
    });
    await run.catch((e: Error) => expect(e.message).not.toContain(pg().password));
    expect(await pgExec(url, 'SELECT count(*)::int FROM items')).toEqual([[3]]);
  }, 120_000);

  it("release -- a script running psql, with the developer's PG* naming another database: the other database stays as it was", async () => {
    const other = await real('release_other');
    await pgExec(pg().url, ['CREATE DATABASE release_target']);
    const target = pg().urlFor('release_target');
    const root = projectWith(ITEMS);
    const env = { ...releaseEnv(target), ...pgVars('release_other') };
    const from = readFileSync(pg().logFile!, 'utf8').length;
    const r = runCli(
      root,
      ['release', '--', 'sh', '-c', "alembic upgrade head && psql -c 'DELETE FROM items'"],
      env,
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(statementsOn('release_other', from)).toEqual([]);
    expect(await pgExec(other, 'SELECT count(*)::int FROM items')).toEqual([[3]]);
    expect(await pgExec(target, 'SELECT version_num FROM alembic_version')).toEqual([['a1000000']]);
  }, 120_000);

  it("release -- a script whose psycopg AsyncConnection reaches another database: the fence's own words, exit 2, the other rows stay", async () => {
    const other = await real('async_other');
    await pgExec(pg().url, ['CREATE DATABASE async_target']);
    const target = pg().urlFor('async_target');
    const root = projectWith(ITEMS);
    writeFileSync(
      path.join(root, 'seed.py'),
      `import asyncio, psycopg\nasync def main():\n    c = await psycopg.AsyncConnection.connect(${JSON.stringify(other)})\n    await c.execute("DELETE FROM items")\n    await c.commit()\nasyncio.run(main())\n`,
    );
    const env = releaseEnv(target);
    const from = readFileSync(pg().logFile!, 'utf8').length;
    const r = runCli(root, ['release', '--', 'sh', '-c', `alembic upgrade head && ${PYTHON} seed.py`], env);
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stdout + r.stderr).toContain(
      "alembic-preflight refused a connection to postgresql database 'async_other'",
    );
    expect(r.stdout + r.stderr).not.toContain('the connection is closed');
    expect(statementsOn('async_other', from)).toEqual([]);
    expect(await pgExec(other, 'SELECT count(*)::int FROM items')).toEqual([[3]]);
  }, 120_000);

  it('release -- env -i and PYTHONPATH=. (the fence dropped): refused before they start (exit 2), the other rows stay; extended, it runs', async () => {
    const other = await real('env_other');
    await pgExec(pg().url, ['CREATE DATABASE env_target']);
    const target = pg().urlFor('env_target');
    const root = projectWith(ITEMS);
    // the other database's URL in a file of the app's own, which no environment change reaches
    writeFileSync(
      path.join(root, 'seed.py'),
      `import psycopg2\nopen("ran", "w").close()\nc = psycopg2.connect(${JSON.stringify(other)})\nc.cursor().execute("DELETE FROM items")\nc.commit()\n`,
    );
    const env = releaseEnv(target);
    for (const command of [
      ['env', '-i', PYTHON, 'seed.py'],
      ['sh', '-c', `alembic upgrade head && PYTHONPATH=. ${PYTHON} seed.py`],
    ]) {
      const r = runCli(root, ['release', '--', ...command], env);
      expect(r.status, r.stdout + r.stderr).toBe(2);
      expect(existsSync(path.join(root, 'ran'))).toBe(false);
    }
    expect(await pgExec(other, 'SELECT count(*)::int FROM items')).toEqual([[3]]);
    expect(
      await pgExec(target, "SELECT count(*)::int FROM pg_tables WHERE tablename = 'alembic_version'"),
    ).toEqual([[0]]);
    // the control: PYTHONPATH extended keeps the fence; the upgrade runs, and the seed is stopped at its connection
    const r = runCli(
      root,
      ['release', '--', 'sh', '-c', `alembic upgrade head && PYTHONPATH=$PYTHONPATH:. ${PYTHON} seed.py`],
      env,
    );
    expect(r.stdout + r.stderr).toContain(
      "alembic-preflight refused a connection to postgresql database 'env_other'",
    );
    expect(await pgExec(target, 'SELECT version_num FROM alembic_version')).toEqual([['a1000000']]);
    expect(await pgExec(other, 'SELECT count(*)::int FROM items')).toEqual([[3]]);
  }, 120_000);

  it('release -- a script that starts python3 -I itself: stopped before that Python runs (exit 2), its rows untouched', async () => {
    const other = await real('spawn_other');
    await pgExec(pg().url, ['CREATE DATABASE spawn_target']);
    const target = pg().urlFor('spawn_target');
    const root = projectWith(ITEMS);
    const seed = `import psycopg2\nc = psycopg2.connect(${JSON.stringify(other)})\nc.cursor().execute("DELETE FROM items")\nc.commit()\n`;
    writeFileSync(path.join(root, 'seed.py'), seed);
    writeFileSync(
      path.join(root, 'run_seed.py'),
      'import subprocess, sys\nsubprocess.run([sys.executable, "-I", "seed.py"], check=True)\n',
    );
    const env = releaseEnv(target);
    const r = runCli(
      root,
      ['release', '--', 'sh', '-c', `alembic upgrade head && ${PYTHON} run_seed.py`],
      env,
    );
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stdout + r.stderr).toContain(
      'started `python -I`, which runs without its site module or environment',
    );
    expect(await pgExec(other, 'SELECT count(*)::int FROM items')).toEqual([[3]]);
  }, 120_000);

  it('release -- python3 -I: refused before it starts (exit 2), nothing migrated', async () => {
    await pgExec(pg().url, ['CREATE DATABASE release_isolated']);
    const target = pg().urlFor('release_isolated');
    const root = projectWith(ITEMS);
    const env = { PATH: process.env.PATH ?? '', DATABASE_URL: target, ALEMBIC_PREFLIGHT_CACHE: 'off' };
    const r = runCli(root, ['release', '--', 'python3', '-I', '-m', 'alembic', 'upgrade', 'head'], env);
    expect(r.status).toBe(2);
    expect(r.stdout + r.stderr).toContain(
      '`python3 -I` starts Python without its site module or environment',
    );
    expect(
      await pgExec(target, "SELECT count(*)::int FROM pg_tables WHERE tablename = 'alembic_version'"),
    ).toEqual([[0]]);
    expect(exampleAlembic(root, target, 'current').status).toBe(0);
  }, 120_000);
});

describe("a child's environment and command line", () => {
  const target = {
    url: 'postgresql://app:s3cret@db.internal:5433/prod_copy',
    db: parseDatabaseUrl('postgresql://app:s3cret@db.internal:5433/prod_copy', '/'),
  };

  it("sets libpq's password file to an empty file of its own: libpq says nothing, where /dev/null makes it warn", () => {
    const target = {
      url: 'postgresql://app@127.0.0.1:1/prod_copy',
      db: parseDatabaseUrl('postgresql://app@127.0.0.1:1/prod_copy', '/'),
    };
    const { env, fence } = fencedChild(undefined, target, ['DATABASE_URL'], { PATH: process.env.PATH ?? '' });
    try {
      // libpq is the spec: a connection with no password reads the password file first (port 1 then refuses)
      const connect = (pgpassfile: string | undefined) =>
        spawnSync(
          '/usr/bin/python3',
          ['-c', 'import psycopg2\ntry:\n psycopg2.connect("")\nexcept Exception:\n pass'],
          {
            encoding: 'utf8',
            env: { ...env, PGPASSFILE: pgpassfile },
          },
        ).stderr;
      expect(connect('/dev/null')).toContain('password file "/dev/null" is not a plain file');
      expect(connect(env.PGPASSFILE)).toBe('');
      expect(readFileSync(env.PGPASSFILE!, 'utf8')).toBe('');
    } finally {
      fence.remove();
    }
  });

  it('names only the target: every PG* variable replaced, every database URL pointed at it, other settings kept', () => {
    const env = confinedEnv(
      {
        PGHOST: 'prod.example.com',
        PGSERVICE: 'prod',
        PGSSLMODE: 'disable',
        DATABASE_URL: 'postgres://u:p@prod.example.com/app',
        HEROKU_POSTGRESQL_RED_URL: 'postgres://u:p@prod.example.com/app',
        REDIS_URL: 'redis://cache:6379',
        PATH: '/usr/bin',
      },
      target,
      ['SQLALCHEMY_DATABASE_URI'],
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      REDIS_URL: 'redis://cache:6379',
      DATABASE_URL: target.url,
      HEROKU_POSTGRESQL_RED_URL: target.url,
      SQLALCHEMY_DATABASE_URI: target.url,
      PGHOST: 'db.internal',
      PGPORT: '5433',
      PGDATABASE: 'prod_copy',
      PGUSER: 'app',
      PGPASSWORD: 's3cret',
      PGPASSFILE: '/dev/null',
      PGSERVICEFILE: '/dev/null',
    });
  });

  it.each([
    [['python3', '-I', 'seed.py'], /python3 -I/u],
    [['/usr/bin/python3.11', '-Es', 'seed.py'], /python3\.11 -Es/u],
    [['sh', '-c', 'python -S x.py && echo done'], /python -S/u],
    [['psql', '-h', 'prod.example.com', '-c', 'select 1'], /-h prod\.example\.com/u],
    [['psql', 'host=prod dbname=app'], /a connection string/u],
    [
      ['sh', '-c', "psql 'postgres://u:pw@prod/app' -c x"],
      /names a database itself \(postgres:\/\/u:\*\*\*@prod\/app\)/u,
    ],
    [['sqlite3', 'other.db', '.dump'], /a SQLite file itself \(other\.db\)/u],
    // an -x value or a --flag=value that is a URL names a database, whatever the program
    [
      ['alembic', '-x', 'dburl=postgres://u:pw@prod/app', 'upgrade', 'head'],
      /names a database itself \(dburl=postgres:\/\/u:\*\*\*@prod\/app\)/u,
    ],
    // the shell's own options before its script do not hide the script
    [['sh', '-e', '-c', 'psql -h prod.example.com -c x'], /-h prod\.example\.com/u],
    [['bash', '-lc', 'python3 -I seed.py'], /python3 -I/u],
    [['sh', '-o', 'pipefail', '-c', "psql 'postgres://u:pw@prod/app'"], /names a database itself/u],
    // Python's options that take a value do not hide -I or -E behind it
    [['python3', '-X', 'utf8', '-I', 'seed.py'], /`python3 -I` starts Python without/u],
    [['python3', '-W', 'ignore', '-E', 'seed.py'], /`python3 -E` starts Python without/u],
    // a command that empties or replaces the environment the fence travels in
    [['env', '-i', 'python3', 'seed.py'], /`env -i` starts its command with an empty environment/u],
    [['env', '-u', 'PYTHONPATH', 'python3', 'seed.py'], /`env -u PYTHONPATH` removes the variable/u],
    [['sh', '-c', 'PYTHONPATH=. python3 seed.py'], /sets PYTHONPATH itself \(`PYTHONPATH=\.`\)/u],
    [['sh', '-c', 'unset PYTHONPATH; python3 seed.py'], /`unset PYTHONPATH` removes the variable/u],
    // a program whose flags are not known keeps its connection-like flags judged
    [['./seed', '--host', 'prod.example.com'], /--host prod\.example\.com/u],
  ])('refuses %j', (argv, why) => {
    expect(unfencedCommand(argv, target)).toMatch(why);
  });

  it.each([
    [['alembic', 'upgrade', 'head']],
    [['python3', '-m', 'alembic', 'upgrade', 'head']],
    [['python3', '-u', 'seed.py']],
    [['sh', '-c', 'alembic upgrade head && python seed.py']],
    [['psql', '-c', 'select 1']],
    [['psql', target.url]],
    // Flask-Migrate's -d is the migrations folder, Alembic's -c its config file, mkdir's -p a flag
    [['flask', 'db', 'upgrade', '-d', 'migrations']],
    [['alembic', '-c', 'deploy/alembic.ini', 'upgrade', 'head']],
    [['sh', '-c', 'mkdir -p var/run && alembic upgrade head']],
    [['python3', '-m', 'alembic', '-x', `dburl=${target.url}`, 'upgrade', 'head']],
    // the fence's PYTHONPATH extended, not replaced; another variable set; a value after -X
    [['sh', '-c', 'PYTHONPATH=$PYTHONPATH:. python3 seed.py']],
    [['env', 'APP_ENV=release', 'python3', 'seed.py']],
    [['python3', '-X', 'importtime', '-u', 'seed.py']],
  ])('lets %j start', (argv) => {
    expect(unfencedCommand(argv, target)).toBeUndefined();
  });
});
