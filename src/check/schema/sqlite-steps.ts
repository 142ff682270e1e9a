import type { ProjectModel } from '../../alembic/loading/project-model.js';
import type { UpgradePrediction } from '../../alembic/graph/upgrade-plan.js';
import type { VersionTableState } from '../../database/version-table.js';
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
}

const NO_CONSTRAINTS =
  'NotImplementedError: No support for ALTER of constraints in SQLite dialect. Please refer to the batch mode feature which allows for SQLite migrations using a copy-and-move strategy.';
const NO_ALTER = 'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) near "ALTER": syntax error';

/**
 * The first pending step that SQLite cannot run, in Alembic's order: SQLite has no ALTER COLUMN, so an
 * alter_column that changes a type, nullability or default outside batch_alter_table ends in a syntax
 * error; Alembic's SQLite dialect refuses to add or drop a constraint outside it. Both are the same in
 * every SQLite version. Only steps that certainly run count (one under if or try is left out).
 */
export function sqliteStepsRefused(
  model: ProjectModel,
  state: VersionTableState,
  prediction: UpgradePrediction,
  early?: ReadonlyMap<string, readonly SchemaOp[]>,
): SqliteStep | undefined {
  if (state.dialect !== 'sqlite' || !prediction.willSucceed || model.failure) return undefined;
  const ops = opsReader(model, early);
  for (const step of prediction.steps) {
    for (const op of ops(step.revision)) {
      const at = { revision: step.revision, path: ops.path(step.revision), line: op.line };
      if (op.op === 'need' && op.obj.kind === 'column' && op.alters && !op.batch)
        return {
          ...at,
          what: `op.alter_column changes the ${op.alters.join(', ')} of ${op.obj.table}.${op.obj.name}`,
          alembicError: NO_ALTER,
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
