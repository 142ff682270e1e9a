import type { ObjectRef, SchemaOp } from './schema-object.js';
import type { Presence } from './schema-state.js';
import type { UpgradeClash } from './schema-probe.js';

/** One step of a revision set against the database as it is: done (its object is as the step leaves it) or not. */
export interface AppliedStep {
  readonly line: number;
  readonly does: 'creates' | 'drops' | 'renames';
  readonly obj: ObjectRef;
  readonly done: boolean;
}

/**
 * The first pending revision, where some of its steps are already in the database: a run that stopped
 * partway (MySQL, MariaDB and SQLite commit each DDL statement on its own, so a failed migration keeps
 * the steps before the one that failed), and the step the next run stops at.
 */
export interface PartlyApplied {
  readonly revision: string;
  readonly path: string;
  readonly steps: readonly AppliedStep[];
  /** Steps whose object the catalog does not answer for (not counted either way). */
  readonly unknown: number;
  readonly clash: UpgradeClash;
}

/**
 * The clash's revision, step by step, when it is the first to run and its first steps are done (what
 * they make is there, what they drop is gone) and the rest are not, on a server whose DDL commits on
 * its own: undefined otherwise.
 */
export function partlyApplied(
  transactional: boolean,
  clash: UpgradeClash | undefined,
  first: string | undefined,
  ops: readonly SchemaOp[],
  has: (obj: ObjectRef) => Presence,
): PartlyApplied | undefined {
  // where DDL runs in the migration's transaction (PostgreSQL) a failed run leaves nothing behind
  if (transactional || !clash || clash.revision !== first || clash.maybe) return undefined;
  const steps: AppliedStep[] = [];
  let unknown = 0;
  for (const op of ops) {
    if (op.op === 'create' || op.op === 'drop') {
      const p = has(op.obj);
      if (p === 'unknown') unknown++;
      else
        steps.push({
          line: op.line,
          does: op.op === 'create' ? 'creates' : 'drops',
          obj: op.obj,
          done: (p === 'present') === (op.op === 'create'),
        });
    } else if (op.op === 'rename') {
      const to = { ...op.obj, name: op.to };
      const [from, now] = [has(op.obj), has(to)];
      if (from === 'unknown' || now === 'unknown') unknown++;
      else
        steps.push({
          line: op.line,
          does: 'renames',
          obj: op.obj,
          done: from === 'absent' && now === 'present',
        });
    }
  }
  const calls = byCall(steps);
  // what a stopped run leaves: its first steps there, the rest not (all of it there is a migration run
  // by other means, or stamped back: schema-ahead-of-stamp)
  const firstMissing = calls.findIndex((s) => !s.done);
  if (firstMissing <= 0 || calls.slice(firstMissing).some((s) => s.done)) return undefined;
  return { revision: clash.revision, path: clash.path, steps: calls, unknown, clash };
}

/** One step per op call (a line): create_table's columns go with its table; done when all it makes is there. */
function byCall(steps: readonly AppliedStep[]): AppliedStep[] {
  const out: AppliedStep[] = [];
  for (const s of steps) {
    const i = out.findIndex((o) => o.line === s.line);
    if (i < 0) out.push(s);
    else if (!s.done) out[i] = { ...out[i]!, done: false };
  }
  return out;
}
