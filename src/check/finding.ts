/** How much a finding blocks: errors block a release, warnings with --strict, info never. */
export type Severity = 'error' | 'warning' | 'info';

/** A finding is data: what is wrong, where, why Alembic cares, and the fix. */
export interface Finding {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly hint: string;
  readonly path?: string;
  readonly line?: number;
  readonly revision?: string;
  /** The text Alembic prints when it fails on this problem. */
  readonly alembicError?: string;
}
