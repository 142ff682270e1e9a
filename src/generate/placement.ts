import { describeForensics } from '../history/git-history.js';
import type { RevisionMap } from '../alembic/graph/revision-map.js';
import type { MissingId } from './backfill-types.js';
import type { SchemaMatch } from '../check/schema/schema-probe.js';

/** Where a placeholder goes: its parents and children, and how that was decided; or why it cannot be placed. */
export type Placement =
  | {
      readonly parents: readonly string[];
      readonly children: 'all' | readonly string[];
      readonly how: string;
    }
  | { readonly refuse: string; readonly suggestion?: string; readonly listCandidates: boolean };

/**
 * The one revision whose schema the catalog matches in every object it names, with some of them there;
 * undefined when none does, or when several leave the same schema (the catalog cannot tell them apart).
 */
export function schemaPlace(matches: readonly SchemaMatch[] | undefined): SchemaMatch | undefined {
  const exact = (matches ?? []).filter((x) => x.agree === x.of && x.present > 0);
  return exact.length === 1 ? exact[0] : undefined;
}

/**
 * Where a placeholder for `m` goes: --after, else the deploy log's parent, else git's account of the
 * file, else the one revision the schema matches exactly (`schema`); else a refusal.
 */
export function choosePlacement(
  map: RevisionMap,
  m: MissingId,
  explicit: string | undefined,
  schema?: SchemaMatch,
): Placement {
  if (explicit !== undefined) {
    const parent = resolveExact(map, explicit);
    if (typeof parent !== 'string')
      return { refuse: `--after ${explicit}: ${parent.error}`, listCandidates: true };
    return {
      parents: [parent],
      children: 'all',
      how: parent === explicit ? `--after ${explicit}` : `--after ${explicit} (${parent})`,
    };
  }
  if (m.logParent) {
    const parents = m.logParent.from.map((p) => resolveExact(map, p));
    if (parents.every((p) => typeof p === 'string')) {
      return {
        parents: parents as string[],
        children: 'all',
        how: `the deploy log shows it was applied after ${m.logParent.from.join(', ') || 'base'} (${m.logParent.where})`,
      };
    }
  }
  const f = m.forensics;
  const bySchema =
    schema &&
    (!f || f.kind === 'never' || f.kind === 'no-git') &&
    typeof resolveExact(map, schema.revision) === 'string'
      ? {
          parents: [schema.revision],
          children: 'all' as const,
          how: `the schema: the database has exactly what the migrations up to ${schema.revision} leave (all ${schema.of} objects they name), and no other revision's`,
        }
      : undefined;
  if (bySchema) return bySchema;
  if (!f)
    return {
      refuse: 'the parent is unknown (no --after, no log line, git history not searched)',
      listCandidates: true,
    };
  switch (f.kind) {
    case 'deleted': {
      const missing = f.downRevisions.filter((d) => typeof resolveExact(map, d) !== 'string');
      if (missing.length > 0) {
        return {
          refuse: `git shows it revised ${f.downRevisions.join(', ')}, but ${missing.join(', ')} is not in the graph any more`,
          listCandidates: true,
        };
      }
      return {
        parents: f.downRevisions,
        children: f.children,
        how: `git history: ${f.path} revised ${f.downRevisions.join(', ') || 'base'} before commit ${f.commit.short} deleted it`,
      };
    }
    case 'renamed':
      return {
        refuse: `git shows ${f.path} was renamed to ${f.newPath} and its id changed to ${f.newId}: the database holds the old id of a migration the code still has. A placeholder would run that migration a second time.`,
        suggestion: `alembic-preflight restamp --from ${f.id} --to ${f.newId} --yes`,
        listCandidates: false,
      };
    case 'other-ref':
      return {
        refuse: `it exists on ${f.refs.join(', ')} (commit ${f.commit.short}) but not in this checkout: deploy that code, or merge it. A placeholder here would collide with the real migration (duplicate revision) once that branch is merged. Pass --after to backfill anyway.`,
        listCandidates: false,
      };
    case 'in-tree':
      return {
        refuse: `${describeForensics(f)}; restore or fix that file instead of adding a placeholder`,
        listCandidates: false,
      };
    case 'never':
    case 'no-git':
      return {
        refuse: `the parent is unknown (${describeForensics(f)}). Choose where the database really is with --after REV`,
        listCandidates: true,
      };
  }
}

function resolveExact(map: RevisionMap, ref: string): string | { error: string } {
  const hit = map.byKey.get(ref);
  if (hit && hit.id === ref) return ref;
  const matches = map.revisions.filter((r) => r.id.startsWith(ref));
  if (ref.length >= 4 && matches.length === 1) return matches[0]!.id;
  if (matches.length > 1)
    return {
      error: `'${ref}' is a prefix of several revisions (${matches
        .slice(0, 5)
        .map((r) => r.id)
        .join(', ')})`,
    };
  return { error: `no revision '${ref}' in the graph` };
}
