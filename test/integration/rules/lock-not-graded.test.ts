import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { lockFixture } from '../../helpers/lock-fixture.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';

describe('lock-not-graded', () => {
  const pg = postgresForSuite();

  it("SQL built at run time is said not graded, with its line (a warning; an error under --locks block); literal SQL is graded through PostgreSQL's parser", async () => {
    const built = await lockFixture(
      pg(),
      'ungraded_built',
      120_000,
      'op.execute(f"ALTER TABLE {table_of()} ALTER COLUMN amount TYPE bigint")',
    );
    const out = await verifyCommand({ cwd: built.root, format: 'text', env: { DATABASE_URL: built.url } });
    const f = out.result.findings.filter((x) => x.code === 'lock-not-graded');
    expect(f.map((x) => [x.severity, x.title, x.line])).toEqual([
      ['warning', 'a step of b1 not graded for locks', 17],
    ]);
    expect(f[0]!.message).toContain(
      'At line 17: SQL built at run time (alter_column on a table named at run time)',
    );
    expect(f[0]!.hint).toContain('# alembic-preflight: ignore lock-not-graded -- <why it is light>');
    expect(out.exitCode).toBe(0);
    const blocked = await verifyCommand({
      cwd: built.root,
      format: 'text',
      env: { DATABASE_URL: built.url },
      locks: { mode: 'block', rows: 100_000, bytes: 2 ** 40 },
    });
    expect(
      blocked.result.findings.filter((x) => x.code === 'lock-not-graded').map((x) => x.severity),
    ).toEqual(['error']);
    expect(blocked.exitCode).toBe(1);
    // a module constant fills the template: the ALTER it builds is graded
    const constant = await lockFixture(
      pg(),
      'ungraded_constant',
      120_000,
      'col = "amount"\nop.execute(f"ALTER TABLE orders ALTER COLUMN {col} TYPE bigint")',
    );
    const filled = await verifyCommand({
      cwd: constant.root,
      format: 'text',
      env: { DATABASE_URL: constant.url },
    });
    expect(filled.result.findings.map((x) => x.code)).not.toContain('lock-not-graded');
    expect(filled.result.findings.map((x) => x.code)).toContain('lock-on-large-table');
    const literal = await lockFixture(
      pg(),
      'ungraded_literal',
      120_000,
      'op.execute("ALTER TABLE orders ALTER COLUMN amount TYPE bigint")',
    );
    const graded = await verifyCommand({
      cwd: literal.root,
      format: 'text',
      env: { DATABASE_URL: literal.url },
    });
    expect(graded.result.findings.map((x) => x.code)).not.toContain('lock-not-graded');
    const lock = graded.result.findings.find((x) => x.code === 'lock-on-large-table');
    expect([
      lock?.message.startsWith("op.execute's SQL (as alter_column) rewrites orders"),
      lock?.line,
    ]).toEqual([true, 17]);
  }, 60_000);

  it('under --locks block with no sizes to grade with (--no-schema-probes), the pending step blocks; a new database does not', async () => {
    const { root, url } = await lockFixture(
      pg(),
      'ungraded_no_sizes',
      120_000,
      "op.drop_column('orders', 'note')",
    );
    const block = { mode: 'block' as const, rows: 100_000, bytes: 2 ** 40 };
    const gated = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      schemaProbes: false,
      locks: block,
    });
    const f = gated.result.findings.filter((x) => x.code === 'lock-not-graded');
    expect(f.map((x) => [x.severity, x.revision])).toEqual([['error', 'b1']]);
    expect(f[0]!.message).toContain("the tables' sizes were not read (--no-schema-probes)");
    expect(gated.exitCode).toBe(1);
    // --locks warn: no grades were asked for, and none is claimed
    const warned = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      schemaProbes: false,
    });
    expect(warned.result.findings.map((x) => x.code)).not.toContain('lock-not-graded');
    expect(warned.exitCode).toBe(0);
    // a new database: no table holds rows, nothing to block
    const { pgExec } = await import('../../helpers/pg-cluster.js');
    await pgExec(url, ['DROP TABLE orders', 'DROP TABLE customers', 'DELETE FROM alembic_version']);
    const fresh = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      schemaProbes: false,
      locks: block,
    });
    expect(fresh.result.findings.map((x) => x.code)).not.toContain('lock-not-graded');
  }, 60_000);

  it('a new database (no tables yet) has nothing to lock: nothing is said', async () => {
    const { url, root } = await lockFixture(
      pg(),
      'ungraded_new',
      10,
      'op.execute("DROP INDEX IF EXISTS ix_gone")',
    );
    const { pgExec } = await import('../../helpers/pg-cluster.js');
    await pgExec(url, ['DROP TABLE orders', 'DROP TABLE customers', 'DROP TABLE alembic_version']);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    expect([
      out.result.database.prediction.steps.length,
      out.result.database.locks?.sqlUngraded,
      out.result.database.locks?.steps,
    ]).toEqual([2, 0, []]);
    expect(out.result.findings.map((x) => x.code).filter((c) => c.startsWith('lock-'))).toEqual([]);
  }, 60_000);
});
