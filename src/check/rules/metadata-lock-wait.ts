import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { durationText } from '../duration-text.js';
import { stepName } from '../schema/lock-grade.js';
import type { MetadataHolder } from '../../database/version-table.js';
import type { PendingLock } from '../schema/pending-locks.js';

/**
 * MySQL and MariaDB: another session's open transaction holds the metadata lock of a table a pending
 * ALTER changes (every table a transaction used stays locked until it ends). The ALTER waits for it, up to
 * lock_wait_timeout, and every query on the table after it waits behind the ALTER ("Waiting for table
 * metadata lock").
 */
export const metadataLockWait: Rule = {
  code: 'metadata-lock-wait',
  severity: 'warning',
  title: "an open transaction holds a table's metadata lock",
  summary:
    "Another session's open transaction (or LOCK TABLES … WRITE) holds the metadata lock of a table a pending ALTER changes (MySQL, MariaDB): the ALTER waits, and the app's queries behind it.",
  check({ database: db }) {
    const m = db?.locks?.metadata;
    if (!db?.locks || !m) return [];
    const block = db.locks.settings.mode === 'block';
    const stepOn = (table: string): PendingLock | undefined =>
      db.locks!.steps.find((s) => s.table.toLowerCase() === table.toLowerCase());
    return [
      ...m.locked.flatMap((t) => {
        const step = stepOn(t);
        return step ? [lockedFinding(step, m.waitSeconds, block)] : [];
      }),
      ...m.holders.flatMap((h): Finding[] => {
        const step = m.exact ? (h.tables ?? []).map(stepOn).find(Boolean) : db.locks!.steps[0];
        return step ? [finding(h, step, m.exact, m.waitSeconds, block)] : [];
      }),
    ];
  },
};

/** A table locked even against reads, by a session no transaction shows (LOCK TABLES … WRITE). */
function lockedFinding(s: PendingLock, wait: number | null, block: boolean): Finding {
  return {
    code: 'metadata-lock-wait',
    severity: block ? 'error' : 'warning',
    title: `another session holds ${s.table} locked: the ALTER waits`,
    message: `Another session holds ${s.table} locked: a read of it waited past one second (1205), with no open transaction to show for it, as a session that ran LOCK TABLES ${s.table} WRITE holds it (or an ALTER under way). ${stepName(s.step)} must take the table's metadata lock exclusively, so it waits until that session unlocks or disconnects${wait !== null ? `, up to lock_wait_timeout (${wait} s)` : ''}, and every query on ${s.table} after it waits behind the ALTER.`,
    hint: `Find the session: SHOW PROCESSLIST (a LOCK TABLES holder is often in Sleep); let it run UNLOCK TABLES or end it (KILL <id>), then release. In the migration, op.execute("SET SESSION lock_wait_timeout = 5") bounds the wait.`,
    path: s.path,
    line: s.step.line,
    revision: s.revision,
  };
}

function finding(
  h: MetadataHolder,
  s: PendingLock,
  exact: boolean,
  wait: number | null,
  block: boolean,
): Finding {
  const age = h.seconds === null ? 'a transaction open' : `a transaction open for ${durationText(h.seconds)}`;
  const state = h.state ?? 'state hidden';
  const holds = exact
    ? `holds the metadata lock of ${s.table}`
    : `may hold the metadata lock of ${s.table} (which tables it used cannot be seen: performance_schema is off)`;
  return {
    code: 'metadata-lock-wait',
    severity: block ? 'error' : 'warning',
    title: `session ${h.thread} ${exact ? 'holds' : 'may hold'} the metadata lock of ${s.table}`,
    message: `Session ${h.thread}${h.user ? ` (${h.user})` : ''} has ${age} (${state}) and ${holds}. ${stepName(s.step)} must take that lock exclusively, so it waits until the transaction ends${wait !== null ? `, up to lock_wait_timeout (${wait} s)` : ''}, and every query on ${s.table} after it waits behind the ALTER ("Waiting for table metadata lock").`,
    hint: `Find what it is: SELECT * FROM information_schema.PROCESSLIST WHERE ID = ${h.thread}; end it if it should not be there (KILL ${h.thread}), or release when it has finished. In the migration, op.execute("SET SESSION lock_wait_timeout = 5") bounds the wait.`,
    path: s.path,
    line: s.step.line,
    revision: s.revision,
  };
}
