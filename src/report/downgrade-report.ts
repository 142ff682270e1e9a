import type { UpgradePrediction } from '../alembic/graph/upgrade-plan.js';
import { verdictLine, verdictLineText } from './verdict-line.js';
import type { StampValue } from '../alembic/graph/version-rows.js';

/** What `verify --downgrade` prints: the command, the rows before, each step with the rows after it, the verdict. */
export interface DowngradeReport {
  readonly command: string;
  readonly database: string;
  readonly versionTable: string;
  readonly rows: readonly StampValue[];
  readonly prediction: UpgradePrediction;
  /** The revision files do not load: Alembic fails before it plans anything. */
  readonly loadFailure?: string;
}

const shown = (r: StampValue): string => (r === null ? 'NULL' : typeof r === 'string' ? `'${r}'` : r.repr);

export function downgradeText(r: DowngradeReport): string {
  const p = r.prediction;
  const lines = [
    `alembic-preflight verify --downgrade ${p.target}: \`${r.command}\``,
    `database: ${r.database}`,
    `version table ${r.versionTable}: ${r.rows.length === 0 ? 'empty' : r.rows.map(shown).join(', ')}`,
    '',
  ];
  const blocked = (sentence: string): void =>
    void lines.push(verdictLineText(verdictLine('BLOCKED', sentence)));
  if (r.loadFailure) blocked(`\`${r.command}\` will fail before it plans anything: ${r.loadFailure}`);
  else if (p.unpredictable) blocked(`cannot predict \`${r.command}\`: ${p.unpredictable}`);
  else if (!p.willSucceed) blocked(`\`${r.command}\` will fail with: ${p.cliOutput ?? ''}`);
  else {
    for (const s of p.steps)
      lines.push(
        `  downgrade ${s.revision}: ${s.versionOps.join('; ') || 'no version-table change'} → ${(s.rowsAfter ?? []).map(shown).join(', ') || 'no rows'}`,
      );
    const rows = (p.finalHeads ?? []).map(shown).join(', ') || 'no rows (base)';
    lines.push(
      p.steps.length > 0 ? '' : '  nothing to run',
      verdictLineText(
        verdictLine(
          'OK',
          `\`${r.command}\` will succeed, running ${p.steps.length} downgrade${p.steps.length === 1 ? '' : 's'}, and the version table then holds ${rows}`,
        ),
      ),
    );
  }
  return lines.join('\n') + '\n';
}

export function downgradeJson(r: DowngradeReport): unknown {
  const p = r.prediction;
  return {
    schemaVersion: 1,
    command: 'verify --downgrade',
    alembicCommand: r.command,
    target: p.target,
    versionTable: r.versionTable,
    rows: r.rows,
    ok: !r.loadFailure && p.willSucceed,
    steps: p.steps.map((s) => ({
      revision: s.revision,
      versionOps: s.versionOps,
      rowsAfter: s.rowsAfter ?? [],
    })),
    finalRows: p.finalHeads,
    alembicError: r.loadFailure ?? p.cliOutput,
    unpredictable: p.unpredictable ?? null,
  };
}
