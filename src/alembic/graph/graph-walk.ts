import { pyRepr, type PyValue } from '../../python/python-value.js';
import type { AlembicFailure } from '../loading/script-loader.js';
import { nextEpoch, type GraphProblem, type Rev } from './rev.js';

// What building the map and checking it for cycles share: Alembic's walk over related revisions, and
// keys as its messages print them.

/** Records a problem that stops Alembic, with the failure it raises. */
export type Fail = (p: Omit<GraphProblem, 'failure'>, failure: AlembicFailure) => void;

/** `_iterate_related_revisions`: LIFO walk; missing keys are skipped (Alembic raised earlier). */
export function iterateRelated(
  map: ReadonlyMap<string, Rev>,
  targets: Iterable<Rev>,
  fn: (r: Rev) => Iterable<string>,
): { revs: Rev[]; broken?: { rev: Rev; id: string } } {
  const seen = nextEpoch();
  const out: Rev[] = [];
  let broken: { rev: Rev; id: string } | undefined;
  for (const target of targets) {
    const todo: Rev[] = [target];
    while (todo.length > 0) {
      const rev = todo.pop()!;
      if (rev.mark === seen) continue;
      rev.mark = seen;
      for (const id of fn(rev)) {
        const next = map.get(id);
        if (!next) continue;
        if (next.key !== id) {
          broken ??= { rev, id };
          continue;
        }
        todo.push(next);
      }
      out.push(rev);
    }
  }
  return { revs: out, broken };
}

/** Python repr of a map key (str ids print quoted, other types as written). */
export function keyRepr(key: string): string {
  if (key.startsWith('\u0000')) return key.slice(1);
  return pyRepr({ t: 'str', v: key } as PyValue);
}

export function keyText(key: string): string {
  return key.startsWith('\u0000') ? key.slice(1) : key;
}
