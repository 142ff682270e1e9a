import { revisionFile, type ProjectModel } from '../../alembic/loading/project-model.js';
import type { UpgradePrediction } from '../../alembic/graph/upgrade-plan.js';
import { readableCatalog, type VersionTableState } from '../../database/version-table.js';
import type { LockStep } from './lock-facts.js';
import { lockSteps } from './schema-ops.js';
import { rowStatement, statementsOf } from './row-sql.js';
import { typeProbeOf } from './type-probes.js';
import type { DataCheck, DataProbe, InsertedRow } from '../../database/data-probe.js';

/**
 * The pending steps whose success depends on the rows already there, each as a read-only question for
 * the database (`probes`), or already answered without one (`settled`): an earlier pending step that
 * deletes every row, fills a new column from its server default, or changes the table in a way the
 * reading cannot follow (then not checked, naming that step). Pure: the caller asks the database.
 */
export function dataPlan(
  model: ProjectModel,
  state: VersionTableState,
  prediction: UpgradePrediction,
): { probes: DataProbe[]; settled: DataCheck[] } {
  const probes: DataProbe[] = [];
  const settled: DataCheck[] = [];
  if (model.failure || !prediction.willSucceed || prediction.steps.length === 0) return { probes, settled };
  const events: Event[] = [];
  for (const { revision } of prediction.steps) {
    const file = revisionFile(model, revision);
    if (!file) continue;
    const { text } = file;
    const read = lockSteps(text);
    const at = { revision, path: file.path };
    const mine: Event[] = [
      ...read.steps.map((step): Event => ({ ...at, line: step.line, step })),
      ...read.sql.flatMap((q) =>
        statementsOf(q.sql).map((sql): Event => ({ ...at, line: q.line, sql, conditional: q.conditional })),
      ),
      ...read.writes.map((w): Event => ({
        ...at,
        line: w.line,
        write: w.what,
        table: w.table,
        conditional: w.conditional,
      })),
      ...read.unread.map((u): Event => ({
        ...at,
        line: u.line,
        write: u.why,
        table: null,
        conditional: false,
      })),
    ].sort((a, b) => a.line - b.line);
    const asked = [
      ...read.steps.flatMap((s) => {
        const step = validatedLater(s, read.sql);
        const typed = typeProbeOf(step, baseOf(step, at), state);
        return [probeOf(step, at, state), typed].filter((x) => x !== undefined);
      }),
      ...read.writes.flatMap((w) =>
        w.rows && w.table !== null ? [insertProbe(w, w.table, w.rows, at)] : [],
      ),
    ].sort((a, b) => ('probe' in a ? a.probe : a).line - ('probe' in b ? b.probe : b).line);
    for (const one of asked) {
      // a change PostgreSQL refuses whatever the rows (no cast): known without a read
      if ('result' in one) {
        settled.push(one);
        continue;
      }
      const probe = one;
      if (!tableExists(state, probe.table)) {
        // a table the upgrade creates holds only the rows the upgrade puts there
        const filled = [...events, ...mine].find(
          (e) =>
            (e.revision !== revision || e.line < probe.line) && !('step' in e) && touches(e, probe.table),
        );
        if (filled) settled.push(notChecked(probe, filled, 'may add rows to'));
        continue;
      }
      const before = [...events, ...mine.filter((e) => e.line < probe.line)];
      const answer = afterEarlierSteps(probe, before);
      if ('probe' in answer && 'result' in answer) settled.push(answer);
      else probes.push(answer as DataProbe);
    }
    events.push(...mine);
  }
  return { probes, settled };
}

/** A step of upgrade() as the data plan orders them: an operation, a statement of literal SQL, a write it cannot see into. */
type Event = { readonly revision: string; readonly path: string; readonly line: number } & (
  | { readonly step: LockStep }
  | { readonly sql: string; readonly conditional: boolean }
  | { readonly write: string; readonly table: string | null; readonly conditional: boolean }
);

/**
 * A constraint added NOT VALID and validated by a later statement of the same upgrade() (as fix writes
 * it): the VALIDATE reads every row, so it is the step the rows decide, at the VALIDATE's line.
 */
function validatedLater(step: LockStep, sql: readonly { line: number; sql: string }[]): LockStep {
  const name = step.data?.name;
  if (!step.flags.includes('not-valid') || name === undefined) return step;
  const quoted = `"${name.replaceAll('"', '""')}"`;
  const validate = sql.find((q) => {
    const v = validatedName(q.sql);
    return q.line > step.line && (v === quoted || v === name.toLowerCase());
  });
  return validate
    ? { ...step, line: validate.line, flags: step.flags.filter((f) => f !== 'not-valid') }
    : step;
}

/** `ALTER TABLE t VALIDATE CONSTRAINT n`, or `ALTER TABLE t ADD CONSTRAINT … NOT VALID` (one statement): no row changes. */
function changesNoRow(sql: string): boolean {
  if (validatedName(sql) !== undefined) return true;
  const words = alterWords(sql);
  const up = (i: number): string | undefined => words?.at(i)?.toUpperCase();
  return up(3) === 'ADD' && up(4) === 'CONSTRAINT' && up(-2) === 'NOT' && up(-1) === 'VALID';
}

/** The constraint `ALTER TABLE t VALIDATE CONSTRAINT name` validates, as written; it changes no row. */
function validatedName(sql: string): string | undefined {
  const words = alterWords(sql);
  const up = (i: number): string | undefined => words?.at(i)?.toUpperCase();
  return up(3) === 'VALIDATE' && up(4) === 'CONSTRAINT' && words?.length === 6 ? words[5] : undefined;
}

/** The words of one `ALTER TABLE` statement (a final `;` dropped); undefined for anything else. */
function alterWords(sql: string): string[] | undefined {
  const text = sql.trim();
  const body = text.endsWith(';') ? text.slice(0, -1) : text;
  if (body.includes(';')) return undefined;
  const words = body.split(' ').filter((w) => w !== '');
  return words[0]?.toUpperCase() === 'ALTER' && words[1]?.toUpperCase() === 'TABLE' ? words : undefined;
}

/** The question a step asks of the rows on this database, if any. */
function probeOf(
  step: LockStep,
  at: { revision: string; path: string },
  state: VersionTableState,
): DataProbe | DataCheck | undefined {
  const d = step.data;
  const dialect = state.dialect;
  const base = baseOf(step, at);
  // a table in another schema, or one the reading cannot name, is the lock grades' and probes' unknown alike
  if (step.schema !== undefined || step.table === '' || step.sql) return undefined;
  const notValid = step.flags.includes('not-valid');
  switch (step.call) {
    case 'alter_column':
      // SQLite refuses it outside batch mode before reading a row (sqlite-needs-batch)
      if (!step.flags.includes('not-null') || step.column === undefined) return undefined;
      if (dialect === 'sqlite' && !step.batch) return undefined;
      return { ...base, kind: 'not-null', columns: [step.column] };
    case 'add_column': {
      const defaulted = step.flags.some((f) => f.startsWith('default-') || f === 'identity-or-computed');
      // MySQL and MariaDB fill the new column with the type's implicit default, strict or not
      if (!step.flags.includes('not-null') || defaulted || d?.primaryKey || dialect === 'mysql')
        return undefined;
      if (step.column === undefined) return undefined;
      return { ...base, kind: 'rows-exist', columns: [step.column] };
    }
    case 'create_unique_constraint':
    case 'create_index':
      if (step.call === 'create_index' && !d?.unique) return undefined;
      if (!d?.columns || d.partial) return undefined;
      return {
        ...base,
        kind: 'unique',
        columns: d.columns,
        ...(d.nullsNotDistinct ? { nullsNotDistinct: true as const } : {}),
      };
    case 'create_foreign_key':
      // NOT VALID skips the existing rows; SQLite checks none unless the app turns foreign keys on
      if (notValid || dialect === 'sqlite' || !d?.columns || step.references === undefined) return undefined;
      if (!d.referencedColumns || d.referencedColumns.length !== d.columns.length) return undefined;
      return {
        ...base,
        kind: 'foreign-key',
        columns: d.columns,
        references: { table: step.references, columns: d.referencedColumns },
      };
    case 'create_check_constraint': {
      if (notValid || d?.condition === undefined || (dialect === 'sqlite' && !step.batch)) return undefined;
      const auto = dialect === 'mysql' ? autoIncrementIn(state, step.table, d.condition) : undefined;
      if (auto !== undefined)
        return {
          probe: { ...base, kind: 'check-auto-increment', columns: [auto], condition: d.condition },
          result: 'fails',
        };
      return { ...base, kind: 'check', columns: [], condition: d.condition };
    }
    default:
      return undefined;
  }
}

/** op.bulk_insert's rows as a question: does the table hold one of their primary keys already. */
function insertProbe(
  w: { readonly line: number; readonly conditional: boolean },
  table: string,
  rows: readonly InsertedRow[],
  at: { revision: string; path: string },
): DataProbe {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return {
    ...at,
    line: w.line,
    call: 'bulk_insert',
    table,
    conditional: w.conditional,
    kind: 'inserted-keys',
    columns,
    inserts: rows,
  };
}

/** The AUTO_INCREMENT column of the table a CHECK's condition names (as a word outside its strings), if any. */
function autoIncrementIn(state: VersionTableState, table: string, condition: string): string | undefined {
  const catalog = readableCatalog(state);
  const words = new Set(
    condition
      .replace(/'(?:[^']|'')*'/gu, ' ')
      .split(/[^\w$]+/u)
      .map((w) => w.toLowerCase()),
  );
  return catalog?.autoIncrement?.find(([t, c]) => same(t, table) && words.has(c.toLowerCase()))?.[1];
}

/** What every probe of a step says of it: where it is, its operation and table, and how it runs. */
function baseOf(step: LockStep, at: { revision: string; path: string }): Omit<DataProbe, 'kind' | 'columns'> {
  return {
    ...at,
    line: step.line,
    call: step.call,
    table: step.table,
    conditional: step.conditional,
    ...(step.batch ? { batch: true as const } : {}),
    ...(step.data?.name !== undefined ? { name: step.data.name } : {}),
  };
}

/** Whether the table is in the database now (names compared as the servers fold them; unknown counts as there). */
function tableExists(state: VersionTableState, table: string): boolean {
  if (!state.tables) return true;
  const t = table.toLowerCase();
  return state.tables.some((x) => x.toLowerCase() === t);
}

/** Whether an event may change the table's rows (or, for a write the reading cannot place, any table's). */
function touches(e: Event, table: string): boolean {
  if ('step' in e) return same(e.step.table, table);
  if ('write' in e) return e.table === null || same(e.table, table);
  return !changesNoRow(e.sql) && mentions(e.sql, table);
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The SQL names the table as a word (quoted or not): it may touch its rows. */
function mentions(sql: string, table: string): boolean {
  const lower = sql.toLowerCase();
  const t = table.toLowerCase();
  let at = lower.indexOf(t);
  while (at >= 0) {
    const before = lower[at - 1] ?? ' ';
    const after = lower[at + t.length] ?? ' ';
    if (!/[\w$]/u.test(before) && !/[\w$]/u.test(after)) return true;
    at = lower.indexOf(t, at + 1);
  }
  return false;
}

function notChecked(probe: DataProbe, e: Event, does: string): DataCheck {
  const what = 'step' in e ? `op.${e.step.call}` : 'sql' in e ? 'SQL' : e.write;
  return {
    probe,
    result: 'not-checked',
    why: `${what} at ${e.path}:${e.line} ${does} ${probe.table} first${'conditional' in e && e.conditional ? ' (under if, for or try)' : ''}`,
  };
}

/**
 * The probe as the earlier pending steps leave its table: a DELETE's condition narrows the rows, an
 * UPDATE of the NOT NULL column becomes the value tested, a new column is NULL or its server default;
 * anything else on the table (or a write that names no table) leaves the rows unknown.
 */
function afterEarlierSteps(probe: DataProbe, before: readonly Event[]): DataProbe | DataCheck {
  const cols = new Set(probe.columns.map((c) => c.toLowerCase()));
  const parent = probe.references?.table;
  let added = false;
  const fills: { value: string; where?: string }[] = [];
  const keep: string[] = [];
  let defaulted: Event | undefined;
  let nulled: Event | undefined;
  for (const e of before) {
    const onParent = parent !== undefined && touches(e, parent);
    if (!touches(e, probe.table) && !onParent) continue;
    if ('write' in e) return notChecked(probe, e, 'may change the rows of');
    if ('conditional' in e && e.conditional) return notChecked(probe, e, 'may change');
    if ('step' in e) {
      const s = e.step;
      const col = s.column?.toLowerCase();
      if (onParent && !same(s.table, probe.table)) {
        if (s.call === 'drop_table' || s.call === 'rename_table') return notChecked(probe, e, 'changes');
        continue;
      }
      if (s.call === 'drop_table' || s.call === 'rename_table') return notChecked(probe, e, 'changes');
      if (col === undefined || !cols.has(col)) {
        // a CHECK may read any column: one whose values an earlier step changes leaves its rows unknown
        if (probe.kind === 'check' && changesValues(s)) return notChecked(probe, e, 'changes the columns of');
        continue;
      }
      if (s.call === 'add_column') {
        if (s.flags.some((f) => f.startsWith('default-') || f === 'identity-or-computed')) defaulted = e;
        else nulled = e;
        added = true;
        fills.length = 0;
        continue;
      }
      if (s.call === 'alter_column' && !s.flags.includes('type') && !s.flags.includes('rename')) continue;
      // an index or a constraint made or dropped leaves the rows as they are
      if (s.call.startsWith('create_') || s.call === 'drop_constraint' || s.call === 'drop_index') continue;
      return notChecked(probe, e, 'changes');
    }
    const row = rowStatement(e.sql);
    if (row.kind === 'other') return notChecked(probe, e, 'runs SQL on');
    if (onParent && !same(row.table, probe.table))
      return notChecked(probe, e, 'changes the referenced table');
    if (!same(row.table, probe.table)) return notChecked(probe, e, 'runs SQL on');
    if (row.kind === 'insert') return notChecked(probe, e, 'inserts rows into');
    if (row.kind === 'delete') {
      if (row.where === undefined)
        return {
          probe,
          result: 'passes',
          why: `SQL at ${e.path}:${e.line} deletes every row of ${probe.table} first`,
        };
      keep.push(`NOT COALESCE((${row.where}), FALSE)`);
      continue;
    }
    const set = row.sets.filter((s) => cols.has(s.column.toLowerCase()));
    if (set.length === 0) {
      // a CHECK may read any column, and a primary key is known only when the probe runs
      if (probe.kind === 'check' || probe.kind === 'inserted-keys') return notChecked(probe, e, 'updates');
      continue;
    }
    // the column's value becomes the UPDATE's where it is one column's value the probe then tests
    if (!VALUE_PROBES.has(probe.kind) || set.length !== 1)
      return notChecked(probe, e, 'updates the probed column of');
    fills.push({ value: set[0]!.value, ...(row.where !== undefined ? { where: row.where } : {}) });
    defaulted = undefined;
    nulled = undefined;
  }
  if (defaulted) {
    if (probe.kind === 'not-null')
      return {
        probe,
        result: 'passes',
        why: `${defaulted.path}:${defaulted.line} adds the column with a server default`,
      };
    return notChecked(probe, defaulted, 'adds the column with a server default to');
  }
  // a new column is NULL in every row: NULL keys neither collide nor reference anything
  if (nulled && ((probe.kind === 'unique' && !probe.nullsNotDistinct) || probe.kind === 'foreign-key'))
    return {
      probe,
      result: 'passes',
      why: `${nulled.path}:${nulled.line} adds the column: NULL in every row`,
    };
  return {
    ...probe,
    ...(added || fills.length > 0 ? { value: { added, fills } } : {}),
    ...(keep.length > 0 ? { keep: keep.join(' AND ') } : {}),
  };
}

/** The probes that test one column's values, which an earlier literal UPDATE of it can set. */
const VALUE_PROBES = new Set<DataProbe['kind']>(['not-null', 'length', 'convert', 'enum', 'range']);

/** A step that changes a column's values in existing rows (a new column's default, a new type, a drop, a rename). */
function changesValues(s: LockStep): boolean {
  if (s.call === 'drop_column') return true;
  if (s.call === 'add_column')
    return s.flags.some((f) => f.startsWith('default-') || f === 'identity-or-computed');
  return s.call === 'alter_column' && (s.flags.includes('type') || s.flags.includes('rename'));
}
