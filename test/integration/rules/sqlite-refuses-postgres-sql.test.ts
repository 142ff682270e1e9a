import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { exampleAlembic } from '../../helpers/example-db.js';
import { projectWith } from '../../helpers/probe-app.js';

/** a1000000 makes a table; b2000000 runs `step`, then an ALTER TABLE SQLite cannot do in place. */
function app(step: string): string {
  return projectWith([
    ['a1000000', 'op.create_table("note", sa.Column("id", sa.Integer(), primary_key=True))'],
    ['b2000000', step],
    ['c3000000', 'op.alter_column("note", "id", type_=sa.BigInteger())'],
  ]);
}

describe('sqlite-refuses-postgres-sql, against real Alembic on SQLite', () => {
  const url = 'sqlite:///app.db';
  const env = { DATABASE_URL: url };

  it.each([
    ['ALTER TYPE … ADD VALUE', `op.execute("ALTER TYPE status ADD VALUE 'archived'")`],
    ['ALTER TYPE … RENAME VALUE', `op.execute("ALTER TYPE status RENAME VALUE 'a' TO 'b'")`],
    ['CREATE EXTENSION', 'op.execute("CREATE EXTENSION IF NOT EXISTS citext")'],
    ['DROP EXTENSION', 'op.execute("DROP EXTENSION IF EXISTS citext")'],
  ])(
    '%s: blocked at its own revision with the syntax error real Alembic ends with',
    async (statement, step) => {
      const root = app(step);
      expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
      const out = await verifyCommand({ cwd: root, format: 'json', env });
      expect(out.exitCode).toBe(1);
      const codes = out.result.findings.map((x) => x.code);
      // the first failure is this one, not the later revision's ALTER COLUMN
      expect(codes).not.toContain('sqlite-needs-batch');
      const f = out.result.findings.find((x) => x.code === 'sqlite-refuses-postgres-sql')!;
      expect(f).toMatchObject({
        revision: 'b2000000',
        line: 16,
        title: `pending b2000000 runs ${statement} on SQLite`,
      });
      const real = exampleAlembic(root, url, 'upgrade', 'head');
      expect(real.status).not.toBe(0);
      expect(f.alembicError).toBe(real.error);
    },
    60_000,
  );

  it('under a dialect check it does not run: the later ALTER COLUMN is the one reported, as Alembic fails there', async () => {
    const root = app(
      `if op.get_bind().dialect.name == "postgresql":\n    op.execute("ALTER TYPE status ADD VALUE 'archived'")`,
    );
    expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
    const out = await verifyCommand({ cwd: root, format: 'json', env });
    const codes = out.result.findings.map((x) => x.code);
    expect(codes).not.toContain('sqlite-refuses-postgres-sql');
    const f = out.result.findings.find((x) => x.code === 'sqlite-needs-batch')!;
    expect(f.revision).toBe('c3000000');
    // real Alembic runs b2000000 and stops in c3000000
    expect(exampleAlembic(root, url, 'upgrade', 'b2000000').status).toBe(0);
    const real = exampleAlembic(root, url, 'upgrade', 'head');
    expect(real.status).not.toBe(0);
    expect(f.alembicError).toBe(real.error);
  }, 60_000);
});
