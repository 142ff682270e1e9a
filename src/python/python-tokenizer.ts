/**
 * A Python file as the static readers take it: its logical lines and tokens (lexer.ts), the first
 * syntax error Python would raise loading it, and the syntax it uses that only newer Pythons read
 * (syntax/static-verdict.ts).
 *
 * It is not an interpreter: a syntax error is reported at its line in our own words, and the
 * project's own Python, where it runs, gives its own (release/syntax-oracle.ts).
 * docs/findings/unparseable-file.md lists the errors only the interpreter reports.
 */
import { lex } from './lexer.js';
import { staticSyntax } from './syntax/static-verdict.js';
import { conflictMarkerLine } from './token-lines.js';
import type { TokenizeOptions, TokenizeResult } from './tokens.js';

export {
  Tok,
  type LogicalLine,
  type NewerSyntax,
  type SyntaxProblem,
  type Token,
  type TokenizeOptions,
  type TokenizeResult,
} from './tokens.js';
export { lex } from './lexer.js';
export { detach } from './lexer-tables.js';
export { headerColon, matching, splitTop, topLevelIndexes, topLevelOp } from './token-lines.js';

/** The file's logical lines and tokens, and the first syntax error Python would raise importing it. */
export function tokenize(src: string, options: TokenizeOptions = {}): TokenizeResult {
  const lexed = lex(src, options);
  const { error, newer, tree } = staticSyntax(src, lexed);
  const withNewer = newer.length > 0 ? { newer } : {};
  if (error === undefined) return { lines: lexed.lines, tree, ...withNewer };
  // the lines the parser read before its error
  const lines = error === lexed.error ? lexed.lines : lexed.lines.filter((l) => l.line < error.line);
  const marker = conflictMarkerLine(src);
  const described = { ...error, ownWords: true as const };
  return {
    lines,
    tree,
    error: marker === undefined ? described : { ...described, conflictMarkerLine: marker },
    ...withNewer,
  };
}
