import { EXIT } from '../errors/errors.js';
import type { UpgradePrediction } from '../alembic/graph/upgrade-plan.js';
import type { Finding } from './finding.js';
import type { Policy } from './policy.js';

/**
 * The one verdict every output gives (exit code, the last text line, JSON `ok` and
 * `prediction.willSucceed`, the review formats, release's decision), from the prediction and the
 * findings alone:
 *
 * - Alembic will fail when the graph says so, or when a finding says what Alembic will print as it
 *   fails (an error with `alembicError`: a pending step on an object the database lacks, a version table
 *   it cannot write, …). The prediction then carries that failure.
 * - The gate holds (`ok`) when Alembic will succeed and nothing blocks: no error, and no warning under
 *   --strict. So `willSucceed: false` means `ok: false`, while `ok` may be false with Alembic
 *   succeeding (a lint error, --strict, --locks block).
 * - The one exception is release's --on-ahead allow (policy `onAhead`): a database ahead of this code
 *   (a rollback) with nothing else blocking is left as it is, Alembic is not run, and the gate holds
 *   (`ok`, qualified `not-migrated`).
 * - Where a blocking finding is a configuration only the user can fix (`configuration`: the app's
 *   own name contradicts the platform's), the verdict says so, and the commands exit 2 rather than 1.
 */
export interface Verdict {
  readonly willSucceed: boolean;
  readonly ok: boolean;
  /** What the verdict does not cover, said after it on the verdict line (report/verdict-line.ts words them). */
  readonly qualifiers: readonly Qualifier[];
  /** What blocks is a configuration only the user can fix (a finding marked so): exit 2, not 1. */
  readonly configuration?: true;
}

/** The words a verdict line starts with, for every command: one closed list. */
export type VerdictWord = 'OK' | 'BLOCKED' | 'STOPPED' | 'FAILED' | 'MISMATCH';

/**
 * What a verdict leaves out or how it was reached, said after it; one list, worded in one place
 * (report/verdict-line.ts) and carried by JSON as the same codes.
 */
export type Qualifier =
  /** a multidb env.py: only the database read was verified (other-databases-not-verified) */
  | 'other-databases-not-read'
  /** server-side code on the version table may still refuse the write (version-table-write-unverified) */
  | 'version-table-write-unverified'
  /** warnings blocked it: --strict */
  | 'strict'
  /** release: Alembic was not started */
  | 'alembic-not-started'
  /** release -- COMMAND, release --tenants: the command was not started */
  | 'command-not-started'
  /** release: the command had started when it failed */
  | 'after-start'
  /** release --unfenced: the command started although it could not be proved fenced */
  | 'unfenced'
  /** the schema differs from the stamp in places the probes cannot place exactly (schema-behind-stamp warnings) */
  | 'schema-warnings'
  /** release --on-ahead allow: the database is ahead, nothing was migrated */
  | 'not-migrated'
  /** backfill without --write */
  | 'dry-run'
  /** --data off: the pending steps' rows were not read */
  | 'rows-not-checked';

/** A finding that says Alembic will fail (what it prints, where that is known). */
export function failureOf(f: Finding): boolean {
  return f.severity === 'error' && (f.alembicError !== undefined || f.failsUpgrade === true);
}

/** The prediction with the first failure a finding predicts, when the graph alone predicted success. */
export function withFindingsFailure(p: UpgradePrediction, findings: readonly Finding[]): UpgradePrediction {
  if (!p.willSucceed) return p;
  const f = findings.find(failureOf);
  if (!f) return p;
  const line = f.alembicError;
  const colon = line?.indexOf(': ') ?? -1;
  return {
    ...p,
    willSucceed: false,
    finalHeads: null,
    failure: {
      exception: line === undefined ? 'unknown' : colon > 0 ? line.slice(0, colon) : line,
      message: line === undefined ? (f.title ?? f.message) : colon > 0 ? line.slice(colon + 2) : '',
      stage: 'step',
      ...(f.revision !== undefined ? { revision: f.revision } : {}),
      by: { code: f.code, ...(f.path !== undefined ? { path: f.path } : {}) },
    },
    // what the CLI prints, where it is known: no quote is better than a wrong one
    cliOutput: line ?? null,
  };
}

/** Whether one finding blocks under the settings: an error, or a warning with --strict. */
export function blocks(f: Pick<Finding, 'severity'>, strict: boolean | undefined): boolean {
  return f.severity === 'error' || (strict === true && f.severity === 'warning');
}

export function verdictOf(
  prediction: UpgradePrediction | undefined,
  findings: readonly Finding[],
  policy: Pick<Policy, 'strict' | 'onAhead' | 'data'>,
): Verdict {
  const { strict } = policy;
  const willSucceed = prediction === undefined ? !findings.some(failureOf) : prediction.willSucceed;
  const ok = willSucceed && !findings.some((f) => blocks(f, strict));
  const has = (code: string): boolean => findings.some((f) => f.code === code);
  // a rollback under --on-ahead allow: what blocks is only that the database is ahead, and it is left so
  if (
    !ok &&
    policy.onAhead === 'allow' &&
    has('database-ahead') &&
    !findings.some((f) => blocks(f, strict) && f.code !== 'database-ahead')
  )
    return { willSucceed, ok: true, qualifiers: ['not-migrated'] };
  const qualifiers: Qualifier[] = ok
    ? [
        ...(has('version-table-write-unverified') ? (['version-table-write-unverified'] as const) : []),
        ...(has('other-databases-not-verified') ? (['other-databases-not-read'] as const) : []),
        ...(policy.data === 'off' && (prediction?.steps.length ?? 0) > 0
          ? (['rows-not-checked'] as const)
          : []),
        ...(has('schema-behind-stamp') ? (['schema-warnings'] as const) : []),
      ]
    : willSucceed && !findings.some((f) => f.severity === 'error')
      ? ['strict']
      : [];
  const configuration = !ok && findings.some((f) => f.configuration === true && blocks(f, strict));
  return { willSucceed, ok, qualifiers, ...(configuration ? { configuration: true as const } : {}) };
}

/** The exit code of a verdict that does not hold: 2 where what blocks is a configuration, else 1. */
export function blockedExit(verdict: Pick<Verdict, 'configuration'>): number {
  return verdict.configuration ? EXIT.usage : EXIT.blocked;
}

/** The verdict's first word for check and verify: the gate. */
export function gateWord(verdict: Pick<Verdict, 'ok'>): VerdictWord {
  return verdict.ok ? 'OK' : 'BLOCKED';
}
