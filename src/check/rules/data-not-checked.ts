import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';

/**
 * A pending step depends on the rows, and the data probes could not answer: an earlier step changes
 * the table in a way the reading cannot follow, the probe ran out of time or was held by a lock, the
 * role may not read the table. A warning, and under `--data block` an error: an unread table is not a
 * clean one. Accepted with a reason on the line, like lock-not-graded.
 */
export const dataNotChecked: Rule = {
  code: 'data-not-checked',
  severity: 'warning',
  title: "a pending step's rows could not be checked",
  summary:
    'A pending step depends on the rows (a NOT NULL, a unique key, a foreign key, a CHECK) and the data probe could not answer; --data block stops on it.',
  check({ database: db }) {
    if (!db?.data) return [];
    const block = db.data.block === true;
    return db.data.checks
      .filter((c) => c.result === 'not-checked')
      .map((c): Finding => {
        const p = c.probe;
        const why = c.why ?? 'the probe did not answer';
        const hint = [
          c.lockedBy
            ? `Find what session ${c.lockedBy.pid} is doing (SELECT state, xact_start FROM pg_stat_activity WHERE pid = ${c.lockedBy.pid}) and run verify again once it is done.`
            : '',
          `Or read the step and the rows yourself, and accept it with a reason on the line: # alembic-preflight: ignore data-not-checked -- <why the rows are fine>${block ? '' : ' (--data block stops the release on it)'}.`,
        ];
        return {
          code: 'data-not-checked',
          severity: block ? 'error' : 'warning',
          title: `rows under ${p.revision}'s op.${p.call} on ${p.table} not checked`,
          message: `${why[0]!.toUpperCase()}${why.slice(1)}. Whether the rows let the step at ${p.path}:${p.line} succeed is not known before it runs.`,
          hint: hint.filter(Boolean).join(' ').replace(/^Or r/u, 'R'),
          path: p.path,
          line: p.line,
          revision: p.revision,
        };
      });
  },
};
