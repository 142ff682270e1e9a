import type { Docstring, RevisionField } from '../reading/revision-reader.js';
import type { PyValue } from '../../python/python-value.js';

// A revision file as Alembic's loading leaves it: the script it yields, or the problems that stop it.

/** Why Alembic fails on a file, in Alembic's own words. */
export interface AlembicFailure {
  /** Python exception class, e.g. "KeyError", "CommandError", "LoopDetected". */
  readonly exception: string;
  readonly message: string;
  /** True when `alembic upgrade` prints it as `FAILED: …` (a CommandError or RevisionError). */
  readonly commandError: boolean;
  /**
   * Other messages Alembic may print first instead: where it walks a Python
   * set of revisions, which one it meets first depends on object addresses.
   */
  readonly orderVaries?: readonly string[];
}

export type FileProblemCode =
  | 'unreadable-file'
  | 'unparseable-file'
  | 'bytecode-only-revision'
  | 'no-revision-variable'
  | 'no-down-revision-variable'
  | 'not-statically-known'
  | 'invalid-revision-value'
  | 'self-loop'
  | 'illegal-revision-characters'
  | 'unresolved-import'
  | 'module-level-op-call'
  | 'no-upgrade-function'
  | 'name-not-defined'
  | 'needs-newer-python';

interface ProblemBase {
  readonly line?: number;
  /** Set when Alembic fails on this file (otherwise the problem only makes our model uncertain). */
  readonly failure?: AlembicFailure;
}

/**
 * What loading found wrong with a file, as data, in the order Alembic meets it. The words are the
 * rule's (src/check/rules/CODE.ts); a `message` here is someone else's: the system's, Python's or
 * Alembic's own, quoted as it prints it.
 */
export type FileProblem =
  | (ProblemBase & { readonly code: 'unreadable-file'; readonly message: string })
  | (ProblemBase & {
      readonly code: 'unparseable-file';
      /** Python's exception line (`SyntaxError: invalid syntax`, `SyntaxError: source code cannot contain null bytes`). */
      readonly error: string;
      /** `bytes`: the file is not Python source text; `syntax`: it does not compile (its line is then named). */
      readonly at: 'bytes' | 'syntax';
      /** The null-byte error, when no Python version is declared: its wording depends on the release. */
      readonly wordingVaries?: true;
    })
  | (ProblemBase & { readonly code: 'bytecode-only-revision' })
  | (ProblemBase & { readonly code: 'no-revision-variable'; readonly message: string })
  | (ProblemBase & { readonly code: 'no-down-revision-variable'; readonly message: string })
  | (ProblemBase & { readonly code: 'self-loop'; readonly message: string })
  | (ProblemBase & { readonly code: 'illegal-revision-characters'; readonly message: string })
  | (ProblemBase & {
      readonly code: 'not-statically-known';
      readonly field: RevisionField;
      /** Why its value is not known (a call, an untraceable name, code that may bind any name). */
      readonly reason: string;
      /** The field is never assigned, but something in the module may bind it. */
      readonly neverAssigned?: true;
    })
  | (ProblemBase & { readonly code: 'invalid-revision-value' } & InvalidRevisionValue)
  | (ProblemBase & {
      readonly code: 'unresolved-import';
      readonly module: string;
      /** A relative import's level (`from ..x`): 2; 0 for an absolute one. */
      readonly level: number;
      /** The repository has the package, at `path`, off Python's path; `prepend` puts it on. */
      readonly elsewhere?: { readonly path: string; readonly prepend: string };
      /** The module imported, when nothing declares it and the repository has no such package. */
      readonly undeclared?: string;
    })
  | (ProblemBase & { readonly code: 'module-level-op-call'; readonly method: string; readonly more: number })
  | (ProblemBase & { readonly code: 'no-upgrade-function'; readonly module: string })
  | (ProblemBase & {
      readonly code: 'name-not-defined';
      readonly name: string;
      readonly line: number;
      /** Read in an annotation that this declared Python evaluates. */
      readonly annotation?: { readonly python: string; readonly source: string };
    })
  | (ProblemBase & {
      readonly code: 'needs-newer-python';
      readonly line: number;
      readonly feature: string;
      readonly since: number;
      /** The declared Python rejects the file (false: no Python is declared). */
      readonly blocking: boolean;
      readonly python?: { readonly text: string; readonly source: string; readonly minor: number };
      /** The SyntaxError that Python prints, where it is known. */
      readonly syntaxError?: string;
    });

/** A revision or down_revision value Alembic cannot use as an id, or uses otherwise than it looks. */
export type InvalidRevisionValue =
  | {
      readonly field: 'revision' | 'down_revision';
      readonly why: 'not-a-string';
      readonly repr: string;
      readonly typeError?: string;
    }
  | { readonly field: 'revision'; readonly why: 'keyword'; readonly word: string }
  | { readonly field: 'revision'; readonly why: 'empty' }
  | { readonly field: 'revision'; readonly why: 'tuple'; readonly repr: string; readonly empty: boolean }
  | { readonly field: 'revision'; readonly why: 'bytes'; readonly repr: string };

/** The problem of one code. */
export type FileProblemOf<C extends FileProblemCode> = Extract<FileProblem, { readonly code: C }>;

export interface ScriptFile {
  readonly index: number;
  /** Relative to the working folder, for messages and JSON. */
  readonly path: string;
  readonly absPath: string;
  readonly fileName: string;
  /** The module docstring, when the file was read (Alembic shows its first paragraph as the message). */
  readonly docstring?: Docstring;
  /** Problems in the order Alembic would meet them; the first with a failure stops Alembic. */
  readonly problems: FileProblem[];
  /** Present when the file yields a revision we can place in the graph. */
  readonly script?: LoadedScript;
  /**
   * The revision id a file that Python cannot parse assigns before its syntax
   * error. It is not in the graph (Alembic cannot load the file), but it tells
   * which broken references are only the consequence of this file.
   */
  readonly unparsedRevision?: string;
  /** The down revisions such a file assigns before its error, when they are plain strings: which heads it would close. */
  readonly unparsedDownRevisions?: readonly string[];
  /** A file Python cannot parse that holds a merge conflict marker: its line (the likely cause, for the hint). */
  readonly conflictMarkerLine?: number;
}

/** Alembic's `Script`/`Revision` constructor output, as data. */
export interface LoadedScript {
  readonly revision: PyValue;
  readonly key: string;
  readonly idSource: 'variable' | 'filename';
  readonly line?: number;
  readonly downRevision: PyValue;
  readonly downLine?: number;
  /** `_versioned_down_revisions` as map keys. */
  readonly versionedDown: readonly string[];
  readonly versionedDownValues: readonly PyValue[];
  /** depends_on as written, normalised to a list. */
  readonly dependsOn: readonly PyValue[];
  readonly dependsOnLine?: number;
  /** What `_add_depends_on` resolves: `to_tuple(self.dependencies)` when that scalar is truthy. */
  readonly resolvedDependsOn: readonly PyValue[];
  /** `self.dependencies is None` (`_is_real_base` reads it): no depends_on, or a falsy one. */
  readonly dependenciesIsNone: boolean;
  readonly branchLabels: readonly PyValue[];
  readonly branchLabelsLine?: number;
  /** Fields whose value we could not know; the script is placed with them as None. */
  readonly uncertainFields: readonly RevisionField[];
}
