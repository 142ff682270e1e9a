import { upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';

/** What the upgrade will apply, in order. */
export const pendingMigrations: Rule = {
  code: 'pending-migrations',
  severity: 'info',
  title: 'the upgrade will apply migrations',
  summary: 'Migrations `alembic upgrade <target>` will apply, in order.',
  check({ database: db }) {
    if (!db || !db.prediction.willSucceed || db.prediction.steps.length === 0) return [];
    const ids = db.prediction.steps.map((s) => s.revision);
    return [
      {
        code: 'pending-migrations',
        severity: 'info',
        message: `\`${upgradeCommand(db)}\` will apply ${ids.length} migration${ids.length === 1 ? '' : 's'}. In order: ${ids.join(' -> ')}.`,
        hint: `Nothing to fix; the database ends at ${(db.prediction.finalHeads ?? []).map(String).join(', ')}.`,
        revision: ids.join(', '),
      },
    ];
  },
};
