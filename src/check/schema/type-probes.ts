import { readableCatalog, type VersionTableState } from '../../database/version-table.js';
import type { DataCheck, DataProbe } from '../../database/data-probe.js';
import type { LockStep } from './lock-facts.js';
import { quoteIdent } from '../../database/quote-ident.js';

/** PostgreSQL's string types: a value of one reaches another type only by an explicit cast. */
const TEXT_LIKE = new Set(['varchar', 'text', 'bpchar', 'citext']);

/** The types a string column is commonly changed to, as PostgreSQL names them in its errors. */
const CAST_TARGETS: Readonly<Record<string, string>> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  bool: 'boolean',
  date: 'date',
  float8: 'double precision',
  json: 'json',
  jsonb: 'jsonb',
};

/**
 * What an alter_column type change asks of the rows: a shorter varchar (PostgreSQL, MySQL, MariaDB) asks
 * that no value is longer than the new length (trailing spaces aside); on PostgreSQL, a string column
 * changed to a number, a boolean, a date or JSON needs postgresql_using= (without it the change fails on
 * every database: settled here), and with it every row's value must take the cast (asked of the rows).
 * SQLite enforces no length and casts in its batch copy without an error: nothing is asked there.
 */
export function typeProbeOf(
  step: LockStep,
  base: Omit<DataProbe, 'kind' | 'columns'>,
  state: VersionTableState,
): DataProbe | DataCheck | undefined {
  const to = step.typeTo;
  if (step.call !== 'alter_column' || !step.flags.includes('type') || step.column === undefined)
    return undefined;
  if (step.data?.partial) return undefined;
  const columns = [step.column];
  const numeric = step.data?.numeric;
  if (numeric && state.dialect === 'postgresql') {
    // every value through the new precision and scale, as the ALTER casts it: one too large raises 22003
    const castTo = `numeric(${numeric.precision},${numeric.scale})`;
    const from = currentType(state, step.table, step.column);
    if (from !== undefined && TEXT_LIKE.has(from.name) && step.data?.using === undefined)
      return { probe: { ...base, kind: 'no-cast', columns, castTo: 'numeric' }, result: 'fails' };
    const using = step.data?.using ?? `${quoteIdent(step.column)}::${castTo}`;
    return { ...base, kind: 'cast', columns, castTo, using };
  }
  if (to === undefined) return undefined;
  if (state.dialect === 'sqlite') {
    const castTo = step.batch ? sqliteCast(declaredType(state, step.table, step.column), to.name) : undefined;
    return castTo === undefined ? undefined : { ...base, kind: 'convert', columns, castTo };
  }
  if (to.name === 'varchar' && typeof to.length === 'number') {
    const from = currentType(state, step.table, step.column);
    // PostgreSQL: only from a string type with no tighter limit already (MySQL's types are not read)
    if (state.dialect === 'postgresql' && (from === undefined || !TEXT_LIKE.has(from.name))) return undefined;
    if (from?.name === 'varchar' && from.typmod >= 0 && from.typmod - 4 <= to.length) return undefined;
    return { ...base, kind: 'length', columns, length: to.length };
  }
  const castTo = CAST_TARGETS[to.name];
  if (state.dialect === 'mysql') {
    const from = declaredType(state, step.table, step.column);
    const integer = MYSQL_INTEGERS[to.name];
    if (from === undefined || !MYSQL_STRINGS.has(from) || integer === undefined) return undefined;
    return { ...base, kind: 'convert', columns, castTo: integer };
  }
  if (state.dialect !== 'postgresql' || castTo === undefined) return undefined;
  const from = currentType(state, step.table, step.column);
  if (from === undefined || !TEXT_LIKE.has(from.name)) return undefined;
  if (step.data?.using !== undefined)
    return { ...base, kind: 'cast', columns, castTo, using: step.data.using };
  return { probe: { ...base, kind: 'no-cast', columns, castTo }, result: 'fails' };
}

/** The column's type now, as PostgreSQL's catalog names it, with its atttypmod (varchar(n) stores n + 4). */
function currentType(
  state: VersionTableState,
  table: string,
  column: string,
): { name: string; typmod: number } | undefined {
  const catalog = readableCatalog(state);
  const row = catalog?.columnTypes?.find(([t, c]) => t === table && c === column);
  return row ? { name: row[2], typmod: row[3] } : undefined;
}

/** The column's type as SQLite declared it or MySQL's DATA_TYPE names it, lower case. */
function declaredType(state: VersionTableState, table: string, column: string): string | undefined {
  const catalog = readableCatalog(state);
  return catalog?.declaredTypes?.find(([t, c]) => t === table && c === column)?.[2];
}

/** MySQL's string types: a value reaches an integer column only if it reads as one. */
const MYSQL_STRINGS = new Set(['varchar', 'char', 'text', 'tinytext', 'mediumtext', 'longtext']);

/** The integer types a string column may become on MySQL (Boolean is TINYINT there), as MySQL names them. */
const MYSQL_INTEGERS: Readonly<Record<string, string>> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  bool: 'tinyint',
};

/**
 * The type SQLite's batch copy CASTs the column to, where it does and the result can differ from the
 * value: Alembic casts when SQLAlchemy's type class (its _type_affinity) changes, JSON aside; a CAST to
 * an INTEGER, REAL or NUMERIC affinity turns a string that is not a number into 0 or its leading digits,
 * and a fraction into an integer. A CAST to text keeps every value.
 */
function sqliteCast(from: string | undefined, to: string): string | undefined {
  const target = SQLITE_TARGETS[to];
  if (from === undefined || target === undefined) return undefined;
  return sqlalchemyClass(from) === target.sqlalchemy ? undefined : target.cast;
}

/** The new type (as the reading names it), SQLAlchemy's class for it, and the CAST's affinity. */
const SQLITE_TARGETS: Readonly<Record<string, { sqlalchemy: string; cast: string }>> = {
  int2: { sqlalchemy: 'Integer', cast: 'INTEGER' },
  int4: { sqlalchemy: 'Integer', cast: 'INTEGER' },
  int8: { sqlalchemy: 'Integer', cast: 'INTEGER' },
  bool: { sqlalchemy: 'Boolean', cast: 'NUMERIC' },
  date: { sqlalchemy: 'Date', cast: 'NUMERIC' },
  float8: { sqlalchemy: 'Numeric', cast: 'REAL' },
};

/** SQLAlchemy's class for a type SQLite reflects (its ischema_names, then SQLite's affinity rules, as SQLAlchemy 1.4 applies them). */
function sqlalchemyClass(declared: string): string {
  const name = (/^[\w ]*/u.exec(declared)?.[0] ?? '').trim().toUpperCase();
  const known = SQLITE_REFLECTED[name];
  if (known !== undefined) return known;
  if (name.includes('INT')) return 'Integer';
  if (/CHAR|CLOB|TEXT/u.test(name)) return 'String';
  if (name === '' || name.includes('BLOB')) return 'NullType';
  return 'Numeric';
}

const SQLITE_REFLECTED: Readonly<Record<string, string>> = {
  BIGINT: 'Integer',
  INT: 'Integer',
  INTEGER: 'Integer',
  SMALLINT: 'Integer',
  BLOB: '_Binary',
  BOOL: 'Boolean',
  BOOLEAN: 'Boolean',
  CHAR: 'String',
  NCHAR: 'String',
  NVARCHAR: 'String',
  TEXT: 'String',
  VARCHAR: 'String',
  DATE: 'Date',
  DATE_CHAR: 'Date',
  DATETIME: 'DateTime',
  DATETIME_CHAR: 'DateTime',
  TIMESTAMP: 'DateTime',
  TIME: 'Time',
  TIME_CHAR: 'Time',
  DECIMAL: 'Numeric',
  DOUBLE: 'Numeric',
  FLOAT: 'Numeric',
  NUMERIC: 'Numeric',
  REAL: 'Numeric',
  JSON: 'JSON',
};
