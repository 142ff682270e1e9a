import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ledgerProject, ledgerRow, sqliteWithLedger, V, verifyLedger } from '../../helpers/ledger-db.js';

describe('database-ahead', () => {
  it('reports rows a newer release applied, with the chain down to this code, instead of stamped-revision-missing', async () => {
    // the newer code had a1 <- b2 <- c3 <- d4; this (older) code ends at b2
    const newer = ledgerProject(['a1', 'b2', 'c3', 'd4']);
    const ledger = [ledgerRow(newer, 'a1', null, { release: 'v1' }), ledgerRow(newer, 'b2', 'a1', { release: 'v1' }), ledgerRow(newer, 'c3', 'b2', { release: 'v2', at: '2026-11-21T09:30:00.000Z' }), ledgerRow(newer, 'd4', 'c3', { release: 'v2', at: '2026-11-21T09:30:00.000Z' })];
    const root = ledgerProject(['a1', 'b2']);
    const url = sqliteWithLedger(root, ['d4'], ledger);
    const { result, exitCode } = await verifyLedger(root, url);
    expect(exitCode).toBe(1);
    const codes = result.findings.map((f) => f.code);
    expect(codes).not.toContain('stamped-revision-missing');
    const f = result.findings.find((x) => x.code === 'database-ahead')!;
    expect(f.message).toBe(
      `The alembic_version row 'd4' is ahead of this code by 2 revisions, which the ledger alembic_preflight_history shows a newer release applied on top of b2: d4 (${V}d4_step.py; release v2, dyno release.1 on 2026-11-21 09:30:00 UTC); c3 (${V}c3_step.py; release v2, dyno release.1 on 2026-11-21 09:30:00 UTC). This code has no file for them: this is a rollback, or an older release deployed after a newer one, and \`alembic upgrade head\` would stop with "Can't locate revision identified by 'd4'".`,
    );
    expect(f.hint).toContain('alembic downgrade b2');
    expect(f.alembicError).toBe("FAILED: Can't locate revision identified by 'd4'");
    // upgrade-will-fail stays quiet: this finding explains the failure
    expect(codes).not.toContain('upgrade-will-fail');
  });

  it('stays quiet when the ledger misses a revision on the way down (a hand stamp above a release)', async () => {
    const newer = ledgerProject(['a1', 'b2', 'c3', 'd4']);
    const root = ledgerProject(['a1', 'b2']);
    // c3 is not in the ledger: d4 cannot be accounted for
    const url = sqliteWithLedger(root, ['d4'], [ledgerRow(newer, 'd4', 'c3')]);
    const { result } = await verifyLedger(root, url);
    const codes = result.findings.map((f) => f.code);
    expect(codes).not.toContain('database-ahead');
    const missing = result.findings.find((f) => f.code === 'stamped-revision-missing')!;
    expect(missing.message).toContain("The ledger alembic_preflight_history shows release v7, dyno release.1 on 2026-11-20 10:00:00 UTC applied it (migrations/versions/d4_step.py), but not every revision between it and this code");
  });

  it('stays quiet with no ledger, and on a database at this code', async () => {
    const root = ledgerProject(['a1', 'b2']);
    const none = await verifyLedger(root, sqliteWithLedger(root, ['d4'], null));
    expect(none.result.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['stamped-revision-missing']));
    expect(none.result.findings.map((f) => f.code)).not.toContain('database-ahead');
    rmSync(path.join(root, 'app.db'));
    const here = await verifyLedger(root, sqliteWithLedger(root, ['b2'], [ledgerRow(root, 'a1', null), ledgerRow(root, 'b2', 'a1')]));
    expect(here.exitCode).toBe(0);
    expect(here.result.findings.map((f) => f.code)).not.toContain('database-ahead');
  });
});
