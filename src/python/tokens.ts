// The readers' vocabulary: token kinds, logical lines, a file's reading, its syntax error and newer syntax.
import type { Tree } from '@lezer/common';

export const enum Tok {
  Name = 1,
  Number = 2,
  String = 3,
  Op = 4,
}

export interface Token {
  readonly type: Tok;
  readonly text: string;
  readonly line: number;
  readonly col: number;
  /** On the `import` or `from` after PEP 810's `lazy` (whose own token is left out): the module loads at first use. */
  readonly lazy?: true;
}

export interface LogicalLine {
  /** Indentation column (tabs to the next multiple of 8, as CPython). */
  readonly indent: number;
  readonly line: number;
  readonly tokens: Token[];
}

export interface SyntaxProblem {
  readonly message: string;
  readonly line: number;
  readonly col: number;
  /** The exception when it is not a SyntaxError (3.12+ raises UnicodeDecodeError for an f-string's text that is not UTF-8). */
  readonly exception?: string;
  /** The error exists only from Python 3.`since` on (PEP 810's refusals): an older Python fails earlier, at the newer syntax itself. */
  readonly since?: number;
  /** The first line that is a merge conflict marker (`<<<<<<< HEAD`), when the file has one: the likely cause. */
  readonly conflictMarkerLine?: number;
  /** The message is the static reader's description, not Python's words (which only the interpreter gives). */
  readonly ownWords?: true;
}

export interface TokenizeResult {
  readonly lines: LogicalLine[];
  /** The grammar's parse tree of the whole file (past a syntax error too: its error nodes mark where). */
  readonly tree: Tree;
  readonly error?: SyntaxProblem;
  /** Syntax only newer Pythons accept, the first use of each kind in file order (accepted here: which Python runs is the caller's to say). */
  readonly newer?: readonly NewerSyntax[];
}

/** A construct that Python 3.`since` and later accept and older ones reject. */
export interface NewerSyntax {
  /** The first Python 3 minor version that accepts it (12 for 3.12). */
  readonly since: number;
  /** What it is, for a message: "type parameters (PEP 695)". */
  readonly feature: string;
  readonly line: number;
  /** CPython's SyntaxError message for it from 3.`messageFrom` up to 3.`since - 1`, where it is the same in all of them (checked against real CPython). */
  readonly message?: string;
  readonly messageFrom?: number;
}

export interface TokenizeOptions {
  /**
   * Skip the bodies of `def` and `class` blocks: they are still scanned, so
   * every syntax error is still reported, but yield no tokens. Module-level
   * assignments never live there, and bodies are most of a migration file.
   */
  readonly skipBodies?: boolean;
}
