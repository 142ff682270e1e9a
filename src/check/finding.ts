import type { ProjectModel } from '../alembic/project-model.js';

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

export interface CheckContext {
  readonly model: ProjectModel;
}

export interface Rule {
  /** Stable kebab-case code; also the name of the rule file, its doc page and its test. */
  readonly code: string;
  readonly severity: Severity;
  /** One line for `--rules` and the docs index. */
  readonly summary: string;
  check(ctx: CheckContext): Finding[];
}
