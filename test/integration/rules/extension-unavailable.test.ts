import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { exampleAlembic } from '../../helpers/example-db.js';
import { pgExec } from '../../helpers/pg-cluster.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';
import { projectWith } from '../../helpers/probe-app.js';

/** The first line of an upgrade() body in projectWith's files. */
const BODY = 16;

describe('extension-unavailable', () => {
  const pg = postgresForSuite();

  /** A fresh database at a1000000 (a table), with b2000000 pending: `second`'s body. */
  async function app(db: string, second: string, setup: string[] = []): Promise<[string, string]> {
    await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`]);
    const url = pg().urlFor(db);
    const root = projectWith([
      ['a1000000', 'op.create_table("note", sa.Column("id", sa.Integer(), primary_key=True))'],
      ['b2000000', second],
    ]);
    expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
    if (setup.length > 0) await pgExec(url, setup);
    return [root, url];
  }

  const stamped = async (url: string): Promise<unknown[][]> =>
    pgExec(url, 'SELECT version_num FROM alembic_version');

  it('CREATE EXTENSION IF NOT EXISTS of one the server does not provide: blocks at its line; real Alembic fails there', async () => {
    const [root, url] = await app(
      'ext_missing',
      'op.execute("CREATE EXTENSION IF NOT EXISTS postgis")\nop.add_column("note", sa.Column("shape", sa.Text()))',
    );
    // the premise: this server has no PostGIS
    expect(await pgExec(url, "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")).toEqual([]);
    const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    expect(out.exitCode).toBe(1);
    const f = out.result.findings.find((x) => x.code === 'extension-unavailable')!;
    expect(f).toMatchObject({
      severity: 'error',
      revision: 'b2000000',
      path: 'migrations/versions/b2000000_step.py',
      line: BODY,
      failsUpgrade: true,
    });
    const real = exampleAlembic(root, url, 'upgrade', 'head');
    expect(real.status).not.toBe(0);
    // the wording of current minor releases, which the finding quotes; older ones name the control file
    expect(real.error).toMatch(/extension "postgis" is not available$/u);
    expect(f.message).toContain('PostgreSQL fails it with "extension "postgis" is not available"');
    // nothing of b2000000 applied: the stamp and the table are as they were
    expect(await stamped(url)).toEqual([['a1000000']]);
    expect(await pgExec(url, "SELECT 1 FROM information_schema.columns WHERE column_name = 'shape'")).toEqual(
      [],
    );
  }, 60_000);

  it('controls: an extension the server provides, or one already installed under IF NOT EXISTS: OK, and real Alembic upgrades', async () => {
    for (const [db, setup] of [
      ['ext_available', []],
      ['ext_installed', ['CREATE EXTENSION citext']],
    ] as const) {
      const [root, url] = await app(db, 'op.execute("CREATE EXTENSION IF NOT EXISTS citext")', [...setup]);
      const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
      expect(out.result.findings.map((x) => x.code)).not.toContain('extension-unavailable');
      expect(out.exitCode).toBe(0);
      expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
      expect(await stamped(url)).toEqual([['b2000000']]);
    }
  }, 90_000);

  it('under if: a warning that blocks only under --strict', async () => {
    const [root, url] = await app(
      'ext_maybe',
      'if op.get_bind().dialect.name == "postgresql":\n    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")',
    );
    const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    const f = out.result.findings.find((x) => x.code === 'extension-unavailable')!;
    expect(f).toMatchObject({ severity: 'warning', line: BODY + 1 });
    expect(out.exitCode).toBe(0);
    const strict = await verifyCommand({
      cwd: root,
      format: 'json',
      strict: true,
      env: { DATABASE_URL: url },
    });
    expect(strict.exitCode).toBe(1);
  }, 60_000);

  it('an extension already there without IF NOT EXISTS, and one dropped that is not: the lines real Alembic ends with', async () => {
    const [created, url1] = await app('ext_dup', 'op.execute("CREATE EXTENSION citext")', [
      'CREATE EXTENSION citext',
    ]);
    const dup = await verifyCommand({ cwd: created, format: 'json', env: { DATABASE_URL: url1 } });
    const ahead = dup.result.findings.find((x) => x.code === 'schema-ahead-of-stamp')!;
    const realDup = exampleAlembic(created, url1, 'upgrade', 'head');
    expect(realDup.status).not.toBe(0);
    expect(ahead.alembicError).toBe(realDup.error);
    expect(dup.exitCode).toBe(1);

    const [dropped, url2] = await app('ext_gone', 'op.execute("DROP EXTENSION hstore")');
    const gone = await verifyCommand({ cwd: dropped, format: 'json', env: { DATABASE_URL: url2 } });
    const missing = gone.result.findings.find((x) => x.code === 'schema-object-missing')!;
    const realGone = exampleAlembic(dropped, url2, 'upgrade', 'head');
    expect(realGone.status).not.toBe(0);
    expect(missing.alembicError).toBe(realGone.error);
    expect(await stamped(url2)).toEqual([['a1000000']]);
  }, 90_000);
});
