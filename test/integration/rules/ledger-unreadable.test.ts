import { describe, expect, it } from 'vitest';
import { ledgerProject, ledgerRow, sqliteWithLedger, verifyLedger } from '../../helpers/ledger-db.js';

describe('ledger-unreadable', () => {
  it('warns when the ledger is there but cannot be read, and the verdict stays the version table\'s', async () => {
    const root = ledgerProject();
    // a table of that name that is not a ledger: its SELECT fails
    const url = sqliteWithLedger(root, ['c3'], null, 'CREATE TABLE alembic_preflight_history (id INTEGER)');
    const { result, exitCode } = await verifyLedger(root, url);
    expect(exitCode).toBe(0);
    const f = result.findings.find((x) => x.code === 'ledger-unreadable')!;
    expect(f.severity).toBe('warning');
    expect(f.message).toMatch(/^The ledger alembic_preflight_history exists but cannot be read \(no such column: revision\)/u);
  });

  it('stays quiet on a readable ledger and on none', async () => {
    const a = ledgerProject();
    expect((await verifyLedger(a, sqliteWithLedger(a, ['c3'], [ledgerRow(a, 'a1', null)]))).result.findings.map((f) => f.code)).not.toContain('ledger-unreadable');
    const b = ledgerProject();
    expect((await verifyLedger(b, sqliteWithLedger(b, ['c3'], null))).result.findings.map((f) => f.code)).not.toContain('ledger-unreadable');
  });
});
