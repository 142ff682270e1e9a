import type { ProjectModel } from '../../alembic/loading/project-model.js';
import type { StampResolution } from '../../alembic/graph/resolver.js';
import type { LedgerRow, RecordedStep } from '../../database/ledger.js';
import type { VersionTableState } from '../../database/version-table.js';
import type { LedgerView } from '../ledger-view.js';
import type { LockFlag, LockStep } from './lock-facts.js';
import { breaksServing } from './lock-grade.js';
import type { ObjectRef, SchemaOp } from './schema-object.js';
import { catalogPresence } from './catalog.js';
import { opsReader, pathTo } from './schema-probe.js';
import { SchemaState, type Evidence } from './schema-state.js';

/** A step of a revision the database is ahead by that removed, renamed or changed what this code's migrations build. */
export interface RollbackLoss {
  /** The version-table row the database is at. */
  readonly row: string;
  /** The ledger's record of the revision that ran the step. */
  readonly applied: LedgerRow;
  readonly step: LockStep;
  /** breaksServing's words: what the step does, and why the older code minds. */
  readonly what: string;
  readonly why: string;
  /** Where this code's migrations create the object. */
  readonly createdBy: Evidence & { readonly path: string };
  /** The catalog shows the dropped or renamed object gone now (false: not read, or a change the catalog does not show). */
  readonly goneNow: boolean;
}

export interface RollbackLosses {
  readonly losses: readonly RollbackLoss[];
  /** Revisions the database is ahead by whose ledger rows hold no steps (recorded before the ledger kept them). */
  readonly unrecorded: readonly string[];
}

/**
 * On a rollback the older code runs on the newer schema: the steps the ledger recorded for the revisions
 * the database is ahead by, kept where they remove, rename or change an object this code's migrations
 * is seen to create (a column dropped and added again later, or one this code never had, costs it nothing).
 */
export function rollbackLosses(
  model: ProjectModel,
  state: VersionTableState,
  stamps: readonly StampResolution[],
  ledger: LedgerView,
  early?: ReadonlyMap<string, readonly SchemaOp[]>,
): RollbackLosses | undefined {
  if (
    ledger.known.size === 0 ||
    !stamps.some((s) => s.how === 'failed' && s.failure?.exception === 'ResolutionError')
  )
    return undefined;
  const positions = [...ledger.positions.entries()].filter(([, p]) => p.kind === 'ahead');
  if (positions.length === 0) return undefined;
  const catalog = catalogPresence(state);
  const fold =
    catalog?.fold ?? (state.dialect === 'sqlite' ? (n: string) => n.toLowerCase() : (n: string) => n);
  const ops = opsReader(model, early);
  const built = new SchemaState(() => 'unknown', fold);
  for (const rev of pathTo(model, model.map.heads)) for (const op of ops(rev)) built.apply(op, rev);
  const losses: RollbackLoss[] = [];
  const unrecorded: string[] = [];
  for (const [row, position] of positions) {
    for (const applied of [...position.ahead.chain].reverse()) {
      if (applied.steps === undefined) {
        unrecorded.push(applied.revision);
        continue;
      }
      for (const recorded of applied.steps) {
        const step = lockStepOf(recorded);
        const breaks = breaksServing(step);
        const obj = objectOf(step);
        if (!breaks || !obj) continue;
        const here = built.lookup(obj);
        // only what this code's migrations are seen to create: one it never had, or one the reading cannot follow, proves nothing
        if (here.state !== 'present' || !here.by) continue;
        const removes = step.call !== 'alter_column' || step.flags.includes('rename');
        const now = catalog?.has(obj) ?? 'unknown';
        // dropped, then put back (by hand, or a later revision): nothing is missing
        if (removes && now === 'present') continue;
        losses.push({
          row,
          applied,
          step,
          what: breaks.what,
          why: breaks.why,
          createdBy: { ...here.by, path: ops.path(here.by.revision) },
          goneNow: removes && now === 'absent',
        });
      }
    }
  }
  return { losses, unrecorded };
}

/** A recorded step as the grades' LockStep (flags the reader no longer knows are dropped). */
function lockStepOf(r: RecordedStep): LockStep {
  return {
    call: r.call,
    table: r.table,
    ...(r.column !== undefined ? { column: r.column } : {}),
    flags: r.flags.filter(isLockFlag),
    line: r.line,
    conditional: r.conditional === true,
  };
}

const FLAGS: ReadonlySet<string> = new Set<LockFlag>([
  'concurrently',
  'not-valid',
  'default-volatile',
  'default-expression',
  'default-constant',
  'identity-or-computed',
  'not-null',
  'type',
  'rename',
  'using-index',
]);

function isLockFlag(f: string): f is LockFlag {
  return FLAGS.has(f);
}

/** The object a breaking step removes or changes: a table, or a column of one. */
function objectOf(step: LockStep): ObjectRef | undefined {
  if (step.call === 'drop_table' || step.call === 'rename_table') return { kind: 'table', name: step.table };
  return step.column !== undefined ? { kind: 'column', name: step.column, table: step.table } : undefined;
}
