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
 * unbalanced brackets, bad dedents, stray characters). Those make Python, and
 * therefore Alembic, fail on every command.
 */

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
}

export interface TokenizeResult {
  readonly lines: LogicalLine[];
  readonly error?: SyntaxProblem;
}

const SKIPPED: Token[] = [];

/**
 * A copy of `s` that does not keep its source alive. V8 makes a slice of 13 or
 * more characters a view into the parent string, so one retained name or value
 * would pin a whole file's text (10,000 files: 40 MB held to the end of a run).
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** Character classes for the skipped-body fast path (tokenize's skipPlain); BAIL hands the character to the general loop. */
const BAIL = 0;
const PLAIN = 1;
const SPACE = 2;
const COLON = 3;
const OPEN = 4;
const CLOSE = 5;
const QUOTE = 6;
const HASH = 7;
const NEWLINE = 8;
const BANG = 9;
const SKIP_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9_,;.+\-*/%&|^~<>=@]/.test(ch)) SKIP_CLASS[c] = PLAIN;
}
for (const [chars, cls] of [[' \t\f', SPACE], [':', COLON], ['([{', OPEN], [')]}', CLOSE], ['"\'', QUOTE], ['#', HASH], ['\n\r', NEWLINE], ['!', BANG]] as const) {
  for (const ch of chars) SKIP_CLASS[ch.charCodeAt(0)] = cls;
}

/** The one-character operators, by character code. */
const OP1_TEXT: (string | undefined)[] = [];
for (const ch of '()[]{}:,;.+-*/%&|^~<>=@') OP1_TEXT[ch.charCodeAt(0)] = ch;

/**
 * Length of the operator at `pos` (3, 2 or 1), or 0 when the character starts
 * no operator. Longest match first, as CPython: `**=` `//=` `>>=` `<<=` `...`,
 * then `==` `!=` `<=` `>=` `->` `+=` `-=` `*=` `/=` `%=` `&=` `|=` `^=` `**`
 * `//` `<<` `>>` `:=` `@=`.
 */
function opLength(src: string, pos: number, c: number): number {
  const d = src.charCodeAt(pos + 1);
  const e = src.charCodeAt(pos + 2);
  switch (c) {
    case 42: // *
    case 47: // /
      if (d === c) return e === 61 ? 3 : 2;
      return d === 61 ? 2 : 1;
    case 62: // >
    case 60: // <
      if (d === c) return e === 61 ? 3 : 2;
      return d === 61 ? 2 : 1;
    case 46: // .
      return d === 46 && e === 46 ? 3 : 1;
    case 33: // ! only in !=
      return d === 61 ? 2 : 0;
    case 45: // -
      return d === 61 || d === 62 ? 2 : 1;
    case 58: // :
    case 61: // =
    case 43: // +
    case 37: // %
    case 38: // &
    case 124: // |
    case 94: // ^
    case 64: // @
      return d === 61 ? 2 : 1;
    default:
      return OP1_TEXT[c] === undefined ? 0 : 1;
  }
}

/** Whether src[begin, end) (one or two letters) is a string prefix: r u b f t br rb fr rf tr rt, any case. */
function isStringPrefix(src: string, begin: number, end: number): boolean {
  const a = src.charCodeAt(begin) | 32;
  if (end - begin === 1) return a === 114 || a === 117 || a === 98 || a === 102 || a === 116;
  const b = src.charCodeAt(begin + 1) | 32;
  if (a === 114) return b === 98 || b === 102 || b === 116;
  return (a === 98 || a === 102 || a === 116) && b === 114;
}

/** A `def`/`class` header (async too), whose indented body holds no module-level binding. */
function opensBody(toks: readonly Token[]): boolean {
  const first = toks[0];
  if (first === undefined || first.type !== Tok.Name) return false;
  if (first.text === 'def' || first.text === 'class') return true;
  return first.text === 'async' && toks[1]?.text === 'def';
}

/** The opening bracket a closing one matches: `)` → `(`, `]` → `[`, `}` → `{`. */
function openerOf(close: number): number {
  return close === 41 ? 40 : close - 2;
}

function isAsciiIdent(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57);
}

/** Whether the character before `at` continues an identifier (so `at` starts no token). */
function isIdentBefore(src: string, at: number): boolean {
  if (at === 0) return false;
  const c = src.charCodeAt(at - 1);
  return c < 128 ? isAsciiIdent(c) : isIdentPart(c, src, at - 1);
}

function isIdentStart(c: number, src: string, pos: number): boolean {
  if (isAsciiIdent(c)) return c < 48 || c > 57;
  return c >= 128 && /[\p{L}\p{Nl}]/u.test(src[pos]!);
}

function isIdentPart(c: number, src: string, pos: number): boolean {
  if (isAsciiIdent(c)) return true;
  return c >= 128 && /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]/u.test(src[pos]!);
}

class TokenizeError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
  }
}

export interface TokenizeOptions {
  /**
   * Skip the bodies of `def` and `class` blocks: they are still scanned, so
   * every syntax error is still reported, but yield no tokens. Module-level
   * assignments never live there, and bodies are most of a migration file.
   */
  readonly skipBodies?: boolean;
}

export function tokenize(src: string, options: TokenizeOptions = {}): TokenizeResult {
  const lines: LogicalLine[] = [];
  const n = src.length;
  const skipBodies = options.skipBodies === true;
  let pos = 0;
  let line = 1;
  let lineStart = 0;
  // the open-bracket stack as parallel arrays: bodies hold many brackets, and objects would be garbage
  const bracketCh: number[] = [];
  const bracketLine: number[] = [];
  const bracketCol: number[] = [];
  let depth = 0;
  let current: Token[] | null = null;
  let currentIndent = 0;
  let currentLine = 0;
  const indentStack = [0];
  let prevEndedWithColon = false;
  /** The last token of the current logical line was `:`. */
  let lastColon = false;
  /** Indentation of the `def`/`class` header whose body is being skipped, or -1. */
  let skipAbove = -1;
  let skipping = false;

  const finishLine = (): void => {
    if (current !== null && (skipping || current.length > 0)) {
      prevEndedWithColon = lastColon;
      if (!skipping) {
        lines.push({ indent: currentIndent, line: currentLine, tokens: current });
        if (skipBodies && lastColon && opensBody(current)) skipAbove = currentIndent;
      }
    }
    current = null;
  };

  const newline = (): void => {
    line++;
    lineStart = pos;
  };

  try {
    while (pos < n) {
      if (current === null && depth === 0) {
        // start of a logical line: measure indentation
        let col = 0;
        while (pos < n) {
          const c = src.charCodeAt(pos);
          if (c === 32) col++;
          else if (c === 9) col = (Math.floor(col / 8) + 1) * 8;
          else if (c === 12) col = 0;
          else break;
          pos++;
        }
        if (pos >= n) break;
        const c = src.charCodeAt(pos);
        if (c === 10 || c === 13 || c === 35) {
          // blank or comment-only line: no logical line
          while (pos < n && src.charCodeAt(pos) !== 10 && src.charCodeAt(pos) !== 13) pos++;
          if (pos < n) {
            if (src.charCodeAt(pos) === 13 && src.charCodeAt(pos + 1) === 10) pos++;
            pos++;
            newline();
          }
          continue;
        }
        if (c === 92 && (src.charCodeAt(pos + 1) === 10 || src.charCodeAt(pos + 1) === 13)) {
          // a backslash continuation at the very start of a line
          pos++;
          if (src.charCodeAt(pos) === 13 && src.charCodeAt(pos + 1) === 10) pos++;
          pos++;
          newline();
          continue;
        }
        const top = indentStack[indentStack.length - 1]!;
        if (col > top) {
          if (!prevEndedWithColon) throw new TokenizeError('unexpected indent', line, col);
          indentStack.push(col);
        } else {
          if (prevEndedWithColon) throw new TokenizeError('expected an indented block', line, col);
          while (indentStack[indentStack.length - 1]! > col) indentStack.pop();
          if (indentStack[indentStack.length - 1] !== col) {
            throw new TokenizeError('unindent does not match any outer indentation level', line, col);
          }
        }
        skipping = skipAbove >= 0 && col > skipAbove;
        if (!skipping) skipAbove = -1;
        current = skipping ? SKIPPED : [];
        lastColon = false;
        currentIndent = col;
        currentLine = line;
      }
      if (skipping) {
        skipPlain();
        if (pos >= n) break;
      }
      const c = src.charCodeAt(pos);
      if (c === 32 || c === 9 || c === 12) {
        pos++;
        continue;
      }
      if (c === 10 || c === 13) {
        if (c === 13 && src.charCodeAt(pos + 1) === 10) pos++;
        pos++;
        if (depth === 0) finishLine();
        newline();
        continue;
      }
      if (c === 35) {
        while (pos < n && src.charCodeAt(pos) !== 10 && src.charCodeAt(pos) !== 13) pos++;
        continue;
      }
      if (c === 92) {
        const next = src.charCodeAt(pos + 1);
        if (next === 10 || next === 13) {
          pos += next === 13 && src.charCodeAt(pos + 2) === 10 ? 3 : 2;
          newline();
          if (pos >= n) throw new TokenizeError('unexpected EOF while parsing', line, 0);
          continue;
        }
        throw new TokenizeError('unexpected character after line continuation character', line, pos - lineStart);
      }
      const startCol = pos - lineStart;
      const startLine = line;
      lastColon = false;
      if (c === 34 || c === 39) {
        const begin = pos;
        scanString(pos, 0);
        if (!skipping) current!.push({ type: Tok.String, text: src.slice(begin, pos), line: startLine, col: startCol });
        continue;
      }
      if (isIdentStart(c, src, pos)) {
        const begin = pos;
        pos++;
        while (pos < n && isIdentPart(src.charCodeAt(pos), src, pos)) pos++;
        const q = src.charCodeAt(pos);
        if ((q === 34 || q === 39) && pos - begin <= 2 && isStringPrefix(src, begin, pos)) {
          scanString(pos, pos - begin);
          if (!skipping) current!.push({ type: Tok.String, text: src.slice(begin, pos), line: startLine, col: startCol });
          continue;
        }
        if (!skipping) current!.push({ type: Tok.Name, text: detach(src.slice(begin, pos)), line: startLine, col: startCol });
        continue;
      }
      if ((c >= 48 && c <= 57) || (c === 46 && src.charCodeAt(pos + 1) >= 48 && src.charCodeAt(pos + 1) <= 57)) {
        const begin = pos;
        const hex = c === 48 && (src.charCodeAt(pos + 1) | 32) === 120;
        pos++;
        while (pos < n) {
          const d = src.charCodeAt(pos);
          if ((d >= 48 && d <= 57) || (d >= 97 && d <= 122) || (d >= 65 && d <= 90) || d === 95 || d === 46) {
            pos++;
            if ((d === 101 || d === 69) && (src.charCodeAt(pos) === 43 || src.charCodeAt(pos) === 45) && !hex) pos++;
          } else break;
        }
        if (!skipping) current!.push({ type: Tok.Number, text: src.slice(begin, pos), line: startLine, col: startCol });
        continue;
      }
      const len = opLength(src, pos, c);
      if (len === 0) {
        const cp = src.codePointAt(pos)!;
        const shown = cp > 0x7f ? `U+${cp.toString(16).toUpperCase().padStart(4, '0')}` : `'${src[pos]!}'`;
        throw new TokenizeError(`invalid character ${shown}`, line, startCol);
      }
      pos += len;
      if (len === 1) {
        if (c === 40 || c === 91 || c === 123) openBracket(c, startLine, startCol);
        else if (c === 41 || c === 93 || c === 125) {
          const op = String.fromCharCode(c);
          if (depth === 0) throw new TokenizeError(`unmatched '${op}'`, startLine, startCol);
          const open = bracketCh[--depth]!;
          if (open !== openerOf(c)) {
            throw new TokenizeError(
              `closing parenthesis '${op}' does not match opening parenthesis '${String.fromCharCode(open)}'` +
                (bracketLine[depth] !== startLine ? ` on line ${bracketLine[depth]}` : ''),
              startLine,
              startCol,
            );
          }
        } else if (c === 58) lastColon = true;
      }
      if (!skipping) current!.push({ type: Tok.Op, text: len === 1 ? OP1_TEXT[c]! : src.slice(pos - len, pos), line: startLine, col: startCol });
    }
    if (depth > 0) {
      throw new TokenizeError(`'${String.fromCharCode(bracketCh[depth - 1]!)}' was never closed`, bracketLine[depth - 1]!, bracketCol[depth - 1]!);
    }
    finishLine();
    if (prevEndedWithColon) throw new TokenizeError('expected an indented block', line, 0);
    return { lines };
  } catch (e) {
    if (e instanceof TokenizeError) {
      return { lines, error: { message: e.message, line: e.line, col: e.col } };
    }
    throw e;
  }

  function openBracket(c: number, atLine: number, atCol: number): void {
    bracketCh[depth] = c;
    bracketLine[depth] = atLine;
    bracketCol[depth++] = atCol;
  }

  /**
   * Steps over the common characters of a skipped body line without making
   * tokens: ASCII names, numbers, operators, strings, comments, brackets that
   * match, and newlines inside brackets. It stops before anything that needs
   * the general loop (the line's end, a backslash, a non-ASCII character, a
   * mismatched bracket, an invalid character), which then handles it, errors
   * included, exactly as before.
   */
  function skipPlain(): void {
    for (;;) {
      const c = src.charCodeAt(pos);
      switch (c < 128 ? SKIP_CLASS[c] : BAIL) {
        case SPACE:
          pos++;
          break;
        case PLAIN:
          lastColon = false;
          pos++;
          break;
        case COLON:
          if (src.charCodeAt(pos + 1) === 61) {
            lastColon = false;
            pos += 2;
          } else {
            lastColon = true;
            pos++;
          }
          break;
        case BANG:
          if (src.charCodeAt(pos + 1) !== 61) return;
          lastColon = false;
          pos += 2;
          break;
        case OPEN:
          lastColon = false;
          openBracket(c, line, pos - lineStart);
          pos++;
          break;
        case CLOSE:
          if (depth === 0 || bracketCh[depth - 1] !== openerOf(c)) return;
          lastColon = false;
          depth--;
          pos++;
          break;
        case QUOTE: {
          // a prefix (r, b, f, rb…) was stepped over as plain letters: give it back so columns match
          let p = pos;
          while (p > 0 && pos - p < 3 && isAsciiIdent(src.charCodeAt(p - 1))) p--;
          const prefixed = p < pos && pos - p <= 2 && !isIdentBefore(src, p) && isStringPrefix(src, p, pos);
          lastColon = false;
          scanString(pos, prefixed ? pos - p : 0);
          break;
        }
        case HASH:
          while (pos < n && src.charCodeAt(pos) !== 10 && src.charCodeAt(pos) !== 13) pos++;
          break;
        case NEWLINE:
          if (depth === 0) return;
          if (c === 13 && src.charCodeAt(pos + 1) === 10) pos++;
          pos++;
          newline();
          break;
        default:
          return;
      }
    }
  }

  /** Scans a string literal whose quote is at `at` (after a prefix of `prefixLen` letters), leaving pos after it. */
  function scanString(at: number, prefixLen: number): void {
    const begin = at - prefixLen;
    const startLine = line;
    const startCol = begin - lineStart;
    const q = src.charCodeAt(at);
    const triple = src.charCodeAt(at + 1) === q && src.charCodeAt(at + 2) === q;
    pos = at + (triple ? 3 : 1);
    for (;;) {
      if (pos >= n) {
        throw new TokenizeError(
          triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal',
          startLine,
          startCol,
        );
      }
      const d = src.charCodeAt(pos);
      if (d === 92) {
        // a backslash always skips the next character while scanning, raw or not
        const e = src.charCodeAt(pos + 1);
        if (e === 13 && src.charCodeAt(pos + 2) === 10) {
          pos += 3;
          newline();
        } else if (e === 10 || e === 13) {
          pos += 2;
          newline();
        } else pos += 2;
        continue;
      }
      if (d === 10 || d === 13) {
        if (!triple) throw new TokenizeError('unterminated string literal', startLine, startCol);
        if (d === 13 && src.charCodeAt(pos + 1) === 10) pos++;
        pos++;
        newline();
        continue;
      }
      if (d === q) {
        if (!triple) {
          pos++;
          break;
        }
        if (src.charCodeAt(pos + 1) === q && src.charCodeAt(pos + 2) === q) {
          pos += 3;
          break;
        }
      }
      pos++;
    }
  }
}

// Scans over a logical line's tokens, bracket depth counted from the start index.

/** Index of the colon that ends a compound statement's header. */
export function headerColon(toks: readonly Token[]): number {
  let depth = 0;
  let lambdas = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.type === Tok.Op) {
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
      else if (t.text === ':' && depth === 0) {
        if (lambdas > 0) lambdas--;
        else return i;
      }
    } else if (t.type === Tok.Name && t.text === 'lambda' && depth === 0) lambdas++;
  }
  return toks.length;
}

export function topLevelIndexes(toks: readonly Token[], s: number, e: number, op: string): number[] {
  const out: number[] = [];
  let depth = 0;
  for (let i = s; i < e; i++) {
    const t = toks[i]!;
    if (t.type !== Tok.Op) continue;
    const x = t.text;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') depth--;
    else if (depth === 0 && x === op) out.push(i);
  }
  return out;
}

export function topLevelOp(toks: readonly Token[], s: number, e: number, ops: ReadonlySet<string>): number {
  let depth = 0;
  for (let i = s; i < e; i++) {
    const t = toks[i]!;
    if (t.type !== Tok.Op) continue;
    const x = t.text;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') depth--;
    else if (depth === 0 && ops.has(x)) return i;
  }
  return -1;
}

export function splitTop(toks: readonly Token[], s: number, e: number, op: string): [number, number][] {
  const out: [number, number][] = [];
  let start = s;
  for (const i of topLevelIndexes(toks, s, e, op)) {
    out.push([start, i]);
    start = i + 1;
  }
  out.push([start, e]);
  return out;
}

export function matching(toks: readonly Token[], s: number, e: number): number {
  let depth = 0;
  for (let i = s; i < e; i++) {
    const t = toks[i]!;
    if (t.type !== Tok.Op) continue;
    const x = t.text;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
