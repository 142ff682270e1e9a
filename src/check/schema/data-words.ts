import type { DataCheck, DataProbe } from '../../database/data-probe.js';
import { rangeLimit } from '../../database/probe-sql.js';

/** How many rows a probe found, as the findings say it: 1 row, 2 rows, at least 4 rows. */
export function rowCount(c: Pick<DataCheck, 'rows' | 'probe'>): string {
  // a cast stops at the first value it cannot take
  if (c.probe.kind === 'cast') return 'at least 1 row';
  const n = c.rows ?? 0;
  return n >= 4 ? 'at least 4 rows' : n === 1 ? '1 row' : `${n} rows`;
}

/**
 * The offending rows a finding may name: up to three integer or UUID keys, and the values only where
 * a person asked for them (verify --show-values). Empty when there are neither.
 */
export function rowsShown(c: Pick<DataCheck, 'rows' | 'keys' | 'values'>): string {
  const more = (shown: number): string => (c.rows !== undefined && c.rows > shown ? ', …' : '');
  const keys = c.keys && c.keys.length > 0 ? ` Keys: ${c.keys.join(', ')}${more(c.keys.length)}.` : '';
  const values =
    c.values && c.values.length > 0 ? ` Values: ${c.values.join(', ')}${more(c.values.length)}.` : '';
  return keys + values;
}

/**
 * What the rows are, given their count ("t has 2 rows with NULL in c"), the same shorter for a title
 * that must fit, and what the step does, for a finding's title and message.
 */
export function stepWords(p: DataProbe): {
  found: (count: string) => string;
  short: (count: string) => string;
  does: string;
} {
  const cols = p.columns.length === 1 ? p.columns[0]! : `(${p.columns.join(', ')})`;
  switch (p.kind) {
    case 'not-null':
      return {
        found: (n) =>
          `${p.table} has ${n} ${p.value ? `still NULL in ${cols} after the earlier steps` : `with NULL in ${cols}`}`,
        short: (n) => `${p.table}.${cols} is NULL in ${n}`,
        does: `makes ${p.table}.${cols} NOT NULL`,
      };
    case 'rows-exist':
      return {
        found: (n) => `${p.table} has ${n}, and the new NOT NULL column ${cols} has no default`,
        short: (n) => `${p.table} has ${n}; ${cols} has no default`,
        does: `adds ${cols} NOT NULL with no server default, so every existing row would hold NULL`,
      };
    case 'unique':
      return {
        found: (n) => `${p.table} has ${n} sharing a value of ${cols}`,
        short: (n) => `${p.table}.${cols} repeats in ${n}`,
        does: `makes ${cols} unique`,
      };
    case 'foreign-key':
      return {
        found: (n) => `${p.table} has ${n} whose ${cols} match no row of ${p.references?.table ?? '?'}`,
        short: (n) => `${p.table}.${cols} is orphaned in ${n}`,
        does: `adds a foreign key from ${p.table}.${cols} to ${p.references?.table ?? '?'}`,
      };
    case 'length':
      return {
        found: (n) => `${p.table} has ${n} longer than ${p.length} characters in ${cols}`,
        short: (n) => `${p.table}.${cols} is too long in ${n}`,
        does: `makes ${p.table}.${cols} VARCHAR(${p.length})`,
      };
    case 'cast':
      return {
        found: (n) => `${p.table} has ${n} in ${cols} that the cast to ${p.castTo} refuses`,
        short: (n) => `${p.table}.${cols} does not cast to ${p.castTo} in ${n}`,
        does: `changes ${p.table}.${cols} to ${p.castTo} USING ${p.using}`,
      };
    case 'no-cast':
      return {
        // known without a read: there is no count to give
        found: () => `${p.table}.${cols} needs postgresql_using to become ${p.castTo}`,
        short: () => `${p.table}.${cols} needs postgresql_using to become ${p.castTo}`,
        does: `changes ${p.table}.${cols} to ${p.castTo} with no postgresql_using=, which PostgreSQL cannot do automatically, on any database`,
      };
    case 'convert':
      // SQLite's CAST names an affinity in capitals; MySQL's integer types are lower case
      return /^(?:INTEGER|REAL|NUMERIC)$/u.test(p.castTo ?? '')
        ? {
            found: (n) => `${p.table} has ${n} in ${cols} that the batch copy's CAST AS ${p.castTo} changes`,
            short: (n) => `${p.table}.${cols} changes under CAST in ${n}`,
            does: `changes the type of ${p.table}.${cols}, and batch mode copies every value through CAST(${cols} AS ${p.castTo}): a string that is not a number becomes 0 or its leading digits, a fraction loses its decimals`,
          }
        : {
            found: (n) => `${p.table} has ${n} in ${cols} that are not ${p.castTo ?? 'integer'} values`,
            short: (n) => `${p.table}.${cols} is not ${p.castTo ?? 'integer'} in ${n}`,
            does: `changes ${p.table}.${cols} from a string type to ${(p.castTo ?? 'integer').toUpperCase()}`,
          };
    case 'range': {
      const type = `DECIMAL(${p.numeric?.precision},${p.numeric?.scale})`;
      return {
        found: (n) => `${p.table} has ${n} in ${cols} beyond ${type}'s range`,
        short: (n) => `${p.table}.${cols} is beyond ${type} in ${n}`,
        does: `makes ${p.table}.${cols} ${type}, which holds values under ${rangeLimit(p)} once rounded`,
      };
    }
    case 'enum':
      return {
        found: (n) => `${p.table} has ${n} in ${cols} holding a label the new enum lacks`,
        short: (n) => `${p.table}.${cols} holds a dropped label in ${n}`,
        does: `changes ${p.table}.${cols} to an enum of ${(p.labels ?? []).length} labels (${(p.labels ?? []).join(', ')})`,
      };
    case 'check-auto-increment':
      return {
        // known without a read: there is no count to give
        found: () => `the CHECK names ${p.table}.${cols}, an AUTO_INCREMENT column`,
        short: () => `the CHECK names AUTO_INCREMENT ${p.table}.${cols}`,
        does: `adds CHECK (${p.condition ?? '…'}), which names the AUTO_INCREMENT column ${cols}; MySQL and MariaDB refuse that on every database, an empty one too`,
      };
    case 'inserted-keys':
      return {
        found: (n) => `op.bulk_insert would repeat a primary key of ${p.table} in ${n}`,
        short: (n) => `op.bulk_insert repeats a key of ${p.table} in ${n}`,
        does: `inserts ${p.inserts?.length ?? 0} rows into ${p.table}, and the primary key must be new for each`,
      };
    case 'check':
      return {
        found: (n) => `${p.table} has ${n} the new CHECK rejects`,
        short: (n) => `the CHECK fails on ${n} of ${p.table}`,
        does: `adds CHECK (${p.condition ?? '…'})`,
      };
  }
}
