// Pass: headers CPython refuses: a missing colon or body, a def without parentheses, a class after a name.
import { CONTINUATION_AT_END, identAt, isIdentPart, skipBlanks } from './python-chars.js';
import { afterAsync } from './statement-checks.js';
import { Tokenizer } from './tokenizer-state.js';
import { isStringPrefix } from './tokenizer-tables.js';
import { E_PARSER, TokenizeError } from './tokens.js';

declare module './tokenizer-state.js' {
  interface Tokenizer {
    missingBlock(): string;
    headerWord(): [string, boolean];
    missingColon(): void;
    defWithoutParen(b: number): TokenizeError | null;
    classAfterName(b: number): TokenizeError | null;
  }
}

/** CPython's IndentationError for a block header with no body: "expected an indented block after 'if' statement on line 3". */
Tokenizer.prototype.missingBlock = function (this: Tokenizer): string {
  const [word, star] = this.headerWord();
  const what =
    word === 'def'
      ? 'function definition'
      : word === 'class'
        ? 'class definition'
        : `'${word}${word === 'except' && star ? '*' : ''}' statement`;
  return `expected an indented block after ${what} on line ${this.headerLine}`;
};

/** The first word of the last block header (after `async`), and whether a `*` follows it (`except*`). */
Tokenizer.prototype.headerWord = function (this: Tokenizer): [string, boolean] {
  const b = afterAsync(this.src, this.headerBegin);
  let at = b;
  while (identAt(this.src, at)) at++;
  const word = this.src.slice(b, at);
  while (this.src.charCodeAt(at) === 32 || this.src.charCodeAt(at) === 9 || this.src.charCodeAt(at) === 12)
    at++;
  return [word, this.src.charCodeAt(at) === 42];
};

/**
 * A compound statement's header with no `:` outside brackets: `def
 * upgrade()` with its colon forgotten. CPython says "expected ':'" at the
 * header's end, and "expected '('" for `def f:`; it says so whatever follows, so the next line's indent is
 * no error of its own.
 */
Tokenizer.prototype.missingColon = function (this: Tokenizer): void {
  const b = afterAsync(this.src, this.currentBegin);
  if (
    b !== this.currentBegin &&
    !(this.src.startsWith('def', b) || this.src.startsWith('for', b) || this.src.startsWith('with', b))
  )
    return;
  if (!this.startsCompound(b)) return;
  // reported when the line began
  if (this.src.startsWith('def', b) && this.defWithoutParen(b) !== null) return;
  this.fail(new TokenizeError("expected ':'", this.line, this.pos - this.lineStart, E_PARSER));
};

/**
 * `def f:`, `def f -> int:`, `def up grade():`: CPython's parser wants `(`
 * (or 3.12's `[`) right after the function's name and says "expected '('" at
 * whatever token stands there instead, before anything later on the line.
 * Returns that error for `def NAME` at `b`, or null.
 */
Tokenizer.prototype.defWithoutParen = function (this: Tokenizer, b: number): TokenizeError | null {
  let i = skipBlanks(this.src, b + 3);
  const name = i;
  while (isIdentPart(this.src.charCodeAt(i), this.src, i)) i++;
  if (i === name) return null;
  // `def f'x'`: the name is a string's prefix, so a string follows `def`, not a name
  if (
    (this.src.charCodeAt(i) === 39 || this.src.charCodeAt(i) === 34) &&
    i - name <= 2 &&
    isStringPrefix(this.src, name, i)
  )
    return this.errorAt('invalid syntax', name);
  i = skipBlanks(this.src, i);
  const d = this.src.charCodeAt(i);
  if (d === 40 || d === 91) return null;
  // a continuation that ends the file (the backslash, or its own line end, last) is the tokenizer's error; blanks after it are the parser's
  if (i >= this.n - 1 && CONTINUATION_AT_END.test(this.src)) return null;
  return this.errorAt("expected '('", i);
};

/**
 * `class He/per:`, `class A.b:`, `class A=1:`: after a class's name only its bases' `(`, 3.12's type
 * parameters' `[` or the `:` may follow; anything else is CPython's "invalid syntax" there. The line's
 * end is missingColon's to report.
 */
Tokenizer.prototype.classAfterName = function (this: Tokenizer, b: number): TokenizeError | null {
  let i = skipBlanks(this.src, b + 5);
  const name = i;
  while (isIdentPart(this.src.charCodeAt(i), this.src, i)) i++;
  if (i === name || i === b + 5) return null;
  // `class f'x'`: the name is a string's prefix, which other checks report
  if (
    (this.src.charCodeAt(i) === 39 || this.src.charCodeAt(i) === 34) &&
    i - name <= 2 &&
    isStringPrefix(this.src, name, i)
  )
    return null;
  i = skipBlanks(this.src, i);
  const d = this.src.charCodeAt(i);
  if (
    d === 40 ||
    d === 91 ||
    (d === 58 && this.src.charCodeAt(i + 1) !== 61) ||
    d === 10 ||
    d === 13 ||
    d === 35 ||
    d === 92 ||
    i >= this.n
  )
    return null;
  return this.errorAt('invalid syntax', i);
};
