import type { Rev, RevisionMap } from '../../alembic/revision-map.js';
import { ConfigError } from '../../errors/errors.js';

/**
 * `lint-since`: the revisions already applied everywhere, whose lint findings
 * nobody can act on any more. The baseline is the named revisions and all
 * their ancestors (down revisions and dependencies, what `alembic upgrade REV`
 * applies); every other revision, on any branch, is new and is linted.
 */
export interface LintBaseline {
  /** The revisions as named, resolved. */
  readonly revisions: readonly Rev[];
  /** Paths (relative to the working folder) of the revision files at or below them. */
  readonly paths: ReadonlySet<string>;
}

/**
 * Resolves each name as Alembic resolves a revision argument: an exact id or
 * branch label, else a unique prefix of an id. A name that matches nothing is
 * a configuration error: a typo must not make every migration "new" (or old).
 */
export function lintBaseline(map: RevisionMap, names: readonly string[], from: string): LintBaseline {
  const revisions = names.map((n) => resolve(map, n, from));
  const paths = new Set<string>();
  const seen = new Set<Rev>();
  const todo = [...revisions];
  while (todo.length > 0) {
    const rev = todo.pop()!;
    if (seen.has(rev)) continue;
    seen.add(rev);
    paths.add(rev.file.path);
    for (const k of rev.allDown) {
      const parent = map.byKey.get(k);
      if (parent) todo.push(parent);
    }
  }
  return { revisions, paths };
}

function resolve(map: RevisionMap, name: string, from: string): Rev {
  const exact = map.byKey.get(name);
  if (exact) return exact;
  const hits = name === '' ? [] : map.revisions.filter((r) => r.id.length > 3 && r.id.startsWith(name));
  if (hits.length === 1) return hits[0]!;
  const why = hits.length > 1 ? `matches ${hits.length} revisions (${hits.slice(0, 3).map((r) => r.id).join(', ')}…)` : 'is not a revision id, a unique prefix of one, or a branch label of this project';
  throw new ConfigError(`${from} names '${name}', which ${why}.`, {
    hint: 'Give the id of the newest revision every environment has applied (alembic current on production prints it); lints then report only the revisions after it.',
  });
}
