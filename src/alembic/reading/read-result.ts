import type { NewerSyntax, SyntaxProblem } from '../../python/python-tokenizer.js';
import type { PyValue } from '../../python/python-value.js';

/** The module attributes Alembic reads from a revision file. */
export const REVISION_FIELDS = ['revision', 'down_revision', 'branch_labels', 'depends_on'] as const;
export type RevisionField = (typeof REVISION_FIELDS)[number];

export interface FieldBinding {
  readonly value: PyValue;
  readonly line: number;
}

export interface DynamicHint {
  /** What could bind module attributes at run time (module `__getattr__`, `globals()`, star import…). */
  readonly reason: string;
  readonly line: number;
}

export interface Docstring {
  readonly text: string;
  readonly line: number;
  readonly revisionId?: string;
  readonly revises?: string;
}

export interface ReadResult {
  /** Final binding of each field after the whole module ran; absent when never bound. */
  readonly fields: Partial<Record<RevisionField, FieldBinding>>;
  readonly docstring?: Docstring;
  readonly dynamic: readonly DynamicHint[];
  readonly syntaxError?: SyntaxProblem;
  /** Syntax only newer Pythons accept (the first use of each kind). */
  readonly newer?: readonly NewerSyntax[];
  /** Absolute module-level imports (top-level package name), which Python runs when Alembic loads the file (a lazy import waits for first use). */
  readonly imports: readonly { readonly module: string; readonly line: number; readonly level: number }[];
  /**
   * Calls of Alembic's `op` proxy in code that runs when the file is loaded
   * (`bind = op.get_context().bind` at module level): the method and line.
   */
  readonly proxyCalls: readonly { readonly method: string; readonly line: number }[];
  /**
   * Whether the module binds `upgrade`, which Alembic calls when it runs the revision: 'unknown' where
   * something may bind it at run time (a star import, a module `__getattr__`, `globals()`).
   */
  readonly upgradeBound: 'yes' | 'no' | 'unknown';
  /** The first name module-level code certainly reads before anything binds it: NameError on import. */
  readonly unboundName?: { readonly name: string; readonly line: number };
  /** An unbound name read in an annotation before that: NameError only where Python evaluates annotations (before 3.14). */
  readonly unboundAnnotation?: { readonly name: string; readonly line: number };
}
