import { describe, expect, it } from 'vitest';
import { ledgerProject, ledgerRow, sqliteWithLedger, verifyLedger } from '../../helpers/ledger-db.js';

describe('database-unrelated', () => {
  it("another app's database, released through the tool: its ledger reaches base without this code's revisions; blocks with 'is this the right database?'", async () => {
    const other = ledgerProject(['o1', 'o2']);
    const ledger = [
      ledgerRow(other, 'o1', null, { release: 'v12' }),
      ledgerRow(other, 'o2', 'o1', { release: 'v13', at: '2026-11-22T08:00:00.000Z' }),
    ];
    const root = ledgerProject(['a1', 'b2']);
    const url = sqliteWithLedger(root, ['o2'], ledger);
    const { result, exitCode } = await verifyLedger(root, url);
    expect(exitCode).toBe(1);
    const codes = result.findings.map((f) => f.code);
    expect(codes).toContain('database-unrelated');
    for (const quiet of [
      'database-ahead',
      'database-diverged',
      'stamped-revision-missing',
      'upgrade-will-fail',
    ])
      expect(codes).not.toContain(quiet);
    const f = result.findings.find((x) => x.code === 'database-unrelated')!;
    expect(f.message).toMatch(
      /^Is this the right database\? Its alembic_version row 'o2' comes from a history that shares no revision with this code/u,
    );
    expect(f.message).toContain(
      "2 revisions applied from base (newest: o2, release v13, dyno release.1 on 2026-11-22 08:00:00 UTC), none of them among this code's 2",
    );
    expect(f.hint).toContain('$DATABASE_URL');
  });
});
