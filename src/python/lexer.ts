/**
 * Python's lexical structure, as the static readers need it: logical lines (bracketed and
 * backslash-continued physical lines joined), each line's indentation, and its names, numbers,
 * strings and operators. Strings, comments and brackets are tracked exactly, because that is what
 * a naive scan gets wrong (`down_revision = 'x'` inside a SQL string or a docstring).
 *
 * It reports the errors a tokenizer meets: an unterminated string, a bad escape or number, an
 * unmatched or unclosed bracket, a stray character, indentation that matches no outer level.
 * The grammar's errors and the compiler's are the syntax verdict's (syntax/static-verdict.ts).
 */
import { isIdentPart, isIdentStart } from './python-chars.js';
import type { LineStart } from './block-nesting.js';
import {
  BYTES,
  FORMATTED,
  isUndecodable,
  LiteralError,
  NOT_UTF8,
  numberEnd,
  prefixFlags,
  stringEnd,
} from './lexer-literals.js';
import { oldFStringRejects, oldStringEnd } from './old-fstrings.js';
import {
  detach,
  isStringPrefix,
  isTemplate,
  NON_PRINTABLE,
  OP1_TEXT,
  opensBody,
  opLength,
} from './lexer-tables.js';
import {
  type LogicalLine,
  type NewerSyntax,
  type SyntaxProblem,
  Tok,
  type Token,
  type TokenizeOptions,
} from './tokens.js';

export interface LexResult {
  /** The logical lines before the first error. */
  readonly lines: LogicalLine[];
  readonly error?: SyntaxProblem;
  /** F-strings and t-strings only newer Pythons read (PEP 701, PEP 750), the first of each kind. */
  readonly newer: NewerSyntax[];
  /** The logical lines that may open a block (for the compiler's limit on nested blocks), bodies included. */
  readonly blockLines: LineStart[];
  /** A comment holds bytes that are not UTF-8. */
  readonly undecodable: boolean;
}

/** First characters of the words that open or continue a block: async, class/case, def, elif/else/except, for/finally, if, match, try, while/with. */
const BLOCK_FIRST = new Uint8Array(128);
for (const c of 'acdefimtw') BLOCK_FIRST[c.charCodeAt(0)] = 1;

/** Python's tokenizer refuses more brackets open at once (its MAXLEVEL). */
const MAX_BRACKETS = 200;

/** A lexical error: the message and where it is. */
class LexError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
    readonly exception?: string,
  ) {
    super(message);
  }
}

/** The file's logical lines and tokens, and the first error its tokenizer would meet. */
export function lex(src: string, options: TokenizeOptions = {}): LexResult {
  const lexer = new Lexer(src, options.skipBodies === true);
  const { lines, newer, blockLines } = lexer;
  try {
    lexer.run();
    return { lines, newer, blockLines, undecodable: lexer.undecodable };
  } catch (e) {
    if (!(e instanceof LexError)) throw e;
    const error: SyntaxProblem = { message: e.message, line: e.line, col: e.col };
    return {
      lines,
      newer,
      blockLines,
      undecodable: lexer.undecodable,
      error: e.exception === undefined ? error : { ...error, exception: e.exception },
    };
  }
}

class Lexer {
  readonly lines: LogicalLine[] = [];
  readonly newer: NewerSyntax[] = [];
  readonly blockLines: LineStart[] = [];
  readonly n: number;
  pos = 0;
  line = 1;
  lineStart = 0;
  /** The open brackets: character, line and column of each. */
  readonly brackets: number[] = [];
  readonly indents = [0];
  /** The same indentation with a tab as one column: where the two disagree, Python raises TabError. */
  readonly altIndents = [0];
  current: Token[] | null = null;
  currentIndent = 0;
  currentLine = 0;
  /** The last token was a `:` outside brackets (a line ending on it opens a block). */
  colonLast = false;
  /** The last logical line ended on such a `:`. */
  opensBlock = false;
  /** This logical line, and the last one, is a decorator (`@` first): the next line is at its indentation. */
  decorator = false;
  afterDecorator = false;
  /** The next token starts a statement (where `lazy` may be PEP 810's soft keyword). */
  statementStart = false;
  lazyNext = false;
  /** The last token was a string literal, and whether bytes: the two kinds cannot be concatenated. */
  lastString = 0;
  skipping = false;
  skipAbove = -1;
  /** A comment holds bytes that are not UTF-8 (Python accepts them there; the grammar reads code points). */
  undecodable = false;

  constructor(
    readonly src: string,
    readonly skipBodies: boolean,
  ) {
    this.n = src.length;
  }

  run(): void {
    while (this.pos < this.n) {
      if (this.current === null && this.brackets.length === 0 && !this.lineStarted()) continue;
      this.token();
    }
    if (this.brackets.length > 0) this.unclosed();
    this.finishLine();
  }

  /** At a logical line's start: its indentation measured and checked; false for a blank or comment-only line. */
  lineStarted(): boolean {
    let col = 0;
    let alt = 0;
    // a backslash continuation after blanks fixes the indentation of what follows (if not at column 0)
    let contCol = 0;
    while (this.pos < this.n) {
      const c = this.src.charCodeAt(this.pos);
      if (c === 32) {
        col++;
        alt++;
      } else if (c === 9) {
        col = (Math.floor(col / 8) + 1) * 8;
        alt++;
      } else if (c === 12) col = alt = 0;
      else if (c === 92 && this.lineEndAt(this.pos + 1)) {
        if (contCol === 0) contCol = col;
        this.continuation();
        continue;
      } else break;
      this.pos++;
    }
    if (contCol !== 0) col = alt = contCol;
    if (this.pos >= this.n) return false;
    const c = this.src.charCodeAt(this.pos);
    if (c === 10 || c === 13 || c === 35) {
      this.skipComment();
      if (this.pos < this.n) this.newline();
      return false;
    }
    this.indentation(col, alt);
    if (c < 128 && BLOCK_FIRST[c] === 1) this.blockLines.push({ pos: this.pos, col, line: this.line });
    this.skipping = this.skipAbove >= 0 && col > this.skipAbove;
    if (!this.skipping) this.skipAbove = -1;
    this.current = [];
    this.currentIndent = col;
    this.currentLine = this.line;
    this.statementStart = true;
    this.lastString = 0;
    return true;
  }

  indentation(col: number, alt: number): void {
    const top = this.indents[this.indents.length - 1]!;
    if (col > top) {
      if (alt <= this.altIndents[this.altIndents.length - 1]!) throw this.tabError(col);
      if (!this.opensBlock) throw new LexError('unexpected indent', this.line, col, 'IndentationError');
      this.indents.push(col);
      this.altIndents.push(alt);
      return;
    }
    while (this.indents[this.indents.length - 1]! > col) {
      this.indents.pop();
      this.altIndents.pop();
    }
    if (this.indents[this.indents.length - 1] !== col)
      throw new LexError(
        'unindent does not match any outer indentation level',
        this.line,
        col,
        'IndentationError',
      );
    if (this.altIndents[this.altIndents.length - 1] !== alt) throw this.tabError(col);
    // a decorator and what it decorates are one statement: CPython's parser refuses a dedent between
    if (col < top && this.afterDecorator)
      throw new LexError('unexpected unindent', this.line, col, 'IndentationError');
  }

  tabError(col: number): LexError {
    return new LexError('inconsistent use of tabs and spaces in indentation', this.line, col, 'TabError');
  }

  /** One token (or blank, newline, comment, continuation) at pos, inside a logical line. */
  token(): void {
    const c = this.src.charCodeAt(this.pos);
    if (c === 32 || c === 9 || c === 12) {
      this.pos++;
      return;
    }
    if (c === 10 || c === 13) {
      if (this.brackets.length === 0) this.finishLine();
      this.newline();
      return;
    }
    if (c === 35) return this.skipComment();
    if (c === 92) {
      if (this.pos + 1 < this.n && !this.lineEndAt(this.pos + 1))
        throw new LexError('unexpected character after line continuation character', this.line, this.col());
      return this.continuation();
    }
    const line = this.line;
    const col = this.col();
    const begin = this.pos;
    if (c === 34 || c === 39) return this.string(begin, begin, line, col);
    if (isIdentStart(c, this.src, this.pos)) {
      this.pos++;
      while (this.pos < this.n && isIdentPart(this.src.charCodeAt(this.pos), this.src, this.pos)) this.pos++;
      const q = this.src.charCodeAt(this.pos);
      if ((q === 34 || q === 39) && this.pos - begin <= 2 && isStringPrefix(this.src, begin, this.pos))
        return this.string(begin, this.pos, line, col);
      return this.name(begin, line, col);
    }
    const next = this.src.charCodeAt(this.pos + 1);
    if ((c >= 48 && c <= 57) || (c === 46 && next >= 48 && next <= 57)) {
      this.pos = this.literal(() => numberEnd(this.src, begin), line, col);
      return this.push(Tok.Number, this.src.slice(begin, this.pos), line, col);
    }
    this.operator(c, line, col);
  }

  string(begin: number, quote: number, line: number, col: number): void {
    const flags = prefixFlags(this.src, begin, quote);
    const end = this.literal(() => stringEnd(this.src, quote, flags), line, col);
    if ((flags & FORMATTED) !== 0) this.formatted(begin, quote, end, line);
    const bytes = (flags & BYTES) !== 0 ? 2 : 1;
    if (this.lastString !== 0 && this.lastString !== bytes)
      throw new LexError('cannot mix bytes and nonbytes literals', line, col);
    for (let i = this.pos; i < end; i++) {
      const d = this.src.charCodeAt(i);
      if (d === 10 || (d === 13 && this.src.charCodeAt(i + 1) !== 10)) {
        this.line++;
        this.lineStart = i + 1;
      }
    }
    this.pos = end;
    this.push(Tok.String, this.src.slice(begin, end), line, col);
    this.lastString = bytes;
  }

  /** An f-string or t-string that the tokenizers before Python 3.12 read otherwise (PEP 701). */
  formatted(begin: number, quote: number, end: number, line: number): void {
    const q = this.src.charCodeAt(quote);
    const triple = this.src.charCodeAt(quote + 1) === q && this.src.charCodeAt(quote + 2) === q;
    const template = isTemplate(this.src, begin);
    if (template) {
      if (oldStringEnd(this.src, quote, triple) !== end)
        this.note(14, 'a template string with nested quotes (PEP 750)', line);
    } else if (oldFStringRejects(this.src, quote, triple, end))
      this.note(
        12,
        'an f-string that only PEP 701 allows (quotes, a backslash or a comment inside its braces)',
        line,
      );
  }

  note(since: number, feature: string, line: number): void {
    if (!this.newer.some((n) => n.feature === feature)) this.newer.push({ since, feature, line });
  }

  /** A literal's end, its error reported at the line and column of the offset it names. */
  literal(end: () => number, line: number, col: number): number {
    try {
      return end();
    } catch (e) {
      if (!(e instanceof LiteralError)) throw e;
      if (e.at === this.pos) throw new LexError(e.message, line, col);
      const before = this.src.slice(this.lineStart, e.at);
      const breaks = before.split(/\r\n|\r|\n/u);
      throw new LexError(
        e.message,
        line + breaks.length - 1,
        breaks.length === 1 ? col + e.at - this.pos : breaks[breaks.length - 1]!.length,
      );
    }
  }

  name(begin: number, line: number, col: number): void {
    const text = detach(this.src.slice(begin, this.pos));
    // PEP 810's `lazy import` / `lazy from`: the soft keyword is left out, the statement's first token marked
    if (this.statementStart && text === 'lazy' && this.importFollows()) {
      this.lazyNext = true;
      return;
    }
    this.push(Tok.Name, text, line, col, this.lazyNext);
    this.lazyNext = false;
  }

  importFollows(): boolean {
    let i = this.pos;
    while (this.src.charCodeAt(i) === 32 || this.src.charCodeAt(i) === 9) i++;
    const word = this.src.startsWith('import', i) ? 6 : this.src.startsWith('from', i) ? 4 : 0;
    return word > 0 && !isIdentPart(this.src.charCodeAt(i + word), this.src, i + word);
  }

  operator(c: number, line: number, col: number): void {
    const len = opLength(this.src, this.pos, c);
    if (len === 0) {
      const cp = this.src.codePointAt(this.pos)!;
      // `$`, `?`, a backtick, a lone `!`: no Python operator
      if (cp > 0x20 && cp < 0x7f)
        throw new LexError(`invalid syntax: '${String.fromCharCode(cp)}'`, line, col);
      if (isUndecodable(this.src, this.pos)) throw new LexError(NOT_UTF8, line, col);
      const ch = String.fromCodePoint(cp);
      const hex = cp.toString(16).toUpperCase().padStart(4, '0');
      if (NON_PRINTABLE.test(ch)) throw new LexError(`invalid non-printable character U+${hex}`, line, col);
      throw new LexError(`invalid character '${ch}' (U+${hex})`, line, col);
    }
    if (len === 1 && (c === 40 || c === 91 || c === 123)) {
      if (this.brackets.length === MAX_BRACKETS * 3)
        throw new LexError('too many nested parentheses', line, col);
      this.brackets.push(c, line, col);
    } else if (len === 1 && (c === 41 || c === 93 || c === 125)) this.close(c, line, col);
    this.pos += len;
    const text = len === 1 ? OP1_TEXT[c]! : this.src.slice(this.pos - len, this.pos);
    const statementStart = this.brackets.length === 0 && len === 1 && (c === 59 || c === 58);
    this.push(Tok.Op, text, line, col);
    this.colonLast = len === 1 && c === 58 && this.brackets.length === 0;
    this.statementStart = statementStart;
  }

  close(c: number, line: number, col: number): void {
    const op = String.fromCharCode(c);
    if (this.brackets.length === 0) throw new LexError(`unmatched '${op}'`, line, col);
    const top = this.brackets.length - 3;
    const open = this.brackets[top]!;
    if (open !== (c === 41 ? 40 : c - 2)) {
      const at = this.brackets[top + 1]!;
      throw new LexError(
        `closing parenthesis '${op}' does not match opening parenthesis '${String.fromCharCode(open)}'` +
          (at !== line ? ` on line ${at}` : ''),
        line,
        col,
      );
    }
    this.brackets.length = top;
  }

  /** A token of the current line (none in a skipped body); `lazy` marks the import PEP 810's `lazy` stood before. */
  push(type: Tok, text: string, line: number, col: number, lazy = false): void {
    if (this.current !== null && !this.skipping)
      this.current.push(lazy ? { type, text, line, col, lazy } : { type, text, line, col });
    if (this.statementStart && text === '@' && this.brackets.length === 0) this.decorator = true;
    this.colonLast = false;
    this.statementStart = false;
    this.lastString = 0;
  }

  finishLine(): void {
    const tokens = this.current;
    if (tokens === null) return;
    this.opensBlock = this.colonLast;
    this.afterDecorator = this.decorator;
    this.decorator = false;
    if (!this.skipping && tokens.length > 0) {
      this.lines.push({ indent: this.currentIndent, line: this.currentLine, tokens });
      if (this.skipBodies && this.colonLast && opensBody(tokens)) this.skipAbove = this.currentIndent;
    }
    this.current = null;
    this.colonLast = false;
    this.lazyNext = false;
  }

  col(): number {
    return this.pos - this.lineStart;
  }

  lineEndAt(i: number): boolean {
    const c = this.src.charCodeAt(i);
    return c === 10 || c === 13;
  }

  /** Past a backslash and its line end. */
  continuation(): void {
    const line = this.line;
    this.pos++;
    if (this.pos < this.n) this.newline();
    if (this.pos < this.n) return;
    // the end of the input: a bracket left open is what Python names
    if (this.brackets.length > 0) this.unclosed();
    throw new LexError('unexpected end of file after a line continuation', line, 0);
  }

  unclosed(): never {
    const top = this.brackets.length - 3;
    throw new LexError(
      `'${String.fromCharCode(this.brackets[top]!)}' was never closed`,
      this.brackets[top + 1]!,
      this.brackets[top + 2]!,
    );
  }

  /** Past the line end at pos. */
  newline(): void {
    if (this.src.charCodeAt(this.pos) === 13 && this.src.charCodeAt(this.pos + 1) === 10) this.pos++;
    this.pos++;
    this.line++;
    this.lineStart = this.pos;
  }

  skipComment(): void {
    while (this.pos < this.n && !this.lineEndAt(this.pos)) {
      if (this.src.charCodeAt(this.pos) >= 0xdc80 && isUndecodable(this.src, this.pos))
        this.undecodable = true;
      this.pos++;
    }
  }
}
