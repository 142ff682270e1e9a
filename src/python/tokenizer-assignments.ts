// Pass: `=` and the augmented operators, walrus, annotations, `del` targets.
import { lastNonBlank } from './python-chars.js';
import {
  augmentedTargetError,
  chainAssignError,
  conditionAssignError,
  delTargetError,
  refusedAssignError,
  targetAssignError,
  withTargetsError,
} from './python-condition.js';
import {
  afterAsync,
  isWordAt,
  statementStart,
  statementWord,
  WALRUS_HEADERS,
  WALRUS_REFUSING_STATEMENTS,
} from './statement-checks.js';
import { Tokenizer } from './tokenizer-state.js';
import {
  A_CALL,
  A_KW,
  A_KWUNPACK,
  A_LAMBDA,
  A_PENDING,
  A_UNKNOWN,
  augmentedOp,
  EQUALS_REFUSED,
  K_NAME,
  K_WORD,
  Word,
  wordKind,
} from './tokenizer-tables.js';
import { E_PARSER, TokenizeError } from './tokens.js';

declare module './tokenizer-state.js' {
  interface Tokenizer {
    firstEquals(at: number): void;
    assignedTo(b: number, at: number): void;
    assignmentOperator(c: number, len: number): void;
    augmentedInBrackets(): void;
    walrusOutsideBrackets(atLine: number, atCol: number): void;
    laterEquals(at: number): void;
    statementColon(at: number): void;
    annotatedEquals(at: number): void;
    delTargets(): void;
  }
}

/**
 * The first `=` outside brackets in a logical line, at `at`: in an `if`,
 * `elif` or `while` condition it is an error, which CPython names by what
 * stands on either side (python-condition.ts); after `return`, `import`,
 * `with` and the other statements that assign nothing (`del` aside, which
 * has its own message) it is "invalid syntax" there.
 */
Tokenizer.prototype.firstEquals = function (this: Tokenizer, at: number): void {
  this.lineEquals = true;
  this.firstEqAt = at;
  const b = statementStart(this.src, this.stmtBegin);
  if (this.src.charCodeAt(b) === 116 && isWordAt(this.src, b, 'type') && this.declaredNameEnd(b + 4) === at) {
    this.needs(12, 'type parameters or a type alias (PEP 695)', this.currentLine, 'invalid syntax', 11);
  }
  // `yield a = 1` (a lambda's default aside: `yield lambda a=1: a`)
  if (this.src.charCodeAt(b) === 121 && isWordAt(this.src, b, 'yield') && !this.lambdaOpenOutside())
    return this.fail(this.errorAt('assignment to yield expression not possible', b));
  const w = EQUALS_REFUSED[this.src.charCodeAt(b)];
  if (w === undefined) return this.assignedTo(b, at);
  for (let i = 0; i < w.length; i++) {
    const word = w[i]!;
    if (!isWordAt(this.src, b, word)) continue;
    const cond = b + word.length;
    const e =
      word === 'if' || word === 'elif' || word === 'while'
        ? conditionAssignError(this.src, cond, at)
        : refusedAssignError(this.src, cond, at);
    if (e !== null) this.fail(this.errorAt(e.message, e.at));
    return;
  }
  this.assignedTo(b, at);
};

/**
 * An assignment statement at `b` with its first `=` at `at`: a target that
 * ends in `)`, a quote or `}` is looked at (`print(x) = 1`, `"a" = 1`); the
 * valid ones (names, attributes, subscripts) end otherwise, and cost nothing.
 */
Tokenizer.prototype.assignedTo = function (this: Tokenizer, b: number, at: number): void {
  const c = this.src.charCodeAt(lastNonBlank(this.src, at - 1));
  if (
    c !== 41 &&
    c !== 34 &&
    c !== 39 &&
    c !== 125 &&
    !this.stmtComma &&
    !(c === 93 && this.src.charCodeAt(b) === 91)
  )
    return;
  const e = targetAssignError(this.src, b, at);
  if (e !== null) this.fail(this.errorAt(e.message, e.at));
};

/**
 * An operator outside brackets at pos that may assign (`c` is `=` when
 * `len` is 1): an `=` (the
 * statement's first, a later one of a chain, or one after an annotation),
 * or an augmented one, whose target is judged whatever it ends in (`a + b
 * += 1`; such statements are few). After a `:` that opens no block only an
 * annotation's `=` are looked at.
 */
Tokenizer.prototype.assignmentOperator = function (this: Tokenizer, c: number, len: number): void {
  if (len === 1) {
    if (!this.stmtColon) {
      if (!this.lineEquals) this.firstEquals(this.pos);
      else this.laterEquals(this.pos);
    } else if (this.annotated > 0) this.annotatedEquals(this.pos);
  } else if (!this.stmtColon && augmentedOp(this.src, this.pos, c, len)) {
    const e = augmentedTargetError(this.src, statementStart(this.src, this.stmtBegin), this.pos);
    if (e !== null) this.fail(this.errorAt(e.message, e.at));
  }
};

/**
 * `+=`, `/=`, `**=` … inside brackets (`nullable/=True`, `f(a, b+=1)`): no
 * expression holds one, so CPython stops there with "invalid syntax". Left
 * to the argument rules where a call around it has keywords, unpackings, a
 * lambda or something unmodelled (CPython then names the argument's error),
 * where a comprehension or a conditional expression is open, and inside
 * braces (a dict's key position is "':' expected after dictionary key").
 */
Tokenizer.prototype.augmentedInBrackets = function (this: Tokenizer): void {
  if (this.ternaryOpen > 0) return;
  for (let i = 0; i < this.depth; i++) {
    if (this.bracketCh[i] === 123) return;
    const f = this.argFlags[i]!;
    if (f & A_CALL && (f & (A_KW | A_KWUNPACK | A_UNKNOWN | A_PENDING) || f >= A_LAMBDA)) return;
    if (this.compFor[i + 1] === true) return;
  }
  this.fail(new TokenizeError('invalid syntax', this.line, this.pos - this.lineStart, E_PARSER));
};

/**
 * `:=` outside brackets. Only an `if`, `elif`, `while` or `match` header and
 * a decorator take one; after an `=`, an annotation, or a statement's
 * keyword (`return x := 1`), and with a plain name as the whole target of
 * an expression statement (`down_revision := 'a1'`), CPython stops at it
 * with "invalid syntax". Other targets (`a.b := 1`, `not x := 1`, a lambda)
 * have messages of their own, and are left to them.
 */
Tokenizer.prototype.walrusOutsideBrackets = function (this: Tokenizer, atLine: number, atCol: number): void {
  if (this.ternaryOpen > 0) return; // "expected 'else' after 'if' expression" comes first
  const b = statementStart(this.src, this.stmtBegin);
  // a lambda's `:` ends no statement, though the loop treats it as a header's: leave its body to CPython's own message
  if (this.src.charCodeAt(b) === 64 || /\blambda\b/u.test(this.src.slice(this.currentBegin, this.pos)))
    return;
  const word = statementWord(this.src, b);
  if (!this.lineColon && !this.stmtColon && WALRUS_HEADERS.has(word)) return;
  const keywordFirst = WALRUS_REFUSING_STATEMENTS.has(word);
  const nameAlone =
    this.prevStart === b &&
    (this.prevKind === K_NAME || this.prevKind === K_WORD) &&
    wordKind(this.src, this.prevStart, this.prevEnd) === Word.Name;
  if (this.lineEquals || this.stmtColon || keywordFirst || nameAlone)
    this.fail(new TokenizeError('invalid syntax', atLine, atCol, E_PARSER));
};

/** A later `=` of an assignment at depth 0 (`x = f() = 1`): the targets up to it, which a chain of them may leave unjudged. */
Tokenizer.prototype.laterEquals = function (this: Tokenizer, at: number): void {
  // `x = 1 if y = 2`: the conditional's missing `else` is CPython's error first
  if (this.ternaryOpen > 0 && this.ternaryIf[0]! >= 0) return this.ternaryEnd(0, -1);
  const e = chainAssignError(this.src, statementStart(this.src, this.stmtBegin), this.firstEqAt, at);
  if (e !== null) this.fail(this.errorAt(e.message, e.at));
};

/**
 * A `:` outside brackets at `at`. The first of a compound statement's line
 * ends its header: a `with` statement's targets after `as` are judged there,
 * the tokens inside them checked by now (`with a as f():`), and the block's
 * first statement may follow on the line (`if x: y = f() = 1`). Any other
 * (an annotation's, a lambda's) leaves the statement's `=` unjudged.
 */
Tokenizer.prototype.statementColon = function (this: Tokenizer, at: number): void {
  const b = afterAsync(this.src, statementStart(this.src, this.stmtBegin));
  if (this.lineColon || this.stmtColon || !this.startsCompound(b)) {
    // an annotation's: the first, before any `=`, no lambda's, no match's or case's
    if (
      !this.stmtColon &&
      !this.lineEquals &&
      !this.lambdaOpenOutside() &&
      !isWordAt(this.src, b, 'match') &&
      !isWordAt(this.src, b, 'case')
    )
      this.annotated = 1;
    this.stmtColon = true;
    return;
  }
  if (this.src.charCodeAt(b) === 119 && isWordAt(this.src, b, 'with')) {
    const e = withTargetsError(this.src, b + 4, at);
    if (e !== null) this.fail(this.errorAt(e.message, e.at));
  }
  this.lineEquals = false;
  this.stmtComma = false;
};

/** An `=` outside brackets in an annotated statement: its value's, then (outside a lambda's parameters) CPython's "invalid syntax" there (`x: int = f() = 1`). */
Tokenizer.prototype.annotatedEquals = function (this: Tokenizer, at: number): void {
  if (this.annotated === 1) this.annotated = 2;
  else if (!this.lambdaOpenOutside()) this.fail(this.errorAt('invalid syntax', at));
};

/** At the end of a statement that starts with `del`: its targets, which the tokens alone do not judge (`del f()`). */
Tokenizer.prototype.delTargets = function (this: Tokenizer): void {
  const e = delTargetError(this.src, this.delAt);
  this.delAt = -1;
  if (e !== null) this.fail(this.errorAt(e.message, e.at));
};
