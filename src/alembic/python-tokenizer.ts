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

const STRING_PREFIXES = new Set(['r', 'u', 'b', 'f', 't', 'br', 'rb', 'fr', 'rf', 'tr', 'rt']);

const OPS3 = new Set(['**=', '//=', '>>=', '<<=', '...']);
const OPS2 = new Set([
  '==', '!=', '<=', '>=', '->', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '**', '//', '<<', '>>', ':=', '@=',
]);
const OPS1 = '()[]{}:,;.+-*/%&|^~<>=@';
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

function isIdentStart(c: number, ch: string): boolean {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) return true;
  return c >= 128 && /[\p{L}\p{Nl}]/u.test(ch);
}

function isIdentPart(c: number, ch: string): boolean {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57)) return true;
  return c >= 128 && /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]/u.test(ch);
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

export function tokenize(src: string): TokenizeResult {
  const lines: LogicalLine[] = [];
  const n = src.length;
  let pos = 0;
  let line = 1;
  let lineStart = 0;
  const brackets: { ch: string; line: number; col: number }[] = [];
  let current: Token[] | null = null;
  let currentIndent = 0;
  let currentLine = 0;
  const indentStack = [0];
  let prevEndedWithColon = false;

  const finishLine = (): void => {
    if (current && current.length > 0) {
      lines.push({ indent: currentIndent, line: currentLine, tokens: current });
      const last = current[current.length - 1]!;
      prevEndedWithColon = last.type === Tok.Op && last.text === ':';
    }
    current = null;
  };

  const newline = (): void => {
    line++;
    lineStart = pos;
  };

  try {
    while (pos < n) {
      if (current === null && brackets.length === 0) {
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
        current = [];
        currentIndent = col;
        currentLine = line;
      }
      const c = src.charCodeAt(pos);
      if (c === 32 || c === 9 || c === 12) {
        pos++;
        continue;
      }
      if (c === 10 || c === 13) {
        if (c === 13 && src.charCodeAt(pos + 1) === 10) pos++;
        pos++;
        if (brackets.length === 0) finishLine();
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
      const ch = src[pos]!;
      if (c === 34 || c === 39) {
        current!.push({ type: Tok.String, text: scanString(pos, ''), line: startLine, col: startCol });
        continue;
      }
      if (isIdentStart(c, ch)) {
        const begin = pos;
        pos++;
        while (pos < n) {
          const d = src.charCodeAt(pos);
          if (!isIdentPart(d, src[pos]!)) break;
          pos++;
        }
        const word = src.slice(begin, pos);
        const q = src.charCodeAt(pos);
        if ((q === 34 || q === 39) && word.length <= 2 && STRING_PREFIXES.has(word.toLowerCase())) {
          current!.push({ type: Tok.String, text: scanString(pos, word), line: startLine, col: startCol });
          continue;
        }
        current!.push({ type: Tok.Name, text: word, line: startLine, col: startCol });
        continue;
      }
      if ((c >= 48 && c <= 57) || (c === 46 && src.charCodeAt(pos + 1) >= 48 && src.charCodeAt(pos + 1) <= 57)) {
        const begin = pos;
        pos++;
        while (pos < n) {
          const d = src.charCodeAt(pos);
          if ((d >= 48 && d <= 57) || (d >= 97 && d <= 122) || (d >= 65 && d <= 90) || d === 95 || d === 46) {
            pos++;
            if ((d === 101 || d === 69) && (src.charCodeAt(pos) === 43 || src.charCodeAt(pos) === 45)) {
              const prefix = src.slice(begin, pos - 1);
              if (!/^0[xX]/.test(prefix)) pos++;
            }
          } else break;
        }
        current!.push({ type: Tok.Number, text: src.slice(begin, pos), line: startLine, col: startCol });
        continue;
      }
      const three = src.slice(pos, pos + 3);
      const two = src.slice(pos, pos + 2);
      let op: string | null = null;
      if (OPS3.has(three)) op = three;
      else if (OPS2.has(two)) op = two;
      else if (OPS1.includes(ch)) op = ch;
      if (op === null) {
        const cp = src.codePointAt(pos)!;
        const shown = cp > 0x7f ? `U+${cp.toString(16).toUpperCase().padStart(4, '0')}` : `'${ch}'`;
        throw new TokenizeError(`invalid character ${shown}`, line, startCol);
      }
      pos += op.length;
      if (op === '(' || op === '[' || op === '{') brackets.push({ ch: op, line: startLine, col: startCol });
      else if (op in CLOSERS) {
        const open = brackets.pop();
        if (!open) throw new TokenizeError(`unmatched '${op}'`, startLine, startCol);
        if (open.ch !== CLOSERS[op]) {
          throw new TokenizeError(
            `closing parenthesis '${op}' does not match opening parenthesis '${open.ch}'` +
              (open.line !== startLine ? ` on line ${open.line}` : ''),
            startLine,
            startCol,
          );
        }
      }
      current!.push({ type: Tok.Op, text: op, line: startLine, col: startCol });
    }
    if (brackets.length > 0) {
      const open = brackets[brackets.length - 1]!;
      throw new TokenizeError(`'${open.ch}' was never closed`, open.line, open.col);
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

  /** Scans a string literal whose quote is at `at`; returns prefix + literal text. */
  function scanString(at: number, prefix: string): string {
    const begin = at - prefix.length;
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
    return src.slice(begin, pos);
  }
}
