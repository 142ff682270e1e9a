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
  const columns = [step.column];
  const unknown = (why: string): DataCheck => ({
    probe: { ...base, kind: 'cast', columns, castTo: step.data?.typeName ?? 'the new type' },
    result: 'not-checked',
    why,
  });
  if (step.data?.partial)
    return state.dialect === 'postgresql'
      ? unknown('its postgresql_using= is not literal SQL text')
      : undefined;
  const numeric = step.data?.numeric;
  if (numeric && state.dialect === 'mysql') {
    const from = declaredType(state, step.table, step.column);
    return from !== undefined && MYSQL_EXACT.has(from)
      ? { ...base, kind: 'range', columns, numeric }
      : undefined;
  }
  if (numeric && state.dialect === 'postgresql') {
    // every value through the new precision and scale, as the ALTER casts it: one too large raises 22003
    const castTo = `numeric(${numeric.precision},${numeric.scale})`;
    const from = currentType(state, step.table, step.column);
    if (from !== undefined && TEXT_LIKE.has(from.name) && step.data?.using === undefined)
      return { probe: { ...base, kind: 'no-cast', columns, castTo: 'numeric' }, result: 'fails' };
    const using = step.data?.using ?? `${quoteIdent(step.column)}::${castTo}`;
    return { ...base, kind: 'cast', columns, castTo, using };
  }
  const labels = step.data?.enum;
  if (labels && state.dialect !== 'sqlite')
    return enumProbe(step.column, step.data?.using, labels, base, state);
  if (to === undefined) return unmappedProbe(step, base, state, unknown);
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

/** MySQL's exact numeric types, which a smaller DECIMAL rounds and bounds as ROUND() does. */
const MYSQL_EXACT = new Set(['decimal', 'tinyint', 'smallint', 'mediumint', 'int', 'bigint']);

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
  const target = SQLITE_CASTS[to];
  if (from === undefined || target?.cast === undefined) return undefined;
  return sqlalchemyClass(from) === target.sqlalchemy ? undefined : target.cast;
}

/**
 * The new type, by the name the reading gives it (PostgreSQL's for the types it maps, SQLAlchemy's for
 * the rest), SQLAlchemy's class for it, and the affinity of the batch copy's CAST: DATETIME and TIME
 * have NUMERIC's, so '2024-01-01 10:00:00' becomes 2024; a CAST to a string keeps every value (none
 * given), and JSON is never CAST.
 */
const SQLITE_CASTS: Readonly<Record<string, { sqlalchemy: string; cast?: string }>> = {
  int2: { sqlalchemy: 'Integer', cast: 'INTEGER' },
  int4: { sqlalchemy: 'Integer', cast: 'INTEGER' },
  int8: { sqlalchemy: 'Integer', cast: 'INTEGER' },
  bool: { sqlalchemy: 'Boolean', cast: 'NUMERIC' },
  date: { sqlalchemy: 'Date', cast: 'NUMERIC' },
  float8: { sqlalchemy: 'Numeric', cast: 'REAL' },
  DateTime: { sqlalchemy: 'DateTime', cast: 'NUMERIC' },
  DATETIME: { sqlalchemy: 'DateTime', cast: 'NUMERIC' },
  TIMESTAMP: { sqlalchemy: 'DateTime', cast: 'NUMERIC' },
  Time: { sqlalchemy: 'Time', cast: 'NUMERIC' },
  TIME: { sqlalchemy: 'Time', cast: 'NUMERIC' },
  Interval: { sqlalchemy: 'Interval', cast: 'NUMERIC' },
  Enum: { sqlalchemy: 'String' },
  CHAR: { sqlalchemy: 'String' },
  NVARCHAR: { sqlalchemy: 'String' },
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

/** `c::status`, `c::text::status`, `CAST(c AS status)`: the USING expression casts the column itself to the enum named. */
const PLAIN_CAST =
  /^\s*(?:"?(\w+)"?(?:\s*::\s*(?:text|varchar|character varying))?\s*::\s*"?(\w+)"?|CAST\s*\(\s*"?(\w+)"?\s+AS\s+"?(\w+)"?\s*\))\s*$/iu;

/**
 * A column changed to an enum with literal labels: every value must be one of them. PostgreSQL needs
 * postgresql_using= from a string or another user type (without it the ALTER fails whatever the
 * rows); the labels are compared with the value's text, so a type renamed and re-created
 * under the same name in the same migration is judged by its new labels. MySQL and MariaDB convert a
 * string or an enum by its label (their string literals read a backslash as an escape: not probed).
 */
function enumProbe(
  column: string,
  using: string | undefined,
  labels: { readonly values: readonly string[]; readonly name?: string },
  base: Omit<DataProbe, 'kind' | 'columns'>,
  state: VersionTableState,
): DataProbe | DataCheck | undefined {
  const probe = { ...base, kind: 'enum' as const, columns: [column], labels: labels.values };
  if (state.dialect === 'mysql') {
    const from = declaredType(state, base.table, column);
    if (from === undefined || !(MYSQL_STRINGS.has(from) || from === 'enum')) return undefined;
    if (labels.values.some((l) => l.includes('\\')))
      return {
        probe,
        result: 'not-checked',
        why: 'a label holds a backslash, which MySQL reads as an escape',
      };
    return probe;
  }
  const from = currentType(state, base.table, column);
  if (from === undefined) return undefined;
  if (using === undefined) {
    // no automatic cast reaches an enum from a string or from another user type (an enum, a domain)
    const other = from.name !== labels.name && readableCatalog(state)?.types?.includes(from.name);
    return TEXT_LIKE.has(from.name) || other
      ? { probe: { ...probe, kind: 'no-cast', castTo: labels.name ?? '…' }, result: 'fails' }
      : undefined;
  }
  const cast = PLAIN_CAST.exec(using);
  const [of, to] = cast ? [cast[1] ?? cast[3], cast[2] ?? cast[4]] : [];
  if (of !== column || to === undefined)
    return { probe, result: 'not-checked', why: 'its postgresql_using= is not a plain cast of the column' };
  return { ...probe, castTo: to };
}

/**
 * A change to a type the reading does not map (DateTime, Interval, a user type): on PostgreSQL with a
 * literal postgresql_using=, every value through it as for any cast (not an enum whose labels are not
 * literal); SQLite's batch copy, where
 * SQLAlchemy's class stays the same, copies the values as they are. Anything else is not checked, said
 * so, rather than passed.
 */
function unmappedProbe(
  step: LockStep,
  base: Omit<DataProbe, 'kind' | 'columns'>,
  state: VersionTableState,
  unknown: (why: string) => DataCheck,
): DataProbe | DataCheck | undefined {
  const column = step.column!;
  const name = step.data?.typeName;
  const why = `a change to ${name ?? 'this type'} is not probed: which values it refuses is not known`;
  if (state.dialect === 'sqlite') {
    const from = declaredType(state, step.table, column);
    if (!step.batch || from === undefined) return undefined;
    if (name === undefined || SQLITE_CASTS[name] === undefined) return unknown(why);
    const castTo = sqliteCast(from, name);
    return castTo === undefined ? undefined : { ...base, kind: 'convert', columns: [column], castTo };
  }
  // an enum of labels the reading cannot list may be made in this migration under an old type's name:
  // a cast to the type as it is now proves nothing
  const enumType = name !== undefined && /^(?:Enum|ENUM)$/u.test(name);
  if (state.dialect === 'postgresql' && step.data?.using !== undefined && !enumType)
    return {
      ...base,
      kind: 'cast',
      columns: [column],
      castTo: name ?? 'the new type',
      using: step.data.using,
    };
  return unknown(why);
}
