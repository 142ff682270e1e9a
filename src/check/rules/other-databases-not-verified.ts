import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';

const CODE = 'other-databases-not-verified';

/**
 * env.py migrates several databases in one `alembic upgrade` (a multidb template), each with its own
 * version table, and verify read one: a missing revision stamped in any other fails the whole
 * upgrade, so the verdict covers only the database read. An error when every database alembic.ini
 * lists is known to be another one than ours: then the verdict is about a database Alembic never touches.
 */
export const otherDatabasesNotVerified: Rule = {
  code: CODE,
  severity: 'warning',
  title: 'env.py migrates databases verify did not read',
  summary:
    'env.py migrates several databases, each with its own version table, and verify read only one of them.',
  check({ database }) {
    const o = database?.otherDatabases;
    if (!o) return [];
    const runs = `env.py runs the migrations once per database (${o.envPy}:${o.envPyLine}), and each database keeps its own version table`;
    const fails =
      '`alembic upgrade` fails as a whole if any one of them holds a revision no file has, or cannot be upgraded';
    const l = o.listed;
    if (l) {
      const names = l.databases.map((d) => d.name);
      const listedAt = `alembic.ini's databases = ${names.join(', ')} (${l.ini}:${l.line})`;
      const read = l.databases.filter((d) => d.here === 'same');
      if (read.length === 0 && l.databases.every((d) => d.here === 'different')) {
        return [
          finding(
            'error',
            l.ini,
            l.line,
            `env.py migrates ${names.length} databases; none is the one verify read`,
            `${runs}: ${listedAt}. None of their sqlalchemy.url options names the database verify read (${o.source}), so this verdict is about a database \`alembic upgrade\` does not touch.`,
            `Check each database env.py migrates: ${commands(l.databases, l.ini)}.`,
          ),
        ];
      }
      const unread = l.databases.filter((d) => d.here !== 'same');
      const which =
        read.length > 0
          ? `This verdict is about ${read.map((d) => d.name).join(' and ')} (${o.source})`
          : `Which of them ${o.source} names cannot be told from alembic.ini, so this verdict is about one of them at most`;
      const title =
        read.length > 0
          ? `env.py migrates ${names.length} databases; verify read only ${read.map((d) => d.name).join(' and ')}`
          : `env.py migrates ${names.length} databases; verify read one at most`;
      return [
        finding(
          'warning',
          l.ini,
          l.line,
          title,
          `${runs}: ${listedAt}. ${which}; verify did not read the version table of ${unread.map((d) => d.name).join(', ')}, and ${fails}.`,
          `Verify each of them too before the upgrade runs (in the release phase, before \`alembic-preflight release\`): ${commands(unread, l.ini)}.`,
        ),
      ];
    }
    const which =
      o.names === 'binds'
        ? "the application's main database and each bind of SQLALCHEMY_BINDS"
        : 'each database env.py names';
    return [
      finding(
        'warning',
        o.envPy,
        o.envPyLine,
        'env.py migrates several databases; verify read only one',
        `${runs}: ${which}. This verdict is about the one database verify read (${o.source}); ${fails}.`,
        `Verify each of the others too before the upgrade runs (in the release phase, before \`alembic-preflight release\`): alembic-preflight verify --database-url "<its URL>", once per database.`,
      ),
    ];
  },
};

/** One verify command per database, each pointed at the section (and its line) whose URL it needs. */
function commands(databases: readonly { name: string; line?: number }[], ini: string): string {
  return databases
    .map(
      (d) =>
        `alembic-preflight verify --database-url "<the URL of [${d.name}] in ${ini}${d.line === undefined ? '' : `:${d.line}`}>"`,
    )
    .join('; ');
}

function finding(
  severity: 'error' | 'warning',
  path: string,
  line: number,
  title: string,
  message: string,
  hint: string,
): Finding {
  return {
    code: CODE,
    severity,
    title,
    message,
    hint,
    path,
    line,
  };
}
