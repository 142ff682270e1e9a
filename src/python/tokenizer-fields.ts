// Pass: f-string (and t-string) replacement fields: the expression, the conversion, the format spec.
import { isAsciiIdent } from './python-chars.js';
import { Tokenizer } from './tokenizer-state.js';

declare module './tokenizer-state.js' {
  interface Tokenizer {
    scanField(q: number, triple: boolean, raw: boolean): void;
    fieldExpression(): boolean;
    conversion(): void;
    scanSpec(q: number, triple: boolean, raw: boolean): void;
  }
}

/**
 * Steps over an f-string (or t-string) replacement field after its `{`,
 * through its `}`. Python 3.12 (PEP 701) reads the field as code: it may
 * hold strings in the same quotes, span lines and carry comments. A field
 * valid before 3.12 never holds the outer quote, so it ends where it did.
 */
Tokenizer.prototype.scanField = function (this: Tokenizer, q: number, triple: boolean, raw: boolean): void {
  this.fieldNest++;
  let spec: boolean;
  try {
    spec = this.fieldExpression();
  } finally {
    this.fieldNest--;
  }
  // the format spec is text, decoded as the literal's is
  if (spec) this.scanSpec(q, triple, raw);
};

/** A field's expression, through its `}` (false) or the `:` before a format spec (true). */
Tokenizer.prototype.fieldExpression = function (this: Tokenizer): boolean {
  let nest = 0;
  // whether the expression has more than blanks, and where Python 3.11 ends it (`!`, `=`, `:`, `}` outside brackets)
  let expression = false;
  while (this.pos < this.n) {
    const c = this.src.charCodeAt(this.pos);
    if (c === 34 || c === 39) {
      expression = true;
      this.scanString(this.pos, this.prefixBefore(this.pos));
      continue;
    }
    if (c === 10 || c === 13) {
      if (c === 13 && this.src.charCodeAt(this.pos + 1) === 10) this.pos++;
      this.pos++;
      this.newline();
      continue;
    }
    if (c === 35) {
      while (
        this.pos < this.n &&
        this.src.charCodeAt(this.pos) !== 10 &&
        this.src.charCodeAt(this.pos) !== 13
      )
        this.pos++;
      continue;
    }
    if (
      nest === 0 &&
      (c === 33 || c === 61 || c === 60 || c === 62) &&
      this.src.charCodeAt(this.pos + 1) === 61
    ) {
      // != == <= >=: operators, not the end of the expression
      expression = true;
      this.pos += 2;
      continue;
    }
    if (nest === 0 && (c === 33 || c === 61 || c === 58 || c === 125) && !expression) {
      this.stringError ??=
        c === 125
          ? 'f-string: empty expression not allowed'
          : `f-string: expression required before '${String.fromCharCode(c)}'`;
      expression = true;
    }
    if (nest === 0 && c === 33) this.conversion();
    this.pos++;
    if (c !== 32 && c !== 9 && c !== 12) expression = true;
    if (c === 40 || c === 91 || c === 123) nest++;
    else if (c === 41 || c === 93) nest--;
    else if (c === 125) {
      if (nest === 0) return false;
      nest--;
    } else if (c === 58 && nest === 0) return true;
  }
  return false;
};

/**
 * A conversion after the `!` at pos: `!s`, `!r` or `!a`, then `:` or `}`.
 * Only what Python 3.12 rejects as well is reported (it allows `!r }`).
 */
Tokenizer.prototype.conversion = function (this: Tokenizer): void {
  const c1 = this.src.charCodeAt(this.pos + 1);
  if (c1 !== 115 && c1 !== 114 && c1 !== 97) {
    this.stringError ??= "f-string: invalid conversion character: expected 's', 'r', or 'a'";
    return;
  }
  const c2 = this.src.charCodeAt(this.pos + 2);
  if (c2 === 33 || c2 === 61 || isAsciiIdent(c2)) this.stringError ??= "f-string: expecting '}'";
};

/** The format spec after a field's `:`: text with nested fields, through the field's `}`. */
Tokenizer.prototype.scanSpec = function (this: Tokenizer, q: number, triple: boolean, raw: boolean): void {
  let chunk = this.pos;
  while (this.pos < this.n) {
    const c = this.src.charCodeAt(this.pos);
    // a stray closing quote ends the string, as before 3.12
    if (
      c === q &&
      (!triple || (this.src.charCodeAt(this.pos + 1) === q && this.src.charCodeAt(this.pos + 2) === q))
    )
      return;
    if (c === 10 || c === 13) {
      if (c === 13 && this.src.charCodeAt(this.pos + 1) === 10) this.pos++;
      this.pos++;
      this.newline();
      continue;
    }
    if (c === 92) {
      // a backslash escapes the next character, an outer quote too (`f"{1:\"d\"}"`), but not a brace (as in scanString)
      const e = this.src.charCodeAt(this.pos + 1);
      if (!raw) this.checkEscape(chunk, e, false, q, triple);
      if (e === 123 || e === 125) this.pos++;
      else if (e === 10 || e === 13) {
        this.pos += e === 13 && this.src.charCodeAt(this.pos + 2) === 10 ? 3 : 2;
        this.newline();
      } else this.pos += 2;
      continue;
    }
    this.pos++;
    if (c === 125) return;
    if (c === 123) {
      this.scanField(q, triple, raw);
      chunk = this.pos;
    }
  }
};
