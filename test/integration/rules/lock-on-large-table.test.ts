import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { releaseCommand } from '../../../src/commands/release/release-command.js';
import { lockFixture } from '../../helpers/lock-fixture.js';
import { alembicOnPath } from '../../helpers/oracle.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { pgExec } from '../../helpers/pg-cluster.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';

const RETYPE = "op.alter_column('orders', 'amount', type_=sa.BigInteger())";

describe('lock-on-large-table', () => {
  const pg = postgresForSuite();

  it('names the step, the table, its live size and the lock, with the safe form', async () => {
    const { root, url } = await lockFixture(pg(), 'big_retype', 200_000, RETYPE);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    const f = out.result.findings.find((x) => x.code === 'lock-on-large-table');
    expect(f?.severity).toBe('warning');
    expect(f?.title).toBe(
      'rewrites orders (200 k rows, ' + /\d+(?:\.\d)? MB/u.exec(f!.title!)![0] + ') under ACCESS EXCLUSIVE',
    );
    expect([f?.path, f?.line, f?.revision]).toEqual(['migrations/versions/b1_step.py', 17, 'b1']);
    expect(f?.message).toContain(
      'Reads and writes on orders wait until it ends (a new copy of the table and its indexes is written)',
    );
    expect(f?.hint).toContain('add a column of the new type, backfill it in batches');
    // a warning does not stop the deploy by default
    expect(out.exitCode).toBe(0);
  }, 60_000);

  it('stays quiet on a small table, below the thresholds, and with --locks off', async () => {
    const small = await lockFixture(pg(), 'small_retype', 500, RETYPE);
    expect(
      (
        await verifyCommand({ cwd: small.root, format: 'text', env: { DATABASE_URL: small.url } })
      ).result.findings.map((f) => f.code),
    ).not.toContain('lock-on-large-table');
    const big = await lockFixture(pg(), 'big_retype_off', 150_000, RETYPE);
    const raised = await verifyCommand({
      cwd: big.root,
      format: 'text',
      env: { DATABASE_URL: big.url },
      locks: { mode: 'warn', rows: 1_000_000, bytes: 1024 ** 3 },
    });
    expect(raised.result.findings.map((f) => f.code)).not.toContain('lock-on-large-table');
    const off = await verifyCommand({
      cwd: big.root,
      format: 'text',
      env: { DATABASE_URL: big.url },
      locks: { mode: 'off', rows: 100_000, bytes: 1024 ** 3 },
    });
    expect(off.result.findings.map((f) => f.code)).not.toContain('lock-on-large-table');
    // --locks off reads no sizes, locks or timeouts at all
    const catalog = off.result.database.state.catalog;
    expect(
      catalog && !('unreadable' in catalog)
        ? [catalog.tableSizes, catalog.lockHolders, catalog.timeouts]
        : 'unread',
    ).toEqual([undefined, undefined, undefined]);
  }, 60_000);

  it('--locks block: release exits 1 before Alembic starts, and the table is neither rewritten nor stamped', async () => {
    const { root, url } = await lockFixture(pg(), 'big_block', 150_000, RETYPE);
    const before = await pgExec(url, "SELECT relfilenode FROM pg_class WHERE relname = 'orders'");
    const lines: string[] = [];
    const code = await releaseCommand({
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: url,
        PATH: `${alembicOnPath(tempDir('preflight-bin-'))}:${process.env.PATH}`,
      },
      locks: { mode: 'block', rows: 100_000, bytes: 1024 ** 3 },
      out: (t) => lines.push(t),
      event: () => undefined,
      report: (e) => lines.push(String(e)),
      format: 'text',
    });
    expect(code).toBe(1);
    expect(lines.join('')).toContain('lock-on-large-table');
    expect(await pgExec(url, "SELECT relfilenode FROM pg_class WHERE relname = 'orders'")).toEqual(before);
    expect(await pgExec(url, 'SELECT version_num FROM alembic_version')).toEqual([['a0']]);
    // the same release with the default (warn) migrates
    const warned = await releaseCommand({
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: url,
        PATH: `${alembicOnPath(tempDir('preflight-bin-'))}:${process.env.PATH}`,
      },
      out: () => undefined,
      event: () => undefined,
      report: () => 2,
      format: 'text',
    });
    expect(warned).toBe(0);
    expect(await pgExec(url, 'SELECT version_num FROM alembic_version')).toEqual([['b1']]);
  }, 120_000);
});
