import { revisionFile, type ProjectModel } from '../../alembic/loading/project-model.js';
import type { UpgradePrediction } from '../../alembic/graph/upgrade-plan.js';
import type {
  MysqlFacts,
  SchemaCatalog,
  TableSize,
  VersionTableState,
} from '../../database/version-table.js';
import { light } from './lock-facts.js';
import type { LockGrade } from './lock-grade.js';
import type { LockSettings, MetadataLocks, PendingLock, PendingLocks } from './lock-types.js';
import { mysqlGrade, type MysqlGrade } from './mysql-online-ddl.js';
import { lockSteps, schemaOps } from './schema-ops.js';
import { mysqlLockWaits } from '../../database/mysql-lock-wait.js';
import { envPyTimeout } from './timeout-setting.js';

/**
 * The pending steps on MySQL and MariaDB graded against the tables as they are: the algorithm and lock
 * each takes (mysql-online-ddl.ts), the table's size as information_schema estimates it, and the open
 * transactions of other sessions, which hold the metadata locks every ALTER must wait for. A step or
 * statement it cannot grade (SQL in op.execute, a call it does not know) is unread: never silence.
 */
export function mysqlPendingLocks(
  model: ProjectModel,
  state: VersionTableState,
  catalog: SchemaCatalog,
  prediction: UpgradePrediction,
  settings: LockSettings,
  envPy?: { readonly path: string; readonly text: string },
): PendingLocks {
  const flavor = state.mysql?.flavor ?? 'MySQL';
  const fold = (t: string): string => t.toLowerCase();
  const sizes = new Map((catalog.tableSizes ?? []).map((t) => [fold(t.table), t]));
  const large = (t: TableSize): boolean => (t.rows ?? 0) >= settings.rows || t.bytes >= settings.bytes;
  const indexedColumns = new Set((catalog.indexedColumns ?? []).map(([t, c]) => `${fold(t)}.${fold(c)}`));
  const indexed = (t: string, c: string): boolean => indexedColumns.has(`${fold(t)}.${fold(c)}`);
  const steps: PendingLock[] = [];
  // the lock_wait_timeout each ALTER waits under: env.py's, else the server's, then each SET before it
  const fromEnv = envPy ? envPyTimeout(envPy.text, 'mysql') : undefined;
  let session = fromEnv?.ms ?? (catalog.lockWaitSeconds ?? 0) * 1000;
  let timeoutSet: PendingLocks['timeoutSet'] =
    fromEnv && envPy ? { path: envPy.path, line: fromEnv.line } : undefined;
  const unread: PendingLocks['unread'][number][] = [];
  for (const { revision } of prediction.steps) {
    const file = revisionFile(model, revision);
    if (!file) continue;
    const { text } = file;
    const read = lockSteps(text);
    const at = { revision, path: file.path };
    for (const u of read.unread) unread.push({ ...at, ...u });
    const sets = read.sql.flatMap((q) => mysqlLockWaits(q.sql).map((x) => ({ line: q.line, ms: x.ms })));
    if (sets[0]) timeoutSet ??= { path: file.path, line: sets[0].line };
    const waitAt = (line: number): number => sets.filter((x) => x.line < line).at(-1)?.ms ?? session;
    for (const q of read.sql)
      if (!light(q.sql))
        unread.push({ ...at, line: q.line, why: `the SQL op.execute runs is not graded on ${flavor}` });
    for (const step of read.steps) {
      const size = sizes.get(fold(step.table));
      // a table the upgrade creates first holds no rows: its locks wait for nobody
      if (!size) continue;
      const g = mysqlGrade(step, { flavor }, indexed, size.engine);
      if (!g) {
        unread.push({ ...at, line: step.line, why: `op.${step.call} is not graded on ${flavor}` });
        continue;
      }
      steps.push({
        ...at,
        step,
        grade: asLockGrade(g),
        mysql: g,
        table: size.table,
        size,
        large: large(size),
        timeoutMs: waitAt(step.line),
      });
    }
    // a SET lasts for the session: the revisions after it run under it
    session = sets.at(-1)?.ms ?? session;
  }
  return {
    settings,
    major: 0,
    steps,
    unread,
    sqlUngraded: 0,
    holders: [],
    metadata: metadataLocks(catalog, steps, state),
  };
}

/** The grade in PostgreSQL's terms, for what the lock rules share: what the app cannot do, and the work done under it. */
function asLockGrade(g: MysqlGrade): LockGrade {
  return {
    mode: g.lock === 'EXCLUSIVE' ? 'ACCESS EXCLUSIVE' : g.lock === 'SHARED' ? 'SHARE' : 'ACCESS SHARE',
    work: g.rebuild ? 'rewrite' : g.builds ? 'index' : 'instant',
    recipe: g.recipe,
  };
}

/**
 * Who may hold a metadata lock a step needs: with performance_schema, the sessions holding one on a
 * table a step alters; without it, every other session with an open transaction in this database (which
 * tables it used cannot be seen).
 */
function metadataLocks(
  catalog: SchemaCatalog,
  steps: readonly PendingLock[],
  state: VersionTableState,
): MetadataLocks | undefined {
  if (steps.length === 0) return undefined;
  const touched = new Set(steps.map((s) => s.table.toLowerCase()));
  const exact = catalog.metadataExact === true;
  const holders = (catalog.metadataHolders ?? []).filter((h) =>
    exact
      ? (h.tables ?? []).some((t) => touched.has(t.toLowerCase()))
      : h.database === null || h.database === (catalog.schema ?? state.database),
  );
  return {
    holders,
    exact,
    waitSeconds: catalog.lockWaitSeconds ?? null,
    locked: (catalog.lockedTables ?? []).filter((t) => touched.has(t.toLowerCase())),
    ...(catalog.sessionsHidden ? { blind: catalog.sessionsHidden } : {}),
  };
}

/**
 * Without a database: one revision file's steps graded for MySQL 8.0 or MariaDB, every table it does
 * not create taken as large; the lock_wait_timeout in force is env.py's, then each SET before a step.
 */
export function mysqlFileLocks(
  file: { readonly revision: string; readonly path: string; readonly text: string },
  flavor: MysqlFacts['flavor'],
  envPy?: { readonly text: string },
): Pick<PendingLocks, 'steps' | 'unread'> {
  const read = lockSteps(file.text);
  const where = { revision: file.revision, path: file.path };
  const created = new Set(
    schemaOps(file.text).flatMap((o) => (o.op === 'create' && o.obj.kind === 'table' ? [o.obj.name] : [])),
  );
  const sets = read.sql.flatMap((q) => mysqlLockWaits(q.sql).map((x) => ({ line: q.line, ms: x.ms })));
  const session = (envPy ? envPyTimeout(envPy.text, 'mysql')?.ms : undefined) ?? 0;
  const unread: PendingLocks['unread'][number][] = read.unread.map((u) => ({ ...where, ...u }));
  for (const q of read.sql)
    if (!light(q.sql))
      unread.push({ ...where, line: q.line, why: `the SQL op.execute runs is not graded on ${flavor}` });
  const steps: PendingLock[] = [];
  for (const step of read.steps) {
    if (step.table === '' || created.has(step.table) || step.call === 'create_table') continue;
    const g = mysqlGrade(step, { flavor });
    if (!g) {
      unread.push({ ...where, line: step.line, why: `op.${step.call} is not graded on ${flavor}` });
      continue;
    }
    steps.push({
      ...where,
      step,
      grade: asLockGrade(g),
      mysql: g,
      table: step.table,
      large: true,
      timeoutMs: sets.filter((x) => x.line < step.line).at(-1)?.ms ?? session,
    });
  }
  return { steps, unread };
}
