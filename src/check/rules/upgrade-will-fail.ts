import { upgradeAs } from '../db-helpers.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { downRevisionAt, redundantParent } from '../redundant-parent.js';

/**
 * The prediction fails for a reason no more specific finding explains (an
 * unknown target, a version-table write, a value we cannot model). Keeps the
 * guarantee that a failing prediction is never an all-clear.
 */
export const upgradeWillFail: Rule = {
  code: 'upgrade-will-fail',
  severity: 'error',
  title: 'the upgrade is predicted to fail',
  summary:
    '`alembic upgrade <target>` is predicted to fail (or cannot be predicted) for a reason no other finding covers.',
  check({ database: db, target, model, words }, others: readonly Finding[] = []) {
    // check --target has no rows: whether the target resolves, and whether a new database (no version
    // table: review apps, CI, a first deploy) gets through every step, are known; the live rows are verify's
    const p = db
      ? db.prediction
      : target?.failure?.stage === 'target' || target?.failure?.stage === 'step'
        ? target
        : undefined;
    const onNew = !db && p?.failure?.stage === 'step' ? 'On a new database (no version table), ' : '';
    if (!p || p.willSucceed) return [];
    const upgrade = upgradeAs(words, p.target);
    if (p.cliOutput && others.some((f) => f.severity === 'error' && f.alembicError === p.cliOutput))
      return [];
    if (p.unpredictable) {
      return [
        {
          code: 'upgrade-will-fail',
          severity: 'error',
          title: `cannot predict \`${upgrade}\`: no all-clear`,
          message: `What it does cannot be predicted: ${p.unpredictable}.`,
          hint: 'Name the target revision explicitly, or fix the version-table row; then run verify again.',
        },
      ];
    }
    const f = p.failure!;
    let hint = 'Fix what the message names, then run verify again.';
    if (f.stage === 'target')
      hint = `Check the target '${p.target}': use head, heads, <label>@head or a revision id that exists (alembic heads lists them)${db ? '' : ', in the deploy script and in --target'}.`;
    else if (f.detail?.kind === 'value-too-long')
      hint = `Give the revision an id of at most ${f.detail.limit} characters (rename revision and every down_revision that points at it).`;
    else if (f.detail?.kind === 'rowcount')
      hint = 'The version table holds duplicate rows: delete the duplicates so each revision appears once.';
    // a KeyError while applying a merge: one parent's row was already replaced through another parent
    const merge = f.revision !== undefined ? model.map.byKey.get(f.revision) : undefined;
    const redundant =
      merge && f.row !== undefined && merge.normalizedDown.includes(f.row)
        ? redundantParent(model.map, f.row, merge.normalizedDown)
        : undefined;
    if (merge && redundant) {
      const { line, where } = downRevisionAt(merge);
      return [
        {
          code: 'upgrade-will-fail',
          severity: 'error',
          title: `merge ${merge.id} lists ${f.row}, which another parent already brings in`,
          message:
            `${onNew}\`${upgrade}\` will fail at merge revision ${merge.id}: it lists ${f.row} as a down revision, but ${f.row} is already an ancestor of ${redundant.via}, ` +
            `another of its parents${redundant.throughDependency ? ' (through depends_on)' : ''}. By the time the merge runs, the ${f.row} row of the version table has been replaced, and Alembic's bookkeeping raises ${p.cliOutput}.`,
          hint: `Remove ${f.row} from down_revision in ${merge.id} (${where}): ${redundant.via} already brings it in, so every migration that ran before the merge still does.`,
          path: merge.file.path,
          line,
          revision: merge.id,
          alembicError: p.cliOutput ?? undefined,
        },
      ];
    }
    return [
      {
        code: 'upgrade-will-fail',
        severity: 'error',
        title: `\`${upgrade}\` will fail${f.stage === 'target' ? `: it cannot find '${p.target}'` : ''}`,
        // Alembic's line is printed on its own (alembicError)
        message: `${onNew ? 'On a new database (no version table), the' : 'The'} upgrade stops with the error Alembic prints.`,
        hint,
        alembicError: p.cliOutput ?? undefined,
      },
    ];
  },
};
