import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ledgerProject, ledgerRow, sqliteWithLedger, V, verifyLedger } from '../../helpers/ledger-db.js';
import { migration } from '../../helpers/project.js';

describe('database-diverged', () => {
  it('a branch released over another: the database has x1 this code lacks, and lacks y1 this code has; blocks, as real Alembic fails (release-rollback.test.ts runs it)', async () => {
    // staging released a1 <- x1 (branch A); this code is a1 <- y1 (branch B), with no file for x1
    const branchA = ledgerProject(['a1', 'x1']);
    const ledger = [
      ledgerRow(branchA, 'a1', null, { release: 'v4' }),
      ledgerRow(branchA, 'x1', 'a1', { release: 'v5', at: '2026-11-21T09:30:00.000Z' }),
    ];
    const root = ledgerProject(['a1', 'y1']);
    const url = sqliteWithLedger(root, ['x1'], ledger);
    const { result, exitCode } = await verifyLedger(root, url);
    expect(exitCode).toBe(1);
    const codes = result.findings.map((f) => f.code);
    expect(codes).toContain('database-diverged');
    for (const quiet of ['database-ahead', 'stamped-revision-missing', 'upgrade-will-fail'])
      expect(codes).not.toContain(quiet);
    const f = result.findings.find((x) => x.code === 'database-diverged')!;
    expect(f.message).toMatch(
      /^The database took another branch after a1: it has x1, which this code lacks, and lacks y1\./u,
    );
    expect(f.message).toContain('x1 (release v5, dyno release.1 on 2026-11-21 09:30:00 UTC)');
    expect(f.alembicError).toBe("FAILED: Can't locate revision identified by 'x1'");
  });

  it('the same rows with this code at a1 alone is a true rollback (database-ahead), and a code ahead on the same line is no divergence', async () => {
    const branchA = ledgerProject(['a1', 'x1']);
    const ledger = [ledgerRow(branchA, 'a1', null), ledgerRow(branchA, 'x1', 'a1')];
    const older = ledgerProject(['a1']);
    const rollback = await verifyLedger(older, sqliteWithLedger(older, ['x1'], ledger));
    expect(rollback.result.findings.map((f) => f.code)).toContain('database-ahead');
    expect(rollback.result.findings.map((f) => f.code)).not.toContain('database-diverged');
    // this code has x1 too, and y1 after it: plain pending migrations
    const newer = ledgerProject(['a1', 'x1', 'y1']);
    rmSync(path.join(newer, 'app.db'), { force: true });
    writeFileSync(
      path.join(newer, V, 'x1_step.py'),
      migration(
        'x1',
        'a1',
        "op.create_table('t_x1', sa.Column('id', sa.Integer()))",
        "op.drop_table('t_x1')",
      ),
    );
    const ahead = await verifyLedger(newer, sqliteWithLedger(newer, ['x1'], ledger));
    expect(ahead.result.findings.map((f) => f.code)).not.toContain('database-diverged');
    expect(ahead.result.database.prediction.steps.map((s) => s.revision)).toEqual(['y1']);
  });
});
