// Pass: brackets and call arguments: keyword arguments, unpacking, generators, `=` inside brackets.
import { identAt, isAsciiIdent, isIdentPart, isIdentStart, lastNonBlank } from './python-chars.js';
import { bracketAssignError, comprehensionError } from './python-condition.js';
import { blanksEnd } from './condition-lexer.js';
import { isWordAt, statementStart } from './statement-checks.js';
import { Tokenizer } from './tokenizer-state.js';
import {
  A_CALL,
  A_KW,
  A_KWUNPACK,
  A_LAMBDA,
  A_PARAMS,
  A_PENDING,
  A_PENDING_UNPACK,
  A_UNKNOWN,
  isStringPrefix,
  K_NAME,
  K_OTHER,
  K_WORD,
  Word,
  wordKind,
} from './tokenizer-tables.js';
import { E_PARSER, TokenizeError } from './tokens.js';

declare module './tokenizer-state.js' {
  interface Tokenizer {
    openBracket(
      c: number,
      atLine: number,
      atCol: number,
      paren: number,
      at: number,
      subscript?: boolean,
    ): void;
    subscriptHere(): boolean;
    leftBracket(atLine: number, atCol: number): void;
    parenKind(): number;
    argWord(begin: number): void;
    generatorAfterKeyword(top: number, forAt: number): void;
    argToken(c: number, len: number): void;
    argComma(): void;
    argColon(): void;
    argEquals(): void;
    bracketEquals(at: number): void;
    argumentStart(top: number, end: number): number;
    lineAt(top: number, at: number): number;
    lineFrom(from: number, fromLine: number, at: number): number;
    startsArgument(at: number): boolean;
    firstArgLine(top: number): number;
    keywordSeen(top: number, begin: number, end: number): boolean;
    positional(top: number): void;
    followedByAssign(p: number): boolean;
  }
}

/** CPython's tokenizer keeps at most this many brackets open (MAXLEVEL); one more is its error. */
const MAX_NESTED_BRACKETS = 200;

Tokenizer.prototype.openBracket = function (
  this: Tokenizer,
  c: number,
  atLine: number,
  atCol: number,
  paren: number,
  at: number,
  subscript = false,
): void {
  if (this.depth >= MAX_NESTED_BRACKETS)
    throw new TokenizeError('too many nested parentheses', atLine, atCol);
  this.bracketCh[this.depth] = c;
  this.bracketSub[this.depth] = subscript;
  this.bracketLine[this.depth] = atLine;
  this.bracketPos[this.depth] = at;
  this.argFlags[this.depth] = paren;
  this.callComma[this.depth] = false;
  this.braceStar[this.depth] = false;
  if (c === 123) this.braceKind[this.depth] = this.braceElem[this.depth] = this.braceLambdas[this.depth] = 0;
  this.argStart = false;
  this.bracketCol[this.depth++] = atCol;
  this.compFor[this.depth] = false;
  this.inCall = paren === A_CALL;
};

/** After the bracket at index `depth` closed: a call's argument error is reported at its `)`, as CPython locates it. */
Tokenizer.prototype.leftBracket = function (this: Tokenizer, atLine: number, atCol: number): void {
  if (this.bracketCh[this.depth] === 91) this.closedOpener = this.bracketPos[this.depth]!;
  const f = this.argFlags[this.depth]!;
  if (this.compFor[this.depth + 1] === true) {
    const e = comprehensionError(
      this.src,
      this.bracketPos[this.depth]!,
      this.compForAt[this.depth + 1]!,
      (f & A_CALL) !== 0,
    );
    if (e !== null) {
      const error = this.errorAt(e.message, e.at);
      // PEP 798 (3.15) lets a comprehension's element be unpacked; older Pythons say so in these words from 3.9 on
      if (e.since !== undefined)
        this.needs(e.since, 'unpacking in a comprehension (PEP 798)', error.line, e.message, 9);
      else this.fail(error);
    } else if (this.bracketSub[this.depth] === true) {
      // `x[n for n in y]`: a subscript's index is no comprehension; CPython stops at the `for`
      this.fail(this.errorAt('invalid syntax', this.compForAt[this.depth + 1]!));
    }
  }
  if (f & A_CALL) {
    // a generator beside other arguments (`f(x for x in xs, y)`), located where it starts
    // read again from the `(`: commas in the `for`'s targets (`for k, v in`) and a lambda's parameters separate no arguments
    if (
      this.callComma[this.depth] &&
      this.compFor[this.depth + 1] === true &&
      (this.argumentStart(this.depth, this.pos), this.argSeparated)
    ) {
      const start = this.argumentStart(this.depth, this.compForAt[this.depth + 1]!);
      this.fail(
        this.errorAt(
          'Generator expression must be parenthesized',
          start < 0 ? this.compForAt[this.depth + 1]! : start,
        ),
      );
    }
    if (f & A_KW) this.kwTop = this.kwBase[this.depth]!;
    if ((f & (A_UNKNOWN | A_PENDING)) === A_PENDING) {
      const message =
        f & A_PENDING_UNPACK
          ? 'positional argument follows keyword argument unpacking'
          : 'positional argument follows keyword argument';
      this.fail(new TokenizeError(message, atLine, atCol, E_PARSER));
    }
  }
  this.inCall = this.depth > 0 && (this.argFlags[this.depth - 1]! & A_CALL) !== 0;
  // the bracket was itself (part of) an argument, whose start is behind
  this.argStart = false;
};

/** Whether a `[` here opens a subscript: it follows an operand, not a keyword (`in [`, `return [`). */
Tokenizer.prototype.subscriptHere = function (this: Tokenizer): boolean {
  if (!this.operandEnd) return false;
  return !(
    this.prevKind === K_WORD &&
    this.prevKw &&
    wordKind(this.src, this.prevStart, this.prevEnd) === Word.Keyword
  );
};

/**
 * What a `(` here opens: a call's arguments (A_CALL) when it follows an
 * operand that is not a keyword (`if (x = 1):` is a condition's `=`, not a
 * keyword argument's); a function's parameters (A_PARAMS) after `def NAME`
 * or `def NAME[T]`; else a group or a tuple (0).
 */
Tokenizer.prototype.parenKind = function (this: Tokenizer): number {
  if (!this.operandEnd) return 0;
  if (
    this.prevKind === K_WORD &&
    this.prevKw &&
    wordKind(this.src, this.prevStart, this.prevEnd) === Word.Keyword
  )
    return 0;
  let i = this.prevStart - 1;
  if (this.prevKind === K_OTHER) {
    if (this.src.charCodeAt(this.prevStart) !== 93) return A_CALL;
    i = lastNonBlank(this.src, this.closedOpener - 1);
    while (i >= 0 && isAsciiIdent(this.src.charCodeAt(i))) i--;
  } else if (this.prevKind !== K_NAME && this.prevKind !== K_WORD) return A_CALL;
  i = lastNonBlank(this.src, i);
  const isDef =
    i >= 2 &&
    this.src.charCodeAt(i) === 102 &&
    this.src.charCodeAt(i - 1) === 101 &&
    this.src.charCodeAt(i - 2) === 100;
  return isDef && !(i >= 3 && isAsciiIdent(this.src.charCodeAt(i - 3))) ? A_PARAMS : A_CALL;
};

/**
 * A word [begin, pos) in a call's arguments: where an argument starts after
 * a keyword argument (a name before `=` is the next keyword, anything else
 * a positional argument out of place), or `lambda`, `for`, `yield`.
 */
Tokenizer.prototype.argWord = function (this: Tokenizer, begin: number): void {
  const top = this.depth - 1;
  const f = this.argFlags[top]!;
  if (f & A_UNKNOWN) return;
  const len = this.pos - begin;
  const c0 = this.src.charCodeAt(begin);
  if (c0 === 108 && len === 6 && this.src.startsWith('lambda', begin)) this.argFlags[top] = f + A_LAMBDA;
  else if (
    (c0 === 102 && len === 3 && this.src.startsWith('for', begin)) ||
    (c0 === 121 && len === 5 && this.src.startsWith('yield', begin))
  ) {
    // a generator expression or a yield: CPython names those errors otherwise
    if (c0 === 102 && f & A_KW && f < A_LAMBDA) this.generatorAfterKeyword(top, begin);
    this.argFlags[top] = f | A_UNKNOWN;
    return;
  }
  if (!this.argStart) return;
  this.argStart = false;
  if (!this.followedByAssign(this.pos)) this.positional(top);
};

/** `f(a, b=1 for x in y)`: a keyword argument's value cannot be a bare generator (CPython names the keyword's line). */
Tokenizer.prototype.generatorAfterKeyword = function (this: Tokenizer, top: number, forAt: number): void {
  const start = this.argumentStart(top, forAt);
  if (start < 0 || !isIdentStart(this.src.charCodeAt(start), this.src, start)) return;
  let i = start;
  while (isIdentPart(this.src.charCodeAt(i), this.src, i)) i++;
  while (this.src.charCodeAt(i) === 32 || this.src.charCodeAt(i) === 9) i++;
  if (this.src.charCodeAt(i) === 61 && this.src.charCodeAt(i + 1) !== 61) {
    this.fail(
      new TokenizeError(
        "invalid syntax. Maybe you meant '==' or ':=' instead of '='?",
        this.lineAt(top, start),
        0,
        E_PARSER,
      ),
    );
  }
};

/** An operator, bracket or literal (len 0) where an argument starts: after a keyword argument, or a `*`/`**` unpacking. */
Tokenizer.prototype.argToken = function (this: Tokenizer, c: number, len: number): void {
  this.argStart = false;
  const top = this.depth - 1;
  const f = this.argFlags[top]!;
  // a lambda's parameters (`lambda x, **k: …`) are no arguments
  if (f & A_UNKNOWN || f >= A_LAMBDA) return;
  if (c === 42 && len === 1) {
    if (f & A_KWUNPACK)
      this.fail(
        new TokenizeError(
          'iterable argument unpacking follows keyword argument unpacking',
          this.firstArgLine(top),
          0,
          E_PARSER,
        ),
      );
  } else if (c === 42 && len === 2) this.argFlags[top] = f | A_KWUNPACK;
  else this.positional(top);
};

/** A `,` at a call's top level: once a keyword argument came, each next argument is looked at. */
Tokenizer.prototype.argComma = function (this: Tokenizer): void {
  const top = this.depth - 1;
  const f = this.argFlags[top]!;
  if (f < A_LAMBDA) this.callComma[top] = true;
  if (f & (A_KW | A_KWUNPACK) && f < A_LAMBDA) this.argStart = true;
};

/** A `:` at a call's top level ends a lambda's parameters. */
Tokenizer.prototype.argColon = function (this: Tokenizer): void {
  const top = this.depth - 1;
  const f = this.argFlags[top]!;
  if (f >= A_LAMBDA) this.argFlags[top] = f - A_LAMBDA;
  // no other `:` stands at a call's level (`sa.te:xt(…)`, `f(a: b)`), unless something unmodelled (a generator) hides a lambda
  else if (!(f & A_UNKNOWN))
    this.fail(new TokenizeError('invalid syntax', this.line, this.pos - this.lineStart, E_PARSER));
};

/** A lone `=` at a call's top level: a keyword argument when the name before it starts the argument. */
Tokenizer.prototype.argEquals = function (this: Tokenizer): void {
  const top = this.depth - 1;
  const f = this.argFlags[top]!;
  if (f & A_UNKNOWN || f >= A_LAMBDA) return;
  const named = this.prevKind === K_WORD || this.prevKind === K_NAME;
  // the common case is told from the characters before the name; a comment there needs the argument read from the `(`
  const start =
    named && this.startsArgument(this.prevStart) ? this.prevStart : this.argumentStart(top, this.pos);
  if (named && start === this.prevStart) {
    if (wordKind(this.src, this.prevStart, this.prevEnd) === Word.Constant)
      this.fail(
        new TokenizeError(
          `cannot assign to ${this.src.slice(this.prevStart, this.prevEnd)}`,
          this.prevLine,
          0,
          E_PARSER,
        ),
      );
    // the first keyword: the names of calls closed before it are off the stack again, so it starts here
    if (!(f & A_KW)) this.kwBase[top] = this.kwTop;
    if (this.keywordSeen(top, this.prevStart, this.prevEnd))
      this.compileError ??= new TokenizeError(
        `keyword argument repeated: ${this.src.slice(this.prevStart, this.prevEnd)}`,
        this.prevLine,
        0,
      );
    this.kwSpans[this.kwTop++] = this.prevStart;
    this.kwSpans[this.kwTop++] = this.prevEnd;
    this.argFlags[top] = f | A_KW;
    return;
  }
  // `f(a.b=1)`, `f(x == y = 1)`: CPython's message names the argument's first line; after `a=` or `a:=` (`f(a=b=1)`) or an unpacking (`f(**a=1)`) it is plain
  if (start >= 0) {
    if (this.src.charCodeAt(start) === 42 || this.argAssigns)
      this.fail(new TokenizeError('invalid syntax', this.line, this.pos - this.lineStart, E_PARSER));
    else
      this.fail(
        new TokenizeError(
          'expression cannot contain assignment, perhaps you meant "=="?',
          this.lineAt(top, start),
          0,
          E_PARSER,
        ),
      );
  }
  this.argFlags[top] = f | A_UNKNOWN;
};

/**
 * A lone `=` inside brackets that hold no call's arguments (`if (x = 1):`,
 * `[a = 1]`, `{'a': 1, 'b' = 2}`): CPython's error for it, unless it is a
 * default in the parameters of a function (`def f(a=1)`), of a generic
 * class or alias (3.13's `class C[T=int]`), or of a lambda in the bracket.
 * An import's parenthesised names take no `=`.
 */
Tokenizer.prototype.bracketEquals = function (this: Tokenizer, at: number): void {
  const top = this.depth - 1;
  const b = statementStart(this.src, this.stmtBegin);
  if (
    top === 0 &&
    (isWordAt(this.src, b, 'def') || isWordAt(this.src, b, 'class') || isWordAt(this.src, b, 'type'))
  ) {
    if (this.bracketCh[0] === 91) this.needs(13, 'a type parameter default (PEP 696)', this.line);
    return;
  }
  if (isWordAt(this.src, b, 'from') || isWordAt(this.src, b, 'import'))
    return this.fail(this.errorAt('invalid syntax', at));
  const start = this.argumentStart(top, at);
  // a `:` in a subscript's element is a slice's
  if (start < 0 || this.argLambda || (this.argColonSeen && this.bracketCh[top] !== 123)) return;
  const e = bracketAssignError(this.src, start, at, this.bracketCh[top] === 123 ? this.argEntry : 0);
  if (e !== null) this.fail(this.errorAt(e.message, e.at));
};

/**
 * Where the argument that reaches `end` starts in the call whose bracket is
 * at index `top`: its first token after the `(` or after the last comma at
 * the call's level, comments and strings stepped over; -1 when none yet.
 * Read again from the `(`, which is rare: only for an `=` after something
 * other than a plain name, or a generator after a keyword argument.
 */
Tokenizer.prototype.argumentStart = function (this: Tokenizer, top: number, end: number): number {
  this.argAssigns = false;
  this.argLambda = false;
  this.argColonSeen = false;
  this.argSeparated = false;
  const savedPos = this.pos;
  const savedLine = this.line;
  const savedLineStart = this.lineStart;
  let start = -1;
  let nest = 0;
  // a lambda's parameters are open (their commas separate no elements); an earlier element was a dict's `key: value` or `**d`
  let lambdaOpen = false;
  // between a comprehension's `for` and its `in`: commas there separate targets
  let target = false;
  let dict = false;
  this.pos = this.bracketPos[top]! + 1;
  this.rescanning = true;
  try {
    while (this.pos < end) {
      const d = this.src.charCodeAt(this.pos);
      if (d === 32 || d === 9 || d === 12 || d === 10 || d === 13) this.pos++;
      else if (d === 92) this.pos += 2;
      else if (d === 35)
        while (this.pos < end && this.src.charCodeAt(this.pos) !== 10 && this.src.charCodeAt(this.pos) !== 13)
          this.pos++;
      else {
        if (start < 0) start = this.pos;
        if (d === 34 || d === 39) this.scanString(this.pos, 0);
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
            lambdaOpen = this.argLambda = true;
          else if (nest === 0 && !identAt(this.src, this.pos) && !identAt(this.src, b - 1)) {
            if (this.pos - b === 3 && this.src.startsWith('for', b)) target = true;
            else if (this.pos - b === 2 && this.src.startsWith('in', b)) target = false;
          }
        } else {
          if (d === 40 || d === 91 || d === 123) nest++;
          else if (d === 41 || d === 93 || d === 125) nest--;
          else if (d === 44 && nest === 0 && !lambdaOpen && !target) {
            this.argSeparated = true;
            if (
              this.argColonSeen ||
              (this.src.charCodeAt(start) === 42 && this.src.charCodeAt(start + 1) === 42)
            )
              dict = true;
            start = -1;
            this.argAssigns = this.argLambda = this.argColonSeen = false;
          } else if (d === 58 && nest === 0 && this.src.charCodeAt(this.pos + 1) !== 61) {
            if (lambdaOpen) lambdaOpen = false;
            else this.argColonSeen = true;
          } else if (
            d === 61 &&
            nest === 0 &&
            this.src.charCodeAt(this.pos + 1) !== 61 &&
            !'=<>!'.includes(this.src[this.pos - 1]!)
          )
            this.argAssigns = true;
          this.pos++;
        }
      }
    }
  } finally {
    this.rescanning = false;
    this.pos = savedPos;
    this.line = savedLine;
    this.lineStart = savedLineStart;
  }
  this.argEntry = this.argColonSeen ? 2 : dict ? 1 : 0;
  return start;
};

/** The line of offset `at`, inside the bracket at index `top` (counted from the bracket's line). */
Tokenizer.prototype.lineAt = function (this: Tokenizer, top: number, at: number): number {
  return this.lineFrom(this.bracketPos[top]!, this.bracketLine[top]!, at);
};

/** The line of offset `at`, counted on from offset `from` on line `fromLine` (CRLF, LF or CR). */
Tokenizer.prototype.lineFrom = function (
  this: Tokenizer,
  from: number,
  fromLine: number,
  at: number,
): number {
  let l = fromLine;
  for (let i = from; i < at; i++) {
    const d = this.src.charCodeAt(i);
    if (d === 10 || (d === 13 && this.src.charCodeAt(i + 1) !== 10)) l++;
  }
  return l;
};

/** Whether only blanks separate `at` from the `(` or `,` before it. */
Tokenizer.prototype.startsArgument = function (this: Tokenizer, at: number): boolean {
  for (let i = at - 1; ; i--) {
    const d = this.src.charCodeAt(i);
    if (d !== 32 && d !== 9 && d !== 10 && d !== 13 && d !== 12) return d === 40 || d === 44;
  }
};

/** The line of a call's first argument (where CPython reports an unpacking out of order). */
Tokenizer.prototype.firstArgLine = function (this: Tokenizer, top: number): number {
  let i = this.bracketPos[top]! + 1;
  for (
    let d = this.src.charCodeAt(i);
    d === 32 || d === 9 || d === 12 || d === 10 || d === 13;
    d = this.src.charCodeAt(++i)
  );
  return this.lineAt(top, i);
};

/** Whether the call at `top` already has a keyword argument named src[begin, end). */
Tokenizer.prototype.keywordSeen = function (
  this: Tokenizer,
  top: number,
  begin: number,
  end: number,
): boolean {
  const len = end - begin;
  for (let k = this.kwBase[top]!; k < this.kwTop; k += 2) {
    const b = this.kwSpans[k]!;
    if (this.kwSpans[k + 1]! - b !== len) continue;
    let i = 0;
    while (i < len && this.src.charCodeAt(b + i) === this.src.charCodeAt(begin + i)) i++;
    if (i === len) return true;
  }
  return false;
};

/** A positional argument after a keyword argument: CPython's parser rejects it (reported at the call's `)`). */
Tokenizer.prototype.positional = function (this: Tokenizer, top: number): void {
  const f = this.argFlags[top]!;
  if (!(f & A_PENDING)) this.argFlags[top] = f | A_PENDING | (f & A_KWUNPACK ? A_PENDING_UNPACK : 0);
};

/** Whether a lone `=` comes next, past spaces, newlines and comments (inside brackets they do not matter). */
Tokenizer.prototype.followedByAssign = function (this: Tokenizer, p: number): boolean {
  p = blanksEnd(this.src, p, true);
  return this.src.charCodeAt(p) === 61 && this.src.charCodeAt(p + 1) !== 61;
};
