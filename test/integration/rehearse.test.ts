import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rehearseCommand } from '../../src/commands/rehearse/rehearse-command.js';
import { rehearseJson } from '../../src/report/rehearse-report.js';
import { expectDocSample } from '../helpers/doc-sample.js';
import { exampleAlembic, exampleCopy } from '../helpers/example-db.js';
import { pgExec } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { revisionFile } from '../helpers/probe-app.js';
import { REPO } from '../helpers/oracle.js';
import { tempDir } from '../helpers/temp-dir.js';

/** The example app's configuration with these revisions: [id, upgrade body, downgrade body], each revising the one before. */
function project(revisions: readonly (readonly [string, string, string])[]): string {
  const root = exampleCopy();
  const versions = path.join(root, 'migrations', 'versions');
  rmSync(versions, { recursive: true });
  mkdirSync(versions);
  revisions.forEach(([id, up, down], i) =>
    writeFileSync(
      path.join(versions, `${id}_step.py`),
      revisionFile(id, i === 0 ? null : revisions[i - 1]![0], up, down),
    ),
  );
  return root;
}

const CLEAN: readonly (readonly [string, string, string])[] = [
  [
    'a1000000',
    'op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("email", sa.String(255)))\nop.create_index("ix_users_email", "users", ["email"])',
    'op.drop_index("ix_users_email", table_name="users")\nop.drop_table("users")',
  ],
  [
    'b2000000',
    'op.add_column("users", sa.Column("nickname", sa.String(50)))',
    'op.drop_column("users", "nickname")',
  ],
];

/**
 * This file's own temporary folder (TMPDIR, which os.tmpdir() and the CLI read), so that counting the
 * scratch folders rehearse leaves sees no other run's. Open to all: the scratch cluster runs as the
 * postgres user when the tests run as root.
 */
const TMP = mkdtempSync(path.join(os.tmpdir(), 'rehearse-test-'));
chmodSync(TMP, 0o755);
const savedTmp = process.env.TMPDIR;
beforeAll(() => {
  process.env.TMPDIR = TMP;
});
afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(TMP, { recursive: true, force: true });
});

/** Scratch folders rehearse makes in the temporary folder (it must leave none). */
function scratchFolders(): string[] {
  return readdirSync(TMP).filter(
    (n) => n.startsWith('alembic-preflight-rehearse-') || n.startsWith('alembic-preflight-schema-'),
  );
}

const rehearse = (root: string, extra: Record<string, unknown> = {}, env: Record<string, string> = {}) =>
  rehearseCommand({
    cwd: root,
    format: 'text',
    env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', ...env },
    ...extra,
  });

describe('rehearse on SQLite', () => {
  it('a clean project passes the cycle and --step, and leaves no scratch file', async () => {
    const before = scratchFolders();
    const root = project(CLEAN);
    const cycle = await rehearse(root, {}, { DATABASE_URL: 'sqlite:///app.db' });
    expect(cycle.outcome.steps.map((s) => `${s.command} ${s.target} ${s.ok}`)).toEqual([
      'upgrade head true',
      'downgrade base true',
      'upgrade head true',
    ]);
    expect(cycle.exitCode).toBe(0);
    const step = await rehearse(root, { step: true }, { DATABASE_URL: 'sqlite:///app.db' });
    expect(step.outcome.steps.map((s) => `${s.command} ${s.target}`)).toEqual([
      'upgrade a1000000',
      'downgrade base',
      'upgrade a1000000',
      'upgrade b2000000',
      'downgrade a1000000',
      'upgrade b2000000',
    ]);
    expect(step.exitCode).toBe(0);
    expect(scratchFolders()).toEqual(before);
  }, 120_000);

  it('runs Alembic with the configuration the release line names (-c), as release does', async () => {
    const root = project(CLEAN);
    mkdirSync(path.join(root, 'config'));
    writeFileSync(
      path.join(root, 'config', 'alembic.ini'),
      readFileSync(path.join(root, 'alembic.ini'), 'utf8').replace(
        /^script_location = .*$/mu,
        'script_location = %(here)s/../migrations',
      ),
    );
    rmSync(path.join(root, 'alembic.ini'));
    writeFileSync(path.join(root, 'Procfile'), 'release: alembic -c config/alembic.ini upgrade head\n');
    const out = await rehearse(root, {}, { DATABASE_URL: 'sqlite:///app.db' });
    expect(out.outcome.steps.map((s) => s.ok)).toEqual([true, true, true]);
  }, 120_000);

  it('a downgrade that leaves an index: --step names the revision and the index', async () => {
    const root = project([
      CLEAN[0]!,
      ['b2000000', 'op.create_index("ix_users_both", "users", ["id", "email"])', 'pass'],
    ]);
    const out = await rehearse(root, { step: true }, { DATABASE_URL: 'sqlite:///app.db' });
    expect(out.exitCode).toBe(1);
    expect(out.outcome.drift).toEqual([
      {
        when: 'after downgrade a1000000',
        revision: 'b2000000',
        path: 'migrations/versions/b2000000_step.py',
        leftBehind: ['index ix_users_both on users: CREATE INDEX ix_users_both ON users (id, email)'],
        missing: [],
      },
    ]);
    expect(out.stdout).toContain('left behind: index ix_users_both');
  }, 120_000);
  it("removes the scratch and fence folders a killed run left (their owner's pid is gone), and no other", async () => {
    const dead = spawnSync('true').pid!;
    const orphan = mkdtempSync(path.join(TMP, 'alembic-preflight-rehearse-'));
    writeFileSync(path.join(orphan, 'owner'), `${dead}\n`);
    writeFileSync(path.join(orphan, 'rehearse.db'), '');
    const fence = mkdtempSync(path.join(TMP, 'alembic-preflight-fence-'));
    writeFileSync(path.join(fence, 'owner'), `${dead}\n`);
    const live = mkdtempSync(path.join(TMP, 'alembic-preflight-rehearse-'));
    writeFileSync(path.join(live, 'owner'), `${process.pid}\n`);
    const out = await rehearse(project(CLEAN), {}, { DATABASE_URL: 'sqlite:///app.db' });
    expect(out.exitCode).toBe(0);
    expect(readdirSync(TMP)).not.toContain(path.basename(orphan));
    expect(readdirSync(TMP)).not.toContain(path.basename(fence));
    expect(readdirSync(TMP)).toContain(path.basename(live));
    rmSync(live, { recursive: true });
  }, 120_000);
});

describe('rehearse names the failing revision', () => {
  it('when the ini keeps Alembic quiet (logger_alembic at ERROR): from the traceback, as Alembic ran it', async () => {
    const root = project([
      CLEAN[0]!,
      [
        'b2000000',
        'op.add_column("users", sa.Column("email", sa.String(50)))',
        'op.drop_column("users", "email")',
      ],
    ]);
    const ini = path.join(root, 'alembic.ini');
    writeFileSync(ini, readFileSync(ini, 'utf8').replace(/(\[logger_alembic\]\nlevel = )INFO/u, '$1ERROR'));
    expect(readFileSync(ini, 'utf8')).toContain('[logger_alembic]\nlevel = ERROR');
    // real Alembic prints no "Running upgrade" line here
    const real = spawnSync('/usr/bin/python3', ['-m', 'alembic', 'upgrade', 'head'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: 'sqlite:///real.db' },
    });
    expect(real.status).not.toBe(0);
    expect(real.stderr).not.toContain('Running upgrade');
    const out = await rehearse(root, {}, { DATABASE_URL: 'sqlite:///app.db' });
    const failed = out.outcome.steps.find((s) => !s.ok)!;
    expect(failed.failure?.revision).toBe('b2000000');
    expect(failed.failure?.error).toBe(
      'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) duplicate column name: email',
    );
    expect(out.stdout).toContain('  revision: b2000000');
  }, 120_000);
});

describe('rehearse --from-production on SQLite', () => {
  it('copies the schema (not the rows) read-only, and runs the pending upgrade on the copy', async () => {
    const root = project(CLEAN);
    const prod = path.join(root, 'app.db');
    expect(exampleAlembic(root, `sqlite:///${prod}`, 'upgrade', 'a1000000').status).toBe(0);
    const db = new Database(prod);
    db.exec(
      "ALTER TABLE users ADD COLUMN nickname VARCHAR(50); INSERT INTO users (email) VALUES ('someone@example.com')",
    );
    db.close();
    const before = readFileSync(prod);
    const out = await rehearse(root, { fromProduction: true }, { DATABASE_URL: `sqlite:///${prod}` });
    expect(out.outcome.copiedWith).toBe('the SQLite catalog (sqlite_master)');
    const failed = out.outcome.steps.find((s) => !s.ok)!;
    expect(failed.failure?.revision).toBe('b2000000');
    expect(failed.failure?.error).toBe(
      'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) duplicate column name: nickname',
    );
    // production's file is byte for byte what it was
    expect(readFileSync(prod).equals(before)).toBe(true);
  }, 120_000);
});

describe('rehearse on PostgreSQL', () => {
  const pg = postgresForSuite();

  it('a clean project passes on a --scratch-url server, whose scratch database is dropped after', async () => {
    const root = project(CLEAN);
    const out = await rehearse(root, { step: true, scratchUrl: pg().url });
    expect(out.exitCode).toBe(0);
    expect(out.outcome.scratch).toBe('a new database on the --scratch-url server');
    // the server's password (in the URL Alembic connects with) is in no part of the result
    expect(JSON.stringify(out)).not.toContain(pg().password);
    expect(
      await pgExec(
        pg().url,
        "SELECT datname FROM pg_database WHERE datname LIKE 'alembic_preflight_rehearse_%'",
      ),
    ).toEqual([]);
  }, 120_000);

  it('--database-url given: the scratch cluster runs the major version that server runs', async () => {
    const root = project(CLEAN);
    const out = await rehearse(root, { databaseUrl: pg().url });
    const [[version]] = (await pgExec(pg().url, 'SHOW server_version')) as [[string]];
    expect(out.outcome.scratch).toBe(`a throwaway local cluster (PostgreSQL ${/^\d+/u.exec(version)![0]})`);
    expect(out.exitCode).toBe(0);
  }, 120_000);

  it('an enum type the downgrade leaves: named with its revision, and the second upgrade fails on it as Alembic says', async () => {
    const before = scratchFolders();
    const root = project([
      CLEAN[0]!,
      [
        'c3000000',
        'op.create_table("audit", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("kind", sa.Enum("login", "logout", name="audit_kind")))',
        'op.drop_table("audit")',
      ],
    ]);
    // the default scratch for a PostgreSQL project: a throwaway local cluster (the URL only tells the dialect)
    const out = await rehearse(root, {}, { DATABASE_URL: pg().urlFor('never_opened') });
    expect(out.outcome.scratch).toMatch(/^a throwaway local cluster \(PostgreSQL \d+\)$/u);
    expect(out.outcome.drift).toEqual([
      {
        when: 'after downgrade base',
        revision: 'c3000000',
        path: 'migrations/versions/c3000000_step.py',
        leftBehind: ['type audit_kind enum(login,logout)'],
        missing: [],
      },
    ]);
    const failed = out.outcome.steps.at(-1)!;
    expect(failed.ok).toBe(false);
    expect(failed.failure?.revision).toBe('c3000000');
    expect(failed.failure?.error).toBe(
      'sqlalchemy.exc.ProgrammingError: (psycopg2.errors.DuplicateObject) type "audit_kind" already exists',
    );
    expect(failed.failure?.statement).toBe("CREATE TYPE audit_kind AS ENUM ('login', 'logout')");
    expect(out.exitCode).toBe(1);
    expect(scratchFolders()).toEqual(before);
    // docs/json.md shows this run's document (each step's time normalised)
    const json = JSON.stringify(rehearseJson(out.outcome), null, 2).replaceAll(/"ms": \d+/gu, '"ms": 700');
    expectDocSample(
      {
        doc: 'docs/json.md',
        name: 'rehearse-json',
        what: 'a project whose downgrade leaves an enum type behind (`rehearse --format json`; times normalised)',
        json: true,
      },
      json,
    );
  }, 120_000);

  it('a foreign key whose type differs from the key it references fails with its revision and statement', async () => {
    const root = project([
      CLEAN[0]!,
      [
        'd4000000',
        'op.create_table("sessions", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id")))',
        'op.drop_table("sessions")',
      ],
    ]);
    const out = await rehearse(root, { scratchUrl: pg().url });
    const failed = out.outcome.steps.find((s) => !s.ok)!;
    expect(failed.failure?.revision).toBe('d4000000');
    expect(failed.failure?.error).toContain(
      '(psycopg2.errors.DatatypeMismatch) foreign key constraint "sessions_user_id_fkey" cannot be implemented',
    );
    expect(failed.failure?.statement).toContain('CREATE TABLE sessions');
    expect(out.stdout).toContain('FAILED: `alembic upgrade head` at d4000000');
  }, 120_000);

  it('DDL in try/except poisons the transaction: the next statement fails, in that revision', async () => {
    const root = project([
      CLEAN[0]!,
      [
        'e5000000',
        'try:\n    op.execute("ALTER TABLE no_such_table ADD COLUMN x integer")\nexcept Exception:\n    pass\nop.add_column("users", sa.Column("age", sa.Integer()))',
        'op.drop_column("users", "age")',
      ],
    ]);
    const out = await rehearse(root, { scratchUrl: pg().url });
    const failed = out.outcome.steps.find((s) => !s.ok)!;
    expect(failed.failure?.revision).toBe('e5000000');
    expect(failed.failure?.error).toContain(
      '(psycopg2.errors.InFailedSqlTransaction) current transaction is aborted',
    );
  }, 120_000);

  it("--from-production: the pending migration fails on production's schema only, and production sees reads only", async () => {
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS rehearse_prod', 'CREATE DATABASE rehearse_prod']);
    const prod = pg().urlFor('rehearse_prod');
    const root = project(CLEAN);
    expect(exampleAlembic(root, prod, 'upgrade', 'a1000000').status).toBe(0);
    // a hotfix added the column by hand: b2000000 passes on a fresh database, fails on this one
    await pgExec(prod, 'ALTER TABLE users ADD COLUMN nickname varchar(50)');
    expect((await rehearse(root, { scratchUrl: pg().url })).exitCode).toBe(0);
    const logBefore = readFileSync(pg().logFile!, 'utf8').length;
    // with pg_dump, and from the catalog (what runs where pg_dump is not installed)
    for (const [schemaCopy, copiedWith] of [
      ['auto', 'pg_dump --schema-only'],
      ['catalog', 'the catalog (pg_catalog)'],
    ] as const) {
      const out = await rehearse(root, { fromProduction: true, schemaCopy }, { DATABASE_URL: prod });
      const failed = out.outcome.steps.find((s) => !s.ok)!;
      expect(out.outcome.copiedWith).toBe(copiedWith);
      expect(failed.failure?.revision).toBe('b2000000');
      expect(failed.failure?.error).toBe(
        'sqlalchemy.exc.ProgrammingError: (psycopg2.errors.DuplicateColumn) column "nickname" of relation "users" already exists',
      );
      expect(out.exitCode).toBe(1);
    }
    // production: only what this run's reads sent, and none of it writes
    const ours = readFileSync(pg().logFile!, 'utf8')
      .slice(logBefore)
      .split('\n')
      .filter((l) => /^app=alembic-preflight[^:]*:.*statement: /u.test(l))
      .map((l) => l.replace(/^.*statement: /u, ''));
    expect(ours.length).toBeGreaterThan(0);
    for (const s of ours)
      expect(s).not.toMatch(/^\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|TRUNCATE|GRANT|REVOKE|COMMENT)\b/iu);
    expect(await pgExec(prod, 'SELECT version_num FROM alembic_version')).toEqual([['a1000000']]);
  }, 120_000);

  it('--scratch docker: a container where a Docker engine answers; where none does, exit 3 with what to do instead', async () => {
    const before = scratchFolders();
    const root = project(CLEAN);
    const result = await rehearse(
      root,
      { scratch: 'docker' },
      { DATABASE_URL: pg().urlFor('never_opened') },
    ).then(
      (out) => ({ out }),
      (e: Error & { hint?: string }) => ({ e }),
    );
    if ('out' in result) {
      expect(result.out.outcome.scratch).toBe('a throwaway container (postgres:16)');
      expect(result.out.exitCode).toBe(0);
    } else {
      // without the package (the test suite does not install it: no Docker engine runs here), or without an engine
      expect(result.e.message).toMatch(
        /^No scratch PostgreSQL: (?:@testcontainers\/postgresql is not installed|Docker did not start postgres:16: )/u,
      );
      expect(result.e.hint).toContain('--scratch-url');
    }
    expect(scratchFolders()).toEqual(before);
  }, 300_000);

  it('a Flask-Migrate app: flask db upgrade and downgrade, with the app reading the scratch URL from DATABASE_URL', async () => {
    const dir = tempDir('preflight-rehearse-flask-');
    writeFileSync(
      path.join(dir, 'app.py'),
      "import os\nfrom flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\nfrom flask_migrate import Migrate\n\napp = Flask(__name__)\napp.config['SQLALCHEMY_DATABASE_URI'] = os.environ['DATABASE_URL']\ndb = SQLAlchemy(app)\nmigrate = Migrate(app, db)\n\n\n\nclass User(db.Model):\n    __tablename__ = 'users'\n    id = db.Column(db.Integer, primary_key=True)\n    email = db.Column(db.String(255), index=True)\n",
    );
    // Debian's flask, with Flask-Migrate beside it (the first python on PATH may lack them)
    const init = spawnSync('flask', ['db', 'init'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', FLASK_APP: 'app.py', DATABASE_URL: 'sqlite://' },
    });
    expect(init.status, init.stderr).toBe(0);
    writeFileSync(
      path.join(dir, 'migrations', 'versions', 'a1000000_step.py'),
      revisionFile('a1000000', null, CLEAN[0]![1], CLEAN[0]![2]),
    );
    const out = await rehearse(
      dir,
      { scratchUrl: pg().url },
      { PATH: '/usr/bin:/bin', FLASK_APP: 'app.py', DATABASE_URL: pg().urlFor('never_opened') },
    );
    expect(out.outcome.command).toBe('flask db');
    expect(out.outcome.steps.map((s) => `${s.command} ${s.target} ${s.ok}`)).toEqual([
      'upgrade head true',
      'downgrade base true',
      'upgrade head true',
    ]);
    expect(out.exitCode).toBe(0);
  }, 120_000);

  it('SIGTERM mid-run: the command stops, and the scratch cluster is gone', async () => {
    const before = scratchFolders();
    const root = project([CLEAN[0]!, ['f6000000', 'op.execute("SELECT pg_sleep(60)")', 'pass']]);
    const child = spawn(process.execPath, [path.join(REPO, 'bin/alembic-preflight.js'), 'rehearse'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        PYTHONDONTWRITEBYTECODE: '1',
        DATABASE_URL: pg().urlFor('never_opened'),
        TMPDIR: TMP,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // the cluster is up and Alembic is in the long step when its folder appears and a second passes
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (scratchFolders().length > before.length || child.exitCode !== null) {
          clearInterval(t);
          setTimeout(resolve, 4000);
        }
      }, 100);
    });
    expect(child.exitCode, err).toBeNull();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, err).toBe(143);
    expect(scratchFolders()).toEqual(before);
  }, 120_000);

  /** Polls until `done()` holds (or a minute passes, when the test fails on what it then finds). */
  async function until(done: () => boolean | Promise<boolean>): Promise<void> {
    for (let i = 0; i < 600 && !(await done()); i++) await new Promise((r) => setTimeout(r, 100));
  }

  it('SIGKILL mid-run: the local cluster dies with it, and its folder goes', async () => {
    const before = scratchFolders();
    const root = project([CLEAN[0]!, ['f6000000', 'op.execute("SELECT pg_sleep(60)")', 'pass']]);
    const child = spawn(process.execPath, [path.join(REPO, 'bin/alembic-preflight.js'), 'rehearse'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        PYTHONDONTWRITEBYTECODE: '1',
        DATABASE_URL: pg().urlFor('never_opened'),
        TMPDIR: TMP,
      },
      stdio: 'ignore',
    });
    // the cluster's postmaster runs (initdb's own single-user backend writes a negative pid first)
    let folder: string | undefined;
    let postmaster = 0;
    await until(() => {
      folder = scratchFolders().find((f) => !before.includes(f));
      const pidFile = folder ? path.join(TMP, folder, 'data', 'postmaster.pid') : '';
      postmaster = folder && existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
      return postmaster > 0 && running(postmaster);
    });
    expect(running(postmaster)).toBe(true);
    child.kill('SIGKILL');
    await until(() => !running(postmaster) && !existsSync(path.join(TMP, folder!)));
    expect(running(postmaster)).toBe(false);
    expect(scratchFolders()).toEqual(before);
  }, 120_000);

  it('SIGKILL mid-run on a --scratch-url server: the next run drops the database the killed one left', async () => {
    const root = project([CLEAN[0]!, ['f6000000', 'op.execute("SELECT pg_sleep(60)")', 'pass']]);
    const scratchDbs = async (): Promise<unknown[][]> =>
      pgExec(
        pg().url,
        "SELECT datname FROM pg_database WHERE datname LIKE 'alembic\\_preflight\\_rehearse\\_%'",
      );
    const child = spawn(
      process.execPath,
      [path.join(REPO, 'bin/alembic-preflight.js'), 'rehearse', '--scratch-url', pg().url],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', TMPDIR: TMP },
        stdio: 'ignore',
      },
    );
    // the scratch database exists and Alembic sleeps in the long step
    await until(
      async () =>
        (
          await pgExec(
            pg().url,
            "SELECT count(*)::int FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND datname LIKE 'alembic\\_preflight\\_rehearse\\_%'",
          )
        )[0]![0] === 1,
    );
    expect(await scratchDbs()).toHaveLength(1);
    child.kill('SIGKILL');
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // the killed run's database outlives it, until the next run on the server
    expect(await scratchDbs()).toHaveLength(1);
    const next = await rehearse(project(CLEAN), { scratchUrl: pg().url });
    expect(next.exitCode).toBe(0);
    expect(await scratchDbs()).toEqual([]);
  }, 120_000);
});

/** Whether a process with this pid runs. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
