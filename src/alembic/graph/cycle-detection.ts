import { codePointCompare } from '../loading/discovery.js';
import type { AlembicFailure } from '../loading/script-loader.js';
import type { GraphProblem, Rev } from './rev.js';
import { iterateRelated, keyRepr, type Fail } from './graph-walk.js';

// Alembic's cycle checks after the map is built: LoopDetected, DependencyLoopDetected and the KeyError of
// a label pointing down a cycle, with the revisions Alembic names in each.

interface CycleInputs {
  readonly revMap: Map<string, Rev>;
  readonly all: readonly Rev[];
  readonly labels: Map<string, Rev>;
  readonly labelDowns: ReadonlySet<Rev>;
  readonly heads: readonly Rev[];
  readonly bases: readonly Rev[];
  readonly realHeads: readonly Rev[];
  readonly realBases: readonly Rev[];
  readonly problems: GraphProblem[];
  readonly fail: Fail;
}

/**
 * Alembic's _detect_cycles on the id-only map: no heads or no bases first, then the walk down from the
 * heads, which raises KeyError on a label used as down_revision, if it reaches one (a revision whose
 * down_revision is its own label is its own child: no head reaches it, and it is a cycle instead);
 * then the same for the dependency graph.
 */
export function detectCycles({
  revMap,
  all,
  labels,
  labelDowns,
  heads,
  bases,
  realHeads,
  realBases,
  problems,
  fail,
}: CycleInputs): void {
  const ids = (revs: Iterable<Rev>): string[] => [...revs].map((r) => r.id);
  const hit =
    heads.length > 0 && bases.length > 0 && labelDowns.size > 0
      ? firstLabelDown(heads, revMap, labels)
      : undefined;
  if (heads.length === 0 || bases.length === 0) {
    const members = [...revMap.values()];
    const msg = `Cycle is detected in revisions (${ids(members).join(', ')})`;
    fail(
      { code: 'revision-cycle', others: members, ids: ids(members) },
      unjoinable(members) ?? { exception: 'CycleDetected', message: msg, commandError: true },
    );
  } else if (hit) {
    const msg = `KeyError: ${keyRepr(hit.label)}`;
    fail(
      { code: 'down-revision-is-label', rev: hit.rev, others: [labels.get(hit.label)!], ids: [hit.label] },
      { exception: 'KeyError', message: msg, commandError: false },
    );
  } else {
    const deleted = onlyRealCycles(
      outsideSpace(
        revMap,
        all.length,
        heads,
        (r) => r.versionedDown,
        bases,
        (r) => r.nextrev,
      ),
      revMap,
      problems,
      (r) => r.versionedDown,
    );
    if (deleted.length > 0) {
      const sorted = deleted.map((r) => r.id).sort(codePointCompare);
      const msg = `Cycle is detected in revisions (${sorted.join(', ')})`;
      fail(
        { code: 'revision-cycle', others: deleted, ids: sorted },
        unsortable(deleted) ??
          unjoinable(deleted, true) ?? { exception: 'CycleDetected', message: msg, commandError: true },
      );
    }
  }
  if (problems.some((p) => p.code === 'revision-cycle')) {
    // Alembic stops at the first cycle; a dependency cycle then adds nothing new
  } else if (labelDowns.size === 0 && all.every((r) => r.script.dependenciesIsNone)) {
    // no depends_on and no label as down_revision: the dependency graph is the down-revision
    // graph (same heads, bases and edges), which was just checked
  } else if (
    (realHeads.length === 0 || realBases.length === 0) &&
    (!problems.some((p) => p.failure) || cyclicKeys(revMap, (r) => r.allDown).size > 0)
  ) {
    // after an earlier failure (a dependency that is not there) no real base may be left
    // only because of it: that is not a cycle of its own
    const members = [...revMap.values()];
    const msg = `Dependency cycle is detected in revisions (${ids(members).join(', ')})`;
    fail(
      { code: 'dependency-cycle', others: members, ids: ids(members) },
      unjoinable(members) ?? { exception: 'DependencyCycleDetected', message: msg, commandError: true },
    );
  } else {
    const deleted = onlyRealCycles(
      outsideSpace(
        revMap,
        all.length,
        realHeads,
        (r) => r.allDown,
        realBases,
        (r) => r.allNextrev,
      ),
      revMap,
      problems,
      (r) => r.allDown,
    );
    if (deleted.length > 0) {
      const sorted = deleted.map((r) => r.id).sort(codePointCompare);
      const msg = `Dependency cycle is detected in revisions (${sorted.join(', ')})`;
      fail(
        { code: 'dependency-cycle', others: deleted, ids: sorted },
        unsortable(deleted) ??
          unjoinable(deleted, true) ?? {
            exception: 'DependencyCycleDetected',
            message: msg,
            commandError: true,
          },
      );
    }
  }
}

/**
 * Alembic reports everything outside heads' ancestry ∩ bases' descendants as a
 * cycle. Once an earlier failure (a dangling reference) has been recorded, that
 * set also holds revisions merely cut off by it; keep only true cycle members.
 */
function onlyRealCycles(
  deleted: Rev[],
  revMap: ReadonlyMap<string, Rev>,
  problems: readonly GraphProblem[],
  edges: (r: Rev) => readonly string[],
): Rev[] {
  if (!problems.some((p) => p.failure)) return deleted;
  const cyclic = cyclicKeys(revMap, edges);
  return deleted.filter((r) => cyclic.has(r.key));
}

/** Keys on a directed cycle (Tarjan's strongly connected components, iteratively). */
function cyclicKeys(revMap: ReadonlyMap<string, Rev>, edges: (r: Rev) => readonly string[]): Set<string> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out = new Set<string>();
  let counter = 0;
  for (const start of revMap.keys()) {
    if (index.has(start)) continue;
    const work: { key: string; i: number }[] = [{ key: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const next = edges(revMap.get(frame.key)!).filter((k) => revMap.has(k));
      if (frame.i < next.length) {
        const w = next[frame.i++]!;
        if (w === frame.key) out.add(w);
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ key: w, i: 0 });
        } else if (onStack.has(w)) low.set(frame.key, Math.min(low.get(frame.key)!, index.get(w)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.key, Math.min(low.get(parent.key)!, low.get(frame.key)!));
      if (low.get(frame.key) === index.get(frame.key)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== frame.key);
        if (comp.length > 1) for (const k of comp) out.add(k);
      }
    }
  }
  return out;
}

/**
 * Alembic's `_detect_cycles`: the revisions not both above some base and below
 * some head (ancestors of heads ∩ descendants of bases), in map order.
 */
function outsideSpace(
  revMap: ReadonlyMap<string, Rev>,
  size: number,
  heads: readonly Rev[],
  down: (r: Rev) => Iterable<string>,
  bases: readonly Rev[],
  up: (r: Rev) => Iterable<string>,
): Rev[] {
  const reached = new Uint8Array(size);
  mark(revMap, heads, down, reached, 1);
  mark(revMap, bases, up, reached, 2);
  const out: Rev[] = [];
  for (const r of revMap.values()) if (reached[r.ord] !== 3) out.push(r);
  return out;
}

/** Sets `bit` in `reached` for every revision iterateRelated would visit from `targets`, without listing them. */
function mark(
  revMap: ReadonlyMap<string, Rev>,
  targets: readonly Rev[],
  edges: (r: Rev) => Iterable<string>,
  reached: Uint8Array,
  bit: number,
): void {
  const todo: Rev[] = [...targets];
  while (todo.length > 0) {
    const rev = todo.pop()!;
    if ((reached[rev.ord]! & bit) !== 0) continue;
    reached[rev.ord]! |= bit;
    for (const id of edges(rev)) {
      const next = revMap.get(id);
      // a key that names another revision (a label) is skipped, as iterateRelated skips it
      if (next && next.key === id && (reached[next.ord]! & bit) === 0) todo.push(next);
    }
  }
}

/**
 * `_iterate_related_revisions` down `_versioned_down_revisions` from the heads on the id-only map: the
 * first revision it visits whose down revision is a label there raises KeyError on that label. Alembic's
 * heads are a set, so with several such revisions which one it meets first is not fixed; one is the common case.
 */
function firstLabelDown(
  heads: readonly Rev[],
  revMap: ReadonlyMap<string, Rev>,
  labels: ReadonlyMap<string, Rev>,
): { rev: Rev; label: string } | undefined {
  const isLabel = (id: string): boolean => !revMap.has(id) && labels.has(id);
  const rev = iterateRelated(revMap, heads, (r) => r.versionedDown).revs.find((r) =>
    r.versionedDown.some(isLabel),
  );
  return rev && { rev, label: rev.versionedDown.find(isLabel)! };
}

/**
 * Alembic names a cycle's revisions with `sorted(...)`, which raises TypeError when they mix
 * str ids with bytes or tuple ones. Which pair the sort compares first follows the set's
 * hash order, so the two type names may come in either order; we name str first.
 */
function unsortable(revs: readonly Rev[]): AlembicFailure | undefined {
  const types = [...new Set(revs.map((r) => r.script.revision.t))].sort((a, b) =>
    a === 'str' ? -1 : b === 'str' ? 1 : 0,
  );
  if (types.length < 2) return undefined;
  return {
    exception: 'TypeError',
    message: `TypeError: '<' not supported between instances of '${types[0]}' and '${types[1]}'`,
    commandError: false,
  };
}

/**
 * CycleDetected builds its message with `", ".join(revisions)`, which raises TypeError on the first
 * id that is not a str (a tuple or bytes id). `sorted`: the revisions were sorted first (all of one
 * type by then, so a non-str one is item 0).
 */
function unjoinable(revs: readonly Rev[], sorted = false): AlembicFailure | undefined {
  const i = sorted
    ? revs.every((r) => r.script.revision.t === 'str')
      ? -1
      : 0
    : revs.findIndex((r) => r.script.revision.t !== 'str');
  if (i < 0) return undefined;
  const t = sorted ? revs[0]!.script.revision.t : revs[i]!.script.revision.t;
  return {
    exception: 'TypeError',
    message: `TypeError: sequence item ${i}: expected str instance, ${t} found`,
    commandError: false,
  };
}
