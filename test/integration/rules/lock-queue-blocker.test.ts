import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { lockFixture } from '../../helpers/lock-fixture.js';
import { pgExec, pidOf } from '../../helpers/pg-cluster.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';

describe('lock-queue-blocker', () => {
  const pg = postgresForSuite();

  it('names a session idle in a transaction that holds a lock the pending step must wait for', async () => {
    const { root, url } = await lockFixture(
      pg(),
      'queue_idle',
      10,
      "op.add_column('orders', sa.Column('extra', sa.Integer(), nullable=True))",
    );
    const { default: Pg } = await import('pg');
    const idle = new Pg.Client({ connectionString: url, ssl: false });
    await idle.connect();
    try {
      // a session that read the table and never committed: it holds ACCESS SHARE until it ends
      await idle.query('BEGIN');
      await idle.query('SELECT count(*) FROM orders');
      const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
      const f = out.result.findings.filter((x) => x.code === 'lock-queue-blocker');
      expect(f).toHaveLength(1);
      expect(f[0]!.title).toBe(`session ${pidOf(idle)} (idle in transaction) blocks op.add_column on orders`);
      expect(f[0]!.message).toContain(
        'holds AccessShareLock on orders. op.add_column needs ACCESS EXCLUSIVE there',
      );
      expect(f[0]!.hint).toContain(`pg_terminate_backend(${pidOf(idle)})`);
    } finally {
      await idle.end();
    }
    // once it has ended, nothing is reported
    const after = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    expect(after.result.findings.map((x) => x.code)).not.toContain('lock-queue-blocker');
  }, 60_000);

  it('a lock that does not conflict is not reported: a reader beside CREATE INDEX CONCURRENTLY', async () => {
    const { root, url } = await lockFixture(
      pg(),
      'queue_cic',
      10,
      "with op.get_context().autocommit_block():\n    op.create_index('ix_amount', 'orders', ['amount'], postgresql_concurrently=True)",
    );
    const { default: Pg } = await import('pg');
    const reader = new Pg.Client({ connectionString: url, ssl: false });
    await reader.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM orders');
      const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
      expect(out.result.findings.map((x) => x.code)).not.toContain('lock-queue-blocker');
    } finally {
      await reader.end();
    }
  }, 60_000);

  it("a session in another database of the cluster is not a holder, though a clone's tables share its OIDs", async () => {
    const { root, url } = await lockFixture(
      pg(),
      'queue_original',
      10,
      "op.add_column('orders', sa.Column('extra', sa.Integer(), nullable=True))",
    );
    // staging cloned from production: every table has the same OID in both databases
    await pgExec(pg().url, [
      'DROP DATABASE IF EXISTS queue_clone',
      'CREATE DATABASE queue_clone TEMPLATE queue_original',
    ]);
    const clone = pg().urlFor('queue_clone');
    const sameOid = async (u: string): Promise<unknown> =>
      (await pgExec(u, "SELECT 'orders'::regclass::oid::int"))[0];
    expect(await sameOid(clone)).toEqual(await sameOid(url));
    const { default: Pg } = await import('pg');
    const elsewhere = new Pg.Client({ connectionString: clone, ssl: false });
    await elsewhere.connect();
    try {
      await elsewhere.query('BEGIN');
      await elsewhere.query('SELECT count(*) FROM orders');
      const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
      expect(out.result.findings.map((x) => x.code)).not.toContain('lock-queue-blocker');
      // the control: the same session's lock in this database is named
      const there = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: clone } });
      expect(there.result.findings.map((x) => x.code)).toContain('lock-queue-blocker');
    } finally {
      await elsewhere.end();
    }
  }, 60_000);
});
