// Pass: block headers, parameter lists, lambdas, future imports, statements that take a colon.
import { identAt, isAsciiIdent } from './python-chars.js';
import { blanksEnd } from './condition-lexer.js';
import { afterAsync, isWordAt, statementStart } from './statement-checks.js';
import { Tokenizer } from './tokenizer-state.js';
import { FUTURE_FEATURES, isStringPrefix, SKIPPED, Word, wordKind } from './tokenizer-tables.js';
import { E_PARSER, Tok, type Token, TokenizeError } from './tokens.js';

declare module './tokenizer-state.js' {
  interface Tokenizer {
    typeParameters(): void;
    declaredNameEnd(at: number): number;
    afterParameters(at: number): void;
    lambdaOpenOutside(): boolean;
    lambdaColon(at: number): void;
    parametersError(open: number, close: number): void;
    tupleParameterError(
      at: number,
      close: number,
      afterPlain: boolean,
      lambda: boolean,
    ): TokenizeError | null;
    skipExpression(end: number, annotation: boolean): void;
    errorAt(message: string, at: number): TokenizeError;
    python2Comma(at: number): void;
    asBeforeColon(at: number): boolean;
    futureImport(): void;
    futureStatement(toks: readonly Token[], from: number, end: number): void;
    startsCompound(b: number): boolean;
  }
}

/**
 * The `]` that closes a logical line's first bracket: type parameters
 * (`def f[T]`, `class C[T]`, `type A[T] = …`) when the bracket follows the
 * name a def, class or type statement declares.
 */
Tokenizer.prototype.typeParameters = function (this: Tokenizer): void {
  const b = afterAsync(this.src, statementStart(this.src, this.stmtBegin));
  const c = this.src.charCodeAt(b);
  const word = c === 100 ? 'def' : c === 99 ? 'class' : c === 116 ? 'type' : '';
  if (
    word === '' ||
    !isWordAt(this.src, b, word) ||
    this.declaredNameEnd(b + word.length) !== this.bracketPos[0]
  )
    return;
  // 3.11 says "expected '('" after def NAME, and 'invalid syntax' for the others
  this.needs(
    12,
    'type parameters or a type alias (PEP 695)',
    this.bracketLine[0]!,
    word === 'def' ? "expected '('" : 'invalid syntax',
    11,
  );
};

/** After a def, class or type keyword ending at `at`: where the blanks after the name it declares end (-1 if no name). */
Tokenizer.prototype.declaredNameEnd = function (this: Tokenizer, at: number): number {
  let i = at;
  while (this.src.charCodeAt(i) === 32 || this.src.charCodeAt(i) === 9 || this.src.charCodeAt(i) === 12) i++;
  if (i === at) return -1;
  const name = i;
  while (identAt(this.src, i)) i++;
  if (i === name) return -1;
  return blanksEnd(this.src, i, false);
};

/**
 * After the `)` that closes a logical line's first bracket, at `at`: in a
 * function's header only `->` or the `:` may follow its parameters
 * (`def upgrade() > None:` is CPython's "expected ':'" there). The line's
 * end is missingColon's to report.
 */
Tokenizer.prototype.afterParameters = function (this: Tokenizer, at: number): void {
  if (!isWordAt(this.src, afterAsync(this.src, this.currentBegin), 'def')) return;
  this.parametersError(this.bracketPos[0]!, at - 1);
  at = blanksEnd(this.src, at, false);
  const c = this.src.charCodeAt(at);
  if (at >= this.n || c === 10 || c === 13 || c === 35) return;
  if ((c === 58 && this.src.charCodeAt(at + 1) !== 61) || (c === 45 && this.src.charCodeAt(at + 1) === 62))
    return;
  this.fail(this.errorAt("expected ':'", at));
};

/** Whether a lambda outside brackets still waits for its `:` (its parameters' defaults hold `=`). */
Tokenizer.prototype.lambdaOpenOutside = function (this: Tokenizer): boolean {
  return this.lambdaLevel.length > 0 && this.lambdaLevel[0] === 0;
};

/** A `:` at `at`: the one of the innermost lambda at this bracket level ends its parameters, which are judged as a function's. */
Tokenizer.prototype.lambdaColon = function (this: Tokenizer, at: number): void {
  while (this.lambdaLevel.length > 0 && this.lambdaLevel[this.lambdaLevel.length - 1]! > this.depth) {
    this.lambdaAt.pop();
    this.lambdaLevel.pop();
  }
  if (this.lambdaLevel.length === 0 || this.lambdaLevel[this.lambdaLevel.length - 1] !== this.depth) return;
  this.lambdaLevel.pop();
  this.parametersError(this.lambdaAt.pop()! - 1, at);
};

/**
 * A function's parameters, between the brackets at `open` and `close` (or a
 * lambda's, between the word and its `:`): the
 * parser's errors for their order (a parameter without a default after one
 * with, a bare `*` with nothing after it, a second `*`, anything after
 * `**kwargs`, a default for `*args` or `**kwargs`, `/` out of place) and the
 * symbol table's for a repeated name. A parameter this does not read (a
 * tuple, a literal) leaves the list to the other checks.
 */
Tokenizer.prototype.parametersError = function (this: Tokenizer, open: number, close: number): void {
  const savedPos = this.pos;
  const savedLine = this.line;
  const savedLineStart = this.lineStart;
  const names: string[] = [];
  let positionalDefault = false;
  let defaultAfterSlash = false;
  let star = -1;
  let starNamed = false;
  // plain parameters after a bare `*`: it needs one
  let keywordOnly = 0;
  let kwargs = false;
  let slash = false;
  let error: TokenizeError | null = null;
  this.pos = open + 1;
  this.rescanning = true;
  try {
    // the parameters were scanned already: a backslash here continues a line, and a comment never holds the `)`
    for (
      this.pos = blanksEnd(this.src, this.pos, true);
      this.pos < close && error === null;
      this.pos = blanksEnd(this.src, this.pos, true)
    ) {
      const at = this.pos;
      const c = this.src.charCodeAt(this.pos);
      if (kwargs) {
        error = this.errorAt('arguments cannot follow var-keyword argument', at);
        break;
      }
      if (c === 47) {
        // `(/)` alone is plain "invalid syntax"
        if (names.length === 0 && star < 0)
          error = this.errorAt(
            blanksEnd(this.src, at + 1, true) >= close
              ? 'invalid syntax'
              : 'at least one argument must precede /',
            at,
          );
        else if (slash) error = this.errorAt('/ may appear only once', at);
        else if (star >= 0) error = this.errorAt('/ must be ahead of *', at);
        slash = true;
        this.pos++;
      } else {
        const stars = c === 42 ? (this.src.charCodeAt(this.pos + 1) === 42 ? 2 : 1) : 0;
        this.pos += stars;
        this.pos = blanksEnd(this.src, this.pos, true);
        // Python 2's tuple parameter (`def f((a, b)):`, `lambda (k, v): v`)
        if (this.src.charCodeAt(this.pos) === 40) {
          error = this.tupleParameterError(
            this.pos,
            close,
            stars === 0 && star < 0 && !slash && !positionalDefault,
            this.src.charCodeAt(open) !== 40,
          );
          if (error === null) return;
          break;
        }
        const begin = this.pos;
        while (this.pos < close && identAt(this.src, this.pos)) this.pos++;
        if (this.pos === begin && stars !== 1) return;
        const name = this.src.slice(begin, this.pos);
        if (
          name !== '' &&
          wordKind(this.src, begin, this.pos) !== Word.Name &&
          wordKind(this.src, begin, this.pos) !== Word.Soft
        )
          return;
        this.pos = blanksEnd(this.src, this.pos, true);
        // an annotation, then a default: each an expression up to the next parameter
        if (this.pos < close && this.src.charCodeAt(this.pos) === 58 && name !== '')
          this.skipExpression(close, true);
        const hasDefault = this.src.charCodeAt(this.pos) === 61 && this.src.charCodeAt(this.pos + 1) !== 61;
        if (hasDefault) this.skipExpression(close, false);
        if (stars === 1) {
          if (star >= 0) error = this.errorAt('* argument may appear only once', at);
          else if (hasDefault) error = this.errorAt('var-positional argument cannot have default value', at);
          star = at;
          starNamed = name !== '';
        } else if (stars === 2) {
          if (hasDefault) error = this.errorAt('var-keyword argument cannot have default value', at);
          else if (star >= 0 && !starNamed && keywordOnly === 0)
            error = this.errorAt('named arguments must follow bare *', star);
          kwargs = true;
        } else if (star < 0) {
          if (hasDefault) {
            if (!positionalDefault) defaultAfterSlash = slash;
            positionalDefault = true;
            // 3.11 names the error only where the defaults start before any `/`; after one its parser says "invalid syntax" at the `)`
          } else if (positionalDefault)
            error = defaultAfterSlash
              ? this.errorAt('invalid syntax', close)
              : this.errorAt('non-default argument follows default argument', at);
        } else keywordOnly++;
        if (name !== '') {
          if (names.includes(name))
            this.symtableError ??= new TokenizeError(
              `duplicate argument '${name}' in function definition`,
              this.lineFrom(this.currentBegin, this.currentLine, begin),
              begin,
            );
          names.push(name);
        }
      }
      if (error !== null) break;
      this.pos = blanksEnd(this.src, this.pos, true);
      if (this.pos < close && this.src.charCodeAt(this.pos) !== 44) return;
      this.pos++;
    }
    if (error === null && star >= 0 && !starNamed && keywordOnly === 0 && !kwargs)
      error = this.errorAt('named arguments must follow bare *', star);
  } finally {
    this.rescanning = false;
    this.pos = savedPos;
    this.line = savedLine;
    this.lineStart = savedLineStart;
  }
  if (error !== null) this.fail(error);
};

/**
 * A parameter that starts with the `(` at `at`: after plain parameters only, names in parentheses are
 * CPython's "Function parameters cannot be parenthesized" (a lambda's: "Lambda expression …"), and
 * after a default, a star or a `/`, plain "invalid syntax" there. Other contents are left unjudged (null).
 */
Tokenizer.prototype.tupleParameterError = function (
  this: Tokenizer,
  at: number,
  close: number,
  afterPlain: boolean,
  lambda: boolean,
): TokenizeError | null {
  if (!afterPlain) return this.errorAt('invalid syntax', at);
  let p = blanksEnd(this.src, at + 1, true);
  let count = 0;
  for (;;) {
    const b = p;
    while (p < close && identAt(this.src, p)) p++;
    if (p === b || (wordKind(this.src, b, p) !== Word.Name && wordKind(this.src, b, p) !== Word.Soft))
      return null;
    count++;
    p = blanksEnd(this.src, p, true);
    if (this.src.charCodeAt(p) === 44) p = blanksEnd(this.src, p + 1, true);
    else if (this.src.charCodeAt(p) !== 41) return null;
    if (this.src.charCodeAt(p) === 41) break;
  }
  return count > 0
    ? this.errorAt(`${lambda ? 'Lambda expression' : 'Function'} parameters cannot be parenthesized`, at)
    : null;
};

/**
 * Past the `:` or `=` at pos and the expression after it, to the next comma
 * outside brackets and lambda parameters (or, for an annotation, an `=`),
 * or `end`.
 */
Tokenizer.prototype.skipExpression = function (this: Tokenizer, end: number, annotation: boolean): void {
  this.pos++;
  let nest = 0;
  let lambdaOpen = false;
  while (this.pos < end) {
    const d = this.src.charCodeAt(this.pos);
    if (d === 34 || d === 39) this.scanString(this.pos, 0);
    else if (d === 35)
      while (this.pos < end && this.src.charCodeAt(this.pos) !== 10 && this.src.charCodeAt(this.pos) !== 13)
        this.pos++;
    else if (isAsciiIdent(d)) {
      const b = this.pos;
      while (isAsciiIdent(this.src.charCodeAt(this.pos))) this.pos++;
      const q = this.src.charCodeAt(this.pos);
      if ((q === 34 || q === 39) && this.pos - b <= 2 && isStringPrefix(this.src, b, this.pos))
        this.scanString(this.pos, this.pos - b);
      else if (
        nest === 0 &&
        this.pos - b === 6 &&
        this.src.startsWith('lambda', b) &&
        !identAt(this.src, this.pos)
      )
        lambdaOpen = true;
    } else {
      if (
        nest === 0 &&
        !lambdaOpen &&
        (d === 44 ||
          (annotation &&
            d === 61 &&
            this.src.charCodeAt(this.pos + 1) !== 61 &&
            !'=<>!'.includes(this.src[this.pos - 1]!)))
      )
        return;
      if (d === 40 || d === 91 || d === 123) nest++;
      else if (d === 41 || d === 93 || d === 125) nest--;
      else if (d === 58 && nest === 0 && lambdaOpen) lambdaOpen = false;
      this.pos += d === 92 ? 2 : 1;
    }
  }
};

/** A parser error located at offset `at` of the current logical line (before pos, or after it on a continued line). */
Tokenizer.prototype.errorAt = function (this: Tokenizer, message: string, at: number): TokenizeError {
  const start = Math.max(this.src.lastIndexOf('\n', at - 1), this.src.lastIndexOf('\r', at - 1)) + 1;
  return new TokenizeError(
    message,
    this.lineFrom(this.currentBegin, this.currentLine, at),
    at - start,
    E_PARSER,
  );
};

/** A comma outside brackets at `at`, before any colon: Python 2's `except A, e:` and `raise E, "message"`. */
Tokenizer.prototype.python2Comma = function (this: Tokenizer, at: number): void {
  if (!this.lineEquals) this.stmtComma = true;
  const c = this.src.charCodeAt(this.currentBegin);
  if (c === 101 && isWordAt(this.src, this.currentBegin, 'except')) {
    // 3.14 (PEP 758) takes `except A, B:`, but not with `as`
    if (this.asBeforeColon(at))
      this.fail(
        new TokenizeError('multiple exception types must be parenthesized', this.currentLine, 0, E_PARSER),
      );
    else
      this.needs(
        14,
        'several exception types without parentheses (PEP 758)',
        this.currentLine,
        'multiple exception types must be parenthesized',
        11,
      );
  } else if (
    (c === 114 || this.stmtBegin !== this.currentBegin) &&
    isWordAt(this.src, statementStart(this.src, this.stmtBegin), 'raise') &&
    !this.lambdaBefore(at)
  ) {
    this.fail(this.errorAt('invalid syntax', at));
  }
};

/** Whether an `as` follows `at` in an except clause's header, before its `:` (brackets and strings stepped over). */
Tokenizer.prototype.asBeforeColon = function (this: Tokenizer, at: number): boolean {
  let nest = 0;
  for (let i = at; i < this.n; i++) {
    const c = this.src.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) nest++;
    else if (c === 41 || c === 93 || c === 125) nest--;
    else if (c === 34 || c === 39) {
      const end = this.src.indexOf(String.fromCharCode(c), i + 1);
      if (end < 0) return false;
      i = end;
    } else if (c === 92) i++;
    else if (nest === 0 && (c === 58 || c === 10 || c === 13 || c === 35)) return false;
    else if (c === 97 && isWordAt(this.src, i, 'as') && !identAt(this.src, i - 1)) return true;
  }
  return false;
};

/**
 * Keeps futureState for the logical line just finished, and finds what
 * CPython's compiler rejects in a `from __future__ import …`: one after
 * other statements (or in a block), and an unknown feature. Each statement
 * of a line counts (`import os; from __future__ import x` is an error).
 */
Tokenizer.prototype.futureImport = function (this: Tokenizer): void {
  if (this.current === SKIPPED) {
    const b = this.currentBegin;
    const future =
      this.src.startsWith('from', b) &&
      /^from[ \t\f]+__future__[ \t\f]+import\b/.test(this.src.slice(b, b + 40));
    if (!future) this.futureState = 3;
    else if (this.futureState === 3 || this.currentIndent > 0)
      this.futureError ??= new TokenizeError(
        'from __future__ imports must occur at the beginning of the file',
        this.currentLine,
        0,
      );
    else this.futureState = 2;
    return;
  }
  const toks = this.current!;
  for (let from = 0; ;) {
    let end = from;
    while (end < toks.length && toks[end]!.text !== ';') end++;
    this.futureStatement(toks, from, end);
    if (end >= toks.length) return;
    from = end + 1;
  }
};

/** One statement of the line, toks[from, end). */
Tokenizer.prototype.futureStatement = function (
  this: Tokenizer,
  toks: readonly Token[],
  from: number,
  end: number,
): void {
  const first = toks[from];
  if (first === undefined) return;
  if (!(
    first.text === 'from' &&
    toks[from + 1]?.text === '__future__' &&
    toks[from + 2]?.text === 'import'
  )) {
    // the docstring: a first statement that is only string literals
    let strings = this.futureState === 0;
    for (let i = from; i < end && strings; i++) strings = toks[i]!.type === Tok.String;
    this.futureState = strings ? 1 : 3;
    return;
  }
  if (this.futureState === 3 || this.currentIndent > 0) {
    this.futureError ??= new TokenizeError(
      'from __future__ imports must occur at the beginning of the file',
      first.line,
      from === 0 ? 0 : first.col,
    );
    return;
  }
  this.futureState = 2;
  for (let i = from + 3; i < end; i++) {
    const t = toks[i]!;
    if (t.text === 'as') i++;
    else if (t.type === Tok.Name || t.text === '*') {
      if (t.text === 'braces') this.futureError ??= new TokenizeError('not a chance', first.line, t.col);
      else if (!FUTURE_FEATURES.has(t.text))
        this.futureError ??= new TokenizeError(`future feature ${t.text} is not defined`, first.line, t.col);
    }
  }
};

/** The common block headers (`def`, `if`, `else`, `with`, `for`, `try`, `class`), recognised without making a string. */
Tokenizer.prototype.startsCompound = function (this: Tokenizer, b: number): boolean {
  const c0 = this.src.charCodeAt(b);
  switch (c0) {
    case 100: // d
      return isWordAt(this.src, b, 'def');
    case 105: // i
      return isWordAt(this.src, b, 'if');
    case 101: // e
      return (
        isWordAt(this.src, b, 'else') || isWordAt(this.src, b, 'elif') || isWordAt(this.src, b, 'except')
      );
    case 119: // w
      return isWordAt(this.src, b, 'with') || isWordAt(this.src, b, 'while');
    case 102: // f
      return isWordAt(this.src, b, 'for') || isWordAt(this.src, b, 'finally');
    case 116: // t
      return isWordAt(this.src, b, 'try');
    case 99: // c
      return isWordAt(this.src, b, 'class');
    default:
      return false;
  }
};
