import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { PYTHON } from '../helpers/oracle.js';
import { pgExec, startPostgres, TEST_PASSWORD, type PgServer } from '../helpers/pg-cluster.js';
import { exampleSlug, RELEASE_LINE, type Slug } from '../helpers/release-slug.js';

// The ledger out of the app's way on PostgreSQL: a release keeps it in a schema of its own, which
// the team's autogenerate (real Alembic's compare_metadata, default schema only) never sees; an older
// ledger beside the version table is moved there inside the ledger's transaction; a role that may not
// create the schema leaves it where it is, with a warning that gives the include_object line.

const LEDGER = 'alembic_preflight_history';

describe('the ledger in a schema of its own (real PostgreSQL, real Alembic)', () => {
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

  const slug = (): Slug => {
    const made = exampleSlug('preflight-ledger-schema-');
    dirs.push(made.dir);
    return made;
  };
  async function database(): Promise<{ db: string; url: string }> {
    const db = `ledger_schema_${++n}`;
    await pgExec(pg.url, [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`]);
    return { db, url: pg.urlFor(db) };
  }
  const release = (s: Slug, url: string, line = RELEASE_LINE) =>
    spawnSync('/bin/sh', ['-c', line], {
      cwd: s.dir,
      encoding: 'utf8',
      env: {
        PATH: `${path.join(s.dir, '.bin')}:${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? '',
        HEROKU_RELEASE_VERSION: 'v1',
        DATABASE_URL: url,
        PYTHONDONTWRITEBYTECODE: '1',
        ALEMBIC_PREFLIGHT_CACHE: 'off',
      },
    });
  /** The tables real Alembic's autogenerate would drop for models that name none: what it sees of the schema. */
  const autogenerateSees = (url: string): string[] => {
    const r = spawnSync(
      PYTHON,
      [
        '-c',
        `import sys, sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.autogenerate import compare_metadata
with sa.create_engine(sys.argv[1]).connect() as c:
    print(" ".join(sorted(d[1].name for d in compare_metadata(MigrationContext.configure(c), sa.MetaData()) if d[0] == "remove_table")))`,
        url,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim().split(' ');
  };
  const where = async (db: string): Promise<unknown[][]> =>
    pgExec(
      pg.urlFor(db),
      `SELECT n.nspname, (SELECT count(*)::int FROM pg_catalog.pg_class x WHERE x.oid = c.oid) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = '${LEDGER}' ORDER BY 1`,
    );
  const count = async (db: string, schema: string): Promise<number> =>
    Number((await pgExec(pg.urlFor(db), `SELECT count(*) FROM ${schema}.${LEDGER}`))[0]![0]);

  it("a release creates it in schema alembic_preflight, where the team's autogenerate does not see it", async () => {
    const { db, url } = await database();
    const r = release(slug(), url);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(await where(db)).toEqual([['alembic_preflight', 1]]);
    expect(await count(db, 'alembic_preflight')).toBe(2);
    const seen = autogenerateSees(url);
    expect(seen).toContain('guest_sessions');
    expect(seen).not.toContain(LEDGER);
  }, 120_000);

  it('an older ledger beside the version table is moved, rows and all, and verify reads it in either place', async () => {
    const { db, url } = await database();
    const s = slug();
    // a release made before the ledger had a schema of its own
    const first = release(s, url, `${RELEASE_LINE} --no-ledger`);
    expect(first.status, first.stdout + first.stderr).toBe(0);
    expect(await where(db)).toEqual([]);
    const oldRecord = runCli(s.dir, ['ledger', 'record', '--yes'], {
      DATABASE_URL: url,
      ALEMBIC_PREFLIGHT_CACHE: 'off',
    });
    expect(oldRecord.status, oldRecord.stdout + oldRecord.stderr).toBe(0);
    // put it where older releases kept it
    await pgExec(pg.urlFor(db), [
      `ALTER TABLE alembic_preflight.${LEDGER} SET SCHEMA public`,
      'DROP SCHEMA alembic_preflight',
    ]);
    expect(await where(db)).toEqual([['public', 1]]);
    expect(autogenerateSees(url)).toContain(LEDGER);
    // verify reads it where it is (no finding says the ledger is missing: the database is known applied)
    const read = runCli(s.dir, ['verify', '--format', 'json'], {
      DATABASE_URL: url,
      ALEMBIC_PREFLIGHT_CACHE: 'off',
    });
    expect(read.status, read.stdout).toBe(0);
    expect(await where(db)).toEqual([['public', 1]]);
    // ledger record --yes moves it (a dry run says it would)
    const dry = runCli(s.dir, ['ledger', 'record'], { DATABASE_URL: url, ALEMBIC_PREFLIGHT_CACHE: 'off' });
    expect(dry.stdout).toContain(
      `Would move the ledger from public.${LEDGER} to alembic_preflight.${LEDGER}, out of the app's schema.`,
    );
    expect(await where(db)).toEqual([['public', 1]]);
    const moved = runCli(s.dir, ['ledger', 'record', '--yes'], {
      DATABASE_URL: url,
      ALEMBIC_PREFLIGHT_CACHE: 'off',
    });
    expect(moved.status, moved.stdout + moved.stderr).toBe(0);
    expect(await where(db)).toEqual([['alembic_preflight', 1]]);
    expect(await count(db, 'alembic_preflight')).toBe(2);
    expect(autogenerateSees(url)).not.toContain(LEDGER);
  }, 120_000);

  it('a role that may not create the schema keeps the ledger beside the version table, and says how to hide it', async () => {
    const { db, url } = await database();
    const deployer = `ledger_deployer_${n}`;
    await pgExec(pg.url, [`CREATE ROLE ${deployer} LOGIN PASSWORD '${TEST_PASSWORD}'`]);
    await pgExec(pg.urlFor(db), [`GRANT ALL ON SCHEMA public TO ${deployer}`]);
    const as = url.replace(/\/\/[^:]+:/u, `//${deployer}:`);
    const r = release(slug(), as);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `warning: the ledger stays beside the version table (${LEDGER}): could not create schema alembic_preflight: permission denied`,
    );
    expect(r.stdout).toContain(`include_object (return not (type_ == "table" and name == "${LEDGER}"))`);
    expect(r.stdout).not.toContain(TEST_PASSWORD);
    expect(await where(db)).toEqual([['public', 1]]);
    expect(await count(db, 'public')).toBe(2);
  }, 120_000);
});
