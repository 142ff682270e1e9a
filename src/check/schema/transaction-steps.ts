import { revisionFile, type ProjectModel } from '../../alembic/loading/project-model.js';
import type { UpgradePrediction } from '../../alembic/graph/upgrade-plan.js';
import type { VersionTableState } from '../../database/version-table.js';
import { lockSteps } from './schema-ops.js';
import { statementsOf } from './row-sql.js';

/** A pending step PostgreSQL refuses inside a transaction block, where Alembic runs it. */
export interface InTransactionStep {
  readonly revision: string;
  readonly path: string;
  readonly line: number;
  /** The statement as PostgreSQL names it in its error: CREATE INDEX CONCURRENTLY, VACUUM, … */
  readonly statement: string;
  /** Written as an Alembic operation (postgresql_concurrently=True), not as SQL. */
  readonly call?: string;
}

/** Statements PostgreSQL runs only outside a transaction block, as its error names them. */
const OUTSIDE_ONLY: readonly (readonly [RegExp, string])[] = [
  [/^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\b/iu, 'CREATE INDEX CONCURRENTLY'],
  [/^DROP\s+INDEX\s+CONCURRENTLY\b/iu, 'DROP INDEX CONCURRENTLY'],
  [/^REINDEX\b[^;]*\bCONCURRENTLY\b/iu, 'REINDEX CONCURRENTLY'],
  [/^VACUUM\b/iu, 'VACUUM'],
  [/^CREATE\s+DATABASE\b/iu, 'CREATE DATABASE'],
  [/^ALTER\s+SYSTEM\b/iu, 'ALTER SYSTEM'],
];

/**
 * The first pending step that PostgreSQL refuses inside a transaction block: Alembic runs every
 * migration in one on PostgreSQL, so a CONCURRENTLY index (the operation's postgresql_concurrently=True,
 * or its SQL) fails there, on an empty table too, unless it runs in `autocommit_block()`. Not said when
 * env.py connects in AUTOCOMMIT (no transaction at all), or for a step under if, for or try.
 */
export function inTransactionRefused(
  model: ProjectModel,
  state: VersionTableState,
  prediction: UpgradePrediction,
  envPy: string | undefined,
): InTransactionStep | undefined {
  if (state.dialect !== 'postgresql' || model.failure || !prediction.willSucceed) return undefined;
  if (envPy === undefined || /AUTOCOMMIT/u.test(envPy)) return undefined;
  for (const { revision } of prediction.steps) {
    const file = revisionFile(model, revision);
    if (!file || !/CONCURRENTLY|VACUUM|DATABASE|SYSTEM/iu.test(file.text)) continue;
    const { text } = file;
    const read = lockSteps(text);
    const found: InTransactionStep[] = [];
    for (const s of read.steps)
      if (s.flags.includes('concurrently') && !s.autocommit && !s.conditional)
        found.push({
          revision,
          path: file.path,
          line: s.line,
          statement: s.call === 'drop_index' ? 'DROP INDEX CONCURRENTLY' : 'CREATE INDEX CONCURRENTLY',
          call: s.call,
        });
    for (const q of read.sql) {
      if (q.autocommit || q.conditional) continue;
      for (const stmt of statementsOf(q.sql)) {
        const hit = OUTSIDE_ONLY.find(([re]) => re.test(stmt));
        if (hit) found.push({ revision, path: file.path, line: q.line, statement: hit[1] });
      }
    }
    const first = found.sort((a, b) => a.line - b.line)[0];
    if (first) return first;
  }
  return undefined;
}
