import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { lockFixture } from '../../helpers/lock-fixture.js';
import { pgExec } from '../../helpers/pg-cluster.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';

const DROP = "op.drop_column('orders', 'note')";

describe('lock-timeout-missing', () => {
  const pg = postgresForSuite();
  const codes = async (root: string, url: string): Promise<string[]> =>
    (await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } })).result.findings.map(
      (f) => f.code,
    );

  it('ACCESS EXCLUSIVE on a large table with no lock_timeout anywhere: reported at the step', async () => {
    const { root, url } = await lockFixture(pg(), 'timeout_none', 120_000, DROP);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    const f = out.result.findings.find((x) => x.code === 'lock-timeout-missing');
    expect([f?.severity, f?.path, f?.line]).toEqual(['warning', 'migrations/versions/b1_step.py', 17]);
    expect(f?.title).toBe('no lock_timeout: op.drop_column waits for ACCESS EXCLUSIVE on orders');
    expect(f?.hint).toContain('SET lock_timeout');
  }, 60_000);

  it("is quiet when the database's setting, the migration or env.py sets one, and on a small table", async () => {
    const db = await lockFixture(pg(), 'timeout_db', 120_000, DROP);
    await pgExec(db.url, "ALTER DATABASE timeout_db SET lock_timeout = '5s'");
    expect(await codes(db.root, db.url)).not.toContain('lock-timeout-missing');
    const inMigration = await lockFixture(
      pg(),
      'timeout_mig',
      120_000,
      `op.execute("SET lock_timeout = '5s'")\n${DROP}`,
    );
    expect(await codes(inMigration.root, inMigration.url)).not.toContain('lock-timeout-missing');
    const small = await lockFixture(pg(), 'timeout_small', 50, DROP);
    expect(await codes(small.root, small.url)).not.toContain('lock-timeout-missing');
  }, 60_000);
});
