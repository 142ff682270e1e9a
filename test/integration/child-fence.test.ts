import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rehearseCommand } from '../../src/commands/rehearse/rehearse-command.js';
import { confinedEnv, fencedChild } from '../../src/release/child-env.js';
import { parseDatabaseUrl } from '../../src/database/database-url.js';
import { diskFiles } from '../../src/project/project-files.js';
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

  it("rehearse --then psql: refused (a program the fence cannot follow); --unfenced, with the developer's PG* naming a real database, it reaches the scratch and the real rows stay", async () => {
    const url = await real('then_psql');
    const root = reversible();
    const from = readFileSync(pg().logFile!, 'utf8').length;
    const psql = "psql -v ON_ERROR_STOP=1 -c 'DELETE FROM items'";
    await expect(rehearse(root, psql, pgVars('then_psql'))).rejects.toMatchObject({
      exitCode: 2,
      // Debian's psql is a Perl wrapper; elsewhere it is a binary: either way not a program the fence follows
      message: expect.stringMatching(
        /`psql` (?:is a|runs under perl, a) program the connection fence cannot follow into/u,
      ),
    });
    const out = await rehearseCommand({
      cwd: root,
      format: 'text',
      scratchUrl: pg().url,
      drift: false,
      then: psql,
      unfenced: true,
      env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', ...pgVars('then_psql') },
    });
    expect(out.outcome.then, out.stdout).toMatchObject({
      ok: true,
      unfenced: expect.stringContaining('psql'),
    });
    expect(out.stdout).toContain('unfenced: started under --unfenced');
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

  it('release -- a script running psql: refused, nothing migrated; --unfenced, with PG*, split DB_* variables and a keyword DSN naming another database, it reaches only the target, and the verdict line and the ledger say so', async () => {
    const other = await real('release_other');
    await pgExec(pg().url, ['CREATE DATABASE release_target']);
    const target = pg().urlFor('release_target');
    const root = projectWith(ITEMS);
    const naming = {
      ...pgVars('release_other'),
      DB_HOST: '127.0.0.1',
      DB_PORT: String(pg().port),
      DB_NAME: 'release_other',
      DB_USER: pg().user,
      DB_PASSWORD: pg().password,
      OTHER_DSN: `host=127.0.0.1 port=${pg().port} dbname=release_other user=${pg().user} password=${pg().password}`,
    };
    const env = { ...releaseEnv(target), ...naming };
    const script = [
      'alembic upgrade head',
      "psql -v ON_ERROR_STOP=1 -c 'DELETE FROM items'",
      `psql -v ON_ERROR_STOP=1 "host=$DB_HOST port=$DB_PORT dbname=$DB_NAME user=$DB_USER password=$DB_PASSWORD" -c 'DELETE FROM items'`,
      `psql -v ON_ERROR_STOP=1 "$OTHER_DSN" -c 'DELETE FROM items'`,
    ].join(' && ');
    const from = readFileSync(pg().logFile!, 'utf8').length;
    const refused = runCli(root, ['release', '--', 'sh', '-c', script], env);
    expect(refused.status, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stdout + refused.stderr).toMatch(
      /`psql` (?:is a|runs under perl, a) program the connection fence cannot follow into/u,
    );
    expect(
      await pgExec(target, "SELECT count(*)::int FROM pg_tables WHERE tablename = 'alembic_version'"),
    ).toEqual([[0]]);
    const r = runCli(root, ['release', '--unfenced', '--', 'sh', '-c', script], env);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/--unfenced: starting .*psql.* although it cannot be proved fenced/u);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(
      /^alembic-preflight release: OK: .*; started under --unfenced, not proved fenced to this database/u,
    );
    expect(r.stdout + r.stderr).not.toContain(pg().password);
    expect(statementsOn('release_other', from)).toEqual([]);
    expect(await pgExec(other, 'SELECT count(*)::int FROM items')).toEqual([[3]]);
    expect(await pgExec(target, 'SELECT version_num FROM alembic_version')).toEqual([['a1000000']]);
    const [[by]] = (await pgExec(
      target,
      'SELECT applied_by FROM alembic_preflight.alembic_preflight_history',
    )) as [[string]];
    expect(JSON.parse(by).unfenced).toMatch(/^sh -c alembic upgrade head && psql/u);
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

  it.each([
    [
      'subprocess with -I',
      'subprocess.run([sys.executable, "-I", "seed.py"], check=True)',
      /started `python -I`, which runs without its site module/u,
    ],
    [
      'a shell line with -I',
      'subprocess.run(sys.executable + " -I seed.py", shell=True, check=True)',
      /started `python -I`/u,
    ],
    [
      'env -i',
      'subprocess.run(["env", "-i", sys.executable, "seed.py"], check=True)',
      /started `env -i`, which drops the environment the fence travels in/u,
    ],
    [
      'PYTHONPATH set anew in a shell line',
      'subprocess.run("PYTHONPATH=. " + sys.executable + " seed.py", shell=True, check=True)',
      /started `PYTHONPATH=\.`/u,
    ],
    [
      'os.execv after deleting PYTHONPATH',
      'del os.environ["PYTHONPATH"]\nos.execv(sys.executable, [sys.executable, "seed.py"])',
      /refused a connection to postgresql database 'spawn_other'/u,
    ],
    [
      'os.system after deleting PYTHONPATH',
      'del os.environ["PYTHONPATH"]\nsys.exit(os.waitstatus_to_exitcode(os.system(sys.executable + " seed.py")))',
      /refused a connection to postgresql database 'spawn_other'/u,
    ],
  ])(
    'release -- a script that starts Python through %s: stopped (exit 2), the other rows untouched',
    async (_, start, said) => {
      const other = await real('spawn_other');
      await pgExec(pg().url, ['CREATE DATABASE spawn_target']);
      const target = pg().urlFor('spawn_target');
      const root = projectWith(ITEMS);
      const seed = `import psycopg2\nc = psycopg2.connect(${JSON.stringify(other)})\nc.cursor().execute("DELETE FROM items")\nc.commit()\n`;
      writeFileSync(path.join(root, 'seed.py'), seed);
      writeFileSync(path.join(root, 'run_seed.py'), `import os, subprocess, sys\n${start}\n`);
      const env = releaseEnv(target);
      try {
        const r = runCli(
          root,
          ['release', '--', 'sh', '-c', `alembic upgrade head && ${PYTHON} run_seed.py`],
          env,
        );
        expect(r.status, r.stdout + r.stderr).toBe(2);
        expect(r.stdout + r.stderr).toMatch(said);
        expect(await pgExec(other, 'SELECT count(*)::int FROM items')).toEqual([[3]]);
      } finally {
        await pgExec(pg().url, ['DROP DATABASE spawn_other', 'DROP DATABASE spawn_target']);
      }
    },
    120_000,
  );

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
    const { env, fence } = fencedChild(
      undefined,
      target,
      ['DATABASE_URL'],
      { PATH: process.env.PATH ?? '' },
      { dir: '/', files: diskFiles() },
    );
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
        JDBC_URL: 'jdbc:postgresql://prod.example.com:5432/app',
        DB_HOST: 'prod.example.com',
        DB_PORT: '5432',
        DB_NAME: 'app',
        APP_POSTGRES_USER: 'u',
        DATABASE_PASSWORD: 'p',
        MYSQL_DATABASE: 'shop',
        LEGACY_DSN: 'host=prod.example.com dbname=app user=u',
        CACHE_HOST: 'cache',
        PATH: '/usr/bin',
      },
      target,
      ['SQLALCHEMY_DATABASE_URI'],
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      REDIS_URL: 'redis://cache:6379',
      CACHE_HOST: 'cache',
      JDBC_URL: target.url,
      DB_HOST: 'db.internal',
      DB_PORT: '5433',
      DB_NAME: 'prod_copy',
      APP_POSTGRES_USER: 'app',
      DATABASE_PASSWORD: 's3cret',
      MYSQL_DATABASE: 'prod_copy',
      MYSQL_HOST: 'alembic-preflight-no-server.invalid',
      LEGACY_DSN: "host='db.internal' port=5433 dbname='prod_copy' user='app' password='s3cret'",
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

  it('points split variables at a SQLite target nowhere but its file, and a MySQL target by its own variables', () => {
    const sqlite = { url: 'sqlite:////tmp/app.db', db: parseDatabaseUrl('sqlite:////tmp/app.db', '/') };
    const env = confinedEnv({ DB_HOST: 'prod', DB_NAME: 'app', DB_PASSWORD: 'p' }, sqlite, []);
    expect(env).toMatchObject({
      DB_HOST: 'alembic-preflight-no-server.invalid',
      DB_NAME: '/tmp/app.db',
      DB_PASSWORD: '',
      PGHOST: '/nonexistent/alembic-preflight-no-server',
    });
    const url = 'mysql+pymysql://shop:pw@10.0.0.5:3307/shop';
    const mysql = confinedEnv(
      { MYSQL_PWD: 'old', DB_HOST: 'prod' },
      { url, db: parseDatabaseUrl(url, '/') },
      [],
    );
    expect(mysql).toMatchObject({
      DB_HOST: '10.0.0.5',
      MYSQL_HOST: '10.0.0.5',
      MYSQL_TCP_PORT: '3307',
      MYSQL_PWD: 'pw',
    });
  });
});
