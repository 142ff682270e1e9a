// Pass: string literals: prefixes, escapes, bytes, f-string fields and format specs, undecodable text.
import { oldFStringMessage, oldFStringRejects, oldStringEnd } from './old-fstrings.js';
import { isAsciiIdent, isHexDigit, mayBeInName } from './python-chars.js';
import { isEscapedByte, originalBytes, utf8Problem } from './python-decode.js';
import { Tokenizer } from './tokenizer-state.js';
import { isStringPrefix } from './tokenizer-tables.js';
import { E_PARSER, TokenizeError } from './tokens.js';

declare module './tokenizer-state.js' {
  interface Tokenizer {
    scanString(at: number, prefixLen: number): void;
    newerFString(at: number, triple: boolean, template: boolean, startLine: number): void;
    leaveString(bytes: boolean, concatenated: boolean): void;
    undecodableText(
      from: number,
      to: number,
      bad: number,
      chunk: number,
      fields: boolean,
      raw: boolean,
      atLine: number,
    ): void;
    nameDecodeError(at: number): TokenizeError | null;
    checkEscape(chunk: number, e: number, bytes: boolean, q: number, triple: boolean): void;
    escapeError(chunk: number, at: number, e: number, q: number, triple: boolean): string | null;
    bytesEscapeError(chunk: number, at: number): string | null;
    decodedOffset(from: number, to: number): number;
    lineAfterLiterals(at: number): number;
    prefixBefore(at: number): number;
  }
}

/** Scans a string literal whose quote is at `at` (after a prefix of `prefixLen` letters), leaving pos after it. */
Tokenizer.prototype.scanString = function (this: Tokenizer, at: number, prefixLen: number): void {
  const begin = at - prefixLen;
  const startLine = this.line;
  const startCol = begin - this.lineStart;
  const q = this.src.charCodeAt(at);
  const triple = this.src.charCodeAt(at + 1) === q && this.src.charCodeAt(at + 2) === q;
  const { fields, raw, bytes, template } = prefixFlags(this.src, begin, at);
  if (template) this.needs(14, 'a template string (PEP 750)', startLine, 'invalid syntax', 11);
  // a literal in an f-string's field is read by scanField, not after operand(): only an outermost one is concatenated here
  const concatenated = this.stringNest === 0 && this.stringAfterString;
  this.pos = at + (triple ? 3 : 1);
  const errorBefore = this.stringError;
  const text: LiteralText = { nonAscii: false, badByte: -1, badChunk: -1 };
  // where the literal text being decoded starts: the body, or an f-string's text after a field or a doubled brace
  let chunk = this.pos;
  this.stringNest++;
  for (;;) {
    if (this.pos >= this.n) {
      // CPython (3.10+) names the line where it gave up
      throw new TokenizeError(
        `${triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal'} (detected at line ${this.lastLine()})`,
        startLine,
        startCol,
      );
    }
    const d = this.src.charCodeAt(this.pos);
    if (d === 92) {
      // a backslash always skips the next character while scanning, raw or not,
      // except a brace in an f-string (`rf"\{{"` is a backslash and a brace) and `\N{…}` (a name, not a field)
      const e = this.src.charCodeAt(this.pos + 1);
      if (e >= 128) highChar(text, this.src, this.pos + 1, bytes, chunk);
      if (!raw) this.checkEscape(chunk, e, bytes, q, triple);
      if (fields && (e === 123 || e === 125)) {
        this.pos++;
        continue;
      }
      if (fields && !raw && e === 78 && this.src.charCodeAt(this.pos + 2) === 123) {
        const close = this.src.indexOf('}', this.pos + 3);
        if (close >= 0 && !/[\r\n"']/.test(this.src.slice(this.pos + 3, close))) {
          this.pos = close + 1;
          continue;
        }
      }
      if (e === 13 && this.src.charCodeAt(this.pos + 2) === 10) {
        this.pos += 3;
        this.newline();
      } else if (e === 10 || e === 13) {
        this.pos += 2;
        this.newline();
      } else this.pos += 2;
      continue;
    }
    if (d === 10 || d === 13) {
      if (!triple)
        throw new TokenizeError(
          `unterminated string literal (detected at line ${this.line})`,
          startLine,
          startCol,
        );
      if (d === 13 && this.src.charCodeAt(this.pos + 1) === 10) this.pos++;
      this.pos++;
      this.newline();
      continue;
    }
    if (d === q) {
      if (!triple) {
        this.pos++;
        break;
      }
      if (this.src.charCodeAt(this.pos + 1) === q && this.src.charCodeAt(this.pos + 2) === q) {
        this.pos += 3;
        break;
      }
    }
    if (fields && (d === 123 || d === 125)) {
      if (this.src.charCodeAt(this.pos + 1) === d) this.pos += 2;
      else if (d === 123) {
        this.pos++;
        this.scanField(q, triple, raw);
      } else {
        this.stringError ??= "f-string: single '}' is not allowed";
        this.pos++;
      }
      chunk = this.pos;
      continue;
    }
    if (d >= 128) highChar(text, this.src, this.pos, bytes, chunk);
    this.pos++;
  }
  // Python decodes a literal's UTF-8 before its escapes, so this error replaces one an escape set
  if (text.badByte >= 0 && errorBefore === null)
    this.undecodableText(
      at + (triple ? 3 : 1),
      this.pos - (triple ? 3 : 1),
      text.badByte,
      text.badChunk,
      fields,
      raw,
      startLine,
    );
  // CPython checks a bytes literal for non-ASCII text before its escapes
  if (text.nonAscii && errorBefore === null)
    this.stringError = 'bytes can only contain ASCII literal characters';
  if (fields && this.stringNest === 1 && this.stringError === null)
    this.newerFString(at, triple, template, startLine);
  this.leaveString(bytes, concatenated);
};

/** A literal's prefix letters (f, t, r, b, in either case) as flags. */
function prefixFlags(
  src: string,
  begin: number,
  at: number,
): { fields: boolean; raw: boolean; bytes: boolean; template: boolean } {
  let fields = false;
  let raw = false;
  let bytes = false;
  let template = false;
  for (let i = begin; i < at; i++) {
    const p = src.charCodeAt(i) | 32;
    if (p === 102) fields = true;
    else if (p === 116) fields = template = true;
    else if (p === 114) raw = true;
    else if (p === 98) bytes = true;
  }
  return { fields, raw, bytes, template };
}

/** Non-ASCII text met in a literal: in bytes (an error), else the first byte that is not UTF-8 (see decodeEscapingBadBytes) and where its f-string text starts. */
interface LiteralText {
  nonAscii: boolean;
  badByte: number;
  badChunk: number;
}

function highChar(text: LiteralText, src: string, at: number, bytes: boolean, chunk: number): void {
  if (bytes) text.nonAscii = true;
  else if (text.badByte < 0 && isEscapedByte(src, at)) {
    text.badByte = at;
    text.badChunk = chunk;
  }
}

/** An outermost f-string or t-string that ended at pos: what older Pythons' tokenizers make of it (PEP 701, PEP 750). */
Tokenizer.prototype.newerFString = function (
  this: Tokenizer,
  at: number,
  triple: boolean,
  template: boolean,
  startLine: number,
): void {
  // a t-string the old tokenizer ends elsewhere fails there first, with another message
  if (template) {
    if (oldStringEnd(this.src, at, triple) !== this.pos)
      this.needs(14, 'a template string with nested quotes (PEP 750)', startLine);
  } else if (oldFStringRejects(this.src, at, triple, this.pos)) {
    // 3.11's message when certain; an f-string it tokenizes otherwise may fail anywhere further on
    const message = oldFStringMessage(this.src, at, triple, this.pos);
    if (message !== null)
      this.needs(
        12,
        'an f-string that only PEP 701 allows (quotes, a backslash or a comment inside its braces)',
        startLine,
        message,
        11,
      );
    else
      this.needs(
        12,
        'an f-string that only PEP 701 allows, which older Pythons tokenize differently',
        startLine,
      );
  }
};

/** A literal's end: a concatenation's kinds compared, and, leaving the outermost literal, the error its text holds reported. */
Tokenizer.prototype.leaveString = function (this: Tokenizer, bytes: boolean, concatenated: boolean): void {
  if (this.stringNest === 1) {
    // CPython decodes each literal of a concatenation, then compares its kind with the one before
    if (concatenated && bytes !== this.lastStringBytes)
      this.stringError ??= 'cannot mix bytes and nonbytes literals';
    this.lastStringBytes = bytes;
  }
  if (--this.stringNest === 0 && this.stringError !== null) {
    const message = this.stringError;
    const atLine = this.stringErrorLine;
    const exception = this.stringErrorException;
    this.stringError = null;
    this.stringErrorLine = -1;
    this.stringErrorException = undefined;
    if (!this.rescanning)
      this.fail(
        new TokenizeError(
          message,
          atLine >= 0 ? atLine : this.lineAfterLiterals(this.pos),
          this.pos - this.lineStart,
          E_PARSER,
          exception,
        ),
      );
  }
};

/**
 * A literal whose text holds a byte that is not UTF-8 (body from `from` to `to`, the first such byte at `bad`).
 * CPython decodes the body whole when it is raw or has no backslash, else each run of non-ASCII bytes
 * on its own, and counts the position from there. 3.12 and later decode an f-string's text between
 * fields whole, and let the UnicodeDecodeError out.
 */
Tokenizer.prototype.undecodableText = function (
  this: Tokenizer,
  from: number,
  to: number,
  bad: number,
  chunk: number,
  fields: boolean,
  raw: boolean,
  atLine: number,
): void {
  let begin = from;
  let end = to;
  if (fields) {
    begin = chunk;
    for (let i = bad; i < to; i++) {
      const c = this.src.charCodeAt(i);
      if (c === 123 || c === 125) {
        end = this.src.charCodeAt(i + 1) === c ? i + 1 : i;
        break;
      }
    }
  } else if (!raw && this.src.lastIndexOf('\\', to - 1) >= from) {
    begin = bad;
    while (begin > from && this.src.charCodeAt(begin - 1) >= 128) begin--;
    end = bad;
    while (end < to && this.src.charCodeAt(end) >= 128) end++;
  }
  const problem =
    utf8Problem(originalBytes(this.src, begin, end))?.message ?? "'utf-8' codec can't decode the text";
  this.stringError = fields ? problem : `(unicode error) ${problem}`;
  this.stringErrorException = fields ? 'UnicodeDecodeError' : undefined;
  this.stringErrorLine = atLine;
};

/**
 * A name holding a byte that is not UTF-8 (see decodeEscapingBadBytes). CPython's tokenizer takes a
 * run of letters, digits, `_` and non-ASCII bytes as one name and decodes it whole before it looks at
 * its characters, so that error comes first, counted from the name's start; null when no such byte.
 */
Tokenizer.prototype.nameDecodeError = function (this: Tokenizer, at: number): TokenizeError | null {
  let begin = at;
  while (begin > this.lineStart && mayBeInName(this.src.charCodeAt(begin - 1))) begin--;
  // digits before it were a number, which ended there
  const c0 = this.src.charCodeAt(begin);
  if (c0 >= 48 && c0 <= 57) begin = at;
  let end = at;
  while (end < this.n && mayBeInName(this.src.charCodeAt(end))) end++;
  let bad = false;
  for (let i = begin; i < end && !bad; i++) bad = isEscapedByte(this.src, i);
  if (!bad) return null;
  return new TokenizeError(
    `(unicode error) ${utf8Problem(originalBytes(this.src, begin, end))?.message ?? "'utf-8' codec can't decode the name"}`,
    this.line,
    begin - this.lineStart,
  );
};

/** Keeps the first escape at pos that Python cannot decode (in text, or in a string inside a field). */
Tokenizer.prototype.checkEscape = function (
  this: Tokenizer,
  chunk: number,
  e: number,
  bytes: boolean,
  q: number,
  triple: boolean,
): void {
  if (this.stringError !== null) return;
  if (e === 120 && bytes) this.stringError = this.bytesEscapeError(chunk, this.pos);
  else if (e === 120 || (!bytes && (e === 117 || e === 85 || e === 78)))
    this.stringError = this.escapeError(chunk, this.pos, e, q, triple);
};

/**
 * A `\x`, `\u`, `\U` or `\N` escape at `at` that Python cannot decode, as
 * its unicode-escape codec words it (positions count from `chunk` in the
 * text it decodes, where a non-ASCII character is a 10-character `\U`
 * escape); null when it decodes. Inside an f-string's field any backslash
 * is an error before 3.12, and still one when its escape is bad.
 */
Tokenizer.prototype.escapeError = function (
  this: Tokenizer,
  chunk: number,
  at: number,
  e: number,
  q: number,
  triple: boolean,
): string | null {
  let end = -1;
  let reason = '';
  if (e === 78) {
    reason = 'malformed \\N character escape';
    if (this.src.charCodeAt(at + 2) !== 123) end = at + 2;
    else {
      let i = at + 3;
      for (; i < this.n; i++) {
        const c = this.src.charCodeAt(i);
        if (
          c === 125 ||
          (c === q && (!triple || (this.src.charCodeAt(i + 1) === q && this.src.charCodeAt(i + 2) === q)))
        )
          break;
        if ((c === 10 || c === 13) && !triple) return null;
      }
      if (this.src.charCodeAt(i) !== 125) end = i;
      else if (i === at + 3) end = i;
      // Unicode names are letters, digits, spaces and hyphens: another character names nothing. Whether a
      // well-formed name is one the interpreter knows depends on its Unicode version; the project's Python says.
      else if (/[^A-Za-z0-9 -]/u.test(this.src.slice(at + 3, i))) {
        reason = 'unknown Unicode character name';
        end = i + 1;
      } else return null;
    }
  } else {
    const count = e === 120 ? 2 : e === 117 ? 4 : 8;
    let k = 0;
    let v = 0;
    while (k < count) {
      const h = this.src.charCodeAt(at + 2 + k);
      if (!isHexDigit(h)) break;
      v = v * 16 + (h <= 57 ? h - 48 : (h | 32) - 87);
      k++;
    }
    if (k < count) {
      end = at + 2 + k;
      reason = `truncated \\${String.fromCharCode(e)}${'X'.repeat(count)} escape`;
    } else if (v > 0x10ffff) {
      end = at + 2 + k;
      reason = 'illegal Unicode character';
    } else return null;
  }
  if (this.fieldNest > 0) return 'f-string expression part cannot include a backslash';
  const from = this.decodedOffset(chunk, at);
  return `(unicode error) 'unicodeescape' codec can't decode bytes in position ${from}-${from + this.decodedOffset(at, end) - 1}: ${reason}`;
};

/** A bytes literal's `\x` without two hex digits; its position counts from the literal's text. */
Tokenizer.prototype.bytesEscapeError = function (this: Tokenizer, chunk: number, at: number): string | null {
  if (isHexDigit(this.src.charCodeAt(at + 2)) && isHexDigit(this.src.charCodeAt(at + 3))) return null;
  return this.fieldNest > 0
    ? 'f-string expression part cannot include a backslash'
    : `(value error) invalid \\x escape at position ${this.decodedOffset(chunk, at)}`;
};

/**
 * The length of src[from, to) in the text Python's string parser decodes:
 * a CRLF is one newline, a non-ASCII character becomes a 10-character
 * `\U` escape, and a backslash before one becomes `\u005c`.
 */
Tokenizer.prototype.decodedOffset = function (this: Tokenizer, from: number, to: number): number {
  let k = 0;
  for (let i = from; i < to;) {
    const c = this.src.charCodeAt(i);
    if (c === 13 && this.src.charCodeAt(i + 1) === 10) i++;
    else if (c === 92 && this.src.charCodeAt(i + 1) < 128) {
      k += 2;
      i += this.src.charCodeAt(i + 1) === 13 && this.src.charCodeAt(i + 2) === 10 ? 3 : 2;
    } else if (c === 92) {
      k += 6;
      i++;
    } else if (c >= 128) {
      k += 10;
      i += c >= 0xd800 && c < 0xdc00 && (this.src.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    } else {
      k++;
      i++;
    }
  }
  return k;
};

/**
 * The line of the token after the string literals ending at `at` (adjacent
 * literals are one expression), where CPython reports an error in their value.
 */
Tokenizer.prototype.lineAfterLiterals = function (this: Tokenizer, at: number): number {
  const savedPos = this.pos;
  const savedLine = this.line;
  const savedLineStart = this.lineStart;
  this.pos = at;
  this.rescanning = true;
  try {
    for (;;) {
      const c = this.src.charCodeAt(this.pos);
      const continued =
        c === 92 && (this.src.charCodeAt(this.pos + 1) === 10 || this.src.charCodeAt(this.pos + 1) === 13);
      if (c === 32 || c === 9 || c === 12) this.pos++;
      else if (c === 35)
        while (
          this.pos < this.n &&
          this.src.charCodeAt(this.pos) !== 10 &&
          this.src.charCodeAt(this.pos) !== 13
        )
          this.pos++;
      else if (continued || ((c === 10 || c === 13) && this.depth > 0)) {
        if (continued) this.pos++;
        this.pos += this.src.charCodeAt(this.pos) === 13 && this.src.charCodeAt(this.pos + 1) === 10 ? 2 : 1;
        this.newline();
      } else {
        let b = this.pos;
        while (b < this.pos + 2 && isAsciiIdent(this.src.charCodeAt(b))) b++;
        const d = this.src.charCodeAt(b);
        if ((d !== 34 && d !== 39) || (b > this.pos && !isStringPrefix(this.src, this.pos, b)))
          return this.line;
        this.scanString(b, b - this.pos);
      }
    }
  } catch (e) {
    // an unterminated literal further on: the tokenizer error the scan meets next replaces this one
    if (e instanceof TokenizeError) return this.line;
    throw e;
  } finally {
    this.rescanning = false;
    this.pos = savedPos;
    this.line = savedLine;
    this.lineStart = savedLineStart;
  }
};

/** Length of the string prefix (r, f, rb…) that ends at a quote, 0 when none. */
Tokenizer.prototype.prefixBefore = function (this: Tokenizer, at: number): number {
  for (let len = 2; len >= 1; len--) {
    const b = at - len;
    if (b >= 0 && isStringPrefix(this.src, b, at) && !(b > 0 && isAsciiIdent(this.src.charCodeAt(b - 1))))
      return len;
  }
  return 0;
};
