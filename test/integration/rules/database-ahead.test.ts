import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { ledgerProject, ledgerRow, sqliteWithLedger, V, verifyLedger } from '../../helpers/ledger-db.js';
import { migration } from '../../helpers/project.js';

describe('database-ahead', () => {
  it('reports rows a newer release applied, with the chain down to this code, instead of stamped-revision-missing', async () => {
    // the newer code had a1 <- b2 <- c3 <- d4; this (older) code ends at b2
    const newer = ledgerProject(['a1', 'b2', 'c3', 'd4']);
    const ledger = [
      ledgerRow(newer, 'a1', null, { release: 'v1' }),
      ledgerRow(newer, 'b2', 'a1', { release: 'v1' }),
      ledgerRow(newer, 'c3', 'b2', { release: 'v2', at: '2026-11-21T09:30:00.000Z' }),
      ledgerRow(newer, 'd4', 'c3', { release: 'v2', at: '2026-11-21T09:30:00.000Z' }),
    ];
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
    expect(missing.message).toContain(
      'The ledger alembic_preflight_history shows release v7, dyno release.1 on 2026-11-20 10:00:00 UTC applied it (migrations/versions/d4_step.py), but not every revision between it and this code',
    );
  });

  it('stays quiet with no ledger, and on a database at this code', async () => {
    const root = ledgerProject(['a1', 'b2']);
    const none = await verifyLedger(root, sqliteWithLedger(root, ['d4'], null));
    expect(none.result.findings.map((f) => f.code)).toEqual(
      expect.arrayContaining(['stamped-revision-missing']),
    );
    expect(none.result.findings.map((f) => f.code)).not.toContain('database-ahead');
    rmSync(path.join(root, 'app.db'));
    const here = await verifyLedger(
      root,
      sqliteWithLedger(root, ['b2'], [ledgerRow(root, 'a1', null), ledgerRow(root, 'b2', 'a1')]),
    );
    expect(here.exitCode).toBe(0);
    expect(here.result.findings.map((f) => f.code)).not.toContain('database-ahead');
  });

  it('adds what git knows where the project is a work tree: the branch that has the newer files', async () => {
    const root = ledgerProject(['a1', 'b2']);
    const git = (...args: string[]): string =>
      execFileSync('git', args, {
        cwd: root,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'v1');
    git('checkout', '-q', '-b', 'newer');
    writeFileSync(
      path.join(root, V, 'c3_step.py'),
      migration(
        'c3',
        'b2',
        "op.create_table('t_c3', sa.Column('id', sa.Integer()))",
        "op.drop_table('t_c3')",
      ),
    );
    git('add', '-A');
    git('commit', '-qm', 'v2 adds c3');
    const ledger = [ledgerRow(root, 'c3', 'b2')];
    git('checkout', '-q', 'main');
    const url = sqliteWithLedger(root, ['c3'], ledger);
    const { result } = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      alembicVersion: '1.8.1',
    });
    const f = result.findings.find((x) => x.code === 'database-ahead')!;
    expect(f.message).toMatch(/ Git: .*newer/u);
  });
});
