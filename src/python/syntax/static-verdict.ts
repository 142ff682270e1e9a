/**
 * Whether Python will load a file, decided without Python: the tokenizer's errors (lexer.ts), the
 * grammar's (an error node in the parse tree) and the compiler's (tree-checks.ts, and the limit on
 * nested blocks). The earliest by line is reported, in our own words; the project's own Python,
 * where it runs, gives its own. docs/findings/unparseable-file.md lists what only it reports.
 */
import type { Tree } from '@lezer/common';
import { blockNestingOverflow } from '../block-nesting.js';
import { parser } from '../grammar/parser.js';
import type { LexResult } from '../lexer.js';
import { isUndecodable } from '../lexer-literals.js';
import type { NewerSyntax, SyntaxProblem } from '../tokens.js';
import { treeNewerSyntax } from './newer-syntax.js';
import { treeProblem } from './tree-checks.js';
import { lineOf, lineStarts } from '../line-starts.js';

export interface SyntaxVerdict {
  readonly error?: SyntaxProblem;
  readonly newer: NewerSyntax[];
  /** The parse tree the verdict was read from, for the readers that take a file's structure. */
  readonly tree: Tree;
}

/** The first syntax error in `src` and the newer syntax it uses, given the lexer's reading of it. */
export function staticSyntax(src: string, lexed: LexResult): SyntaxVerdict {
  const tree = parser.parse(withoutTrailingBlanks(lexed.undecodable ? decodable(src) : src));
  // most files need no offset turned into a line: the line starts are counted on the first
  let starts: number[] | undefined;
  const lines = (): number[] => (starts ??= lineStarts(src));
  const line = (offset: number): number => lineOf(lines(), offset);
  const newer = [...lexed.newer, ...treeNewerSyntax(src, tree, line)];
  const candidates: SyntaxProblem[] = [];
  if (lexed.error !== undefined) candidates.push(lexed.error);
  const grammar = firstErrorNode(tree);
  if (grammar !== null) candidates.push(problemAt(src, lines(), 'invalid syntax', grammar));
  else {
    const compiler = treeProblem(src, tree);
    if (compiler !== null) {
      const p = problemAt(src, lines(), compiler.message, compiler.at);
      candidates.push(compiler.since === undefined ? p : { ...p, since: compiler.since });
    }
  }
  const nesting = blockNestingOverflow(src, lexed.blockLines);
  const message = 'too many statically nested blocks';
  if (nesting.from313 !== undefined)
    candidates.push({ message, line: nesting.upTo312 ?? nesting.from313, col: 0 });
  else if (nesting.upTo312 !== undefined)
    newer.push({
      since: 13,
      feature: 'more than 20 statically nested blocks',
      line: nesting.upTo312,
      message,
    });
  // the earliest line; on one line, the tokenizer's error before the grammar's before the compiler's
  let error: SyntaxProblem | undefined;
  for (const c of candidates) if (error === undefined || c.line < error.line) error = c;
  newer.sort((a, b) => a.line - b.line);
  return error === undefined ? { newer, tree } : { error, newer, tree };
}

/** Blanks after the last line end: Python reads no line there, the grammar's indentation tracker would. */
function withoutTrailingBlanks(src: string): string {
  let end = src.length;
  while (
    end > 0 &&
    (src.charCodeAt(end - 1) === 32 || src.charCodeAt(end - 1) === 9 || src.charCodeAt(end - 1) === 12)
  )
    end--;
  return end === src.length ? src : src.slice(0, end);
}

/** The text with each byte that is not UTF-8 as `?`, one for one: the grammar reads code points, Python accepts such bytes in a comment. */
function decodable(src: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < src.length; i++) {
    if (isUndecodable(src, i)) {
      out += src.slice(from, i) + '?';
      from = i + 1;
    }
  }
  return out + src.slice(from);
}

/** Where the parse tree's first error node starts, or null. */
export function firstErrorNode(tree: Tree): number | null {
  let at: number | null = null;
  tree.iterate({
    enter(node) {
      if (at !== null) return false;
      if (node.type.isError) {
        at = node.from;
        return false;
      }
      return undefined;
    },
  });
  return at;
}

/** An error at the end of the input (a block or bracket left open) is on the last line that holds anything. */
function problemAt(src: string, lines: readonly number[], message: string, at: number): SyntaxProblem {
  let end = src.length;
  while (end > 0 && WHITESPACE.has(src.charCodeAt(end - 1))) end--;
  const offset = Math.min(at, Math.max(end - 1, 0));
  const line = lineOf(lines, offset);
  return { message, line, col: offset - lines[line - 1]! };
}

const WHITESPACE = new Set([32, 9, 12, 10, 13]);
