import { rowText, tableName, upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';

/** A row that matches a revision only as a unique prefix: Alembic carries on, and leaves the stale row behind. */
export const stampResolvesByPrefix: Rule = {
  code: 'stamp-resolves-by-prefix',
  severity: 'warning',
  title: 'a stamped row matches a revision by prefix only',
  summary:
    'A version-table row matches a revision only by prefix; the upgrade works but leaves the short row behind.',
  check({ database: db }) {
    if (!db) return [];
    return db.stamps
      .filter((s) => s.how === 'prefix' && typeof s.value === 'string')
      .map((s) => {
        const full = s.revisions[0]!;
        const after =
          db.prediction.willSucceed && db.prediction.steps.length > 0 && db.prediction.finalHeads
            ? ` After \`${upgradeCommand(db)}\` the table will hold ${db.prediction.finalHeads.map(rowText).join(', ')}.`
            : '';
        return {
          code: 'stamp-resolves-by-prefix',
          severity: 'warning' as const,
          message: `The ${db.state.versionTable} row ${rowText(s.value)} is not a revision id; Alembic matches it as a prefix of ${full}. The upgrade inserts a new row instead of updating this one.${after}`,
          hint: `Write the full id: UPDATE ${tableName(db)} SET version_num = '${full}' WHERE version_num = ${rowText(s.value)};`,
          revision: full,
        };
      });
  },
};
