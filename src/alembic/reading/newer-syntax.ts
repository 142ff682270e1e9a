import type { NewerSyntax } from '../../python/python-tokenizer.js';
import type { DeclaredPython } from '../../packaging/python-version.js';

/** Syntax in a file that the project's Python may not accept. */
export interface NewerSyntaxIssue {
  readonly use: NewerSyntax;
  /** The declared Python rejects it (false: no Python is declared, so we cannot tell). */
  readonly blocking: boolean;
  /** CPython's message there, when the declared version's is known for every such use in the file. */
  readonly message?: string;
}

/**
 * The first use in a file of syntax newer than the declared Python (any
 * newer syntax when none is declared), unless a syntax error every Python
 * reports comes first (`errorLine`): Python reports the first it meets.
 */
export function newerSyntaxIssue(
  uses: readonly NewerSyntax[] | undefined,
  python: DeclaredPython | null | undefined,
  errorLine: number | undefined,
): NewerSyntaxIssue | undefined {
  if (!uses || uses.length === 0) return undefined;
  const minor = python ? python.minor : Number.POSITIVE_INFINITY;
  const applies = python ? uses.filter((u) => u.since > python.minor) : [...uses];
  if (applies.length === 0) return undefined;
  applies.sort((a, b) => a.line - b.line || a.since - b.since);
  const use = applies[0]!;
  if (errorLine !== undefined && errorLine < use.line) return undefined;
  // an f-string the older tokenizer reads differently may fail later in the file with a tokenizer error, which wins
  const known =
    python &&
    errorLine === undefined &&
    applies.every((u) => u.message !== undefined && u.messageFrom !== undefined && u.messageFrom <= minor);
  return known
    ? { use, blocking: true, message: use.message }
    : { use, blocking: python !== null && python !== undefined };
}
