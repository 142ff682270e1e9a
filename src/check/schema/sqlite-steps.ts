import type { ProjectModel } from '../../alembic/loading/project-model.js';
import type { UpgradePrediction } from '../../alembic/graph/upgrade-plan.js';
import { readableCatalog, type VersionTableState } from '../../database/version-table.js';
import type { SchemaOp } from './schema-object.js';
import { opsReader } from './schema-probe.js';

/** A pending step SQLite cannot run as Alembic emits it outside batch_alter_table, and what Alembic prints. */
export interface SqliteStep {
  readonly revision: string;
  readonly path: string;
  readonly line: number;
  /** what the step does, in words */
  readonly what: string;
  readonly alembicError: string;
  /** Inside batch_alter_table, which refuses it there (an unnamed constraint). */
  readonly inBatch?: true;
  /** PostgreSQL's SQL that SQLite has no statement for (`ALTER TYPE … ADD VALUE`): batch mode is no fix. */
  readonly postgresOnly?: string;
}

/** A step read from literal SQL that only PostgreSQL has: the statement, and the word SQLite's parser stops at. */
function postgresOnly(op: SchemaOp): { statement: string; word: string } | undefined {
  if (op.op === 'create' && op.obj.kind === 'label')
    return { statement: 'ALTER TYPE … ADD VALUE', word: 'TYPE' };
  if (op.op === 'rename' && op.obj.kind === 'label')
    return { statement: 'ALTER TYPE … RENAME VALUE', word: 'TYPE' };
  if ((op.op === 'create' || op.op === 'drop') && op.obj.kind === 'extension')
    return { statement: `${op.op === 'create' ? 'CREATE' : 'DROP'} EXTENSION`, word: 'EXTENSION' };
  return undefined;
}

const NO_CONSTRAINTS =
  'NotImplementedError: No support for ALTER of constraints in SQLite dialect. Please refer to the batch mode feature which allows for SQLite migrations using a copy-and-move strategy.';
const NO_ALTER = 'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) near "ALTER": syntax error';

/**
 * Why SQLite's ALTER TABLE DROP COLUMN (3.35 and later) refuses this column of the database as it is,
 * with SQLite's own message, in the order SQLite checks: a primary key column, a UNIQUE one, then one
 * an index names (the index is rebuilt without it and fails). Undefined when it would drop it.
 */
function dropColumnRefusal(
  state: VersionTableState,
  table: string | null | undefined,
  column: string,
): { why: string; error: string } | undefined {
  // SQLite has had DROP COLUMN since 3.35.0: before it, the statement is a syntax error
  if (state.appSqliteVersion !== undefined && olderThan(state.appSqliteVersion, [3, 35, 0]))
    return {
      why: `which the app's SQLite ${state.appSqliteVersion} cannot drop (DROP COLUMN came in 3.35.0)`,
      error: 'near "DROP": syntax error',
    };
  const catalog = readableCatalog(state);
  if (!catalog || table === null || table === undefined) return undefined;
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  if ((catalog.primaryKeyColumns ?? []).some(([t, c]) => same(t, table) && same(c, column)))
    return { why: 'a primary key column', error: `cannot drop PRIMARY KEY column: "${column}"` };
  const indexes = (catalog.indexedColumns ?? []).filter(([t, c]) => same(t, table) && same(c, column));
  if (indexes.some(([, , , origin]) => origin === 'u')) {
    const sql = (catalog.tableSql ?? []).find(([t]) => same(t, table))?.[1] ?? '';
    // UNIQUE on the column's own definition, or a table constraint UNIQUE (…) that lists it (SQLAlchemy's way)
    return columnDefinition(sql, column)?.match(/\bUNIQUE\b/iu)
      ? { why: 'a UNIQUE column', error: `cannot drop UNIQUE column: "${column}"` }
      : {
          why: 'which a UNIQUE constraint of the table names',
          error: `error in table ${table} after drop column: no such column: ${column}`,
        };
  }
  const named = indexes.find(([, , , origin]) => origin === 'c');
  if (named)
    return {
      why: `which the index ${named[2]} names`,
      error: `error in index ${named[2]} after drop column: no such column: ${column}`,
    };
  return undefined;
}

/**
 * Whether env.py hands Alembic a target_metadata (anything but None): its naming convention, if it has
 * one, names an unnamed constraint in batch mode, which the reading cannot see. Unknown counts as yes.
 */
function hasMetadata(env: string | undefined): boolean {
  if (env === undefined) return true;
  const values = [...env.matchAll(/\btarget_metadata\s*=\s*([\w.]+)/gu)].map((m) => m[1]);
  return values.some((v) => v !== 'None' && v !== 'target_metadata');
}

function olderThan(version: string, than: readonly number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < than.length; i++) {
    const a = parts[i] ?? 0;
    if (a !== than[i]) return a < than[i]!;
  }
  return false;
}

/** The definition of `column` in a CREATE TABLE statement (the item of its list that starts with the name), if any. */
function columnDefinition(sql: string, column: string): string | undefined {
  const open = sql.indexOf('(');
  if (open < 0) return undefined;
  const items: string[] = [];
  let depth = 0;
  let quote = '';
  let start = open + 1;
  for (let i = start; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '[') quote = ']';
    else if (c === '(') depth++;
    else if (c === ')' && depth-- === 0) {
      items.push(sql.slice(start, i));
      break;
    } else if (c === ',' && depth === 0) {
      items.push(sql.slice(start, i));
      start = i + 1;
    }
  }
  const name = column.toLowerCase();
  return items.find((item) => {
    const first = item.trim().split(/\s/u)[0] ?? '';
    return first.replace(/^["`[]|["`\]]$/gu, '').toLowerCase() === name;
  });
}

/**
 * The first pending step that SQLite cannot run, in Alembic's order: SQLite has no ALTER COLUMN, so an
 * alter_column that changes a type, nullability or default outside batch_alter_table ends in a syntax
 * error; Alembic's SQLite dialect refuses to add or drop a constraint outside it (both the same in every
 * SQLite version); and SQLite's DROP COLUMN refuses a primary key, UNIQUE or indexed column of the
 * database as it is now. Only steps that certainly run count (one under if or try is left out).
 */
export function sqliteStepsRefused(
  model: ProjectModel,
  state: VersionTableState,
  prediction: UpgradePrediction,
  early?: ReadonlyMap<string, readonly SchemaOp[]>,
  envPy?: string,
): SqliteStep | undefined {
  if (state.dialect !== 'sqlite' || !prediction.willSucceed || model.failure) return undefined;
  const ops = opsReader(model, early);
  for (const step of prediction.steps) {
    for (const op of ops(step.revision)) {
      const at = { revision: step.revision, path: ops.path(step.revision), line: op.line };
      const pg = postgresOnly(op);
      if (pg)
        return {
          ...at,
          what: `runs PostgreSQL's ${pg.statement}`,
          alembicError: `sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) near "${pg.word}": syntax error`,
          postgresOnly: pg.statement,
        };
      if (op.op === 'need' && op.obj.kind === 'column' && op.alters && !op.batch)
        return {
          ...at,
          what: `op.alter_column changes the ${op.alters.join(', ')} of ${op.obj.table}.${op.obj.name}`,
          alembicError: NO_ALTER,
        };
      const refusedDrop =
        op.op === 'drop' && op.obj.kind === 'column' && op.strict && !op.batch
          ? dropColumnRefusal(state, op.obj.table, op.obj.name)
          : undefined;
      if (refusedDrop && op.op === 'drop' && op.obj.kind === 'column')
        return {
          ...at,
          what: `drops column ${op.obj.table}.${op.obj.name}, ${refusedDrop.why}`,
          alembicError: `sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) ${refusedDrop.error}`,
        };
      if (op.op === 'forget' && op.unnamedInBatch && !hasMetadata(envPy))
        return {
          ...at,
          what: `adds an unnamed constraint on ${op.table ?? 'a table'} in batch_alter_table, and env.py passes no target_metadata whose naming convention would name it`,
          alembicError: 'ValueError: Constraint must have a name',
          inBatch: true,
        };
      if (op.op === 'forget' && op.unbatchedConstraint)
        return {
          ...at,
          what: `adds an unnamed constraint on ${op.table ?? 'a table'}`,
          alembicError: NO_CONSTRAINTS,
        };
      if (
        (op.op === 'create' || op.op === 'drop') &&
        op.obj.kind === 'constraint' &&
        op.strict &&
        !op.batch &&
        !op.sql
      )
        return {
          ...at,
          what: `${op.op === 'create' ? 'adds' : 'drops'} the constraint ${op.obj.name} on ${op.obj.table}`,
          alembicError: NO_CONSTRAINTS,
        };
    }
  }
  return undefined;
}
