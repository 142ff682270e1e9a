import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { exampleAlembic } from '../../helpers/example-db.js';
import { pgExec } from '../../helpers/pg-cluster.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';
import { projectWith } from '../../helpers/probe-app.js';

describe('enum-value-used-before-commit', () => {
  const pg = postgresForSuite();

  /** orders.status of the enum status ('open', 'closed') at a1000000; b2000000 pending: `second`. */
  async function app(db: string, second: string): Promise<[string, string]> {
    await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`]);
    const url = pg().urlFor(db);
    const root = projectWith([
      [
        'a1000000',
        [
          `op.execute("CREATE TYPE status AS ENUM ('open', 'closed')")`,
          `op.execute("CREATE TABLE orders (id integer PRIMARY KEY, status status NOT NULL)")`,
          `op.execute("INSERT INTO orders VALUES (1, 'closed')")`,
        ].join('\n'),
      ],
      ['b2000000', second],
    ]);
    expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
    return [root, url];
  }

  const rows = async (url: string): Promise<unknown[][]> =>
    pgExec(url, 'SELECT (SELECT version_num FROM alembic_version), (SELECT status::text FROM orders)');

  it("ADD VALUE then an UPDATE that writes it, in one migration: blocks with PostgreSQL's line, as real Alembic fails", async () => {
    const [root, url] = await app(
      'enum_uncommitted',
      `op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived'")\nop.execute("UPDATE orders SET status = 'archived' WHERE status = 'closed'")`,
    );
    const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    expect(out.exitCode).toBe(1);
    const f = out.result.findings.find((x) => x.code === 'enum-value-used-before-commit')!;
    expect(f).toMatchObject({ severity: 'error', revision: 'b2000000', line: 17 });
    const real = exampleAlembic(root, url, 'upgrade', 'head');
    expect(real.status).not.toBe(0);
    expect(f.alembicError).toBe(real.error);
    // the whole migration rolled back: stamp and row as they were
    expect(await rows(url)).toEqual([['a1000000', 'closed']]);
  }, 60_000);

  it('controls: the value added in autocommit_block(), or already there: OK, and real Alembic upgrades', async () => {
    const update = `op.execute("UPDATE orders SET status = 'archived' WHERE status = 'closed'")`;
    for (const [db, body, setup] of [
      [
        'enum_autocommit',
        `with op.get_context().autocommit_block():\n    op.execute("ALTER TYPE status ADD VALUE 'archived'")\n${update}`,
        [],
      ],
      [
        'enum_there',
        `op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived'")\n${update}`,
        ["ALTER TYPE status ADD VALUE 'archived'"],
      ],
    ] as const) {
      const [root, url] = await app(db, body);
      if (setup.length > 0) await pgExec(url, [...setup]);
      const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
      expect(
        out.result.findings.map((x) => x.code),
        db,
      ).not.toContain('enum-value-used-before-commit');
      expect(out.exitCode, db).toBe(0);
      expect(exampleAlembic(root, url, 'upgrade', 'head').status, db).toBe(0);
      expect(await rows(url)).toEqual([['b2000000', 'archived']]);
    }
  }, 90_000);
});
