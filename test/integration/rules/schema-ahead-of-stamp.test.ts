import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { exampleAlembic, exampleCopy } from '../../helpers/example-db.js';
import { pgExec } from '../../helpers/pg-cluster.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';
import { projectWith } from '../../helpers/probe-app.js';

/** The example upgraded to head by real Alembic, then stamped back to its first revision by hand. */
async function stampedBack(url: string): Promise<string> {
  const root = exampleCopy();
  expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
  expect(exampleAlembic(root, url, 'stamp', '1f2a3b4c5d6e').status).toBe(0);
  return root;
}

describe('schema-ahead-of-stamp', () => {
  it("SQLite: the pending revision's table exists; the error is the one real Alembic then raises", async () => {
    const url = 'sqlite:///app.db';
    const root = await stampedBack(url);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    expect(out.exitCode).toBe(1);
    const f = out.result.findings.find((x) => x.code === 'schema-ahead-of-stamp')!;
    expect(f.message).toContain(
      'but the table guest_sessions, which the pending migration 2a3b4c5d6e7f creates (migrations/versions/2a3b4c5d6e7f_add_guest_sessions.py:21), is already in the database',
    );
    const real = exampleAlembic(root, url, 'upgrade', 'head');
    expect(real.status).not.toBe(0);
    expect(f.alembicError).toBe(real.error);
    expect(out.stdout).toContain(`BLOCKED: \`alembic upgrade head\` will fail: ${real.error}`);
  }, 60_000);

  it("SQLite: a column that exists: the message quotes SQLite's own words, as real Alembic prints them", async () => {
    const url = 'sqlite:///app.db';
    const root = projectWith([
      ['a1000000', 'op.create_table("note", sa.Column("id", sa.Integer(), primary_key=True))'],
      ['b2000000', 'op.add_column("note", sa.Column("extra", sa.Integer()))'],
    ]);
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    expect(exampleAlembic(root, url, 'stamp', 'a1000000').status).toBe(0);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    const f = out.result.findings.find((x) => x.code === 'schema-ahead-of-stamp')!;
    const real = exampleAlembic(root, url, 'upgrade', 'head');
    expect(real.error).toMatch(/duplicate column name: extra$/u);
    expect(f.message).toContain('will fail there with "duplicate column name: extra"');
    expect(f.alembicError).toBe(real.error);
  }, 60_000);

  it('stays quiet on a database at the revision its tables say, and on one behind with nothing created yet', async () => {
    const root = exampleCopy();
    const url = 'sqlite:///app.db';
    expect(exampleAlembic(root, url, 'upgrade', '1f2a3b4c5d6e').status).toBe(0);
    const behind = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    expect(behind.result.findings.map((x) => x.code)).not.toContain('schema-ahead-of-stamp');
    expect(behind.exitCode).toBe(0);
    // users and its two columns at the stamp, and the pending guest_sessions
    expect(behind.stdout).toMatch(/^schema probes: the database agrees \(4 objects checked, 0 unknown\)$/mu);
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
  }, 60_000);

  describe('PostgreSQL', () => {
    const pg = postgresForSuite();
    it("the pending revision's table exists; the error is the one real Alembic then raises", async () => {
      await pgExec(pg().url, ['DROP DATABASE IF EXISTS probe_ahead', 'CREATE DATABASE probe_ahead']);
      const url = pg().urlFor('probe_ahead');
      const root = await stampedBack(url);
      const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
      const f = out.result.findings.find((x) => x.code === 'schema-ahead-of-stamp')!;
      const real = exampleAlembic(root, url, 'upgrade', 'head');
      expect(real.status).not.toBe(0);
      expect(f.alembicError).toBe(real.error);
      expect(real.error).toMatch(/relation "guest_sessions" already exists$/u);
      expect(f.message).toContain('will fail there with "relation "guest_sessions" already exists"');
    }, 60_000);

    it('a constraint dropped with its column is no clash when made again; the control without the drop still blocks', async () => {
      for (const [db, second, blocks] of [
        [
          'probe_pk_moved',
          'op.drop_column("t", "id")\nop.create_primary_key("t_pkey", "t", ["new_id"])',
          false,
        ],
        ['probe_pk_kept', 'op.create_primary_key("t_pkey", "t", ["new_id"])', true],
      ] as const) {
        await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`]);
        const url = pg().urlFor(db);
        const root = projectWith([
          [
            'a1000000',
            'op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("new_id", sa.Integer(), nullable=False))',
          ],
          ['b2000000', second],
        ]);
        expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
        const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
        const real = exampleAlembic(root, url, 'upgrade', 'head');
        const codes = out.result.findings.map((x) => x.code);
        if (blocks) {
          // PostgreSQL: a table has one primary key (the name t_pkey is taken too)
          expect(real.status, db).not.toBe(0);
          expect([codes.includes('schema-ahead-of-stamp'), out.exitCode], db).toEqual([true, 1]);
        } else {
          expect(real.status, `${db}: ${real.error}`).toBe(0);
          expect([codes.includes('schema-ahead-of-stamp'), out.exitCode], db).toEqual([false, 0]);
        }
      }
    }, 90_000);

    /** An enum made by one revision and given a value by the next (with or without IF NOT EXISTS), stamped at the first. */
    async function enumApp(db: string, ifNotExists: boolean, handAdded: boolean): Promise<[string, string]> {
      await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`]);
      const url = pg().urlFor(db);
      const guard = ifNotExists ? 'IF NOT EXISTS ' : '';
      const root = projectWith([
        ['a1000000', `op.execute("CREATE TYPE status AS ENUM ('open', 'closed')")`],
        ['b2000000', `op.execute("ALTER TYPE status ADD VALUE ${guard}'archived'")`],
      ]);
      expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
      // the value added by hand, as a restored dump or a partial rerun leaves it
      if (handAdded) await pgExec(url, ["ALTER TYPE status ADD VALUE 'archived'"]);
      return [root, url];
    }

    it("an enum value a pending ALTER TYPE … ADD VALUE adds is already there: PostgreSQL's DuplicateObject, as real Alembic raises it", async () => {
      const [root, url] = await enumApp('probe_label', false, true);
      const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
      expect(out.exitCode).toBe(1);
      const f = out.result.findings.find((x) => x.code === 'schema-ahead-of-stamp')!;
      expect(f.message).toContain(
        "but the value 'archived' of the enum status, which the pending migration b2000000 creates",
      );
      const real = exampleAlembic(root, url, 'upgrade', 'head');
      expect(real.status).not.toBe(0);
      expect(real.error).toMatch(/enum label "archived" already exists$/u);
      expect(f.alembicError).toBe(real.error);
      expect(f.message).toContain('will fail there with "enum label "archived" already exists"');
    }, 60_000);

    it('controls: the value not there yet, or added with IF NOT EXISTS: OK, and real Alembic upgrades', async () => {
      for (const [db, guarded, hand] of [
        ['probe_label_new', false, false],
        ['probe_label_guarded', true, true],
      ] as const) {
        const [root, url] = await enumApp(db, guarded, hand);
        const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
        expect(out.result.findings.map((x) => x.code)).not.toContain('schema-ahead-of-stamp');
        expect(out.exitCode).toBe(0);
        const real = exampleAlembic(root, url, 'upgrade', 'head');
        expect(real.status).toBe(0);
      }
    }, 90_000);
  });
});
