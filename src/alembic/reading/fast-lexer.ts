/**
 * The fast path's lexer (fast-revision-reader.ts holds its grammar): one token at a time over the
 * characters, no token objects: a token is its kind and where it starts and ends. It accepts a
 * small subset of Python's tokens (names, decimal integers, strings without prefix or backslash,
 * brackets and a few operators) and throws OUTSIDE at anything else, which the faithful reader then
 * reads.
 */
import { HARD_KEYWORDS } from '../../python/lexer-tables.js';

/**
 * A string that does not keep the file's text alive: V8 makes a longer slice a view of its parent,
 * and a docstring kept in the model would hold its whole file (the parent is flattened to its own length first).
 */
function own(slice: string): string {
  return slice.length < 13 ? slice : (' ' + slice).slice(1);
}

/** Thrown where a file leaves the fast path's grammar: the faithful reader reads it instead. */
export const OUTSIDE = new Error('outside the fast path');

export const NAME = 1;
export const NUMBER = 2;
export const STRING = 3;
export const OP = 4;
export const NEWLINE = 5;
const END = 6;
/** `->`, as OP's code. */
export const ARROW = 0x3e2d;

const KEYWORDS: ReadonlySet<string> = new Set([
  ...HARD_KEYWORDS,
  // not a keyword, but nothing may bind it ("cannot assign to __debug__"): left to the faithful reader everywhere
  '__debug__',
]);
/** KEYWORDS by length, for telling a name from a keyword without making its string. */
const KEYWORDS_BY_LENGTH: readonly (readonly string[])[] = (() => {
  const out: string[][] = Array.from({ length: 10 }, () => []);
  for (const k of KEYWORDS) out[k.length]!.push(k);
  return out;
})();
/** What keywordAt says: a plain name, one of the constants None, True and False, or another keyword. */
export const PLAIN = 0;
const CONSTANT = 1;
export const KEYWORD = 2;

/** The names a dispatching downgrade() picks its function with. */
const PICKERS: ReadonlySet<string> = new Set(['globals', 'eval', 'getattr']);

/** Character classes for ASCII: 1 a name's first character, 2 a name's later character only (a digit). */
const NAME_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/u.test(ch)) NAME_CHAR[c] = 1;
  else if (/[0-9]/u.test(ch)) NAME_CHAR[c] = 2;
}

export class FastLexer {
  protected pos = 0;
  protected line = 1;
  /** Open brackets: a newline inside them joins lines. */
  protected depth = 0;
  protected kind = 0;
  protected start = 0;
  protected end = 0;
  protected tokLine = 1;
  /** OP: the character's code (ARROW for `->`). */
  protected op = 0;
  /** Set while a function body's names are watched for globals, eval and getattr (bodyFactsFast). */
  protected watch: { picks: boolean } | undefined;

  constructor(protected readonly src: string) {}

  /** At a line's start: skips blank and comment-only lines; the next statement's indentation, or -1 at the end. */
  protected lineStart(): number {
    const s = this.src;
    for (;;) {
      let i = this.pos;
      while (s.charCodeAt(i) === 0x20) i++;
      const c = s.charCodeAt(i);
      if (i >= s.length) return -1;
      if (c === 0x0a) {
        this.pos = i + 1;
        this.line++;
        continue;
      }
      if (c === 0x23) {
        this.pos = this.skipComment(i);
        continue;
      }
      const indent = i - this.pos;
      this.pos = i;
      return indent;
    }
  }
  /** Past a comment, at its newline (or the end). */
  protected skipComment(i: number): number {
    const j = this.src.indexOf('\n', i);
    return j < 0 ? this.src.length : j;
  }
  /** The next token: kind, start, end, tokLine, op. */
  protected next(): void {
    const s = this.src;
    let i = this.pos;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x20) {
        i++;
      } else if (c === 0x23) {
        i = this.skipComment(i);
      } else if (c === 0x0a && this.depth > 0) {
        i++;
        this.line++;
      } else {
        break;
      }
    }
    this.start = i;
    this.tokLine = this.line;
    if (i >= s.length) {
      if (this.depth > 0) throw OUTSIDE;
      // the last line's newline, then the end
      this.kind = this.kind === NEWLINE || this.kind === 0 ? END : NEWLINE;
      this.pos = this.end = i;
      return;
    }
    const c = s.charCodeAt(i);
    if (c === 0x0a) {
      this.kind = NEWLINE;
      this.pos = this.end = i + 1;
      this.line++;
      return;
    }
    if (c < 128 && NAME_CHAR[c] === 1) {
      let j = i + 1;
      while (j < s.length) {
        const d = s.charCodeAt(j);
        if (d >= 128) throw OUTSIDE;
        if (NAME_CHAR[d] === 0) break;
        j++;
      }
      // a string prefix (r'', b'', f'') or a name run into a string
      const q = s.charCodeAt(j);
      if (q === 0x27 || q === 0x22) throw OUTSIDE;
      this.kind = NAME;
      this.pos = this.end = j;
      if (this.watch && j - i <= 7 && PICKERS.has(s.slice(i, j))) this.watch.picks = true;
      return;
    }
    if (c >= 0x30 && c <= 0x39) {
      let j = i + 1;
      if (c !== 0x30) while (s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
      // only decimal integers without leading zeros, underscores, fractions or suffixes
      const d = s.charCodeAt(j);
      if ((d < 128 && NAME_CHAR[d] !== 0) || d === 0x2e || d >= 128) throw OUTSIDE;
      this.kind = NUMBER;
      this.pos = this.end = j;
      return;
    }
    if (c === 0x27 || c === 0x22) {
      this.kind = STRING;
      this.pos = this.end = this.stringEnd(i, c);
      return;
    }
    this.kind = OP;
    this.op = c;
    let j = i + 1;
    switch (c) {
      case 0x28: // (
      case 0x5b: // [
      case 0x7b: // {
        this.depth++;
        if (this.depth > 50) throw OUTSIDE;
        break;
      case 0x29: // )
      case 0x5d: // ]
      case 0x7d: // }
        if (this.depth === 0) throw OUTSIDE;
        this.depth--;
        break;
      case 0x2c: // ,
        break;
      case 0x2e: {
        // `.` but not `...` or `.5`
        const d = s.charCodeAt(j);
        if (d === 0x2e || (d >= 0x30 && d <= 0x39)) throw OUTSIDE;
        break;
      }
      case 0x3d: // = but not ==
      case 0x3a: // : but not :=
        if (s.charCodeAt(j) === 0x3d) throw OUTSIDE;
        break;
      case 0x2d: // - or ->
        if (s.charCodeAt(j) === 0x3e) {
          this.op = ARROW;
          j++;
        } else if (s.charCodeAt(j) === 0x3d) {
          throw OUTSIDE;
        }
        break;
      default:
        throw OUTSIDE;
    }
    this.pos = this.end = j;
  }
  /** Past a string literal without prefix or backslash, of ASCII only (a triple-quoted one may span lines). */
  protected stringEnd(i: number, q: number): number {
    const s = this.src;
    const triple = s.charCodeAt(i + 1) === q && s.charCodeAt(i + 2) === q;
    let j = triple ? i + 3 : i + 1;
    for (;;) {
      if (j >= s.length) throw OUTSIDE;
      const c = s.charCodeAt(j);
      if (c === q) {
        if (!triple) return j + 1;
        if (s.charCodeAt(j + 1) === q && s.charCodeAt(j + 2) === q) return j + 3;
      } else if (c === 0x0a) {
        if (!triple) throw OUTSIDE;
        this.line++;
      } else if (c === 0x5c || c >= 0x7f || (c < 0x20 && c !== 0x0a)) {
        // escapes, control characters, anything past ASCII: the faithful reader's
        throw OUTSIDE;
      }
      j++;
    }
  }
  protected text(): string {
    return this.src.slice(this.start, this.end);
  }
  /** Whether the current token is exactly `word`. */
  protected is(word: string): boolean {
    return this.end - this.start === word.length && this.src.startsWith(word, this.start);
  }
  /** For a NAME: PLAIN, CONSTANT (None, True, False) or KEYWORD. */
  protected keywordAt(): number {
    const n = this.end - this.start;
    if (n < 2 || n > 9) return PLAIN;
    for (const k of KEYWORDS_BY_LENGTH[n]!) {
      if (this.src.startsWith(k, this.start))
        return k === 'None' || k === 'True' || k === 'False' ? CONSTANT : KEYWORD;
    }
    return PLAIN;
  }
  protected isOp(code: number): boolean {
    return this.kind === OP && this.op === code;
  }
  protected expectOp(code: number): void {
    if (!this.isOp(code)) throw OUTSIDE;
    this.next();
  }
  protected expectNewline(): void {
    if (this.kind !== NEWLINE) throw OUTSIDE;
  }
  /** The value of the current STRING token (no escapes to undo: stringEnd refused backslashes). */
  protected stringValue(): string {
    const s = this.src;
    const q = s.charCodeAt(this.start);
    const triple =
      this.end - this.start >= 6 && s.charCodeAt(this.start + 1) === q && s.charCodeAt(this.start + 2) === q;
    return own(triple ? s.slice(this.start + 3, this.end - 3) : s.slice(this.start + 1, this.end - 1));
  }
}
