import type { Rev, RevisionMap } from '../alembic/graph/revision-map.js';

/**
 * A merge parent that another of the merge's parents already descends from
 * (through down revisions or dependencies). Alembic's HeadMaintainer removes
 * every parent's row at a merge, and that one's row is already gone: the
 * KeyError `verify` predicts, and what `redundant-merge-parent` flags in review.
 * `parents` are the merge's parents to search for the one that brings it in.
 */
export function redundantParent(
  map: RevisionMap,
  parent: string,
  parents: readonly string[],
  gen: Int32Array = generations(map),
): { via: string; throughDependency: boolean } | undefined {
  const via = parents.find((q) => q !== parent && reaches(map, gen, q, parent));
  if (via === undefined) return undefined;
  return { via, throughDependency: !reaches(map, gen, via, parent, true) };
}

/** Where a merge's down_revision is written: `path:line`, and the line. */
export function downRevisionAt(rev: Rev): { line?: number; where: string } {
  const line = rev.script.downLine ?? rev.script.line;
  return { line, where: `${rev.file.path}${line ? `:${line}` : ''}` };
}

/**
 * Longest distance from a base, following down revisions and dependencies: an
 * ancestor always has a smaller one, so a walk looking for it can stop early.
 * Indexed by `Rev.ord`; -1 for a revision on a cycle (the graph rules report
 * those). Typed arrays: this runs over the whole history, 10,000 revisions in the bench.
 */
export function generations(map: RevisionMap): Int32Array {
  const n = map.all.length;
  const gen = new Int32Array(n).fill(-1);
  const state = new Uint8Array(n); // 1: on the stack, 2: done
  const stack: Rev[] = [];
  const edge: number[] = [];
  for (const root of map.revisions) {
    if (state[root.ord] !== 0) continue;
    stack.push(root);
    edge.push(0);
    state[root.ord] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const down = top.allDown;
      const i = edge[edge.length - 1]!;
      if (i < down.length) {
        edge[edge.length - 1] = i + 1;
        const next = map.byKey.get(down[i]!);
        if (next && state[next.ord] === 0) {
          state[next.ord] = 1;
          stack.push(next);
          edge.push(0);
        }
        continue;
      }
      let g = 0;
      for (const d of down) {
        const p = map.byKey.get(d);
        if (p && gen[p.ord]! >= 0) g = Math.max(g, gen[p.ord]! + 1);
      }
      gen[top.ord] = g;
      state[top.ord] = 2;
      stack.pop();
      edge.pop();
    }
  }
  return gen;
}

/** Whether `from` descends from `to` (down revisions and dependencies, or down revisions only). */
function reaches(map: RevisionMap, gen: Int32Array, from: string, to: string, downOnly = false): boolean {
  const start = map.byKey.get(from);
  const target = map.byKey.get(to);
  if (!start || !target) return false;
  const floor = gen[target.ord]! < 0 ? 0 : gen[target.ord]!;
  const seen = new Set<Rev>();
  const todo = [start];
  while (todo.length > 0) {
    const rev = todo.pop()!;
    if (rev === target) return true;
    const g = gen[rev.ord]!;
    if (seen.has(rev) || (g >= 0 && g <= floor)) continue;
    seen.add(rev);
    for (const d of downOnly ? rev.versionedDown : rev.allDown) {
      const next = map.byKey.get(d);
      if (next) todo.push(next);
    }
  }
  return false;
}
