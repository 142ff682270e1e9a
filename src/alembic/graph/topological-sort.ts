import { AlembicRaise } from '../loading/alembic-raise.js';
import { ancestorBits, hasBit, type IndexedGraph } from './indexed-graph.js';
import type { Rev } from './revision-map.js';

/** `_topological_sort`'s order of ids: heads first, following the map's insertion order. */
export function topologicalOrder(
  g: IndexedGraph,
  byKey: ReadonlyMap<string, Rev>,
  revisions: ReadonlySet<Rev>,
  heads: readonly Rev[],
): string[] {
  const todo = new Set([...revisions].map((r) => r.id));
  const order = new Map<string, number>();
  let i = 0;
  for (const k of byKey.keys()) if (!order.has(k)) order.set(k, i++);
  const at = (id: string): number => g.index.get(byKey.get(id)!)!;
  const ancestorsOf = (id: string): Uint32Array => ancestorBits(g, [at(id)]);
  const currentHeads = [...new Set(heads.map((h) => h.id).filter((id) => todo.has(id)))].sort(
    (a, b) => order.get(a)! - order.get(b)!,
  );
  const ancestorsByIdx = currentHeads.map(ancestorsOf);
  const output: string[] = [];
  let idx = 0;
  while (currentHeads.length > 0) {
    const candidate = currentHeads[idx]!;
    const n = at(candidate);
    let moved = false;
    for (let j = 0; j < ancestorsByIdx.length; j++) {
      if (j !== idx && hasBit(ancestorsByIdx[j]!, n)) {
        idx = j;
        moved = true;
        break;
      }
    }
    if (moved) continue;
    if (todo.has(candidate)) {
      output.push(candidate);
      todo.delete(candidate);
    }
    const rev = byKey.get(candidate)!;
    const toAdd = rev.normalizedDown.filter((d) => todo.has(d) && !currentHeads.includes(d));
    if (toAdd.length === 0) {
      currentHeads.splice(idx, 1);
      ancestorsByIdx.splice(idx, 1);
      idx = Math.max(idx - 1, 0);
    } else if (rev.normalizedResolvedDeps.length === 0 && rev.versionedDown.length === 1) {
      currentHeads[idx] = toAdd[0]!;
      ancestorsByIdx[idx]![n >>> 5]! &= ~(1 << (n & 31));
    } else {
      currentHeads[idx] = toAdd[0]!;
      currentHeads.push(...toAdd.slice(1));
      ancestorsByIdx[idx] = ancestorsOf(toAdd[0]!);
      ancestorsByIdx.push(...toAdd.slice(1).map(ancestorsOf));
    }
  }
  if (todo.size > 0) throw new AlembicRaise('AssertionError', '', undefined, 'step');
  return output;
}
