import { appliedByText } from '../ledger-view.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';

/**
 * A rollback runs the older code on the newer schema: what the revisions the database is ahead by
 * removed, renamed or changed of the schema this code's migrations build, per the steps the ledger
 * recorded when the newer release applied them.
 */
export const rollbackLosesSchema: Rule = {
  code: 'rollback-loses-schema',
  severity: 'warning',
  title: 'a rollback serves code on a schema it lacks',
  summary:
    "On a rollback, a revision the database is ahead by dropped, renamed or changed a table or column this code's migrations create: the older code's queries that use it fail.",
  check({ database: db }) {
    const rollback = db?.rollback;
    if (!rollback) return [];
    const out: Finding[] = rollback.losses.map((l) => {
      const object =
        l.step.call === 'drop_table' || l.step.call === 'rename_table'
          ? `table ${l.step.table}`
          : `column ${l.step.table}.${l.step.column ?? '?'}`;
      const created = `this code's migrations create ${object} (${l.createdBy.path}:${l.createdBy.line})`;
      const now = l.goneNow ? ` The database has no ${object} now.` : '';
      return {
        code: 'rollback-loses-schema' as const,
        severity: 'warning' as const,
        title: `a newer release ${l.what}`,
        message: `The database is ahead of this code at '${l.row}', and the ledger records that ${l.applied.revision} (${l.applied.path}:${l.step.line}; ${appliedByText(l.applied)}) ${l.what}; ${created}.${now} After the rollback this code serves on that schema, and ${l.why.replace(/^the serving release's code/u, 'this code').replace(/^the serving release/u, 'this code')}.${l.step.conditional ? ' The step was under if, for or try, or in a helper: it may not have run.' : ''}`,
        hint: `Roll forward to the release that applied ${l.applied.revision}, or downgrade with its code first (${l.applied.path} has the downgrade()), then roll back; --on-ahead block makes such a rollback stop before it goes live.`,
        path: l.createdBy.path,
        line: l.createdBy.line,
        revision: l.applied.revision,
      };
    });
    return out;
  },
};
