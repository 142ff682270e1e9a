// Pass: names and keywords as operands, scopes (return, yield, await, nonlocal outside their place), soft keywords.
import { blanksEnd } from './condition-lexer.js';
import { isWordAt, statementStart } from './statement-checks.js';
import { Tokenizer } from './tokenizer-state.js';
import {
  A_CALL,
  B_ASYNC_FUNC,
  B_CLASS,
  B_FUNC,
  B_LOOP,
  B_OTHER,
  B_TRY,
  K_NAME,
  K_NUMBER,
  K_STRING,
  K_WORD,
  keywordShaped,
  maySpecial,
  P_COLON,
  P_DANGLING,
  P_NONE,
  P_SEMI,
  P_SEPARATOR,
  P_SLASH,
  P_STAR,
  Word,
  wordKind,
} from './tokenizer-tables.js';
import { E_PARSER, E_TOKEN, TokenizeError } from './tokens.js';

declare module './tokenizer-state.js' {
  interface Tokenizer {
    endsOperand(): boolean;
    operand(kind: number, begin: number, atLine: number): void;
    number(atLine: number): void;
    word(begin: number, atLine: number, before: number): void;
    lazyImport(begin: number, atLine: number): boolean;
    outsideStatement(begin: number, atLine: number): void;
    elseWord(begin: number, atLine: number, before: number): void;
    asyncShaped(c0: number, len: number): boolean;
    asyncWord(begin: number, atLine: number, before: number): void;
    misplacedYield(begin: number, before: number): boolean;
    lambdaBefore(at: number): boolean;
    enclosingScope(): number;
    compileAt(e: TokenizeError): void;
  }
}

/**
 * Whether the last token ended an operand. A word is classified only when
 * that matters, when another operand follows it: `if x` is fine, `a x` is
 * not. Most words are followed by an operator and never need it.
 */
Tokenizer.prototype.endsOperand = function (this: Tokenizer): boolean {
  if (!this.operandEnd) return false;
  if (this.prevKind !== K_WORD) return true;
  const kind = wordKind(this.src, this.prevStart, this.prevEnd);
  // `pass`, `break` and `continue` are whole statements: an operand after one is out of place
  if (kind === Word.Keyword) return isWholeStatement(this.src, this.prevStart, this.prevEnd);
  // match, case and type are keywords where no operand precedes them, as here
  if (kind === Word.Soft) return false;
  this.prevKind = K_NAME;
  return true;
};

/** An operand token (string, number) starts at `begin`: an error when another one just ended. */
Tokenizer.prototype.operand = function (this: Tokenizer, kind: number, begin: number, atLine: number): void {
  if (this.argStart) this.argToken(0, 0);
  if (this.depth > 0 && this.bracketCh[this.depth - 1] === 123 && this.fieldNest === 0)
    this.braceToken(atLine);
  this.stringAfterString = this.operandEnd && kind === K_STRING && this.prevKind === K_STRING;
  if (this.operandEnd && (kind !== K_STRING || this.prevKind !== K_STRING) && this.endsOperand())
    this.fail(this.sideBySide(kind, begin, atLine));
  this.operandEnd = true;
  this.prevKind = kind;
  this.prevStart = begin;
  this.prevLine = atLine;
};

/** A number literal at pos, an operand. */
Tokenizer.prototype.number = function (this: Tokenizer, atLine: number): void {
  this.operand(K_NUMBER, this.pos, atLine);
  this.scanNumber();
  this.prevEnd = this.pos;
};

/** The word from `begin` to pos: after an operand only a keyword may come. */
Tokenizer.prototype.word = function (this: Tokenizer, begin: number, atLine: number, before: number): void {
  const len = this.pos - begin;
  const startsStatement = before === P_SEMI || (before === P_COLON && this.depth === 0);
  // `lazy import` / `lazy from` (PEP 810, 3.15): the soft keyword is read and left out of the tokens
  if (
    len === 4 &&
    startsStatement &&
    this.src.charCodeAt(begin) === 108 &&
    this.src.startsWith('lazy', begin) &&
    this.lazyImport(begin, atLine)
  ) {
    this.punct = before;
    return;
  }
  // most words cannot be keywords by their shape: they skip every keyword check below
  const kwLike = keywordShaped(this.src, begin, len);
  if (kwLike) {
    this.keywordPlace(begin, atLine, before);
    if (
      startsStatement &&
      len === 3 &&
      this.src.charCodeAt(begin) === 100 &&
      this.src.startsWith('del', begin)
    )
      this.delAt = this.pos;
    // a compiler error already found leaves only the symbol table's (`nonlocal`) to look for
    if (startsStatement && (this.compileError === null || len === 8)) this.outsideStatement(begin, atLine);
    else if (this.asyncShaped(this.src.charCodeAt(begin), len)) this.asyncWord(begin, atLine, before);
    if (len === 4 && !startsStatement && this.src.startsWith('else', begin))
      this.elseWord(begin, atLine, before);
  }
  // in a call, a word matters where an argument starts, or as lambda, for, yield
  if (this.inCall && (this.argStart || maySpecial(this.src.charCodeAt(begin), len))) this.argWord(begin);
  else if (this.depth > 0 && this.bracketCh[this.depth - 1] === 123 && this.fieldNest === 0)
    this.braceToken(atLine, begin, this.pos);
  if (this.operandEnd && this.endsOperand()) {
    if (wordKind(this.src, begin, this.pos) === Word.Keyword) {
      this.operandEnd = false;
      this.infixKeyword(begin, atLine);
      return;
    }
    this.fail(this.sideBySide(K_NAME, begin, atLine));
  }
  // an `if` not read as infix (after `...` or a soft keyword used as a name): this line's `else` is not judged
  if (kwLike && len === 2 && !startsStatement)
    this.looseIf ||= this.src.charCodeAt(begin) === 105 && this.src.charCodeAt(begin + 1) === 102;
  this.operandEnd = true;
  this.prevKind = K_WORD;
  this.prevKw = kwLike;
  this.prevStart = begin;
  this.prevEnd = this.pos;
  this.prevLine = atLine;
};

/**
 * The word `lazy` at [begin, pos) at a statement's start: when `import` or `from` follows, it is
 * PEP 810's soft keyword (Python 3.15). CPython's symbol table refuses it inside a `try`
 * statement's blocks, a function or a class (checked in that order, within the innermost scope),
 * and with `import *`; its parser refuses `lazy from __future__`. Older Pythons: "invalid syntax".
 */
Tokenizer.prototype.lazyImport = function (this: Tokenizer, begin: number, atLine: number): boolean {
  const next = blanksEnd(this.src, this.pos, false);
  const isFrom = isWordAt(this.src, next, 'from');
  if (!isFrom && !isWordAt(this.src, next, 'import')) return false;
  this.lazyAt = begin;
  this.lazyImportAt = next;
  this.stmtBegin = next;
  this.needs(15, 'a lazy import (PEP 810)', atLine, 'invalid syntax', 8);
  const statement = this.src.slice(next, this.src.indexOf('\n', next) >>> 0);
  if (isFrom && /^from[ \t\f]+__future__\b/.test(statement)) {
    this.fail(
      new TokenizeError(
        'lazy from __future__ import is not allowed',
        atLine,
        begin - this.lineStart,
        E_PARSER,
        undefined,
        15,
      ),
    );
    return true;
  }
  if (this.symtableError !== null) return true;
  const scope = this.enclosingScope();
  const where = this.tryInScope
    ? 'try/except blocks'
    : scope <= B_FUNC
      ? 'functions'
      : scope === B_CLASS
        ? 'classes'
        : null;
  const what = isFrom ? 'from ... import' : 'import';
  if (where !== null)
    this.symtableError = new TokenizeError(
      `lazy ${what} not allowed inside ${where}`,
      atLine,
      begin - this.lineStart,
      E_TOKEN,
      undefined,
      15,
    );
  else if (isFrom && /^from\b[^#;]*?\bimport[ \t\f]*\*/.test(statement))
    this.symtableError = new TokenizeError(
      'lazy from ... import * is not allowed',
      atLine,
      begin - this.lineStart,
      E_TOKEN,
      undefined,
      15,
    );
  return true;
};

/**
 * A statement starting with the word [begin, pos): `return` and `yield`
 * outside a function's body (at module level or in a class's), and `break`
 * and `continue` outside a loop's block within the innermost function or
 * class, are CPython's compiler errors; `nonlocal` at module level is its
 * symbol table's.
 */
Tokenizer.prototype.outsideStatement = function (this: Tokenizer, begin: number, atLine: number): void {
  const len = this.pos - begin;
  const c0 = this.src.charCodeAt(begin);
  const isReturn = c0 === 114 && len === 6 && this.src.startsWith('return', begin);
  const isYield = c0 === 121 && len === 5 && this.src.startsWith('yield', begin);
  const isBreak = c0 === 98 && len === 5 && this.src.startsWith('break', begin);
  const isContinue = c0 === 99 && len === 8 && this.src.startsWith('continue', begin);
  const isAsync = c0 === 97 && len === 5 && this.src.startsWith('async', begin);
  const isNonlocal = c0 === 110 && len === 8 && this.src.startsWith('nonlocal', begin);
  if (!isNonlocal && this.compileError !== null) return;
  if (!isReturn && !isYield && !isBreak && !isContinue && !isAsync && !isNonlocal)
    return this.asyncWord(begin, atLine, P_SEMI);
  const scope = this.enclosingScope();
  if (isNonlocal) {
    // the symbol table's analysis, after its whole walk: a name used before at module level is its walk's own
    // error ("… assigned to before nonlocal declaration"), which is not tracked here, so that case is left unjudged
    if (scope > B_CLASS) {
      if (this.moduleNonlocal === null && !this.namesSeenBefore(this.nonlocalNames(), begin, 0))
        this.moduleNonlocal = new TokenizeError(
          'nonlocal declaration not allowed at module level',
          atLine,
          begin - this.lineStart,
        );
    } else if (this.bodyNonlocal === null) this.bodyNonlocal = this.unboundNonlocal(begin, atLine);
    return;
  }
  if (isAsync) {
    // `async for` and `async with` need a coroutine's body (`async def` is checked by the parser)
    const next = statementStart(this.src, this.pos);
    const what = isWordAt(this.src, next, 'for') ? 'for' : isWordAt(this.src, next, 'with') ? 'with' : null;
    if (what !== null && scope !== B_ASYNC_FUNC)
      this.compileError = new TokenizeError(
        `'async ${what}' outside async function`,
        atLine,
        begin - this.lineStart,
      );
  } else if (isReturn || isYield) {
    if (scope > B_FUNC)
      this.compileError = new TokenizeError(
        `'${isReturn ? 'return' : 'yield'}' outside function`,
        atLine,
        begin - this.lineStart,
      );
    else if (
      isYield &&
      scope === B_ASYNC_FUNC &&
      isWordAt(this.src, statementStart(this.src, this.pos), 'from')
    )
      this.compileError = new TokenizeError(
        "'yield from' inside async function",
        atLine,
        begin - this.lineStart,
      );
  } else if (!this.loopInScope)
    this.compileError = new TokenizeError(
      isBreak ? "'break' outside loop" : "'continue' not properly in loop",
      atLine,
      begin - this.lineStart,
    );
};

/**
 * An `else` inside a statement: a conditional expression's, after an operand or not (`x if match else y`:
 * a soft keyword ends no operand here). One no conditional expression waits for at its level is
 * "invalid syntax": after a comprehension's filter (`[x for x in y if x else 0]`, a disjunction), or
 * with no `if` at all (`x = a else b`). Kept out of word(), which runs for every name.
 */
Tokenizer.prototype.elseWord = function (
  this: Tokenizer,
  begin: number,
  atLine: number,
  before: number,
): void {
  if (this.ternaryOpen > 0 && this.ternaryIf[this.depth]! >= 0) {
    this.ternaryIf[this.depth] = -1;
    this.ternaryOpen--;
  } else if (before !== P_COLON && !this.looseIf)
    this.fail(new TokenizeError('invalid syntax', atLine, begin - this.lineStart, E_PARSER));
};

/** Whether a word of this first character and length could be `await`, `async`, `yield`, `for` or `lambda`. */
Tokenizer.prototype.asyncShaped = function (this: Tokenizer, c0: number, len: number): boolean {
  return ((c0 === 97 || c0 === 121) && len === 5) || (c0 === 102 && len === 3) || (c0 === 108 && len === 6);
};

/**
 * The word [begin, pos), not at a statement's start, when it is `await`,
 * `async`, `for` or `lambda`. An `await` needs a coroutine's body: in
 * another function's "'await' outside async function", at module level or
 * in a class's body "'await' outside function". In brackets the verdict
 * waits for the line's end, as a comprehension, a generator or a lambda
 * there would be a scope of its own. `async for` in a list, set or dict
 * comprehension needs a coroutine too.
 */
Tokenizer.prototype.asyncWord = function (
  this: Tokenizer,
  begin: number,
  atLine: number,
  before: number,
): void {
  const c0 = this.src.charCodeAt(begin);
  if (c0 === 102 || c0 === 108) {
    if ((this.depth > 0 || c0 === 108) && wordKind(this.src, begin, this.pos) === Word.Keyword) {
      this.lineScoped = true;
      if (c0 === 108) {
        this.lambdaAt.push(this.pos);
        this.lambdaLevel.push(this.depth);
      }
      if (c0 === 102) {
        if (this.compFor[this.depth] !== true) {
          this.compFor[this.depth] = true;
          this.compForAt[this.depth] = begin;
        }
        this.compForLast[this.depth] = begin;
      }
    }
    return;
  }
  const isAwait = this.src.startsWith('await', begin);
  const isYield = !isAwait && this.src.startsWith('yield', begin);
  if (!isAwait && !isYield && !this.src.startsWith('async', begin)) return;
  if (isYield && this.misplacedYield(begin, before))
    this.fail(new TokenizeError('invalid syntax', atLine, begin - this.lineStart, E_PARSER));
  if (this.lineScoped) return;
  const scope = this.enclosingScope();
  if (isYield) {
    // `x = yield v` needs a function's body as `yield v` does; a lambda is one (`lambda: (yield)`)
    if (scope <= B_FUNC || this.lambdaBefore(begin)) return;
    const e = new TokenizeError("'yield' outside function", atLine, begin - this.lineStart);
    if (this.depth === 0) this.compileAt(e);
    else this.pendingAwait ??= e;
    return;
  }
  if (scope === B_ASYNC_FUNC || this.lambdaBefore(begin)) return;
  if (isAwait) {
    const e = new TokenizeError(
      scope === B_FUNC ? "'await' outside async function" : "'await' outside function",
      atLine,
      begin - this.lineStart,
    );
    if (this.depth === 0) this.compileAt(e);
    else this.pendingAwait ??= e;
  } else if (this.depth > 0 && isWordAt(this.src, statementStart(this.src, this.pos), 'for')) {
    // in a list, set or dict comprehension; a parenthesised one may be a generator, which may be asynchronous anywhere
    for (let i = 0; i < this.depth; i++)
      if (this.bracketCh[i] === 40 && !(this.argFlags[i]! & A_CALL)) return;
    this.compileAt(
      new TokenizeError(
        'asynchronous comprehension outside of an asynchronous function',
        this.bracketLine[this.depth - 1]!,
        this.bracketCol[this.depth - 1]!,
      ),
    );
  }
};

/**
 * A `yield` at `begin`, not starting a statement, where the grammar has no place for one: a yield
 * expression stands alone in a grouping `(…)` or as an assignment's whole value (`x = yield`,
 * `x += yield`), nowhere else (`f(yield)`, `[1, yield]`, `return yield`, `f(lambda: yield)`).
 * Where the token before it cannot be told for sure (a comment between), it is not judged.
 */
Tokenizer.prototype.misplacedYield = function (this: Tokenizer, begin: number, before: number): boolean {
  if (before === P_NONE || before === P_STAR || before === P_SLASH || (before === P_COLON && this.depth > 0))
    return true;
  if (before !== P_SEPARATOR && before !== P_DANGLING) return false;
  if (before === P_DANGLING && this.depth > 0) return true;
  let j = begin - 1;
  for (;;) {
    const c = this.src.charCodeAt(j);
    if (c === 32 || c === 9 || c === 12 || c === 10 || c === 13) j--;
    else if (c === 92) j--;
    else break;
  }
  const lineBegin = this.src.lastIndexOf('\n', j) + 1;
  const hash = this.src.indexOf('#', lineBegin);
  if (hash >= 0 && hash < j) return false;
  const c = this.src.charCodeAt(j);
  if (before === P_SEPARATOR)
    return c === 44 || c === 91 || c === 123 || (c === 40 && (this.argFlags[this.depth - 1]! & A_CALL) !== 0);
  if (c !== 61) return true;
  // `=` and the augmented assignments (`>>=` too) end in `=`; `==`, `!=`, `<=`, `>=` and `:=` compare or bind
  const b = this.src.charCodeAt(j - 1);
  if (b === 61 || b === 33 || b === 58) return true;
  if (b === 60 || b === 62) return this.src.charCodeAt(j - 2) !== b;
  return false;
};

/** Whether the word `lambda` stands in the current statement before `at` (its body is a function of its own). */
Tokenizer.prototype.lambdaBefore = function (this: Tokenizer, at: number): boolean {
  for (let i = this.stmtBegin; i + 6 <= at; i++)
    if (this.src.charCodeAt(i) === 108 && this.src.startsWith('lambda', i)) return true;
  return false;
};

/**
 * The innermost function or class whose body holds the current line
 * (B_ASYNC_FUNC, B_FUNC, B_CLASS), or B_OTHER at module level; and in
 * loopInScope, whether a loop's block within it holds the line (in tryInScope, a `try` statement's). A header
 * earlier on the line (`for x in y: break`, `def f(): return`) holds the
 * statement first, then the open blocks.
 */
Tokenizer.prototype.enclosingScope = function (this: Tokenizer): number {
  let scope = this.lineColon ? this.lineBlock : B_OTHER;
  this.loopInScope = scope === B_LOOP;
  this.tryInScope = scope === B_TRY;
  for (let i = this.levelBlock.length - 1; i >= 0 && scope > B_CLASS; i--) {
    scope = this.levelBlock[i]!;
    if (scope === B_LOOP) this.loopInScope = true;
    else if (scope === B_TRY) this.tryInScope = true;
  }
  return scope;
};

/** Keeps the compiler's error that comes first in the file. */
Tokenizer.prototype.compileAt = function (this: Tokenizer, e: TokenizeError): void {
  if (
    this.compileError === null ||
    this.compileError.line > e.line ||
    (this.compileError.line === e.line && this.compileError.col > e.col)
  )
    this.compileError = e;
};

/** Whether the keyword at [begin, end) is a statement on its own: `pass`, `break`, `continue`. */
function isWholeStatement(src: string, begin: number, end: number): boolean {
  const n = end - begin;
  return (
    (n === 4 && src.startsWith('pass', begin)) ||
    (n === 5 && src.startsWith('break', begin)) ||
    (n === 8 && src.startsWith('continue', begin))
  );
}
