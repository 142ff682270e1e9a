import type { StampValue } from '../alembic/graph/upgrade-plan.js';
import type { DatabaseContext } from './rule.js';

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

/** A table as a statement names it: quoted only where a plain name would not do. */
export function sqlTableName(table: string, schema: string | null): string {
  const q = (x: string): string => (/^[a-z_][a-z0-9_]*$/u.test(x) ? x : `"${x.replaceAll('"', '""')}"`);
  return schema ? `${q(schema)}.${q(table)}` : q(table);
}

/** `upgrade <target>` as the user types it. */
export function upgradeCommand(db: DatabaseContext): string {
  return `alembic upgrade ${db.prediction.target}`;
}
