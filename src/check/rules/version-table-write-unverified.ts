import { upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';

/**
 * Alembic's version-table writes run server-side code verify cannot evaluate read-only: a trigger, a
 * rewrite rule, a row-security expression. Any of them can refuse the write (or make it match no row,
 * which Alembic reports as a failure), so the verdict says what it could not see instead of a plain OK.
 */
export const versionTableWriteUnverified: Rule = {
  code: 'version-table-write-unverified',
  severity: 'warning',
  title: 'server-side code decides a version write',
  summary:
    "Alembic's writes to the version table run a trigger, a rule or a row-security policy whose outcome only running can show.",
  check({ database: db }) {
    const w = db?.versionWrites;
    if (!db || !w || !db.prediction.willSucceed || db.prediction.steps.length === 0) return [];
    if (w.blocked || w.unknown.length === 0) return [];
    return [
      {
        code: 'version-table-write-unverified',
        severity: 'warning',
        title: 'server-side code decides the version table write',
        message: `\`${upgradeCommand(db)}\` will write the version table, and server-side code decides whether that write goes through: ${w.unknown.join('; ')}. verify reads read-only and cannot run it.`,
        hint: 'Read that code: Alembic fails if it raises, and also if the write then matches no row (a BEFORE trigger returning NULL, a policy hiding the row: "Online migration expected to match one row"). Keep the version table free of triggers, rules and row security, or rehearse the upgrade on a copy.',
      },
    ];
  },
};
