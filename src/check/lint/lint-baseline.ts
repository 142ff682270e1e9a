import type { ProjectFiles } from '../../project/project-files.js';
import type { Rev, RevisionMap } from '../../alembic/graph/revision-map.js';
import { ConfigError } from '../../errors/errors.js';

/**
 * Which revision files the lints leave out. Two ways to draw the line, which
 * may be combined (a file is left out if either leaves it out):
 * - `lint-since`: the revisions already applied everywhere, whose findings
 *   nobody can act on any more. The named revisions and all their ancestors
 *   (down revisions and dependencies, what `alembic upgrade REV` applies);
 *   every other revision, on any branch, is new and is linted.
 * - `--lint-changed-since REF`: what a branch did not touch (git decides).
 */
export interface LintBaseline {
  /** lint-since, resolved to ids (empty when not used). */
  readonly since: readonly string[];
  /** --lint-changed-since, as given. */
  readonly changedSince?: string;
  /** Paths (relative to the working folder) of the revision files the lints leave out. */
  readonly paths: ReadonlySet<string>;
}

export interface LintScope {
  readonly since?: { readonly names: readonly string[]; readonly from: string };
  readonly changedSince?: { readonly ref: string; readonly files: ReadonlySet<string> };
}

export function lintBaseline(files: ProjectFiles, map: RevisionMap, scope: LintScope): LintBaseline {
  const real = (p: string): string => files.realpath(p) ?? p;
  const paths = new Set<string>();
  const since = (scope.since?.names ?? []).map((n) => resolve(map, n, scope.since!.from));
  const seen = new Set<Rev>();
  const todo = [...since];
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
  const changed = scope.changedSince?.files;
  if (changed) for (const rev of map.all) if (!changed.has(real(rev.file.absPath))) paths.add(rev.file.path);
  return { since: since.map((r) => r.id), changedSince: scope.changedSince?.ref, paths };
}

/**
 * Resolves a name as Alembic resolves a revision argument: an exact id or
 * branch label, else a unique prefix of an id. A name that matches nothing is
 * a configuration error: a typo must not make every migration "new" (or old).
 */
function resolve(map: RevisionMap, name: string, from: string): Rev {
  const exact = map.byKey.get(name);
  if (exact) return exact;
  const hits = name === '' ? [] : map.revisions.filter((r) => r.id.length > 3 && r.id.startsWith(name));
  if (hits.length === 1) return hits[0]!;
  const why =
    hits.length > 1
      ? `matches ${hits.length} revisions (${hits
          .slice(0, 3)
          .map((r) => r.id)
          .join(', ')}…)`
      : 'is not a revision id, a unique prefix of one, or a branch label of this project';
  throw new ConfigError(`${from} names '${name}', which ${why}.`, {
    hint: 'Give the id of the newest revision every environment has applied (alembic current on production prints it); lints then report only the revisions after it.',
  });
}
