import type { ObjectRef } from './schema-ops.js';
import type { UpgradeClash } from './schema-probe.js';

/** An object as a finding names it: "the table users", "the column users.email". */
export function describeObject(obj: ObjectRef): string {
  switch (obj.kind) {
    case 'column':
      return `the column ${obj.table}.${obj.name}`;
    case 'constraint':
      return `the constraint ${obj.name} on ${obj.table}`;
    default:
      return `the ${obj.kind} ${obj.name}`;
  }
}

/** How a stamp's schema matched, in words: how many objects are as those migrations leave them, and how many of them exist. */
export function schemaWords(m: {
  readonly agree: number;
  readonly of: number;
  readonly present: number;
}): string {
  const which = m.agree === m.of ? `all ${m.of}` : `${m.agree} of the ${m.of}`;
  return `${which} objects they name are as they leave them (${m.present} there, ${m.of - m.present} absent)`;
}

/**
 * The exception line real Alembic ends with when a step meets the schema as it is, for the cases
 * whose wording is fixed (test/integration/rules/schema-*.test.ts compares them with real runs);
 * undefined for the others.
 */
export function clashError(clash: UpgradeClash, dialect: 'postgresql' | 'sqlite'): string | undefined {
  const { obj, problem } = clash;
  if (dialect === 'sqlite') {
    // a batch that copies the table reflects it first; one that only adds columns or indexes may
    // not copy it, depending on the rest of its block, so its error is not known here
    if (clash.batch)
      return clash.recreates && obj.kind === 'table' && problem === 'missing'
        ? `sqlalchemy.exc.NoSuchTableError: ${obj.name}`
        : undefined;
    const op = 'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError)';
    if (problem === 'exists') {
      if (obj.kind === 'table') return `${op} table ${obj.name} already exists`;
      if (obj.kind === 'index') return `${op} index ${obj.name} already exists`;
      if (obj.kind === 'column') return `${op} duplicate column name: ${obj.name}`;
      return undefined;
    }
    if (obj.kind === 'table') return `${op} no such table: ${clash.indexed ? 'main.' : ''}${obj.name}`;
    if (obj.kind === 'index') return `${op} no such index: ${obj.name}`;
    return undefined;
  }
  const pe = 'sqlalchemy.exc.ProgrammingError: (psycopg2.errors.';
  if (problem === 'exists') {
    if (obj.kind === 'table' || obj.kind === 'index')
      return `${pe}DuplicateTable) relation "${obj.name}" already exists`;
    if (obj.kind === 'column')
      return `${pe}DuplicateColumn) column "${obj.name}" of relation "${obj.table}" already exists`;
    if (obj.kind === 'type') return `${pe}DuplicateObject) type "${obj.name}" already exists`;
    return undefined;
  }
  // DROP TABLE says "table"; an ALTER TABLE of a column or constraint on it says "relation"
  if (obj.kind === 'table')
    return `${pe}UndefinedTable) ${clash.altered || clash.indexed ? 'relation' : 'table'} "${obj.name}" does not exist`;
  if (obj.kind === 'column')
    return `${pe}UndefinedColumn) column "${obj.name}" of relation "${obj.table}" does not exist`;
  if (obj.kind === 'index') return `${pe}UndefinedObject) index "${obj.name}" does not exist`;
  if (obj.kind === 'constraint')
    return `${pe}UndefinedObject) constraint "${obj.name}" of relation "${obj.table}" does not exist`;
  return undefined;
}
