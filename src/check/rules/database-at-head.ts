import { upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';

/** Nothing to do: the database already contains the target. */
export const databaseAtHead: Rule = {
  code: 'database-at-head',
  severity: 'info',
  title: 'the database is at the target',
  summary: 'The database is already at the target; the upgrade has nothing to apply.',
  check({ database: db }) {
    if (!db || !db.prediction.willSucceed || db.prediction.steps.length !== 0) return [];
    const at = (db.prediction.finalHeads ?? []).map(String).join(', ') || '(empty)';
    return [
      {
        code: 'database-at-head',
        severity: 'info',
        message: `The database is at ${at}; \`${upgradeCommand(db)}\` has nothing to apply.`,
        hint: 'Nothing to fix.',
        revision: at,
      },
    ];
  },
};
