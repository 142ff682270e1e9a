import type { ProjectModel } from '../alembic/loading/project-model.js';
import { readAlembicFailure, type AlembicFailure } from './alembic-failure.js';
import { MODEL_DRIFT_PYTHON } from './model-drift-python.js';
import { lastTouches, MODEL_DRIFT_MARKER, readModelDrift } from './model-drift.js';
import type { IdempotencyRun, RehearseOutcome, ThenRun } from './rehearse-outcome.js';
import type { ChildOutcome } from './run-child.js';

// What rehearse runs besides the cycle, each on the scratch database and behind the same fence: the
// models compared with the schema, each upgrade() run twice, and the team's own command at the end.

/** Runs one of the app's commands on the scratch database; undefined when the run stopped (a signal, the fence). */
export type RunApp = (argv: readonly string[], what: string) => Promise<ChildOutcome | undefined>;

/** Where the drift script finds the configuration: -c and -n as the release passes them, or Flask-Migrate's folder. */
export interface DriftConfig {
  readonly flask: boolean;
  readonly directory?: string;
  readonly config?: string;
  readonly name?: string;
  /** The tool's own tables (the ledger): in the database, never in the app's models, and no drift of the app's. */
  readonly ignoreTables: readonly string[];
}

/** env.py's target_metadata compared with the schema `upgrade head` made, by Alembic's autogenerate comparison in the app's Python. */
export async function compareModels(
  runApp: RunApp,
  python: string,
  config: DriftConfig,
  model: ProjectModel,
): Promise<RehearseOutcome['models']> {
  const child = await runApp(
    [python, '-c', MODEL_DRIFT_PYTHON, JSON.stringify({ ...config, marker: MODEL_DRIFT_MARKER })],
    'the models compared with the schema',
  );
  if (!child) return undefined;
  const drift = child.code === 0 ? readModelDrift(child.output ?? '', lastTouches(model)) : undefined;
  return drift ?? { failed: readAlembicFailure(child.output ?? '') };
}

/** The team's command (a seed script, a smoke test) through the shell, with the migrations' environment. */
export async function runThen(
  runApp: RunApp,
  command: string,
  unfenced?: string,
): Promise<ThenRun | undefined> {
  const child = await runApp(['/bin/sh', '-c', command], `\`${command}\``);
  if (!child) return undefined;
  const ok = child.code === 0;
  return {
    command,
    ok,
    ms: child.ms,
    exit: child.signal ?? `exit ${child.code ?? '?'}`,
    ...(unfenced ? { unfenced } : {}),
    ...(ok ? {} : { failure: readAlembicFailure(child.output ?? '') }),
  };
}

/** One Alembic command of the idempotency pass: whether it succeeded, and how it failed. */
export type Step = (
  command: 'upgrade' | 'stamp',
  target: string,
  repeat?: boolean,
) => Promise<{ ok: boolean; failure?: AlembicFailure } | undefined>;

/**
 * Each revision up, stamped back to its parent, and up again on a schema that already has its
 * changes: the second upgrade() is the one a migration that is not idempotent fails. A revision whose
 * second run failed is stamped as applied, so the pass goes on to the next one.
 */
export async function idempotencyPass(
  order: readonly { id: string; back: string; path: string }[],
  step: Step,
): Promise<IdempotencyRun[] | undefined> {
  const runs: IdempotencyRun[] = [];
  for (const r of order) {
    const up = await step('upgrade', r.id);
    if (!up?.ok) return undefined;
    if (!(await step('stamp', r.back))?.ok) return undefined;
    const again = await step('upgrade', r.id, true);
    if (!again) return undefined;
    runs.push({
      revision: r.id,
      path: r.path,
      ok: again.ok,
      ...(again.failure ? { failure: again.failure } : {}),
    });
    if (!again.ok && !(await step('stamp', r.id))?.ok) return undefined;
  }
  return runs;
}
