import { spawnSync } from 'node:child_process';
import { appendFileSync, rmSync } from 'node:fs';
import { ORACLE_PYTHON, oracleEnv, PYTHON } from '../helpers/oracle.js';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, unwrapped, type CliRun } from '../helpers/cli.js';
import { pgExec, startPostgres, TEST_PASSWORD, type PgServer } from '../helpers/pg-cluster.js';
import { alembicStarts, exampleSlug, RELEASE_LINE, VERSIONS, type Slug } from '../helpers/release-slug.js';

/** Two migrations release v2 adds on top of the example's head (2a3b4c5d6e7f). */
const V2_FILES: Record<string, string> = {
  '3b4c5d6e7f80_add_notes.py': migration(
    '3b4c5d6e7f80',
    '2a3b4c5d6e7f',
    'op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True))',
    'op.drop_table("notes")',
  ),
  '4c5d6e7f8091_add_tags.py': migration(
    '4c5d6e7f8091',
    '3b4c5d6e7f80',
    'op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True))',
    'op.drop_table("tags")',
  ),
};

function migration(id: string, down: string, up: string, downgrade: string): string {
  return `"""${id}\n\nRevision ID: ${id}\nRevises: ${down}\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = "${id}"\ndown_revision = "${down}"\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    ${up}\n\n\ndef downgrade():\n    ${downgrade}\n`;
}

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly alembicStarts: number;
}

describe('rollbacks: the ledger through real releases on PostgreSQL (the Procfile line, real Alembic)', () => {
  let pg: PgServer;
  let n = 0;
  const dirs: string[] = [];
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A slug of the example app, with `extra` migrations; `alembic` on PATH counts its starts. */
  function slug(extra: Record<string, string> = {}): Slug {
    const made = exampleSlug('preflight-rollback-', extra);
    dirs.push(made.dir);
    return made;
  }

  async function database(): Promise<{ db: string; url: string }> {
    const db = `rollback_${++n}`;
    await pgExec(pg.url, [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`]);
    return { db, url: pg.urlFor(db).replace(/^postgresql:/u, 'postgres:') };
  }

  const starts = alembicStarts;

  /** The Procfile's release line in a slug, as Heroku runs it for release `version`. */
  function release(s: Slug, url: string, version: string, line = RELEASE_LINE): Run {
    const env = {
      PATH: `${path.join(s.dir, '.bin')}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? '',
      DYNO: 'release.1',
      HEROKU_RELEASE_VERSION: version,
      DATABASE_URL: url,
      PYTHONDONTWRITEBYTECODE: '1',
      ALEMBIC_PREFLIGHT_CACHE: 'off',
    };
    const r = spawnSync('/bin/sh', ['-c', line], { cwd: s.dir, encoding: 'utf8', env });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, alembicStarts: starts(s.marker) };
  }

  const verify = (s: Slug, url: string, ...args: string[]): CliRun =>
    runCli(s.dir, ['verify', '--format', 'json', ...args], {
      DATABASE_URL: url,
      ALEMBIC_PREFLIGHT_CACHE: 'off',
    });

  const codes = (json: string): string[] =>
    (JSON.parse(json) as { findings: { code: string }[] }).findings.map((f) => f.code);
  // neither in its own schema nor beside the version table
  const noLedger = async (db: string): Promise<boolean> =>
    (
      await pgExec(
        pg.urlFor(db),
        "SELECT to_regclass('alembic_preflight.alembic_preflight_history') IS NULL AND to_regclass('public.alembic_preflight_history') IS NULL",
      )
    )[0]![0] === true;
  const ledger = async (db: string, schema = 'alembic_preflight'): Promise<unknown[][]> =>
    pgExec(
      pg.urlFor(db),
      `SELECT revision, path, applied_by FROM ${schema}.alembic_preflight_history ORDER BY applied_at, revision`,
    );

  it('v1 applies A, v2 applies B and C, the rollback to v1 exits 0 without starting Alembic and names B, C and v2', async () => {
    const { db, url } = await database();
    const v1 = slug();
    const v2 = slug(V2_FILES);
    const first = release(v1, url, 'v1');
    expect(first.status, first.stdout + first.stderr).toBe(0);
    expect(first.stderr).toMatch(
      /ledger alembic_preflight\.alembic_preflight_history: 2 revisions recorded/u,
    );
    const second = release(v2, url, 'v2');
    expect(second.status, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain('OK: applied 2 migrations, and the database is at 4c5d6e7f8091');
    const rows = await ledger(db);
    expect(rows.map((r) => r[0])).toEqual(['1f2a3b4c5d6e', '2a3b4c5d6e7f', '3b4c5d6e7f80', '4c5d6e7f8091']);
    expect(rows[2]![1]).toBe(`${VERSIONS}/3b4c5d6e7f80_add_notes.py`);
    expect(JSON.parse(String(rows[3]![2]))).toEqual({
      HEROKU_RELEASE_VERSION: 'v2',
      DYNO: 'release.1',
      heads: '4c5d6e7f8091',
    });

    const before = starts(v1.marker);
    const rollback = release(v1, url, 'v3');
    expect(rollback.status, rollback.stdout + rollback.stderr).toBe(0);
    expect(rollback.alembicStarts).toBe(before);
    expect(rollback.stdout).toContain(
      '[database-ahead] the database is 2 revisions ahead of this code (a rollback, per the ledger)',
    );
    expect(unwrapped(rollback.stdout)).toMatch(
      /why: The alembic_version row '4c5d6e7f8091' is ahead of this code by 2 revisions/u,
    );
    expect(unwrapped(rollback.stdout)).toMatch(
      /4c5d6e7f8091 \(examples\/heroku-app\/migrations\/versions\/4c5d6e7f8091_add_tags\.py; release v2, dyno release\.1 on \d{4}-\d\d-\d\d/u,
    );
    expect(unwrapped(rollback.stdout)).toContain(
      '3b4c5d6e7f80 (examples/heroku-app/migrations/versions/3b4c5d6e7f80_add_notes.py; release v2',
    );
    expect(rollback.stdout).toContain('alembic downgrade 2a3b4c5d6e7f');
    expect(rollback.stdout).toMatch(
      /^alembic-preflight release: OK: the database is ahead of this code \(4c5d6e7f8091, a rollback\?\).*; nothing migrated /mu,
    );
    expect(await pgExec(pg.urlFor(db), 'SELECT version_num FROM alembic_version')).toEqual([
      ['4c5d6e7f8091'],
    ]);
    // and the line that asks to block stops it
    const blocked = release(v1, url, 'v3', `${RELEASE_LINE} --on-ahead block`);
    expect(blocked.status).toBe(1);
    expect(blocked.stdout).toMatch(
      /BLOCKED: `alembic upgrade head` will fail: Can't locate revision identified by '4c5d6e7f8091'; Alembic was not started/u,
    );
    // rolling forward again runs nothing and records nothing new
    const forward = release(v2, url, 'v4');
    expect(forward.status).toBe(0);
    expect(await ledger(db)).toHaveLength(4);
  }, 120_000);

  it("a rollback over a release that dropped a column names it from the ledger's steps; an older ledger gets the steps column", async () => {
    const { db, url } = await database();
    // a ledger created before it kept steps, owned by the releasing role
    await pgExec(
      pg.urlFor(db),
      'CREATE TABLE alembic_preflight_history (revision VARCHAR(255) NOT NULL, down_revisions TEXT NOT NULL, branch_labels TEXT NOT NULL, depends_on TEXT NOT NULL, path TEXT NOT NULL, sha256 VARCHAR(64) NOT NULL, applied_at VARCHAR(40) NOT NULL, applied_by TEXT NOT NULL)',
    );
    const v1 = slug();
    const v2 = slug({
      '5d6e7f8091a2_drop_failed_attempts.py': migration(
        '5d6e7f8091a2',
        '2a3b4c5d6e7f',
        'op.drop_column("guest_sessions", "failed_attempts")',
        'op.add_column("guest_sessions", sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"))',
      ),
    });
    expect(release(v1, url, 'v1').status).toBe(0);
    const second = release(v2, url, 'v2');
    expect(second.status, second.stdout + second.stderr).toBe(0);
    // the release's own warning about the serving release, before it migrated
    expect(unwrapped(second.stdout)).toContain(
      'op.drop_column drops column guest_sessions.failed_attempts while the old release still serves',
    );
    const recorded = await pgExec(
      pg.urlFor(db),
      'SELECT revision, steps FROM alembic_preflight.alembic_preflight_history ORDER BY applied_at, revision',
    );
    // the first release moved the older ledger out of the app's schema, with its rows
    expect(
      await pgExec(pg.urlFor(db), "SELECT to_regclass('public.alembic_preflight_history') IS NULL"),
    ).toEqual([[true]]);
    expect(recorded.map((r) => [r[0], JSON.parse(String(r[1]))])).toEqual([
      ['1f2a3b4c5d6e', []],
      ['2a3b4c5d6e7f', []],
      [
        '5d6e7f8091a2',
        [{ call: 'drop_column', table: 'guest_sessions', column: 'failed_attempts', flags: [], line: 16 }],
      ],
    ]);
    const column =
      "SELECT count(*)::int FROM information_schema.columns WHERE table_name = 'guest_sessions' AND column_name = 'failed_attempts'";
    expect(await pgExec(pg.urlFor(db), column)).toEqual([[0]]);
    const rollback = release(v1, url, 'v3');
    expect(rollback.status, rollback.stdout + rollback.stderr).toBe(0);
    const out = unwrapped(rollback.stdout);
    expect(out).toContain(
      '[rollback-loses-schema] a newer release drops column guest_sessions.failed_attempts\n',
    );
    expect(out).toContain(
      `this code's migrations create column guest_sessions.failed_attempts (${VERSIONS}/2a3b4c5d6e7f_add_guest_sessions.py:21). The database has no column guest_sessions.failed_attempts now.`,
    );
    expect(out).toContain('release v2, dyno release.1');
    expect(rollback.stdout).toMatch(/OK: the database is ahead of this code.*; nothing migrated/u);
    expect(await pgExec(pg.urlFor(db), 'SELECT version_num FROM alembic_version')).toEqual([
      ['5d6e7f8091a2'],
    ]);
  }, 120_000);

  it('a hand-stamped id the ledger does not know still blocks; an edited applied file is reported', async () => {
    const { db, url } = await database();
    const v1 = slug();
    expect(release(v1, url, 'v1').status).toBe(0);
    await pgExec(pg.urlFor(db), "UPDATE alembic_version SET version_num = 'guest_lockout_001'");
    const blocked = release(v1, url, 'v2');
    expect(blocked.status).toBe(1);
    expect(blocked.stdout).toContain(
      "[stamped-revision-missing] stamped 'guest_lockout_001', which no migration file defines",
    );
    expect(blocked.stdout).not.toContain('database-ahead');
    await pgExec(pg.urlFor(db), "UPDATE alembic_version SET version_num = '2a3b4c5d6e7f'");
    appendFileSync(
      path.join(v1.dir, VERSIONS, '2a3b4c5d6e7f_add_guest_sessions.py'),
      '# reworded after the release\n',
    );
    const edited = verify(v1, url);
    expect(edited.status).toBe(0);
    expect(codes(edited.stdout)).toContain('applied-migration-edited');
    expect(verify(v1, url, '--strict').status).toBe(1);
    // accepting the edit records the file's bytes again
    const recorded = runCli(v1.dir, ['ledger', 'record', '--yes'], {
      DATABASE_URL: url,
      ALEMBIC_PREFLIGHT_CACHE: 'off',
    });
    expect(recorded.status, recorded.stdout + recorded.stderr).toBe(0);
    expect(recorded.stdout).toContain(
      '2a3b4c5d6e7f  examples/heroku-app/migrations/versions/2a3b4c5d6e7f_add_guest_sessions.py',
    );
    expect(codes(verify(v1, url).stdout)).not.toContain('applied-migration-edited');
  }, 120_000);

  it('without a ledger the rollback blocks as before; ledger record fills one for a database older than it', async () => {
    const { db, url } = await database();
    const v1 = slug();
    const v2 = slug(V2_FILES);
    const upgraded = release(v2, url, 'v2', `${RELEASE_LINE} --no-ledger`);
    expect(upgraded.status, upgraded.stdout + upgraded.stderr).toBe(0);
    expect(await noLedger(db)).toBe(true);
    const blocked = release(v1, url, 'v3');
    expect(blocked.status).toBe(1);
    expect(blocked.stdout).toContain('[stamped-revision-missing]');
    // verify reads no ledger and creates none
    expect(verify(v1, url).status).toBe(1);
    expect(await noLedger(db)).toBe(true);
    const dry = runCli(v2.dir, ['ledger', 'record'], { DATABASE_URL: url, ALEMBIC_PREFLIGHT_CACHE: 'off' });
    expect(dry.status, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Would create alembic_preflight.alembic_preflight_history.');
    expect(await noLedger(db)).toBe(true);
    const wet = runCli(v2.dir, ['ledger', 'record', '--yes'], {
      DATABASE_URL: url,
      HEROKU_RELEASE_VERSION: 'v2',
      ALEMBIC_PREFLIGHT_CACHE: 'off',
    });
    expect(wet.status, wet.stdout + wet.stderr).toBe(0);
    expect((await ledger(db)).map((r) => r[0])).toEqual([
      '1f2a3b4c5d6e',
      '2a3b4c5d6e7f',
      '3b4c5d6e7f80',
      '4c5d6e7f8091',
    ]);
    const rollback = release(v1, url, 'v3');
    expect(rollback.status).toBe(0);
    expect(unwrapped(rollback.stdout)).toContain('`ledger record` (release v2), which found it applied');
  }, 120_000);

  it('a role that cannot read the ledger is warned; one that cannot write it keeps the release green', async () => {
    const { db, url } = await database();
    const suffix = String(n);
    const deployer = `deployer_${suffix}`;
    const reader = `reader_${suffix}`;
    await pgExec(pg.url, [
      `CREATE ROLE ${deployer} LOGIN PASSWORD '${TEST_PASSWORD}'`,
      `CREATE ROLE ${reader} LOGIN PASSWORD '${TEST_PASSWORD}'`,
    ]);
    // the ledger exists, owned by another role: the deployer may read it but not write it
    await pgExec(pg.urlFor(db), [
      `GRANT ALL ON SCHEMA public TO ${deployer}`,
      `GRANT USAGE ON SCHEMA public TO ${reader}`,
      'CREATE TABLE alembic_preflight_history (revision VARCHAR(255) NOT NULL, down_revisions TEXT NOT NULL, branch_labels TEXT NOT NULL, depends_on TEXT NOT NULL, path TEXT NOT NULL, sha256 VARCHAR(64) NOT NULL, applied_at VARCHAR(40) NOT NULL, applied_by TEXT NOT NULL)',
      `GRANT SELECT ON alembic_preflight_history TO ${deployer}`,
    ]);
    const as = (role: string): string => url.replace(/\/\/[^:]+:/u, `//${role}:`);
    const v1 = slug();
    const green = release(v1, as(deployer), 'v1');
    expect(green.status, green.stdout + green.stderr).toBe(0);
    expect(green.stdout).toMatch(/OK: applied 2 migrations/u);
    expect(green.stdout).toMatch(
      /warning: the migrations were applied, but the ledger alembic_preflight_history was not written: .*permission denied/u,
    );
    expect(green.stdout).not.toContain(TEST_PASSWORD);
    // it could not move the ledger to a schema of its own (no CREATE on the database), nor write it
    expect(await ledger(db, 'public')).toEqual([]);
    expect(await pgExec(pg.urlFor(db), "SELECT to_regnamespace('alembic_preflight') IS NULL")).toEqual([
      [true],
    ]);
    // a read-only role without SELECT on the ledger: warned, and the verdict is still the version table's
    await pgExec(pg.urlFor(db), [`GRANT SELECT ON alembic_version TO ${reader}`]);
    const read = verify(v1, as(reader));
    expect(read.status, read.stdout).toBe(0);
    expect(codes(read.stdout)).toContain('ledger-unreadable');
  }, 120_000);

  /** Branch A's migration and branch B's, each on top of the example's head. */
  const BRANCH_A = {
    'aaaa1111_feature_x.py': migration(
      'aaaa1111',
      '2a3b4c5d6e7f',
      'op.create_table("feature_x", sa.Column("id", sa.Integer(), primary_key=True))',
      'op.drop_table("feature_x")',
    ),
  };
  const BRANCH_B = {
    'bbbb2222_feature_y.py': migration(
      'bbbb2222',
      '2a3b4c5d6e7f',
      'op.create_table("feature_y", sa.Column("id", sa.Integer(), primary_key=True))',
      'op.drop_table("feature_y")',
    ),
  };
  const tables = async (db: string): Promise<unknown[][]> =>
    pgExec(
      pg.urlFor(db),
      "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'feature_%' ORDER BY 1",
    );

  it('a staging app that released branch A, then branch B: blocked before Alembic, B never goes live without its table, and real Alembic fails the same way', async () => {
    const { db, url } = await database();
    const a = slug(BRANCH_A);
    expect(release(a, url, 'v5').status).toBe(0);
    const b = slug(BRANCH_B);
    const blocked = release(b, url, 'v6');
    expect(blocked.status, blocked.stdout + blocked.stderr).toBe(1);
    expect(blocked.alembicStarts).toBe(0);
    expect(unwrapped(blocked.stdout)).toContain(
      "[database-diverged] the database took another branch: 'aaaa1111' is not in this code",
    );
    expect(unwrapped(blocked.stdout)).toContain(
      'why: The database took another branch after 2a3b4c5d6e7f: it has aaaa1111, which this code lacks, and lacks bbbb2222.',
    );
    expect(blocked.stdout).not.toContain('NOT MIGRATED');
    expect(await pgExec(pg.urlFor(db), 'SELECT version_num FROM alembic_version')).toEqual([['aaaa1111']]);
    expect(await tables(db)).toEqual([['feature_x']]);
    // what Alembic itself does with branch B's code on that database
    const real = spawnSync(
      ORACLE_PYTHON,
      ['-m', 'alembic', '-c', 'examples/heroku-app/alembic.ini', 'upgrade', 'head'],
      {
        cwd: b.dir,
        encoding: 'utf8',
        env: oracleEnv({ PATH: process.env.PATH ?? '', DATABASE_URL: url, PYTHONDONTWRITEBYTECODE: '1' }),
      },
    );
    expect(real.status).not.toBe(0);
    expect(`${real.stdout}${real.stderr}`).toContain("Can't locate revision identified by 'aaaa1111'");
  }, 120_000);

  it("DATABASE_URL naming another app's database that releases through the tool: blocked with 'is this the right database?'", async () => {
    const { db, url } = await database();
    const other = slug({
      'cafe0001_orders.py': migration(
        'cafe0001',
        '',
        'op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True))',
        'op.drop_table("orders")',
      ).replace('down_revision = ""', 'down_revision = None'),
    });
    for (const f of ['1f2a3b4c5d6e_create_users.py', '2a3b4c5d6e7f_add_guest_sessions.py'])
      rmSync(path.join(other.dir, VERSIONS, f));
    expect(release(other, url, 'v40').status).toBe(0);
    const ours = slug();
    const blocked = release(ours, url, 'v7');
    expect(blocked.status, blocked.stdout + blocked.stderr).toBe(1);
    expect(blocked.alembicStarts).toBe(0);
    expect(blocked.stdout).toContain(
      "[database-unrelated] wrong database? 'cafe0001' comes from a history unrelated to this code",
    );
    expect(unwrapped(blocked.stdout)).toContain(
      "why: Is this the right database? Its alembic_version row 'cafe0001' comes from a history that shares no revision with this code",
    );
    expect(await pgExec(pg.urlFor(db), 'SELECT version_num FROM alembic_version')).toEqual([['cafe0001']]);
    expect(
      await pgExec(
        pg.urlFor(db),
        "SELECT count(*)::int FROM information_schema.tables WHERE table_name = 'users'",
      ),
    ).toEqual([[0]]);
  }, 120_000);

  it('on SQLite too: branch A then branch B is blocked, and the database keeps branch A', () => {
    const a = slug(BRANCH_A);
    const file = path.join(a.dir, 'staging.db');
    const url = `sqlite:///${file}`;
    // an empty database file, as a staging app's starts
    spawnSync(PYTHON, ['-c', `import sqlite3; sqlite3.connect(${JSON.stringify(file)}).close()`]);
    const first = release(a, url, 'v5');
    expect(first.status, first.stdout + first.stderr).toBe(0);
    const b = slug(BRANCH_B);
    const blocked = release(b, url, 'v6');
    expect(blocked.status, blocked.stdout + blocked.stderr).toBe(1);
    expect(blocked.alembicStarts).toBe(0);
    expect(blocked.stdout).toContain('[database-diverged]');
    const rows = spawnSync(
      PYTHON,
      [
        '-c',
        `import sqlite3; print(sqlite3.connect(${JSON.stringify(file)}).execute("SELECT version_num FROM alembic_version").fetchall())`,
      ],
      { encoding: 'utf8' },
    ).stdout.trim();
    expect(rows).toBe("[('aaaa1111',)]");
  }, 120_000);
});
