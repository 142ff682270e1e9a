import type { Finding, Rule } from '../finding.js';

/**
 * The prediction fails for a reason no more specific finding explains (an
 * unknown target, a version-table write, a value we cannot model). Keeps the
 * guarantee that a failing prediction is never an all-clear.
 */
export const upgradeWillFail: Rule = {
  code: 'upgrade-will-fail',
  severity: 'error',
  summary: '`alembic upgrade <target>` is predicted to fail (or cannot be predicted) for a reason no other finding covers.',
  check({ database: db, target }, others: readonly Finding[] = []) {
    // check --target has no rows: only whether the target itself resolves is known
    const p = db ? db.prediction : target?.failure?.stage === 'target' ? target : undefined;
    if (!p || p.willSucceed) return [];
    if (p.cliOutput && others.some((f) => f.severity === 'error' && f.alembicError === p.cliOutput)) return [];
    if (p.unpredictable) {
      return [
        {
          code: 'upgrade-will-fail',
          severity: 'error',
          message: `Cannot predict \`alembic upgrade ${p.target}\`: ${p.unpredictable}. Refusing to give an all-clear.`,
          hint: 'Name the target revision explicitly, or fix the version-table row; then run verify again.',
        },
      ];
    }
    const f = p.failure!;
    let hint = 'Fix what the message names, then run verify again.';
    if (f.stage === 'target') hint = `Check the target '${p.target}': use head, heads, <label>@head or a revision id that exists (alembic heads lists them)${db ? '' : ', in the deploy script and in --target'}.`;
    else if (/value too long/u.test(f.message)) hint = 'Give the revision an id of at most 32 characters (rename revision and every down_revision that points at it).';
    else if (/Online migration expected to match one row/u.test(f.message)) hint = 'The version table holds duplicate rows: delete the duplicates so each revision appears once.';
    return [
      {
        code: 'upgrade-will-fail',
        severity: 'error',
        message: `\`alembic upgrade ${p.target}\` will fail: ${p.cliOutput}`,
        hint,
        alembicError: p.cliOutput ?? undefined,
      },
    ];
  },
};
