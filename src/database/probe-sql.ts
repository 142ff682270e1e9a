import type { DataProbe } from './data-probe.js';
import { quoteIdent, quoteMysqlIdent } from './quote-ident.js';

export type ProbeDialect = 'postgresql' | 'mysql' | 'sqlite';

/** Each probe stops at this many rows: 1, 2, 3, or "at least 4". */
export const PROBE_LIMIT = 4;

/**
 * The one SELECT that answers a probe, stopping at the first four offending rows (their primary key
 * where `key` names one, else a constant): NULLs under a NOT NULL, any row under a new NOT NULL column,
 * rows whose key repeats (the server's own GROUP BY, so its collation and NULL rules decide), rows
 * whose foreign key has no match (MATCH SIMPLE: a key with a NULL in it is skipped), rows a CHECK
 * rejects (NULL passes). The conditions earlier steps leave (`keep`, `value`) are the migration's own
 * SQL, run here inside a read-only transaction.
 */
export function probeSql(p: DataProbe, dialect: ProbeDialect, key?: string, show = false): string {
  const q = dialect === 'mysql' ? quoteMysqlIdent : quoteIdent;
  const t = q(p.table);
  // --show-values: the offending values follow the key (and MySQL's conversion flag)
  const vals = (exprs: readonly string[]): string => (show ? exprs.map((e) => `, ${e}`).join('') : '');
  const pick = key !== undefined ? `${q(key)}` : '1';
  const keep = p.keep !== undefined ? [`(${p.keep})`] : [];
  const where = (conds: readonly string[]): string =>
    conds.length > 0 ? ` WHERE ${conds.join(' AND ')}` : '';
  const limit = ` LIMIT ${PROBE_LIMIT}`;
  switch (p.kind) {
    case 'not-null':
      return `SELECT ${pick} FROM ${t}${where([`(${valueOf(p, q)}) IS NULL`, ...keep])}${limit}`;
    case 'rows-exist':
      return `SELECT ${pick} FROM ${t}${where(keep)}${limit}`;
    case 'check':
      return `SELECT ${pick} FROM ${t}${where([`NOT (${p.condition ?? 'TRUE'})`, ...keep])}${limit}`;
    case 'unique': {
      const cols = p.columns.map(q);
      const notNull = p.nullsNotDistinct ? [] : cols.map((c) => `${c} IS NOT NULL`);
      const groups = `SELECT ${cols.join(', ')} FROM ${t}${where([...notNull, ...keep])} GROUP BY ${cols.join(', ')} HAVING count(*) > 1`;
      // PostgreSQL's NULLS NOT DISTINCT: NULLs collide, which IN cannot match; the repeated keys are counted instead
      if (p.nullsNotDistinct) return `SELECT 1${vals(cols)} FROM (${groups}${limit}) AS repeated`;
      const row = cols.length === 1 ? cols[0]! : `(${cols.join(', ')})`;
      return `SELECT ${pick}${vals(cols)} FROM ${t}${where([`${row} IN (${groups})`, ...keep])}${limit}`;
    }
    case 'length':
      // PostgreSQL cuts a longer value that is all spaces past the limit, and refuses any other
      return `SELECT ${pick}${vals([valueOf(p, q)])} FROM ${t}${where([`char_length(rtrim(${valueOf(p, q)})) > ${p.length ?? 0}`, ...keep])}${limit}`;
    case 'convert':
      return `SELECT ${pick}${dialect === 'mysql' ? `, ${mysqlRefused(valueOf(p, q))}` : ''}${vals([valueOf(p, q)])} FROM ${t}${where([...convertedWhere(p, dialect, valueOf(p, q)), ...keep])}${dialect === 'mysql' && key !== undefined ? ` ORDER BY ${q(key)}` : ''}${limit}`;
    case 'enum': {
      // PostgreSQL compares the label's text; MySQL the column's collation, as its conversion looks labels up
      const v = dialect === 'postgresql' ? `${valueOf(p, q)}::text` : valueOf(p, q);
      const labels = (p.labels ?? []).map((l) => `'${l.replaceAll("'", "''")}'`).join(', ');
      return `SELECT ${pick}${vals([v])} FROM ${t}${where([`${v} IS NOT NULL`, `${v} NOT IN (${labels})`, ...keep])}${limit}`;
    }
    case 'range': {
      // MySQL rounds to the new scale, then refuses (or caps) a value with more integer digits than it holds
      const v = valueOf(p, q);
      return `SELECT ${pick}${vals([v])} FROM ${t}${where([`${v} IS NOT NULL`, `ABS(ROUND(${v}, ${p.numeric?.scale ?? 0})) >= ${rangeLimit(p)}`, ...keep])}${limit}`;
    }
    case 'cast':
      // every row's value through the USING expression: the first that does not take it raises the server's error
      return `SELECT count((${p.using ?? 'NULL'})) FROM ${t}${where(keep)}`;
    case 'no-cast':
    case 'check-auto-increment':
    case 'inserted-keys':
      // settled without a read, or asked with the table's key (insertedKeysSql)
      return 'SELECT 1 WHERE false';
    case 'foreign-key': {
      const ref = p.references!;
      const child = 'preflight_child';
      const parent = 'preflight_parent';
      const present = p.columns.map((c) => `${child}.${q(c)} IS NOT NULL`);
      const match = p.columns.map((c, i) => `${parent}.${q(ref.columns[i]!)} = ${child}.${q(c)}`);
      const pickChild = key !== undefined ? `${child}.${q(key)}` : '1';
      return `SELECT ${pickChild}${vals(p.columns.map((c) => `${child}.${q(c)}`))} FROM ${t} AS ${child}${where([...present, ...keep, `NOT EXISTS (SELECT 1 FROM ${q(ref.table)} AS ${parent} WHERE ${match.join(' AND ')})`])}${limit}`;
    }
  }
}

/** A smaller DECIMAL's bound: 10 to the power of its integer digits (1000 for DECIMAL(5,2)). */
export function rangeLimit(p: DataProbe): string {
  const { precision = 65, scale = 0 } = p.numeric ?? {};
  return `1${'0'.repeat(Math.max(precision - scale, 0))}`;
}

/** MySQL's integer types' ranges: a string outside it is out of range (1264). */
const MYSQL_RANGES: Readonly<Record<string, readonly [string, string]>> = {
  tinyint: ['-128', '127'],
  smallint: ['-32768', '32767'],
  integer: ['-2147483648', '2147483647'],
  bigint: ['-9223372036854775808', '9223372036854775807'],
};

/** A string MySQL and MariaDB take as an integer in a strict sql_mode: digits with a sign, spaces around. */
const MYSQL_INTEGER_TEXT = "'^[[:space:]]*[-+]?[0-9]+[[:space:]]*$'";

/**
 * The rows a type change's conversion changes or refuses. SQLite's batch copy: the CAST's result is not
 * the value (compared as SQLite compares a CAST with a column: numerically where the text reads as a
 * number). MySQL and MariaDB: a string that is not an integer, or one outside the type's range.
 */
function convertedWhere(p: DataProbe, dialect: ProbeDialect, v: string): string[] {
  if (dialect === 'sqlite') return [`${v} IS NOT NULL`, `CAST(${v} AS ${p.castTo ?? 'NUMERIC'}) IS NOT ${v}`];
  const [lo, hi] = MYSQL_RANGES[p.castTo ?? 'integer'] ?? MYSQL_RANGES['integer']!;
  return [
    `${v} IS NOT NULL`,
    `(NOT (${v} REGEXP ${MYSQL_INTEGER_TEXT}) OR CAST(${v} AS DECIMAL(65)) NOT BETWEEN ${lo} AND ${hi})`,
  ];
}

/**
 * 1 where MySQL would refuse the value as not an integer (1292/1366), 0 where as out of range (1264):
 * digits past BIGINT's range are refused as not an integer (MariaDB 10.11).
 */
function mysqlRefused(v: string): string {
  const [lo, hi] = MYSQL_RANGES['bigint']!;
  return `CASE WHEN ${v} REGEXP ${MYSQL_INTEGER_TEXT} AND CAST(${v} AS DECIMAL(65)) BETWEEN ${lo} AND ${hi} THEN 0 ELSE 1 END`;
}

/** The NOT NULL column's value after the earlier steps: NULL when added, then each UPDATE's value where its condition holds. */
function valueOf(p: DataProbe, q: (s: string) => string): string {
  let v = p.value?.added ? 'NULL' : q(p.columns[0]!);
  for (const f of p.value?.fills ?? [])
    v = f.where === undefined ? `(${f.value})` : `CASE WHEN (${f.where}) THEN (${f.value}) ELSE ${v} END`;
  return v;
}

/** bulk_insert's question: the SQL and its parameters, or the answer without a read. */
export type InsertedKeys =
  | { readonly sql: string; readonly params: readonly (string | number | boolean)[] }
  | { readonly duplicates: number }
  | { readonly passes: string }
  | { readonly unknown: string };

/**
 * Which of the rows op.bulk_insert writes carry a primary key the table holds: the key's columns
 * (`pk`, read from the database) compared with each row that gives all of them as literals (a row that
 * leaves one out gets its key from the database). Two of the rows sharing a key fail without a read.
 * The values go as parameters, never into the SQL's text.
 */
export function insertedKeysSql(
  p: DataProbe,
  dialect: ProbeDialect,
  pk: readonly string[],
  key?: string,
  show = false,
): InsertedKeys {
  if (pk.length === 0) return { passes: `${p.table} has no primary key` };
  const given = (p.inserts ?? []).filter((r) => pk.every((c) => c in r));
  if (given.length === 0) return { passes: 'the rows leave the primary key to the database' };
  if (given.some((r) => pk.some((c) => r[c] === undefined)))
    return {
      unknown: `a primary key value in the rows of op.bulk_insert is not a literal the reading can compare`,
    };
  const rows = given.filter((r) => pk.every((c) => r[c] !== null));
  const seen = new Set<string>();
  let duplicates = 0;
  for (const r of rows) {
    const k = JSON.stringify(pk.map((c) => r[c]));
    if (seen.has(k)) duplicates++;
    seen.add(k);
  }
  if (duplicates > 0) return { duplicates };
  if (rows.length === 0) return { passes: 'no row gives its primary key' };
  const q = dialect === 'mysql' ? quoteMysqlIdent : quoteIdent;
  const params: (string | number | boolean)[] = [];
  const mark = (v: string | boolean | null | undefined): string => {
    // SQLite binds no booleans
    params.push(dialect === 'sqlite' && typeof v === 'boolean' ? Number(v) : (v as string | boolean));
    return dialect === 'postgresql' ? `$${params.length}` : '?';
  };
  const tuple = (r: (typeof rows)[number]): string =>
    pk.length === 1 ? mark(r[pk[0]!]) : `(${pk.map((c) => mark(r[c])).join(', ')})`;
  const cols = pk.length === 1 ? q(pk[0]!) : `(${pk.map(q).join(', ')})`;
  const keep = p.keep !== undefined ? ` AND (${p.keep})` : '';
  const pick = [key !== undefined ? q(key) : '1', ...(show ? pk.map(q) : [])].join(', ');
  return {
    sql: `SELECT ${pick} FROM ${q(p.table)} WHERE ${cols} IN (${rows.map(tuple).join(', ')})${keep} LIMIT ${PROBE_LIMIT}`,
    params,
  };
}

/** The table's primary key when it is one integer or UUID column: the keys a finding may show. */
export function keySql(dialect: ProbeDialect): string {
  if (dialect === 'postgresql')
    return 'SELECT a.attname AS name, t.typname AS type FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) JOIN pg_type t ON t.oid = a.atttypid WHERE i.indrelid = to_regclass($1) AND i.indisprimary';
  if (dialect === 'mysql')
    return "SELECT COLUMN_NAME AS name, DATA_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_KEY = 'PRI'";
  return 'SELECT name, type FROM pragma_table_info(?) WHERE pk > 0';
}

/** The key column, when the primary key is one column of an integer or UUID type. */
export function keyColumn(rows: readonly { name: unknown; type: unknown }[]): string | undefined {
  if (rows.length !== 1) return undefined;
  const type = String(rows[0]!.type).toLowerCase();
  return /^(?:int[248]?|integer|smallint|bigint|tinyint|mediumint|uuid)$/u.test(type)
    ? String(rows[0]!.name)
    : undefined;
}
