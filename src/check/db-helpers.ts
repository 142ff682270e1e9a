import type { StampValue } from '../alembic/graph/upgrade-plan.js';
import type { DatabaseContext } from './rule.js';
import type { UpgradeClash } from './schema/schema-object.js';
import type { AppWords } from './app-words.js';
import { sqlTableName } from '../database/quote-ident.js';

/** A row value as SQL would write it, for messages and fix commands. */
export function rowText(v: StampValue): string {
  if (v === null) return 'NULL';
  if (typeof v !== 'string') return v.repr;
  return `'${v.replaceAll("'", "''")}'`;
}

/** The version table's name as a SQL statement needs it. */
export function tableName(db: DatabaseContext): string {
  return sqlTableName(db.state.versionTable, db.state.versionTableSchema);
}

/** The upgrade as the project runs it: `flask db upgrade` in a Flask-Migrate project (head by default), else `alembic upgrade <target>`. */
export function upgradeCommand(db: DatabaseContext): string {
  return upgradeAs(db.words, db.prediction.target);
}

/** The upgrade to `target` as the app runs it (app-words.ts): `flask db upgrade`, `alembic -c db/alembic.ini upgrade heads`. */
export function upgradeAs(words: AppWords, target: string): string {
  return words.alembic('upgrade', target);
}

/**
 * The schema probes' failing pending step with this problem: the certain one, else (when no certain
 * failure comes first) one under if, for or try, which fails only if it runs.
 */
export function pendingClash(
  db: DatabaseContext | undefined,
  problem: UpgradeClash['problem'],
): { clash: UpgradeClash; certain: boolean } | undefined {
  const schema = db?.schema;
  if (schema?.clash)
    return schema.clash.problem === problem ? { clash: schema.clash, certain: true } : undefined;
  return schema?.maybe?.problem === problem ? { clash: schema.maybe, certain: false } : undefined;
}
