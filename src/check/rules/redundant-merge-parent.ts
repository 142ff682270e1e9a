import type { Rev, RevisionMap } from '../../alembic/revision-map.js';
import type { Finding, Rule } from '../finding.js';

/**
 * A merge of three or more parents lists one that another of them already
 * descends from. Harmless for the order of migrations, but Alembic's
 * version-table bookkeeping removes every listed parent's row at the merge,
 * and the redundant one's row is already gone (KeyError).
 */
export const redundantMergeParent: Rule = {
  code: 'redundant-merge-parent',
  severity: 'warning',
  summary: 'A merge of three or more parents lists one that another already descends from: Alembic’s version-table bookkeeping can raise KeyError there.',
  check({ model }) {
    if (model.failure) return [];
    const map = model.map;
    // merges as written (a dependency is not something to drop from down_revision), with three or more
    // parents counting dependencies: with two, a redundant parent is untidy but harmless (Open Event Server
    // has one), so it is not reported
    const merges = map.revisions.filter((r) => new Set(r.versionedDown).size > 1 && r.allDown.length > 2);
    if (merges.length === 0) return [];
    const gen = generations(map);
    const out: Finding[] = [];
    for (const m of merges) {
      for (const parent of new Set(m.versionedDown)) {
        const via = m.versionedDown.find((q) => q !== parent && reaches(map, gen, q, parent));
        if (via === undefined) continue;
        const throughDependency = !reaches(map, gen, via, parent, true);
        const line = m.script.downLine ?? m.script.line;
        out.push({
          code: 'redundant-merge-parent',
          severity: 'warning',
          message:
            `${m.file.path}: merge revision ${m.id} lists ${parent} as a down revision, but ${via}, another of its parents, already descends from it${throughDependency ? ' (through depends_on)' : ''}. ` +
            `The extra parent does not change the order of migrations, but with ${m.allDown.length} parents Alembic's version-table bookkeeping can raise KeyError: '${parent}' when an upgrade reaches ${m.id} (verify predicts whether it does for a given database; \`alembic upgrade heads\` on a new one often does).`,
          hint: `Remove ${parent} from down_revision in ${m.id} (${m.file.path}${line ? `:${line}` : ''}): ${via} already brings it in.`,
          path: m.file.path,
          line,
          revision: m.id,
        });
      }
    }
    return out;
  },
};

/**
 * Longest distance from a base, following down revisions and dependencies: an
 * ancestor always has a smaller one, so a walk looking for it can stop early.
 * Indexed by `Rev.ord`; -1 for a revision on a cycle (the graph rules report
 * those). Typed arrays: this runs over the whole history, 10,000 revisions in the bench.
 */
function generations(map: RevisionMap): Int32Array {
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
