import type { RevisionMap } from '../../alembic/graph/revision-map.js';
import { predictUpgrade, type UpgradePrediction } from '../../alembic/graph/upgrade-plan.js';
import type { VersionTableState } from '../../database/version-table.js';
import type { SchemaProbe } from './schema-probe.js';

/** A table a pending migration creates that the database already has. */
export interface PresentTable {
  readonly name: string;
  readonly line: number;
  readonly revision: string;
  readonly path: string;
}

/**
 * Nothing is stamped, yet tables the migrations create are there: which, and what the table names say
 * of a stamp. `fit` is the last revision whose tables (and all before it) are there, with the upgrade
 * from it; absent when the names match no single revision (`mismatch` says which revision breaks it).
 */
export interface AlreadyPresent {
  readonly clashes: readonly PresentTable[];
  readonly fit?: {
    readonly revision: string;
    /** the next revision's tables are missing (absent: every pending revision's tables are there) */
    readonly next?: string;
    readonly after: UpgradePrediction;
  };
  /** A revision whose tables are missing while it or a later one's are there: the first pending, or the first missing. */
  readonly mismatch?: { readonly revision: string; readonly first: boolean };
}

/** The tables the pending migrations create that an unstamped database already has (from table names only). */
export function alreadyPresent(
  map: RevisionMap,
  state: VersionTableState,
  prediction: UpgradePrediction,
  schema: SchemaProbe | undefined,
): AlreadyPresent | undefined {
  if (!schema || !state.tables || !prediction.willSucceed) return undefined;
  if (state.exists && state.rows.length > 0) return undefined;
  const sqlite = state.dialect === 'sqlite';
  const present = new Set(sqlite ? state.tables.map((t) => t.toLowerCase()) : state.tables);
  const has = (name: string): boolean => present.has(sqlite ? name.toLowerCase() : name);
  const steps = prediction.steps.map((s) => ({
    revision: s.revision,
    created: schema.createdTables.get(s.revision),
  }));
  const clashes = steps.flatMap((s) =>
    (s.created?.tables ?? [])
      .filter((t) => has(t.name))
      .map((t) => ({ name: t.name, line: t.line, revision: s.revision, path: s.created!.path })),
  );
  if (clashes.length === 0) return undefined;
  const hasAll = (s: (typeof steps)[number]): boolean => (s.created?.tables ?? []).every((t) => has(t.name));
  const hasAny = (s: (typeof steps)[number]): boolean => (s.created?.tables ?? []).some((t) => has(t.name));
  const firstMissing = steps.findIndex((s) => !hasAll(s));
  const later = firstMissing < 0 ? [] : steps.slice(firstMissing + 1).filter(hasAny);
  if (firstMissing === 0 || later.length > 0)
    return { clashes, mismatch: { revision: steps[firstMissing]!.revision, first: firstMissing === 0 } };
  const fit = firstMissing < 0 ? steps[steps.length - 1]! : steps[firstMissing - 1]!;
  return {
    clashes,
    fit: {
      revision: fit.revision,
      ...(firstMissing < 0 ? {} : { next: steps[firstMissing]!.revision }),
      after: predictUpgrade(map, prediction.target, [fit.revision], state.versionTable),
    },
  };
}
