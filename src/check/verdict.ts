import type { UpgradePrediction } from '../alembic/graph/upgrade-plan.js';
import type { Finding } from './finding.js';

/**
 * The one verdict every output gives (exit code, the last text line, JSON `ok` and
 * `prediction.willSucceed`, the review formats, release's decision), from the prediction and the
 * findings alone:
 *
 * - Alembic will fail when the graph says so, or when a finding says what Alembic will print as it
 *   fails (an error with `alembicError`: a pending step on an object the database lacks, a version table
 *   it cannot write, …). The prediction then carries that failure.
 * - The gate holds (`ok`) when Alembic will succeed and nothing blocks: no error, and no warning under
 *   --strict. So `willSucceed: false` always means `ok: false`, while `ok` may be false with Alembic
 *   succeeding (a lint error, --strict, --locks block).
 */
export interface Verdict {
  readonly willSucceed: boolean;
  readonly ok: boolean;
}

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

/** Whether the findings block under the settings: an error, or a warning with --strict. */
export function findingsBlock(findings: readonly Finding[], strict: boolean | undefined): boolean {
  return findings.some((f) => f.severity === 'error' || (strict === true && f.severity === 'warning'));
}

export function verdictOf(
  prediction: UpgradePrediction | undefined,
  findings: readonly Finding[],
  strict: boolean | undefined,
): Verdict {
  const willSucceed = prediction === undefined ? !findings.some(failureOf) : prediction.willSucceed;
  return { willSucceed, ok: willSucceed && !findingsBlock(findings, strict) };
}
