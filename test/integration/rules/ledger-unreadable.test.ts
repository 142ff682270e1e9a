import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { createLedgerSql } from '../../../src/database/ledger.js';
import { ledgerProject, ledgerRow, sqliteWithLedger, verifyLedger } from '../../helpers/ledger-db.js';
import { writableCluster } from '../../helpers/writable-db.js';

describe('ledger-unreadable', () => {
  const dbs = writableCluster('ledger_unreadable');

  it("warns when this role may not read the ledger, and the verdict stays the version table's", async () => {
    const db = await dbs.next();
    // the release role's ledger, and a read-only role for verify that may read the version table only
    // (and may write what the upgrade writes, so that only the ledger is out of its reach)
    const root = await dbs.atFirst(db, [
      createLedgerSql('alembic_preflight_history', null),
      'GRANT USAGE, CREATE ON SCHEMA public TO limited',
      'GRANT ALL ON alembic_version, users TO limited',
    ]);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: db.limited } });
    expect(out.exitCode, out.stdout).toBe(0);
    const f = out.result.findings.find((x) => x.code === 'ledger-unreadable')!;
    expect(f.severity).toBe('warning');
    expect(f.message).toMatch(
      /^The ledger public\.alembic_preflight_history exists but cannot be read \(this role has no SELECT privilege on public\.alembic_preflight_history\)/u,
    );
    // the superuser reads it: no warning
    const admin = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: db.admin } });
    expect(admin.result.findings.map((x) => x.code)).not.toContain('ledger-unreadable');
  }, 60_000);

  it('stays quiet on a readable ledger and on none', async () => {
    const a = ledgerProject();
    expect(
      (await verifyLedger(a, sqliteWithLedger(a, ['c3'], [ledgerRow(a, 'a1', null)]))).result.findings.map(
        (f) => f.code,
      ),
    ).not.toContain('ledger-unreadable');
    const b = ledgerProject();
    expect(
      (await verifyLedger(b, sqliteWithLedger(b, ['c3'], null))).result.findings.map((f) => f.code),
    ).not.toContain('ledger-unreadable');
  });
});
