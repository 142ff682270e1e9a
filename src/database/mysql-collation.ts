import { AlembicRaise } from '../alembic/loading/alembic-raise.js';
import type { VersionStorage } from '../alembic/graph/version-rows.js';
import type { MysqlFacts } from './version-table.js';

/**
 * How MySQL and MariaDB compare version_num under its collation, read from the collation's name:
 * `_ci` ignores case (`_cs`, `_bin` and a binary column do not); every collation ignores trailing
 * spaces (PAD SPACE) except MariaDB's `_nopad_` ones and MySQL 8's `_0900_` ones (NO PAD). Accents,
 * which `_ai` collations also ignore, are left as they are: revision ids are ASCII.
 */
export function collationFold(collation: string | null | undefined): (v: string) => string {
  if (!collation) return (v) => v;
  const c = collation.toLowerCase();
  const caseBlind = /_ci$/u.test(c);
  const padded = !c.includes('_nopad_') && !c.includes('_0900_');
  return (v) => {
    // trailing spaces counted from the end in one pass
    let end = v.length;
    while (padded && end > 0 && v[end - 1] === ' ') end--;
    const kept = v.slice(0, end);
    return caseBlind ? kept.toLowerCase() : kept;
  };
}

/** The version table's storage on MySQL: its collation, and the duplicate-key error where version_num is a key. */
export function mysqlStorage(facts: MysqlFacts, table: string): VersionStorage {
  const module = facts.driver === 'mysqldb' ? 'MySQLdb._exceptions' : 'pymysql.err';
  // MariaDB names the key PRIMARY; MySQL 8.0.19 and later qualify it with the table (from the manual)
  const key = facts.flavor === 'MariaDB' ? 'PRIMARY' : `${table}.PRIMARY`;
  return {
    fold: collationFold(facts.collation),
    ...(facts.versionKey
      ? {
          duplicate: (v: string) =>
            new AlembicRaise(
              'sqlalchemy.exc.IntegrityError',
              `(${module}.IntegrityError) (1062, "Duplicate entry '${v}' for key '${key}'")`,
              undefined,
              'step',
            ),
        }
      : {}),
  };
}
