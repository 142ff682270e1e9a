import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import { backfillCommand } from '../../src/commands/backfill/backfill-command.js';
import { verifyDatabasesCommand } from '../../src/commands/verify/verify-databases-command.js';
import { checkCommand } from '../../src/commands/check/check-command.js';
import { ConfigError, PreflightError } from '../../src/errors/errors.js';
import { exampleAlembic, exampleCopy } from '../helpers/example-db.js';
import { revisionFile } from '../helpers/probe-app.js';

/** env.py's lines that point Alembic at migrations/pg_versions at run time, in a form the reading does not see. */
const HIDDEN =
  'setattr(context.script, "version_locations", [os.path.join(os.path.dirname(__file__), "pg_versions")])';
/** The same, as apps write it: read and followed. */
const JOINED = 'context.script.version_locations = [os.path.join(os.path.dirname(__file__), "pg_versions")]';

/**
 * The example with its revisions moved to migrations/`folder` and `line` added to env.py after its
 * imports, as an app that keeps a folder per dialect does; the ini's folder, migrations/versions, is left
 * empty. Real Alembic migrates it.
 */
function movedAtRunTime(line = HIDDEN, folder = 'pg_versions'): string {
  const root = exampleCopy();
  const from = path.join(root, 'migrations', 'versions');
  const to = path.join(root, 'migrations', folder);
  mkdirSync(to);
  for (const f of readdirSync(from)) if (f.endsWith('.py')) renameSync(path.join(from, f), path.join(to, f));
  editEnv(root, 'from alembic import context\n', `from alembic import context\n\n${line}\n`);
  return root;
}

function editEnv(root: string, from: string, to: string): void {
  const envPy = path.join(root, 'migrations', 'env.py');
  const text = readFileSync(envPy, 'utf8');
  expect(text).toContain(from);
  writeFileSync(envPy, text.replace(from, to));
}

describe('version_locations set by env.py at run time', () => {
  const url = 'sqlite:///app.db';

  it('reads the folders env.py names (os.path joins from __file__), as real Alembic does', async () => {
    const root = movedAtRunTime(JOINED);
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    expect(out.result.findings.filter((f) => f.severity !== 'info').map((f) => f.code)).toEqual([]);
    expect(out.exitCode).toBe(0);
    const checked = await checkCommand({ cwd: root, format: 'text', env: {} });
    expect(checked.exitCode).toBe(0);
    expect(checked.stdout).toMatch(/^OK: 2 revisions checked/mu);
  }, 60_000);

  it("chooses by the URL's dialect where env.py chooses by dialect.name; the ini's URL for check", async () => {
    // SQLite's revisions in sqlite_versions, and a folder for PostgreSQL whose head is another
    const root = movedAtRunTime('', 'sqlite_versions');
    const pgFolder = path.join(root, 'migrations', 'pg_versions');
    mkdirSync(pgFolder);
    writeFileSync(path.join(pgFolder, 'p1_pg.py'), revisionFile('p1000000', null, 'pass'));
    editEnv(
      root,
      '    with connectable.connect() as connection:\n',
      [
        '    with connectable.connect() as connection:',
        '        if connection.dialect.name == "postgresql":',
        '            context.script.version_locations = [os.path.join(os.path.dirname(__file__), "pg_versions")]',
        '        else:',
        '            context.script.version_locations = [os.path.join(os.path.dirname(__file__), "sqlite_versions")]',
        '',
      ].join('\n'),
    );
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    expect(out.exitCode).toBe(0);
    expect(out.result.findings.map((f) => f.code)).not.toContain('stamped-revision-missing');
    // the ini says sqlite:///demo.db: check reads SQLite's folder too
    expect((await checkCommand({ cwd: root, format: 'text', env: {} })).stdout).toMatch(
      /^OK: 2 revisions checked/mu,
    );
    // and with PostgreSQL's URL in the ini, PostgreSQL's folder: one revision
    const ini = path.join(root, 'alembic.ini');
    writeFileSync(
      ini,
      readFileSync(ini, 'utf8').replace('sqlite:///demo.db', 'postgresql://app@localhost/app'),
    );
    expect((await checkCommand({ cwd: root, format: 'text', env: {} })).stdout).toMatch(
      /^OK: 1 revision checked/mu,
    );
    // no URL anywhere: the choice is not known; each one named, with the flag that checks it
    writeFileSync(ini, readFileSync(ini, 'utf8').replace(/^sqlalchemy\.url = .*$/mu, ''));
    const e = await checkCommand({ cwd: root, format: 'text', env: {} }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toContain(
      "migrations/env.py:35 chooses the version locations by the database's dialect",
    );
    expect((e as ConfigError).hint).toContain('postgresql: --versions migrations/pg_versions;');
    expect((e as ConfigError).hint).toContain(
      'mysql, mariadb, sqlite, mssql, oracle: --versions migrations/sqlite_versions',
    );
    // each of those commands passes
    for (const versions of [['migrations/pg_versions'], ['migrations/sqlite_versions']])
      expect((await checkCommand({ cwd: root, format: 'text', env: {}, versions })).exitCode).toBe(0);
  }, 60_000);

  it('stops with exit 2 naming env.py:line and --versions where the value cannot be read; --versions reads them', async () => {
    const root = movedAtRunTime(
      'context.script.version_locations = [os.environ.get("VERSIONS", os.path.join(os.path.dirname(__file__), "pg_versions"))]',
    );
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    for (const run of [
      () => verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } }),
      () => checkCommand({ cwd: root, format: 'text', env: {} }),
      () =>
        backfillCommand({
          cwd: root,
          format: 'text',
          env: { DATABASE_URL: url },
          git: false,
          rewire: true,
          write: true,
        }),
    ]) {
      const e = await run().then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).exitCode).toBe(2);
      expect((e as ConfigError).message).toMatch(
        /^migrations\/env\.py:9 sets version_locations at run time/u,
      );
      expect((e as ConfigError).hint).toContain('--versions');
    }
    expect(readdirSync(path.join(root, 'migrations', 'versions'))).toEqual([]);
    const told = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: url },
      versions: ['migrations/pg_versions'],
    });
    expect(told.exitCode).toBe(0);
  }, 60_000);

  it('a form the reading does not see: the revisions found elsewhere block as a configuration error, suggest no backfill, and backfill writes nothing', async () => {
    const root = movedAtRunTime();
    // real Alembic runs env.py, which names the folder: the database ends at head
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    const none = out.result.findings.find((f) => f.code === 'no-revision-files')!;
    expect([none.severity, none.configuration]).toEqual(['error', true]);
    expect(none.hint).toContain('--versions migrations/pg_versions');
    expect(out.exitCode).toBe(2);
    const stamped = out.result.findings.find((f) => f.code === 'stamped-revision-missing')!;
    expect(stamped.fix).toBeUndefined();
    expect(stamped.hint).not.toMatch(/backfill|stamp --purge/u);

    const refused = await backfillCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      git: false,
      rewire: true,
      write: true,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PreflightError);
    expect((refused as PreflightError).exitCode).toBe(2);
    expect(readdirSync(path.join(root, 'migrations', 'versions')).filter((f) => f.endsWith('.py'))).toEqual(
      [],
    );

    // the control: told where the revisions are, verify passes
    const told = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: url },
      versions: ['migrations/pg_versions'],
    });
    expect(told.exitCode).toBe(0);
    expect(existsSync(path.join(root, 'app.db'))).toBe(true);
  }, 60_000);
});

describe('version_locations set by env.py at run time, across a fleet', () => {
  it('verify --databases exits 2, as verify does, while the revisions are unread; told where they are, it passes', async () => {
    const root = movedAtRunTime();
    for (const db of ['one.db', 'two.db'])
      expect(exampleAlembic(root, `sqlite:///${db}`, 'upgrade', 'head').status).toBe(0);
    writeFileSync(path.join(root, 'databases.txt'), 'sqlite:///one.db\nsqlite:///two.db\n');
    const run = (versions?: string[]) =>
      verifyDatabasesCommand({
        cwd: root,
        format: 'text',
        env: {},
        databasesFile: 'databases.txt',
        ...(versions ? { versions } : {}),
      });
    const unread = await run();
    expect(unread.result.ok).toBe(false);
    expect(unread.exitCode).toBe(2);
    expect((await run(['migrations/pg_versions'])).exitCode).toBe(0);
  }, 60_000);
});
