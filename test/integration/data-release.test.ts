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

  function release(root: string, url: string, flags: readonly string[] = []): ReturnType<typeof runCli> {
    const bin = alembicOnPath(tempDir('preflight-alembic-bin-'));
    return runCli(root, ['release', ...flags], {
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
    expect(r.stdout).toContain('[data-fails-step] pending b1 fails: t.c is NULL in 1 row');
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

  it('shows the offending values only to verify --show-values; release refuses the flag and touches nothing', async () => {
    const url = await database('release_values');
    await pgExec(url, ["UPDATE t SET s = 'secret-' || id"]);
    const root = cellProject({ kind: 'unique-constraint', rows: 'fails' }, 'postgresql');
    const plain = runCli(root, ['verify'], { DATABASE_URL: url });
    expect(plain.status, plain.stdout + plain.stderr).toBe(1);
    expect(plain.stdout).toContain('Keys: 2, 3.');
    expect(plain.stdout).not.toContain('Values:');
    const shown = runCli(root, ['verify', '--show-values', '--format', 'json'], { DATABASE_URL: url });
    const check = (
      JSON.parse(shown.stdout) as { database: { dataChecks: { kind: string; values: string[] }[] } }
    ).database.dataChecks.find((c) => c.kind === 'unique')!;
    // both rows share c = 5: the value the unique key repeats, as the server returned it
    expect(check.values).toEqual(['5', '5']);
    const text = runCli(root, ['verify', '--show-values'], { DATABASE_URL: url });
    expect(text.stdout).toContain('Values: 5, 5.');
    // no other column's value is read, even asked
    expect(shown.stdout + text.stdout).not.toContain('secret-');
    const r = release(root, url, ['--show-values']);
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain("release never prints a row's values");
    expect(await pgExec(url, 'SELECT version_num FROM alembic_version')).toEqual([['a0']]);
    // the control: without the flag, release runs its verification and blocks on the rows
    const control = release(root, url);
    expect(control.status, control.stdout + control.stderr).toBe(1);
    expect(control.stdout).toContain('[data-fails-step]');
    expect(control.stdout).not.toContain('Values:');
  }, 120_000);
});
