import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { durationText } from '../duration-text.js';
import type { LockHolder } from '../../database/version-table.js';
import { conflicts, stepName, type LockMode } from '../schema/lock-grade.js';
import type { PendingLock } from '../schema/pending-locks.js';

/**
 * Another session holds (or waits for) a lock on a table a pending step locks, in a mode the step
 * must wait for: the migration queues behind it, and every later query on the table behind the migration.
 */
export const lockQueueBlocker: Rule = {
  code: 'lock-queue-blocker',
  severity: 'warning',
  title: 'another session would make the migration wait',
  summary:
    'Another session holds a lock the pending migration must wait for (an idle transaction, a long query, a dump): it will queue, and the app behind it.',
  check({ database: db }) {
    const locks = db?.locks;
    if (!locks) return [];
    const out: Finding[] = [];
    const seen = new Set<number>();
    for (const h of locks.holders) {
      if (seen.has(h.pid)) continue;
      // the mode each step wants on the holder's table (a foreign key's second table included)
      const wanted = (s: PendingLock): LockMode | undefined =>
        s.table === h.table
          ? s.grade.mode
          : s.grade.alsoLocks?.table === h.table
            ? s.grade.alsoLocks.mode
            : undefined;
      const step = locks.steps.find((s) => {
        const mode = wanted(s);
        return mode !== undefined && conflicts(h.mode, mode);
      });
      if (!step) continue;
      seen.add(h.pid);
      out.push(finding(h, step, wanted(step)!, locks.settings.mode === 'block'));
    }
    return out;
  },
};

function finding(h: LockHolder, s: PendingLock, mode: LockMode, block: boolean): Finding {
  const age =
    h.transactionSeconds === null
      ? 'its transaction age hidden from this role'
      : `in a transaction for ${durationText(h.transactionSeconds)}`;
  const state = h.state ?? 'state hidden from this role';
  return {
    code: 'lock-queue-blocker',
    severity: block ? 'error' : 'warning',
    title: `session ${h.pid} (${state}) blocks ${stepName(s.step)} on ${h.table}`,
    message: `Session ${h.pid} (${state}, ${age}) ${h.granted ? 'holds' : 'waits for'} ${h.mode} on ${h.table}. ${stepName(s.step)} needs ${mode} there, so the migration will wait for that session, and every query on ${h.table} that comes after will wait behind the migration.`,
    hint: `Find what it is: SELECT pid, usename, application_name, state, xact_start FROM pg_stat_activity WHERE pid = ${h.pid}; end it if it should not be there (SELECT pg_terminate_backend(${h.pid})), or release when it has finished.`,
    path: s.path,
    line: s.step.line,
    revision: s.revision,
  };
}
