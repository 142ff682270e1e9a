import { revisionText, type ProjectModel } from '../alembic/loading/project-model.js';
import { predictUpgrade } from '../alembic/graph/upgrade-plan.js';
import { predictDowngrade } from '../alembic/graph/downgrade-plan.js';
import { featuresOf } from '../alembic/config/alembic-version.js';
import { schemaOps } from '../check/schema/schema-ops.js';
import { schemaDiff } from '../database/schema-snapshot.js';
import { ConfigError, UsageError } from '../errors/errors.js';
import type { SchemaDrift } from './rehearse-outcome.js';

// What rehearse runs on the scratch database, in order: the cycle or each revision up, down and up,
// comparing the schema after each step, and the drift grouped by the revision that creates it.

export type Run = (command: 'upgrade' | 'downgrade', target: string) => Promise<boolean>;

/** Empty → upgrade head → downgrade (base or REV, reached first) → upgrade head, comparing the schema each time. */
export async function cycle(
  downTo: string,
  run: Run,
  snapshot: () => Promise<string[]>,
  drift: SchemaDrift[],
  creator: () => Creator,
): Promise<void> {
  let before = await snapshot();
  if (downTo !== 'base') {
    if (!(await run('upgrade', downTo))) return;
    before = await snapshot();
  }
  if (!(await run('upgrade', 'head'))) return;
  const head = await snapshot();
  if (!(await run('downgrade', downTo))) return;
  const back = schemaDiff(before, await snapshot());
  if (back.added.length + back.removed.length > 0)
    drift.push(...byCreator(`after downgrade ${downTo}`, back, creator()));
  if (!(await run('upgrade', 'head'))) return;
  const again = schemaDiff(head, await snapshot());
  if (again.added.length + again.removed.length > 0)
    drift.push({ when: 'after upgrade head again', leftBehind: again.added, missing: again.removed });
}

/** Each revision in order: up, down to where it was, up again. */
export async function stepByStep(
  order: readonly { id: string; back: string; path: string }[],
  run: Run,
  snapshot: () => Promise<string[]>,
  drift: SchemaDrift[],
): Promise<void> {
  let before = await snapshot();
  for (const r of order) {
    if (!(await run('upgrade', r.id))) return;
    const after = await snapshot();
    if (!(await run('downgrade', r.back))) return;
    const back = schemaDiff(before, await snapshot());
    if (back.added.length + back.removed.length > 0)
      drift.push({
        when: `after downgrade ${r.back}`,
        revision: r.id,
        path: r.path,
        leftBehind: back.added,
        missing: back.removed,
      });
    if (!(await run('upgrade', r.id))) return;
    const again = schemaDiff(after, await snapshot());
    if (again.added.length + again.removed.length > 0)
      drift.push({
        when: `after upgrade ${r.id} again`,
        revision: r.id,
        path: r.path,
        leftBehind: again.added,
        missing: again.removed,
      });
    before = after;
  }
}

/** The revisions in upgrade order, each with what a downgrade of it alone goes back to; --step needs one line of history. */
export function stepOrder(model: ProjectModel, step: boolean): { id: string; back: string; path: string }[] {
  if (!step) return [];
  const p = predictUpgrade(model.map, 'heads', []);
  const out: { id: string; back: string; path: string }[] = [];
  for (const s of p.steps) {
    const rev = model.map.byKey.get(s.revision)!;
    if (rev.allDown.length > 1 || rev.nextrev.length > 1) {
      throw new UsageError(
        `--step walks one line of history, and ${s.revision} ${rev.allDown.length > 1 ? 'merges' : 'branches'} it.`,
        { hint: 'Run the cycle (without --step) for a history with branches.' },
      );
    }
    out.push({ id: s.revision, back: rev.allDown[0] ?? 'base', path: rev.file.path });
  }
  return out;
}

type Creator = (line: string) => { revision: string; path: string } | undefined;

/** Which revision's upgrade() creates the object a snapshot line names (the last one that does), per the schema probes' reading. */
export function creatorOf(model: ProjectModel): Creator {
  const order = predictUpgrade(model.map, 'heads', []).steps.map((s) => s.revision);
  const made = new Map<string, { revision: string; path: string }>();
  for (const id of order) {
    const rev = model.map.byKey.get(id);
    const text = rev ? revisionText(model, rev.file.absPath) : undefined;
    if (!rev || text === undefined) continue;
    for (const op of schemaOps(text))
      if (op.op === 'create')
        made.set(`${op.obj.kind} ${op.obj.kind === 'column' ? `${op.obj.table}.` : ''}${op.obj.name}`, {
          revision: id,
          path: rev.file.path,
        });
  }
  return (line) => {
    const m = /^(table|column|index|type|constraint|sequence) ([^\s:(]+)/u.exec(line);
    return m ? made.get(`${m[1]} ${m[2]}`) : undefined;
  };
}

/** Drift grouped by the revision that creates each object. */
function byCreator(
  when: string,
  diff: { added: string[]; removed: string[] },
  creator: Creator,
): SchemaDrift[] {
  const groups = new Map<
    string,
    { revision?: string; path?: string; leftBehind: string[]; missing: string[] }
  >();
  const add = (line: string, key: 'leftBehind' | 'missing'): void => {
    const c = creator(line);
    const k = c?.revision ?? '';
    const g = groups.get(k) ?? {
      ...(c ? { revision: c.revision, path: c.path } : {}),
      leftBehind: [],
      missing: [],
    };
    g[key].push(line);
    groups.set(k, g);
  };
  for (const l of diff.added) add(l, 'leftBehind');
  for (const l of diff.removed) add(l, 'missing');
  return [...groups.values()].map((g) => ({ when, ...g }));
}

/** The fence never loaded in the Python that runs the migrations, so nothing keeps them on the scratch database. */
export function fenceNotLoaded(command: string): ConfigError {
  return new ConfigError(
    `The Python that runs ${command} did not load alembic-preflight's connection fence (it ignores PYTHONPATH: python -I or -E?), so nothing would keep the migrations on the scratch database; nothing was run past this point.`,
    {
      hint: 'Run rehearse with a Python that honours PYTHONPATH (the console script pip installs does), or give the app only the scratch database in its environment.',
    },
  );
}

/**
 * The cycle's downgrade target as a revision: base, a revision, or a relative step down from head
 * (`-1`, as the lessons' `alembic downgrade -1`), resolved by Alembic's downgrade plan from the heads.
 */
export function downgradeTarget(model: ProjectModel, target: string): string {
  if (!/^-\d+$/u.test(target)) return target;
  const p = predictDowngrade(model.map, target, [...model.map.heads], featuresOf(model.alembicVersion));
  if (!p.finalHeads)
    throw new UsageError(
      `--down-to ${target} does not resolve from head: ${p.failure?.message ?? 'Alembic would refuse it'}.`,
      { hint: 'Name the revision to go down to instead.' },
    );
  if (p.finalHeads.length > 1)
    throw new UsageError(
      `--down-to ${target} leaves several heads (${p.finalHeads.join(', ')}), and the cycle goes down to one.`,
      { hint: 'Name the revision to go down to instead.' },
    );
  return p.finalHeads[0] === undefined ? 'base' : String(p.finalHeads[0]);
}
