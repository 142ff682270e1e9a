import { revisionsApplied, type UpgradePrediction } from '../alembic/graph/upgrade-plan.js';
import type { RevisionMap } from '../alembic/graph/revision-map.js';
import type { StampValue } from '../alembic/graph/version-rows.js';

/** The version table after the command, against the prediction. */
export interface AfterUpgrade {
  readonly matched: boolean;
  /** The rows found and the heads predicted, sorted. */
  readonly got: readonly string[];
  readonly want: readonly string[];
  /** How many revisions the rows moved by; undefined when no upgrade explains the change. */
  readonly applied: number | undefined;
  /** That, in words: "2 migrations applied of 3 predicted". */
  readonly moved: string;
}

/**
 * What the database shows afterwards, not what was predicted: the command may have run one migration
 * (`-- alembic upgrade REV`), none, or another database's; a script may do more, but not less.
 */
export function afterUpgrade(
  map: RevisionMap,
  prediction: UpgradePrediction,
  before: readonly StampValue[],
  after: readonly StampValue[],
): AfterUpgrade {
  const got = [...after].map((r) => (typeof r === 'string' ? r : String(r))).sort();
  const want = [...(prediction.finalHeads ?? [])].map((r) => String(r)).sort();
  const matched = got.length === want.length && got.every((g, i) => g === want[i]);
  const applied = revisionsApplied(map, before, after);
  const moved =
    applied === undefined
      ? 'the version table changed in a way no upgrade explains'
      : `${plural(applied, 'migration')} applied of ${prediction.steps.length} predicted`;
  return { matched, got, want, applied, moved };
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
