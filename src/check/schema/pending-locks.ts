import { revisionText, type ProjectModel } from '../../alembic/loading/project-model.js';
import type { UpgradePrediction } from '../../alembic/graph/upgrade-plan.js';
import {
  readableCatalog,
  type SchemaCatalog,
  type TableSize,
  type VersionTableState,
} from '../../database/version-table.js';
import { light, type LockStep } from './lock-facts.js';
import { withCheckedNotNull } from './checked-not-null.js';
import { mysqlPendingLocks } from './mysql-pending-locks.js';
import { blockedBy, gradeLock } from './lock-grade.js';
import type { LockSettings, PendingLock, PendingLocks, TimeoutSetting } from './lock-types.js';
import type { SchemaOp } from './schema-object.js';
import { lockSteps, schemaOps, type LiteralSql } from './schema-ops.js';
import { sqlLockSteps, type ParsedSql } from './sql-lock-steps.js';
import { envPyTimeout, sqlTimeouts } from './timeout-setting.js';
import { RUN_TIME } from './sql-argument.js';

export { DEFAULT_LOCK_SETTINGS } from './lock-types.js';
export type { LockSettings, PendingLock, PendingLocks, TimeoutSetting } from './lock-types.js';

/** PostgreSQL's parser (libpg_query), loaded by the caller when pending SQL needs it: the parse tree, or undefined when it rejects the SQL. */
export type SqlParser = (sql: string) => ParsedSql | undefined;

/**
 * The pending upgrade's steps graded against the live catalog (PostgreSQL only, read-only: the sizes,
 * locks and settings came with the catalog in verify's transaction). Undefined when there is nothing to
 * grade: another dialect, no catalog, no pending step, or `--locks off`.
 */
export function pendingLocks(
  model: ProjectModel,
  state: VersionTableState,
  prediction: UpgradePrediction,
  settings: LockSettings,
  envPy?: { readonly path: string; readonly text: string },
  kept?: ReadonlyMap<string, readonly SchemaOp[]>,
  parseSql?: SqlParser,
): PendingLocks | undefined {
  if (
    settings.mode === 'off' ||
    state.dialect === 'sqlite' ||
    !prediction.willSucceed ||
    prediction.steps.length === 0
  )
    return undefined;
  const catalog = readableCatalog(state);
  // no sizes (the catalog unread, or --no-schema-probes): under a gate, a step whose lock is unknown blocks
  if (!catalog?.tableSizes) {
    // a schema with no table of the app's (a new database) holds no rows: nothing to grade
    const appTables = (state.tables ?? []).filter(
      (t) => t !== state.versionTable.toLowerCase() && t !== state.ledger?.table,
    );
    if (settings.mode !== 'block') return undefined;
    if (state.tables !== undefined && appTables.length === 0)
      return { settings, major: 0, steps: [], unread: [], sqlUngraded: 0, holders: [] };
    return ungraded(model, state, prediction, settings);
  }
  const major = Number(/^(\d+)/u.exec(state.server?.version ?? '')?.[1] ?? 0);
  // a schema with no tables yet (a new database): nothing there holds rows, and nothing is read
  if (catalog.tableSizes.length === 0)
    return { settings, major, steps: [], unread: [], sqlUngraded: 0, holders: [] };
  if (state.dialect === 'mysql') return mysqlPendingLocks(model, state, catalog, prediction, settings, envPy);
  const sizes = new Map(catalog.tableSizes.map((t) => [t.table, t]));
  // names as PostgreSQL folds unquoted ones: SQL that names none of them locks no table that holds rows
  const lowerNames = [...sizes.keys()].map((t) => t.toLowerCase());
  const indexTable = new Map(catalog.indexes.map(([index, table]) => [index, table]));
  const large = (t?: TableSize): boolean =>
    t !== undefined && (rowsOf(t) >= settings.rows || t.bytes >= settings.bytes);
  const steps: PendingLock[] = [];
  let sqlUngraded = 0;
  const unread: PendingLocks['unread'][number][] = [];
  let timeoutSet: TimeoutSetting | undefined;
  // the lock_timeout each step runs under: env.py's (it runs after the connection takes the role's), then each SET in order
  const fromEnv = envPy ? envPyTimeout(envPy.text) : undefined;
  if (fromEnv && fromEnv.ms > 0 && envPy) timeoutSet = { path: envPy.path, line: fromEnv.line };
  let session = fromEnv?.ms ?? catalog.timeouts?.lockMs ?? 0;
  for (const { revision } of prediction.steps) {
    const rev = model.map.byKey.get(revision);
    // the schema probes' reading of the file, when the run kept it: a revision none of whose steps
    // names a table that exists now is not read again (a new database's whole history, say)
    const ops = rev ? kept?.get(rev.file.absPath) : undefined;
    // (an empty reading is read again: a conditional alter_column leaves no step for the probes)
    const text = rev ? revisionText(model, rev.file.absPath) : undefined;
    // (a new table's ForeignKey locks the table it references: such a revision is read for its steps)
    if (
      ops &&
      ops.length > 0 &&
      !ops.some((o) => touchesExisting(o, sizes, indexTable)) &&
      !text?.includes('ForeignKey')
    )
      continue;
    if (!rev || text === undefined) continue;
    const read = lockSteps(text);
    for (const u of read.unread) unread.push({ revision, path: rev.file.path, ...u });
    const sets = read.sql.flatMap((q) => sqlTimeouts(q.sql).map((set) => ({ line: q.line, ...set })));
    const firstSet = sets.find((x) => x.ms > 0);
    if (firstSet) timeoutSet ??= { path: rev.file.path, line: firstSet.line };
    const sql = sqlSteps(read.sql, lowerNames, catalog.schema, parseSql);
    sqlUngraded += sql.ungraded;
    for (const u of sql.unread) unread.push({ revision, path: rev.file.path, ...u });
    const fromSql = sql.steps;
    for (const step of withCheckedNotNull([...read.steps, ...fromSql])) {
      // a table in another schema than the one whose sizes were read: its size is not known
      if (step.schema !== undefined && step.schema !== catalog.schema) {
        unread.push({
          revision,
          path: rev.file.path,
          line: step.line,
          why: `op.${step.call} on ${step.schema}.${step.table || step.index || '?'}, outside the schema read (${catalog.schema ?? 'unknown'})`,
        });
        continue;
      }
      const table = step.table !== '' ? step.table : (indexTable.get(step.index ?? '') ?? '');
      // a table the upgrade creates first holds no rows: its locks wait for nobody (but a new
      // table's foreign key locks the existing table it references)
      const referencesExisting = step.call === 'create_table' && sizes.has(step.references ?? '');
      if (table === '' || (!sizes.has(table) && !referencesExisting)) continue;
      const size = sizes.get(table);
      steps.push({
        revision,
        path: rev.file.path,
        step,
        grade: gradeLock(step, major, coercible(step, table, catalog)),
        table,
        ...(size ? { size } : {}),
        large: large(size),
        timeoutMs: timeoutAt(sets, session, step.line),
      });
    }
    session = sets.filter((x) => !x.local).at(-1)?.ms ?? session;
  }
  const touched = new Set(
    steps.flatMap((s) => [s.table, ...(s.grade.alsoLocks ? [s.grade.alsoLocks.table] : [])]),
  );
  const holders = (catalog.lockHolders ?? []).filter((h) => touched.has(h.table));
  return {
    settings,
    major,
    steps,
    unread,
    sqlUngraded,
    holders,
    ...(catalog.timeouts ? { timeouts: catalog.timeouts } : {}),
    ...(timeoutSet ? { timeoutSet } : {}),
  };
}

/**
 * A revision's steps graded with no database to size them (`fix` without a URL): every table the
 * file does not create counts as large, and each step runs under the lock_timeout env.py and the
 * file's own SET statements put in force (the role's is not known: none).
 */
export function fileLocks(
  file: { readonly revision: string; readonly path: string; readonly text: string },
  major: number,
  envPy?: { readonly text: string },
  parseSql?: SqlParser,
): Pick<PendingLocks, 'steps' | 'unread'> {
  const read = lockSteps(file.text);
  const created = new Set(
    schemaOps(file.text).flatMap((o) => (o.op === 'create' && o.obj.kind === 'table' ? [o.obj.name] : [])),
  );
  const sets = read.sql.flatMap((q) => sqlTimeouts(q.sql).map((set) => ({ line: q.line, ...set })));
  const session = (envPy ? envPyTimeout(envPy.text)?.ms : undefined) ?? 0;
  const sql = sqlSteps(read.sql, undefined, undefined, parseSql);
  const where = { revision: file.revision, path: file.path };
  const steps = withCheckedNotNull([...read.steps, ...sql.steps])
    .filter((step) => step.table !== '' && !created.has(step.table) && step.call !== 'create_table')
    .map((step) => ({
      ...where,
      step,
      grade: gradeLock(step, major),
      table: step.table,
      large: true,
      timeoutMs: timeoutAt(sets, session, step.line),
    }));
  return { steps, unread: [...read.unread, ...sql.unread].map((u) => ({ ...where, ...u })) };
}

/**
 * Whether a graded step rewrites, scans or indexes a large table under a lock that stops the app
 * (lock-on-large-table reports it; fix rewrites it).
 */
export function holdsLargeTable(s: PendingLock): boolean {
  return (
    s.large &&
    s.grade.work !== 'instant' &&
    (s.grade.rowLocks === true || blockedBy(s.grade.mode) !== 'nothing the app does')
  );
}

/** Whether a step waits for ACCESS EXCLUSIVE on a large table with no lock_timeout in force (lock-timeout-missing; fix). */
export function waitsUnbounded(s: PendingLock): boolean {
  return (
    s.large &&
    s.timeoutMs === 0 &&
    (s.grade.mode === 'ACCESS EXCLUSIVE' || s.grade.alsoLocks?.mode === 'ACCESS EXCLUSIVE')
  );
}

/** Every pending revision not graded, for a gate that has no sizes to grade with: lock-not-graded says so. */
function ungraded(
  model: ProjectModel,
  state: VersionTableState,
  prediction: UpgradePrediction,
  settings: LockSettings,
  reason?: string,
): PendingLocks {
  const why =
    reason ??
    (state.catalog && 'unreadable' in state.catalog
      ? `the tables' sizes could not be read (${state.catalog.unreadable})`
      : "the tables' sizes were not read (--no-schema-probes)");
  const unread = prediction.steps.flatMap(({ revision }) => {
    const rev = model.map.byKey.get(revision);
    return rev ? [{ revision, path: rev.file.path, line: rev.script.line ?? 1, why }] : [];
  });
  return { settings, major: 0, steps: [], unread, sqlUngraded: 0, holders: [] };
}

/** The lock_timeout at `line`: SET LOCAL lasts to the end of the revision's transaction at most; SET, for the session. */
function timeoutAt(
  sets: readonly { readonly line: number; readonly ms: number; readonly local: boolean }[],
  session: number,
  line: number,
): number {
  let local: number | undefined;
  let value = session;
  for (const x of sets) {
    if (x.line >= line) break;
    if (x.local) local = x.ms;
    else {
      value = x.ms;
      local = undefined;
    }
  }
  return local ?? value;
}

/**
 * The lock steps of a revision's literal SQL and templates that name an existing table (or a table named
 * at run time), through PostgreSQL's parser; without one, each such statement is counted ungraded.
 */
function sqlSteps(
  sql: readonly LiteralSql[],
  lowerNames: readonly string[] | undefined,
  schemaRead: string | undefined,
  parseSql: SqlParser | undefined,
): { steps: LockStep[]; unread: { line: number; why: string }[]; ungraded: number } {
  const steps: LockStep[] = [];
  const unread: { line: number; why: string }[] = [];
  let ungraded = 0;
  for (const q of sql.filter(
    (x) =>
      !light(x.sql) && (lowerNames === undefined || namesAny(x.sql, lowerNames) || x.sql.includes(RUN_TIME)),
  )) {
    const parsed = parseSql?.(q.sql);
    if (parsed === undefined) {
      ungraded += parseSql ? 0 : 1;
      unread.push({
        line: q.line,
        why: q.template
          ? 'SQL built at run time'
          : parseSql
            ? "SQL that PostgreSQL's parser rejects"
            : "SQL run by op.execute, without PostgreSQL's parser to read it",
      });
      continue;
    }
    const got = sqlLockSteps(parsed, q.line, q.conditional, schemaRead);
    for (const x of got.steps) {
      if (x.table === RUN_TIME || x.index === RUN_TIME || x.references === RUN_TIME)
        unread.push({ line: q.line, why: `SQL built at run time (${x.call} on a table named at run time)` });
      else steps.push({ ...x, sql: true as const });
    }
    for (const why of got.unread) unread.push({ line: q.line, why });
  }
  return { steps, unread, ungraded };
}

/**
 * Whether alter_column's type change rewrites nothing: the same type with no tighter length, or a cast
 * the server marks binary-coercible to a type without a length (varchar to text), with no USING.
 */
function coercible(step: LockStep, table: string, catalog: SchemaCatalog): boolean {
  const to = step.typeTo;
  if (!step.flags.includes('type') || to === undefined || to.using || to.length === 'unknown') return false;
  const from = catalog.columnTypes?.find(([t, c]) => t === table && c === step.column);
  if (!from) return false;
  const [, , name, typmod] = from;
  if (name === to.name) {
    // char without a length is char(1): a narrowing, not a widening
    if (to.length === undefined) return name !== 'bpchar';
    // varchar(n) stores n + 4 in atttypmod; a longer limit only changes the catalog
    return name === 'varchar' && typmod >= 0 && to.length >= typmod - 4;
  }
  return to.length === undefined && (catalog.binaryCasts ?? []).some(([s, t]) => s === name && t === to.name);
}

/** Whether the SQL's text holds one of the names (lower-cased): a cheap test before PostgreSQL's parser is loaded. */
function namesAny(sql: string, lowerNames: readonly string[]): boolean {
  const text = sql.toLowerCase();
  return lowerNames.some((t) => text.includes(t));
}

/** Whether a step may lock a table that exists now (any step the reading could not follow may). */
function touchesExisting(
  o: SchemaOp,
  sizes: ReadonlyMap<string, TableSize>,
  indexTable: ReadonlyMap<string, string>,
): boolean {
  if (o.op === 'forget') return o.table === null || sizes.has(o.table);
  const table =
    o.obj.kind === 'table'
      ? o.obj.name
      : o.obj.kind === 'index'
        ? (o.obj.table ?? indexTable.get(o.obj.name))
        : o.obj.table;
  return table === undefined || sizes.has(table);
}

/**
 * The rows a table is judged by: the analysed count when every member was analysed; before that, the
 * larger of the statistics' live count and the estimate from its pages (an unknown count is not zero).
 */
export function rowsOf(t: TableSize): number {
  return t.rows ?? Math.max(t.liveRows ?? 0, t.estimatedRows ?? 0);
}

/** Rows and bytes as a person reads them: "48 M rows, 12 GB", with a tree's members and an estimate said as such. */
export function sizeText(size: TableSize | undefined): string {
  if (!size) return 'size unknown';
  const rows = short(rowsOf(size), ['', ' k', ' M', ' G'], 1000);
  const count = size.rows === null ? `~${rows} rows (never analysed)` : `${rows} rows`;
  const tree = size.members
    ? ` in ${size.members} ${size.tree === 'partitions' ? 'partition' : 'child table'}${size.members === 1 ? '' : 's'}`
    : '';
  return `${count}${tree}, ${short(size.bytes, [' B', ' kB', ' MB', ' GB', ' TB'], 1024)}`;
}

function short(n: number, units: readonly string[], step: number): string {
  let i = 0;
  let v = n;
  while (v >= step && i < units.length - 1) {
    v /= step;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v >= 10 ? Math.round(v) : v.toFixed(1)}${units[i]}`;
}
