import type { Rule } from '../rule.js';
import { stepName } from '../schema/lock-grade.js';

/**
 * MySQL and MariaDB: this user cannot see other sessions (no PROCESS privilege, as on JawsDB and
 * ClearDB), so whether an open transaction holds the metadata lock a pending ALTER needs is not known.
 * A warning; under `--locks block` an error, unless the settings accept it by its code.
 */
export const lockSessionsHidden: Rule = {
  code: 'lock-sessions-hidden',
  severity: 'warning',
  title: 'other sessions cannot be seen: metadata locks unknown',
  summary:
    "This user cannot see other sessions (no PROCESS privilege): whether an open transaction holds a table's metadata lock is not known (MySQL, MariaDB).",
  check({ database: db }) {
    const locks = db?.locks;
    const blind = locks?.metadata?.blind;
    const step = locks?.steps[0];
    if (!locks || !blind || !step) return [];
    return [
      {
        code: 'lock-sessions-hidden',
        severity: locks.settings.mode === 'block' ? 'error' : 'warning',
        title: 'other sessions cannot be seen: metadata locks unknown',
        message: `Other sessions cannot be seen: ${blind}. ${stepName(step.step)} on ${step.table} takes the table's metadata lock exclusively, and whether an open transaction holds it (which would make the ALTER wait, and the app's queries behind it) is not known.`,
        hint: `Grant the release's user PROCESS (GRANT PROCESS ON *.* TO <user>), where the provider allows it; or accept the blind spot by name in the settings ([[tool.alembic-preflight.ignore]] rule = "lock-sessions-hidden", reason = "…"), and bound the wait in the migration: op.execute("SET SESSION lock_wait_timeout = 5").`,
        path: step.path,
        line: step.step.line,
        revision: step.revision,
      },
    ];
  },
};
