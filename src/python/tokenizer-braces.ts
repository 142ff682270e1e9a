// Pass: the elements of a `{…}` display: a dict's pairs and unpackings, a set's elements, a comprehension.
import { Tokenizer } from './tokenizer-state.js';
import { P_SEPARATOR } from './tokenizer-tables.js';
import { E_PARSER, TokenizeError } from './tokens.js';

declare module './tokenizer-state.js' {
  interface Tokenizer {
    braceElement(c: number, len: number, before: number, atLine: number, atCol: number): void;
    braceToken(atLine: number, begin?: number, end?: number): void;
    braceElementEnd(d: number, atLine: number, atCol: number): void;
  }
}

/**
 * An operator at the top level of a `{…}` display: a `*` or `**` that starts an element makes a
 * set's or dict's unpacking, which takes no `: value` (CPython: "invalid syntax" at the colon).
 */
Tokenizer.prototype.braceElement = function (
  this: Tokenizer,
  c: number,
  len: number,
  before: number,
  atLine: number,
  atCol: number,
): void {
  const d = this.depth - 1;
  // a star among a lambda's parameters (`lambda *a, **k: 0`) is the parameter's, not an unpacking
  if (c === 42 && len <= 2 && before === P_SEPARATOR && this.braceLambdas[d] === 0) {
    this.braceStar[d] = true;
    this.braceToken(atLine);
    if (len === 2) this.braceElem[d]! |= BRACE_UNPACK;
  } else if (c === 44 && len === 1 && this.braceLambdas[d]! > 0) {
    // a comma between a lambda's parameters (`{'<': lambda v, c: v < c}`) does not end the element
  } else if ((c === 44 && len === 1) || c === 125) {
    this.braceStar[d] = false;
    this.braceElementEnd(d, atLine, atCol);
  } else if (c === 58 && len === 1) {
    if (this.braceStar[d]) this.fail(new TokenizeError('invalid syntax', atLine, atCol, E_PARSER));
    // a lambda's own colon ends its parameters; another is the key's
    if (this.braceLambdas[d]! > 0) this.braceLambdas[d]!--;
    else if (!(this.braceElem[d]! & BRACE_COLON)) {
      this.braceElem[d]! |= BRACE_COLON;
      this.braceColonAt = atCol;
      this.braceColonLine = atLine;
    }
  } else this.braceToken(atLine);
};

/** A token at a `{`'s own level: the first of an element, or a word that changes how it reads (`lambda`, a comprehension's `for`). */
Tokenizer.prototype.braceToken = function (this: Tokenizer, atLine: number, begin = -1, end = -1): void {
  const d = this.depth - 1;
  if (!(this.braceElem[d]! & BRACE_STARTED)) {
    this.braceElem[d]! |= BRACE_STARTED;
    this.braceElemLine[d] = atLine;
  }
  if (begin < 0) return;
  if (end - begin === 6 && this.src.startsWith('lambda', begin)) this.braceLambdas[d]!++;
  else if (end - begin === 3 && this.src.startsWith('for', begin)) this.braceKind[d] = BRACE_COMPREHENSION;
};

/**
 * An element of a `{` display ended (its `,` or the `}`): a dict's elements are all `key: value` or
 * `**mapping`, a set's none of them. CPython's parser says "':' expected after dictionary key" at a
 * plain element among a dict's, and "invalid syntax" at a pair among a set's.
 */
Tokenizer.prototype.braceElementEnd = function (
  this: Tokenizer,
  d: number,
  atLine: number,
  atCol: number,
): void {
  const e = this.braceElem[d]!;
  this.braceElem[d] = this.braceLambdas[d] = 0;
  if (!(e & BRACE_STARTED) || this.braceKind[d] === BRACE_COMPREHENSION) return;
  const kind = e & (BRACE_COLON | BRACE_UNPACK) ? BRACE_DICT : BRACE_SET;
  if (this.braceKind[d] === 0) this.braceKind[d] = kind;
  else if (this.braceKind[d] === BRACE_DICT && kind === BRACE_SET)
    this.fail(
      new TokenizeError("':' expected after dictionary key", this.braceElemLine[d]!, atCol, E_PARSER),
    );
  else if (this.braceKind[d] === BRACE_SET && kind === BRACE_DICT)
    this.fail(
      new TokenizeError(
        'invalid syntax',
        e & BRACE_COLON ? this.braceColonLine : atLine,
        e & BRACE_COLON ? this.braceColonAt : atCol,
        E_PARSER,
      ),
    );
};

/** An element's flags, and what a `{` display's elements make it. */
const BRACE_STARTED = 1;
const BRACE_COLON = 2;
const BRACE_UNPACK = 4;
const BRACE_DICT = 1;
const BRACE_SET = 2;
const BRACE_COMPREHENSION = 3;
