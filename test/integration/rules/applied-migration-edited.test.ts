import { appendFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ledgerProject, ledgerRow, sqliteWithLedger, V, verifyLedger } from '../../helpers/ledger-db.js';

describe('applied-migration-edited', () => {
  it('reports a recorded revision whose file changed, with the release that applied it; --strict blocks', async () => {
    const root = ledgerProject();
    const ledger = [ledgerRow(root, 'a1', null), ledgerRow(root, 'b2', 'a1'), ledgerRow(root, 'c3', 'b2')];
    appendFileSync(path.join(root, V, 'b2_step.py'), '# edited after release v7\n');
    const url = sqliteWithLedger(root, ['c3'], ledger);
    const { result, exitCode } = await verifyLedger(root, url);
    expect(exitCode).toBe(0);
    const found = result.findings.filter((f) => f.code === 'applied-migration-edited');
    expect(found).toHaveLength(1);
    expect(found[0]!).toMatchObject({ severity: 'warning', path: `${V}b2_step.py`, revision: 'b2' });
    expect(found[0]!.message).toMatch(
      /^migrations\/versions\/b2_step\.py: revision b2 changed after release v7, dyno release\.1 on 2026-11-20 10:00:00 UTC applied it \(SHA-256 [0-9a-f]{12}… then, [0-9a-f]{12}… now\)/u,
    );
    expect((await verifyLedger(root, url, { strict: true })).exitCode).toBe(1);
  });

  it('stays quiet on files whose bytes are the ones recorded, under a new name too', async () => {
    const root = ledgerProject();
    const ledger = [ledgerRow(root, 'a1', null), ledgerRow(root, 'b2', 'a1'), ledgerRow(root, 'c3', 'b2')];
    renameSync(path.join(root, V, 'c3_step.py'), path.join(root, V, 'c3_renamed.py'));
    const { result } = await verifyLedger(root, sqliteWithLedger(root, ['c3'], ledger));
    expect(result.findings.map((f) => f.code)).not.toContain('applied-migration-edited');
  });

  it('a recorded revision whose file is gone: the graph finding names the release that applied it, without git', async () => {
    const root = ledgerProject();
    const ledger = [ledgerRow(root, 'a1', null), ledgerRow(root, 'b2', 'a1'), ledgerRow(root, 'c3', 'b2')];
    rmSync(path.join(root, V, 'b2_step.py'));
    const { result, exitCode } = await verifyLedger(root, sqliteWithLedger(root, ['c3'], ledger));
    expect(exitCode).toBe(1);
    const f = result.findings.find((x) => x.code === 'missing-down-revision')!;
    expect(f.message).toContain(
      `The ledger alembic_preflight_history shows release v7, dyno release.1 on 2026-11-20 10:00:00 UTC applied 'b2' from ${V}b2_step.py, which this code no longer has.`,
    );
    expect(f.hint).toMatch(
      /^Restore migrations\/versions\/b2_step\.py \(SHA-256 [0-9a-f]{12}… as applied\)/u,
    );
  });
});
