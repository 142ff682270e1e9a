import { AlembicRaise } from '../loading/alembic-raise.js';
import type { Rev, RevisionMap } from './revision-map.js';

/**
 * The revisions as integers with their `_normalized_down_revisions`, so ancestor sets can be bitsets:
 * `_topological_sort` recomputes a whole ancestor set at every merge, branch point and dependency,
 * which is quadratic, and 10,000 revisions from an empty table took seconds as sets of objects.
 * A map that loaded cleanly has every revision under its own id and every down revision present (the
 * walks before the sort raise Alembic's errors otherwise); anything else is not predicted.
 */
export function indexGraph(map: RevisionMap, byKey: ReadonlyMap<string, Rev>): IndexedGraph {
  map.normalizeDependsOn();
  const index = new Map<Rev, number>();
  const revs: Rev[] = [];
  for (const r of byKey.values()) {
    if (index.has(r)) continue;
    // sets of ids and sets of keys are the same only when every revision is filed under its id
    if (r.id !== r.key)
      throw new AlembicRaise(
        'Unpredictable',
        `revision ${r.id} is filed under another key in the revision map`,
        undefined,
        'step',
      );
    index.set(r, revs.length);
    revs.push(r);
  }
  const down: Int32Array[] = [];
  for (const r of revs) {
    const ids = r.normalizedDown;
    const a = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const next = byKey.get(ids[i]!);
      if (!next || next.key !== ids[i])
        throw new AlembicRaise(
          'Unpredictable',
          `down revision ${ids[i]!} of ${r.id} is not in the revision map`,
          undefined,
          'step',
        );
      a[i] = index.get(next)!;
    }
    down.push(a);
  }
  return { index, down, words: (revs.length + 31) >>> 5 };
}

/** `_get_ancestor_nodes(roots)` (the roots included) as a bitset over `indexed()`. */
export function ancestorBits(g: IndexedGraph, roots: readonly number[]): Uint32Array {
  const bits = new Uint32Array(g.words);
  const stack = [...roots];
  while (stack.length > 0) {
    const i = stack.pop()!;
    const w = i >>> 5;
    const b = 1 << (i & 31);
    if (bits[w]! & b) continue;
    bits[w]! |= b;
    for (const j of g.down[i]!) stack.push(j);
  }
  return bits;
}

export function hasBit(bits: Uint32Array, n: number): boolean {
  return (bits[n >>> 5]! & (1 << (n & 31))) !== 0;
}

export interface IndexedGraph {
  readonly index: ReadonlyMap<Rev, number>;
  readonly down: readonly Int32Array[];
  readonly words: number;
}
