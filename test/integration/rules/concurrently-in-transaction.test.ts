import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { seedSql, upgradeCells, stepProject } from '../../helpers/data-matrix.js';
import { pgExec } from '../../helpers/pg-cluster.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';

const project = stepProject;

describe('concurrently-in-transaction, against real Alembic on PostgreSQL 15', () => {
  const pg = postgresForSuite();
  let n = 0;
  async function database(): Promise<string> {
    const name = `cic_${n++}`;
    await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]);
    // an empty table: no row decides this
    await pgExec(pg().urlFor(name), seedSql({ kind: 'unique-index', rows: 'empty' }));
    return pg().urlFor(name);
  }

  it.each([
    ['the operation', "op.create_index('ix_t_c', 't', ['c'], postgresql_concurrently=True)"],
    ['its SQL', 'op.execute("CREATE INDEX CONCURRENTLY ix_t_c ON t (c)")'],
  ])(
    'blocks %s outside autocommit_block(), quoting the line Alembic then fails with',
    async (_what, step) => {
      const url = await database();
      const root = project(step);
      const { exitCode, result } = await verifyCommand({
        cwd: root,
        format: 'json',
        env: { DATABASE_URL: url },
      });
      expect(exitCode).toBe(1);
      const f = result.findings.find((x) => x.code === 'concurrently-in-transaction')!;
      expect(f.title).toBe('pending b1 runs CREATE INDEX CONCURRENTLY inside a transaction');
      const alembic = upgradeCells([{ dir: root, url }])[0]!;
      expect(alembic.ok).toBe(false);
      expect(f.alembicError).toBe(alembic.error);
      expect(await pgExec(url, 'SELECT version_num FROM alembic_version')).toEqual([['a0']]);
    },
  );

  it('stays quiet inside autocommit_block(), and Alembic builds the index', async () => {
    const url = await database();
    const root = project(
      "with op.get_context().autocommit_block():\n    op.create_index('ix_t_c', 't', ['c'], postgresql_concurrently=True)",
    );
    const { result } = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    expect(result.findings.map((x) => x.code)).not.toContain('concurrently-in-transaction');
    expect(upgradeCells([{ dir: root, url }])[0]!.ok).toBe(true);
    expect(
      await pgExec(url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_t_c'::regclass"),
    ).toEqual([[true]]);
  });
});
