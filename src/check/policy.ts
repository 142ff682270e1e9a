import type { OnAhead } from './lint/lint-config.js';
import { DEFAULT_LOCK_SETTINGS, type LockSettings } from './schema/lock-types.js';

/**
 * How an outcome is judged, apart from what was found: read once from the flags and the settings
 * (workspace/command-options.ts policyOf) and handed to the one decision (run-check.ts, verdict.ts).
 * The facts say what is there; the policy says what of it blocks and what a report leaves out.
 */
export interface Policy {
  /** --strict: a warning blocks as an error does. */
  readonly strict: boolean;
  /** --ignore: CODE or CODE:REVISION (an ignore never hides a predicted failure). */
  readonly ignore: readonly string[];
  /** --locks and its thresholds: the lock findings' severity, and which tables are large. */
  readonly locks: LockSettings;
  /**
   * release: a database ahead of this code (a rollback) is left as it is and the release passes
   * (allow), or stops it (block). Absent for check and verify, where database-ahead blocks as the
   * error it is.
   */
  readonly onAhead?: OnAhead;
  /** release: the findings about how the code reads (a docstring, a file name) are shown in its log too. */
  readonly cosmetic?: boolean;
  /** --data: whether the rows are read, and whether a probe that could not finish blocks. */
  readonly data?: DataSettings['mode'];
}

/** --data, --data-timeout, --data-budget. */
export interface DataSettings {
  /** warn: a probe that cannot finish is a warning; block: an error; off: no row is read. */
  readonly mode: 'warn' | 'block' | 'off';
  readonly timeoutMs: number;
  readonly budgetMs: number;
  /** --show-values (verify only): up to three offending values per finding, asked for by a person. */
  readonly showValues?: boolean;
}

/** The data probes' settings when no flag says otherwise. */
export const DEFAULT_DATA_SETTINGS: DataSettings = { mode: 'warn', timeoutMs: 2000, budgetMs: 20000 };

export const DEFAULT_POLICY: Policy = { strict: false, ignore: [], locks: DEFAULT_LOCK_SETTINGS };
