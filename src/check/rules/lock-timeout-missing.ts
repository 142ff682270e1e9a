import type { Rule } from '../rule.js';
import { stepName } from '../schema/lock-grade.js';
import { sizeText, waitsUnbounded, type PendingLocks } from '../schema/pending-locks.js';
import type { Finding } from '../finding.js';

/**
 * A pending step asks for ACCESS EXCLUSIVE on a large table and nothing bounds the wait: a queued
 * ACCESS EXCLUSIVE request blocks every later query on the table, even for a change that takes no time.
 */
export const lockTimeoutMissing: Rule = {
  code: 'lock-timeout-missing',
  severity: 'warning',
  title: 'no lock_timeout for an ACCESS EXCLUSIVE wait',
  summary:
    'A pending step waits for ACCESS EXCLUSIVE (on MySQL, the metadata lock) on a large table with no lock timeout: every query on it queues behind the wait.',
  check({ database: db }) {
    const locks = db?.locks;
    if (!locks) return [];
    const mysql = mysqlWait(locks);
    if (mysql) return [mysql];
    // per step: a timeout set after it, in downgrade() or in a docstring bounds nothing
    const first = locks.steps.find(waitsUnbounded);
    if (!first) return [];
    return [
      {
        code: 'lock-timeout-missing',
        severity: locks.settings.mode === 'block' ? 'error' : 'warning',
        title: `no lock_timeout: ${stepName(first.step)} waits for ACCESS EXCLUSIVE on ${first.table}`,
        message: `While it waits for the sessions already using ${first.table} (${sizeText(first.size)}), every later query on ${first.table} waits behind it: the serving app stalls until the migration gets its lock. No lock_timeout is in force when it runs: neither the role, the database, env.py's migrating path nor a statement before it in the pending migrations sets one above 0${locks.timeouts ? ` (statement_timeout: ${locks.timeouts.statementMs > 0 ? `${locks.timeouts.statementMs} ms` : 'none'})` : ''}.`,
        hint: `At the top of the migration's upgrade(): op.execute("SET lock_timeout = '5s'"), and let the release retry; or for every migration: ALTER ROLE <role> SET lock_timeout = '5s'.`,
        // a rewrite has no light form for fix to write
        ...(first.step.sql || first.grade.work === 'rewrite'
          ? {}
          : { fix: db.words.preflight('fix', first.revision) }),
        path: first.path,
        line: first.step.line,
        revision: first.revision,
      },
    ];
  },
};

/** MySQL and MariaDB leave lock_wait_timeout at a day (MariaDB) or a year (MySQL): no bound worth the name. */
const UNBOUNDED_MS = 86_400_000;

/**
 * MySQL and MariaDB: every ALTER takes the table's metadata lock exclusively, and waits for it under
 * lock_wait_timeout, which the servers leave at a day or more unless env.py, the URL's init_command or a
 * migration sets it.
 */
function mysqlWait(locks: PendingLocks): Finding | undefined {
  const first = locks.steps.find((s) => s.mysql && s.large && s.timeoutMs >= UNBOUNDED_MS);
  if (!first) return undefined;
  const seconds = Math.round(first.timeoutMs / 1000);
  return {
    code: 'lock-timeout-missing',
    severity: locks.settings.mode === 'block' ? 'error' : 'warning',
    title: `no lock_wait_timeout: a step on ${first.table} may wait ${seconds} s`,
    message: `No lock_wait_timeout is set, and ${stepName(first.step)} on ${first.table} (${sizeText(first.size)}) takes the table's metadata lock exclusively: while it waits for the sessions already using the table, for up to ${seconds} s (the server's lock_wait_timeout), every later query on ${first.table} waits behind it. Neither env.py's migrating path, the URL's init_command nor a statement before it in the pending migrations sets a shorter one.`,
    hint: 'At the top of the migration\'s upgrade(): op.execute("SET SESSION lock_wait_timeout = 5"), and let the release retry; or for every migration, in env.py: connection.exec_driver_sql("SET SESSION lock_wait_timeout = 5") before context.configure().',
    path: first.path,
    line: first.step.line,
    revision: first.revision,
  };
}
