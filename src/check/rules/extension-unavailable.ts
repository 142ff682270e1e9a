import { pendingClash, upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';

/**
 * A pending migration runs CREATE EXTENSION (IF NOT EXISTS or not) for an extension this database does
 * not have and the server cannot install: no control file in its share directory, so PostgreSQL fails
 * the statement ("extension … is not available"), and the upgrade with it. A step under if,
 * for or try may not run: then a warning.
 */
export const extensionUnavailable: Rule = {
  code: 'extension-unavailable',
  severity: 'error',
  title: 'a pending step creates an extension the server cannot install',
  summary:
    'A pending migration runs CREATE EXTENSION for an extension the PostgreSQL server does not provide: the upgrade fails on "extension … is not available".',
  check({ database: db }) {
    const found = pendingClash(db, 'unavailable');
    if (!db || !found) return [];
    const { clash, certain } = found;
    const name = clash.obj.name;
    const where = `${clash.path}:${clash.line}`;
    // current minor releases word it so; older ones say "could not open extension control file …"
    const fails = `PostgreSQL fails it with "extension "${name}" is not available"`;
    const hint = `Install the extension's package on the server, or use a database plan that offers ${name} (pg_available_extensions lists what this server can install); then run ${upgradeCommand(db)}.`;
    if (!certain)
      return [
        {
          code: 'extension-unavailable',
          severity: 'warning',
          title: `pending ${clash.revision} may fail: this server cannot install the extension ${name}`,
          message: `The pending migration ${clash.revision} (${where}) runs CREATE EXTENSION ${name} in a step under if, for or try. The database does not have ${name} and the server does not provide it: if that step runs, ${fails}.`,
          hint,
          path: clash.path,
          line: clash.line,
          revision: clash.revision,
        },
      ];
    return [
      {
        code: 'extension-unavailable',
        severity: 'error',
        title: `pending ${clash.revision} creates the extension ${name}, which this server cannot install`,
        message: `The pending migration ${clash.revision} (${where}) runs CREATE EXTENSION ${name}. The database does not have ${name} and the server does not provide it (it is not in pg_available_extensions): ${fails}, and \`${upgradeCommand(db)}\` stops there.`,
        hint,
        path: clash.path,
        line: clash.line,
        revision: clash.revision,
        failsUpgrade: true,
      },
    ];
  },
};
