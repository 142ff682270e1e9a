/**
 * A Python tokenizer, just deep enough to read module-level assignments.
 *
 * It is not a parser: it splits source into logical lines (joining bracketed
 * and backslash-continued physical lines), records each line's indentation,
 * and yields names, numbers, strings and operators. Strings, comments and
 * brackets are tracked exactly, because that is what a naive regex scan gets
 * wrong ("down_revision = 'x'" inside a SQL string or a docstring).
 *
 * It also reports the syntax errors a tokenizer can see (unterminated strings,
 * unbalanced brackets, bad dedents, stray characters, Python 2 octals) and the
 * parser errors a token stream shows for sure: two operands side by side (a
 * missing comma, Python 2's `print "x"`), a line that ends on an operator
 * (`x = a +`), two tokens that never meet in Python (`x = = 1`, `sa..String`,
 * `f(a, .b)`, `a.if`, `**x` at a statement's start), a keyword argument after
 * something other than a name (`f(a.b=1)`), an `=` where a statement takes
 * none (`if x = 1:`), targets that cannot be assigned (`f() = 1`, `for f()
 * in x:`, `with a as f():`, `x = f() = 1`), and the compiler's and the
 * symbol table's errors (`'return' outside function`, a repeated parameter).
 * Those make Python, and therefore Alembic, fail on every command, wherever
 * they are in the file. Parser errors that need more of a statement's
 * grammar (`x: int = f() = 1`, `except` beside `except*`) are not reported;
 * docs/findings/unparseable-file.md lists them.
 */
import { Tokenizer } from './tokenizer-state.js';
import type { TokenizeOptions, TokenizeResult } from './tokens.js';
// the passes, each adding its methods to Tokenizer: by family, in the order a line meets them
import './tokenizer-lines.js';
import './tokenizer-scan.js';
import './tokenizer-assignments.js';
import './tokenizer-headers.js';
import './tokenizer-header-errors.js';
import './tokenizer-operators.js';
import './tokenizer-brackets.js';
import './tokenizer-words.js';
import './tokenizer-braces.js';
import './tokenizer-declarations.js';
import './tokenizer-keywords.js';
import './tokenizer-numbers.js';
import './tokenizer-strings.js';
import './tokenizer-fields.js';

export {
  Tok,
  type LogicalLine,
  type NewerSyntax,
  type SyntaxProblem,
  type Token,
  type TokenizeOptions,
  type TokenizeResult,
} from './tokens.js';
export { detach } from './tokenizer-tables.js';
export { headerColon, matching, splitTop, topLevelIndexes, topLevelOp } from './statement-checks.js';

/** The file's logical lines and tokens, and the first syntax error CPython would raise importing it. */
export function tokenize(src: string, options: TokenizeOptions = {}): TokenizeResult {
  return new Tokenizer(src, options).run();
}
