import { revisionText, type ProjectModel } from '../../alembic/loading/project-model.js';
import type { UpgradePrediction } from '../../alembic/graph/upgrade-plan.js';
import type {
  LockHolder,
  SchemaCatalog,
  TableSize,
  VersionTableState,
} from '../../database/version-table.js';
import type { LockStep } from './lock-facts.js';
import { gradeLock, type LockGrade } from './lock-grade.js';
import type { SchemaOp } from './schema-object.js';
import { lockSteps } from './schema-ops.js';
import { sqlLockSteps, type ParsedSql } from './sql-lock-steps.js';

/** `--locks` and its thresholds: a table at or above either is large. */
export interface LockSettings {
  /** warn: findings are warnings; block: errors (release stops before Alembic starts); off: none. */
  readonly mode: 'warn' | 'block' | 'off';
  readonly rows: number;
  readonly bytes: number;
}

export const DEFAULT_LOCK_SETTINGS: LockSettings = { mode: 'warn', rows: 100_000, bytes: 256 * 1024 * 1024 };

/** A pending step's lock, graded, on its table as it is now. */
export interface PendingLock {
  readonly revision: string;
  readonly path: string;
  readonly step: LockStep;
  readonly grade: LockGrade;
  /** The table it locks (a drop_index's found by its index in the catalog). */
  readonly table: string;
  readonly size?: TableSize;
  /** At or above a threshold, by its analysed rows, its live rows or its bytes. */
  readonly large: boolean;
}

/** Where a lock_timeout or statement_timeout is set for the migrations: a migration or env.py. */
export interface TimeoutSetting {
  readonly path: string;
  readonly line: number;
}

export interface PendingLocks {
  readonly settings: LockSettings;
  /** The server's major version (the grades depend on it). */
  readonly major: number;
  readonly steps: readonly PendingLock[];
  /** Lines of pending revisions the reading could not follow: no lock is claimed for them. */
  readonly unread: readonly {
    readonly revision: string;
    readonly path: string;
    readonly line: number;
    readonly why: string;
  }[];
  /** Statements of literal SQL that change a schema and were not parsed (no parser was given): a caller with one grades them again. */
  readonly sqlUngraded: number;
  /** Other sessions' locks on the tables the pending steps lock. */
  readonly holders: readonly LockHolder[];
  readonly timeouts?: SchemaCatalog['timeouts'];
  /** The first `lock_timeout` a pending migration or env.py sets, when one does. */
  readonly timeoutSet?: TimeoutSetting;
}

const TIMEOUT = /\block_timeout\b/u;
/** SQL that may lock a table that holds rows; data changes and SET are left to the reading's other rules. */
const SCHEMA_CHANGE =
  /\b(?:ALTER|DROP|CREATE\s+(?:UNIQUE\s+)?INDEX|TRUNCATE|CLUSTER|REINDEX|VACUUM\s+FULL)\b/iu;

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
    state.dialect !== 'postgresql' ||
    !prediction.willSucceed ||
    prediction.steps.length === 0
  )
    return undefined;
  const catalog = state.catalog && !('unreadable' in state.catalog) ? state.catalog : undefined;
  if (!catalog?.tableSizes) return undefined;
  const major = Number(/^(\d+)/u.exec(state.server?.version ?? '')?.[1] ?? 0);
  // a schema with no tables yet (a new database): nothing there holds rows, and nothing is read
  if (catalog.tableSizes.length === 0)
    return { settings, major, steps: [], unread: [], sqlUngraded: 0, holders: [] };
  const sizes = new Map(catalog.tableSizes.map((t) => [t.table, t]));
  // names as PostgreSQL folds unquoted ones: SQL that names none of them locks no table that holds rows
  const lowerNames = [...sizes.keys()].map((t) => t.toLowerCase());
  const indexTable = new Map(catalog.indexes.map(([index, table]) => [index, table]));
  // the analysed count when there is one; the statistics' live count (approximate) before the first ANALYZE
  const large = (t?: TableSize): boolean =>
    t !== undefined && ((t.rows ?? t.liveRows ?? 0) >= settings.rows || t.bytes >= settings.bytes);
  const steps: PendingLock[] = [];
  let sqlUngraded = 0;
  const unread: PendingLocks['unread'][number][] = [];
  let timeoutSet: TimeoutSetting | undefined;
  for (const { revision } of prediction.steps) {
    const rev = model.map.byKey.get(revision);
    // the schema probes' reading of the file, when the run kept it: a revision none of whose steps
    // names a table that exists now is not read again (a new database's whole history, say)
    const ops = rev ? kept?.get(rev.file.absPath) : undefined;
    // (an empty reading is read again: a conditional alter_column leaves no step for the probes)
    if (ops && ops.length > 0 && !ops.some((o) => touchesExisting(o, sizes, indexTable))) continue;
    const text = rev ? revisionText(model, rev.file.absPath) : undefined;
    if (!rev || text === undefined) continue;
    const read = lockSteps(text);
    for (const u of read.unread) unread.push({ revision, path: rev.file.path, ...u });
    timeoutSet ??= timeoutLine(text, rev.file.path);
    const fromSql: LockStep[] = [];
    for (const q of read.sql.filter((x) => SCHEMA_CHANGE.test(x.sql) && namesAny(x.sql, lowerNames))) {
      const parsed = parseSql?.(q.sql);
      if (parsed === undefined) {
        sqlUngraded += parseSql ? 0 : 1;
        unread.push({
          revision,
          path: rev.file.path,
          line: q.line,
          why: parseSql
            ? "SQL that PostgreSQL's parser rejects"
            : "SQL run by op.execute, without PostgreSQL's parser to read it",
        });
        continue;
      }
      const got = sqlLockSteps(parsed, q.line, q.conditional);
      fromSql.push(...got.steps.map((x) => ({ ...x, sql: true as const })));
      for (const why of got.unread) unread.push({ revision, path: rev.file.path, line: q.line, why });
    }
    for (const step of [...read.steps, ...fromSql]) {
      const table = step.table !== '' ? step.table : (indexTable.get(step.index ?? '') ?? '');
      // a table the upgrade creates first holds no rows: its locks wait for nobody
      if (table === '' || !sizes.has(table)) continue;
      const size = sizes.get(table);
      steps.push({
        revision,
        path: rev.file.path,
        step,
        grade: gradeLock(step, major),
        table,
        ...(size ? { size } : {}),
        large: large(size),
      });
    }
  }
  timeoutSet ??= envPy ? timeoutLine(envPy.text, envPy.path) : undefined;
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

/** The first line of `text` that names lock_timeout outside a comment. */
function timeoutLine(text: string, path: string): TimeoutSetting | undefined {
  const lines = text.split('\n');
  // the line up to a comment (indexOf: a pattern for it backtracks on a line of many #)
  const i = lines.findIndex((l) => TIMEOUT.test(l.includes('#') ? l.slice(0, l.indexOf('#')) : l));
  return i < 0 ? undefined : { path, line: i + 1 };
}

/** Rows and bytes as a person reads them: "48 M rows, 12 GB" (rows unknown before the first ANALYZE). */
export function sizeText(size: TableSize | undefined): string {
  if (!size) return 'size unknown';
  const rows = size.rows ?? size.liveRows;
  const count =
    rows === null ? 'rows unknown (never analysed)' : `${short(rows, ['', ' k', ' M', ' G'], 1000)} rows`;
  return `${count}, ${short(size.bytes, [' B', ' kB', ' MB', ' GB', ' TB'], 1024)}`;
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
