import type { VersionTableState } from '../../database/version-table.js';
import type { DataCheck, DataProbe } from '../../database/data-probe.js';
import type { LockStep } from './lock-facts.js';

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
  if (to === undefined || step.data?.partial || state.dialect === 'sqlite') return undefined;
  const columns = [step.column];
  if (to.name === 'varchar' && typeof to.length === 'number') {
    const from = currentType(state, step.table, step.column);
    // PostgreSQL: only from a string type with no tighter limit already (MySQL's types are not read)
    if (state.dialect === 'postgresql' && (from === undefined || !TEXT_LIKE.has(from.name))) return undefined;
    if (from?.name === 'varchar' && from.typmod >= 0 && from.typmod - 4 <= to.length) return undefined;
    return { ...base, kind: 'length', columns, length: to.length };
  }
  const castTo = CAST_TARGETS[to.name];
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
  const catalog = state.catalog && !('unreadable' in state.catalog) ? state.catalog : undefined;
  const row = catalog?.columnTypes?.find(([t, c]) => t === table && c === column);
  return row ? { name: row[2], typmod: row[3] } : undefined;
}
