import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cellProject, seedSql } from '../helpers/data-matrix.js';
import { alembicOnPath } from '../helpers/oracle.js';
import { pgExec, statementsIn } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { tempDir } from '../helpers/temp-dir.js';

// release acts on the data probes' verdict: a NOT NULL over NULLs stops it before Alembic starts, with
// nothing written (the server's statement log shows the tool's reads only); the backfilled migration
// is released, and Alembic fills and constrains the column.
describe('release over the rows (PostgreSQL)', () => {
  const pg = postgresForSuite();

  const statementsOn = (db: string, from: number): string[] => statementsIn(pg().logFile!, db, from);

  async function database(name: string): Promise<string> {
    await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]);
    const url = pg().urlFor(name);
    await pgExec(url, seedSql({ kind: 'not-null', rows: 'fails' }));
    return url;
  }

  function release(root: string, url: string): ReturnType<typeof runCli> {
    const bin = alembicOnPath(tempDir('preflight-alembic-bin-'));
    return runCli(root, ['release'], {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      DATABASE_URL: url,
      PYTHONDONTWRITEBYTECODE: '1',
    });
  }

  it('stops before Alembic on a NOT NULL over NULLs, and writes nothing', async () => {
    const url = await database('release_nulls');
    const root = cellProject({ kind: 'not-null', rows: 'fails' }, 'postgresql');
    const before = await pgExec(url, 'SELECT * FROM t ORDER BY id');
    const from = readFileSync(pg().logFile!, 'utf8').length;
    const r = release(root, url);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('[data-fails-step] pending b1 fails: t has 1 row with NULL in c');
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(
      /^alembic-preflight release: BLOCKED: .*Alembic was not started/u,
    );
    expect(await pgExec(url, 'SELECT version_num FROM alembic_version')).toEqual([['a0']]);
    expect(await pgExec(url, 'SELECT * FROM t ORDER BY id')).toEqual(before);
    const statements = statementsOn('release_nulls', from);
    // the probe ran, read-only: its SELECT, in its savepoint
    expect(
      statements.some(
        (s) =>
          /^SELECT 1 FROM "t" WHERE \("c"\) IS NULL LIMIT 4$/u.test(s) ||
          /FROM "t" WHERE \("c"\) IS NULL/u.test(s),
      ),
    ).toBe(true);
    // its transaction read-only, and bounded beyond each probe's own savepoint
    expect(
      statements.some((s) =>
        /^BEGIN READ ONLY; SET LOCAL statement_timeout = \d+; SET LOCAL lock_timeout = \d+$/u.test(s),
      ),
    ).toBe(true);
    expect(
      statements.filter((s) => /^\s*(INSERT|UPDATE|DELETE|ALTER|CREATE|DROP|TRUNCATE)\b/iu.test(s)),
    ).toEqual([]);
  }, 120_000);

  it('releases the backfilled migration: Alembic fills the NULLs and sets NOT NULL', async () => {
    const url = await database('release_backfill');
    const root = cellProject({ kind: 'not-null', rows: 'backfill' }, 'postgresql');
    const r = release(root, url);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(await pgExec(url, 'SELECT version_num FROM alembic_version')).toEqual([['b1']]);
    expect(await pgExec(url, 'SELECT count(*)::int FROM t WHERE c IS NULL')).toEqual([[0]]);
    expect(
      await pgExec(
        url,
        "SELECT is_nullable FROM information_schema.columns WHERE table_name = 't' AND column_name = 'c'",
      ),
    ).toEqual([['NO']]);
  }, 120_000);
});
