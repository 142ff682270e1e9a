import type { ObjectRef } from './schema-ops.js';
import type { VersionTableState } from '../../database/version-table.js';
import type { UpgradeClash } from './schema-object.js';

/** An object as a finding names it: "the table users", "the column users.email". */
export function describeObject(obj: ObjectRef): string {
  switch (obj.kind) {
    case 'column':
      return `the column ${obj.table}.${obj.name}`;
    case 'constraint':
      return `the constraint ${obj.name} on ${obj.table}`;
    case 'label':
      return `the value '${obj.name}' of the enum ${obj.table}`;
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
export function clashError(
  clash: UpgradeClash,
  state: Pick<VersionTableState, 'dialect' | 'database' | 'mysql' | 'catalog'>,
): string | undefined {
  const { obj, problem } = clash;
  // the server names the control file by its share directory, which the probes do not read
  if (problem === 'unavailable') return undefined;
  if (problem === 'uncommitted')
    return state.dialect === 'postgresql'
      ? `sqlalchemy.exc.OperationalError: (psycopg2.errors.UnsafeNewEnumValueUsage) unsafe use of new value "${obj.name}" of enum type ${obj.table}`
      : undefined;
  if (state.dialect === 'mysql') return mysqlClashError(clash, state);
  if (state.dialect === 'sqlite') {
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
  // the except caught the error; PostgreSQL refuses the transaction's next statement
  if (clash.caught)
    return 'sqlalchemy.exc.InternalError: (psycopg2.errors.InFailedSqlTransaction) current transaction is aborted, commands ignored until end of transaction block';
  const pe = 'sqlalchemy.exc.ProgrammingError: (psycopg2.errors.';
  if (problem === 'exists') {
    if (obj.kind === 'table' || obj.kind === 'index')
      return `${pe}DuplicateTable) relation "${obj.name}" already exists`;
    if (obj.kind === 'column')
      return `${pe}DuplicateColumn) column "${obj.name}" of relation "${obj.table}" already exists`;
    if (obj.kind === 'type') return `${pe}DuplicateObject) type "${obj.name}" already exists`;
    if (obj.kind === 'label') return `${pe}DuplicateObject) enum label "${obj.name}" already exists`;
    if (obj.kind === 'extension') return `${pe}DuplicateObject) extension "${obj.name}" already exists`;
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
  if (obj.kind === 'type') return `${pe}UndefinedObject) type "${obj.name}" does not exist`;
  if (obj.kind === 'extension') return `${pe}UndefinedObject) extension "${obj.name}" does not exist`;
  return undefined;
}

/** The exception classes' module each MySQL driver's errors carry in SQLAlchemy's message. */
const MYSQL_ERRORS: Readonly<Record<string, string>> = {
  pymysql: 'pymysql.err',
  mysqldb: 'MySQLdb._exceptions',
};

/** What the server says of a clash, without the exception's class: the words a message quotes. */
export function clashWords(
  clash: UpgradeClash,
  state: Pick<VersionTableState, 'dialect' | 'database' | 'mysql' | 'catalog'>,
): string | undefined {
  const e = clashError(clash, state);
  if (e === undefined) return undefined;
  // MySQL's drivers: (1060, "Duplicate column name 'x'"); SQLite's and PostgreSQL's: (class) words
  const code = e.indexOf(', "');
  return e.endsWith('")') && code >= 0 ? e.slice(code + 3, -2) : e.slice(e.lastIndexOf(') ') + 2);
}

/**
 * MySQL's and MariaDB's error for the clash, as PyMySQL and mysqlclient hand it to SQLAlchemy (the same
 * numbers and words on both servers, except 1091, whose words are MariaDB's); undefined for another driver.
 */
function mysqlClashError(
  clash: UpgradeClash,
  state: Pick<VersionTableState, 'database' | 'mysql' | 'catalog'>,
): string | undefined {
  const module = MYSQL_ERRORS[state.mysql?.driver ?? ''];
  if (!module) return undefined;
  const { obj, problem } = clash;
  const op = (n: number, text: string, cls = 'OperationalError'): string =>
    `sqlalchemy.exc.${cls}: (${module}.${cls}) (${n}, "${text}")`;
  const database =
    state.catalog && 'schema' in state.catalog && state.catalog.schema
      ? state.catalog.schema
      : state.database;
  const mariadb = state.mysql?.flavor === 'MariaDB';
  if (problem === 'exists') {
    if (obj.kind === 'table') return op(1050, `Table '${obj.name}' already exists`);
    if (obj.kind === 'column') return op(1060, `Duplicate column name '${obj.name}'`);
    if (obj.kind === 'index') return op(1061, `Duplicate key name '${obj.name}'`);
    return undefined;
  }
  if (obj.kind === 'table')
    return clash.altered || clash.indexed
      ? op(1146, `Table '${database}.${obj.name}' doesn't exist`, 'ProgrammingError')
      : op(1051, `Unknown table '${database}.${obj.name}'`);
  if (obj.kind === 'column' && (clash.does === 'alters' || clash.does === 'renames'))
    return op(1054, `Unknown column '${obj.name}' in '${obj.table}'`);
  if (!mariadb || clash.does !== 'drops') return undefined;
  if (obj.kind === 'column') return op(1091, `Can't DROP COLUMN \`${obj.name}\`; check that it exists`);
  if (obj.kind === 'index') return op(1091, `Can't DROP INDEX \`${obj.name}\`; check that it exists`);
  return undefined;
}
