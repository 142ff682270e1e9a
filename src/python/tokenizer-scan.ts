// One token at a time inside a logical line: blanks, newlines, strings, names, numbers, operators, brackets.
import { isIdentPart, isIdentStart } from './python-chars.js';
import { openerOf } from './statement-checks.js';
import { Tokenizer } from './tokenizer-state.js';
import {
  augmentedOp,
  detach,
  isStringPrefix,
  K_STRING,
  K_WORD,
  needsOperand,
  NON_PRINTABLE,
  OP1_TEXT,
  opLength,
  opMayFollow,
  P_DANGLING,
  P_DOT,
  P_NONE,
  P_SEPARATOR,
} from './tokenizer-tables.js';
import { E_PARSER, E_QUIET, Tok, TokenizeError } from './tokens.js';

declare module './tokenizer-state.js' {
  interface Tokenizer {
    scanToken(): void;
    scanOperator(c: number, startLine: number, startCol: number, punctBefore: number): void;
    operatorChecks(c: number, len: number, startLine: number, startCol: number, punctBefore: number): void;
    closeBracket(c: number, startLine: number, startCol: number, punctBefore: number): void;
    nextStatement(): void;
  }
}

/** One token (or blank, newline, comment, continuation) at pos, inside a logical line. */
Tokenizer.prototype.scanToken = function (this: Tokenizer): void {
  const c = this.src.charCodeAt(this.pos);
  if (c === 32 || c === 9 || c === 12) {
    this.pos++;
    return;
  }
  if (c === 10 || c === 13) {
    if (c === 13 && this.src.charCodeAt(this.pos + 1) === 10) this.pos++;
    if (this.depth === 0) {
      if (
        needsOperand(this.punct) ||
        (this.operandEnd && this.prevKw && this.prevKind === K_WORD && this.keywordRefuses(10, 0))
      )
        this.fail(this.operandMissing(this.punct, this.line, this.pos - this.lineStart, this.pos));
      this.finishLine();
    }
    this.pos++;
    this.newline();
    return;
  }
  if (c === 35) {
    while (this.pos < this.n && this.src.charCodeAt(this.pos) !== 10 && this.src.charCodeAt(this.pos) !== 13)
      this.pos++;
    return;
  }
  if (c === 92) {
    const next = this.src.charCodeAt(this.pos + 1);
    // a continuation into the end of the file, with or without its newline: CPython names the backslash's
    // line, or the bracket left open
    if (next === 10 || next === 13 || this.pos + 1 >= this.n) {
      const at = this.line;
      const col = this.pos + 1 - this.lineStart;
      this.pos +=
        next === 13 && this.src.charCodeAt(this.pos + 2) === 10 ? 3 : this.pos + 1 >= this.n ? 1 : 2;
      if (this.pos >= this.n && this.depth === 0)
        throw new TokenizeError('unexpected EOF while parsing', at, col, E_QUIET);
      if (next === 10 || next === 13) this.newline();
      return;
    }
    throw new TokenizeError(
      'unexpected character after line continuation character',
      this.line,
      this.pos - this.lineStart,
      E_QUIET,
    );
  }
  const startCol = this.pos - this.lineStart;
  const startLine = this.line;
  const punctBefore = this.punct;
  this.punct = P_NONE;
  if (c === 34 || c === 39) {
    const begin = this.pos;
    this.operand(K_STRING, begin, startLine);
    this.scanString(this.pos, 0);
    if (!this.skipping)
      this.current!.push({
        type: Tok.String,
        text: this.src.slice(begin, this.pos),
        line: startLine,
        col: startCol,
      });
    return;
  }
  if (isIdentStart(c, this.src, this.pos)) {
    const begin = this.pos;
    this.pos++;
    while (this.pos < this.n && isIdentPart(this.src.charCodeAt(this.pos), this.src, this.pos)) this.pos++;
    const q = this.src.charCodeAt(this.pos);
    if ((q === 34 || q === 39) && this.pos - begin <= 2 && isStringPrefix(this.src, begin, this.pos)) {
      this.operand(K_STRING, begin, startLine);
      this.scanString(this.pos, this.pos - begin);
      if (!this.skipping)
        this.current!.push({
          type: Tok.String,
          text: this.src.slice(begin, this.pos),
          line: startLine,
          col: startCol,
        });
      return;
    }
    this.word(begin, startLine, punctBefore);
    if (this.skipping || begin === this.lazyAt) return;
    const text = detach(this.src.slice(begin, this.pos));
    this.current!.push(
      begin === this.lazyImportAt
        ? { type: Tok.Name, text, line: startLine, col: startCol, lazy: true }
        : { type: Tok.Name, text, line: startLine, col: startCol },
    );
    return;
  }
  if (
    (c >= 48 && c <= 57) ||
    (c === 46 && this.src.charCodeAt(this.pos + 1) >= 48 && this.src.charCodeAt(this.pos + 1) <= 57)
  ) {
    const begin = this.pos;
    this.number(startLine);
    if (!this.skipping)
      this.current!.push({
        type: Tok.Number,
        text: this.src.slice(begin, this.pos),
        line: startLine,
        col: startCol,
      });
    return;
  }
  this.scanOperator(c, startLine, startCol, punctBefore);
};

/** An operator or bracket at pos (a character that starts none is an error): checked, noted, pushed. */
Tokenizer.prototype.scanOperator = function (
  this: Tokenizer,
  c: number,
  startLine: number,
  startCol: number,
  punctBefore: number,
): void {
  const len = opLength(this.src, this.pos, c);
  if (len === 0) {
    const cp = this.src.codePointAt(this.pos)!;
    if (cp > 0x20 && cp < 0x7f) {
      // `$`, `?`, a backtick, a lone `!`: CPython makes them operator tokens, which the parser then rejects
      this.fail(new TokenizeError('invalid syntax', this.line, startCol, E_PARSER));
      this.pos++;
      this.operandEnd = false;
      return;
    }
    const undecodable = this.nameDecodeError(this.pos);
    if (undecodable !== null) throw undecodable;
    const ch = String.fromCodePoint(cp);
    const hex = cp.toString(16).toUpperCase().padStart(4, '0');
    if (NON_PRINTABLE.test(ch))
      throw new TokenizeError(`invalid non-printable character U+${hex}`, this.line, startCol);
    throw new TokenizeError(`invalid character '${ch}' (U+${hex})`, this.line, startCol);
  }
  this.operatorChecks(c, len, startLine, startCol, punctBefore);
  const paren = c === 40 ? this.parenKind() : 0;
  const subscript = c === 91 && len === 1 && this.subscriptHere();
  if (this.inCall) {
    if (len === 1 && c === 44) this.argComma();
    else if (len === 1 && c === 58) this.argColon();
    else if (len === 1 && c === 61) this.argEquals();
    else if (
      this.argStart
        ? !(len === 1 && (c === 41 || c === 93 || c === 125))
        : c === 42 && this.startsArgument(this.pos)
    )
      this.argToken(c, len);
  }
  if (this.depth > 0) {
    if (c === 61 && len === 1 && !this.inCall) this.bracketEquals(this.pos);
    else if (augmentedOp(this.src, this.pos, c, len)) this.augmentedInBrackets();
  } else if (c === 61 || len >= 2) this.assignmentOperator(c, len);
  this.pos += len;
  if (c === 59) this.nextStatement();
  this.operandEnd = false;
  if (c === 58 && len === 1 && this.depth === 0) {
    // a block header's colon: a statement may follow on the same line (`try: import a as b`)
    this.statementColon(this.pos - 1);
    this.lineColon = true;
    this.stmtBegin = this.pos;
  } else if (c === 44 && this.depth === 0 && !this.lineColon) this.python2Comma(this.pos - 1);
  if (len === 1) {
    if (c === 40 || c === 91 || c === 123)
      this.openBracket(c, startLine, startCol, paren, this.pos - 1, subscript);
    else if (c === 41 || c === 93 || c === 125) this.closeBracket(c, startLine, startCol, punctBefore);
  }
  if (!this.skipping)
    this.current!.push({
      type: Tok.Op,
      text: len === 1 ? OP1_TEXT[c]! : this.src.slice(this.pos - len, this.pos),
      line: startLine,
      col: startCol,
    });
};

/** The operator of `len` at pos where what came before (`punctBefore`) leaves no place for it, and what it ends or opens. */
Tokenizer.prototype.operatorChecks = function (
  this: Tokenizer,
  c: number,
  len: number,
  startLine: number,
  startCol: number,
  punctBefore: number,
): void {
  if (c === 123) this.brace(this.pos, startLine);
  if (this.depth > 0 && this.bracketCh[this.depth - 1] === 123 && this.fieldNest === 0)
    this.braceElement(c, len, punctBefore, startLine, startCol);
  if (c === 59 && this.misplacedSemicolon(punctBefore)) this.semicolonError(punctBefore, startCol);
  else if (
    (c === 44 && punctBefore === P_SEPARATOR) ||
    (c === 47 && len === 1 && punctBefore === P_SEPARATOR && this.slashOutsideParameters()) ||
    !opMayFollow(punctBefore, c, len, this.depth) ||
    (c === 45 && len === 2 && this.misplacedArrow()) ||
    (c === 58 && len === 1 && punctBefore === P_SEPARATOR && this.colonAfterOpener(this.pos)) ||
    (c === 42 && punctBefore === P_DANGLING && this.afterArrow(this.pos))
  ) {
    this.fail(this.operandMissing(punctBefore, startLine, startCol, this.pos));
  } else if (this.operandEnd && this.prevKw && this.prevKind === K_WORD && this.keywordRefuses(c, len))
    this.fail(this.keywordError(startLine, startCol));
  else if (c === 58 && len === 2 && this.depth === 0) this.walrusOutsideBrackets(startLine, startCol);
  if (
    this.ternaryOpen > 0 &&
    len === 1 &&
    (c === 44 || c === 59 || c === 58 || c === 41 || c === 93 || c === 125)
  )
    this.ternaryEnd(this.depth, c === 58 ? this.pos : -1);
  if (c === 58 && len === 1 && this.lambdaAt.length > 0) this.lambdaColon(this.pos);
  this.punct = len === 1 ? this.punctOf(c) : len === 3 && c === 46 ? P_NONE : P_DANGLING;
  if (c === 45 && len === 2 && this.depth === 0) this.arrowHere();
};

/** A `)`, `]` or `}` just read (pos is past it): it must close the innermost open bracket, and a dangling operator before it is an error. */
Tokenizer.prototype.closeBracket = function (
  this: Tokenizer,
  c: number,
  startLine: number,
  startCol: number,
  punctBefore: number,
): void {
  const op = String.fromCharCode(c);
  if (this.depth === 0) throw new TokenizeError(`unmatched '${op}'`, startLine, startCol);
  const open = this.bracketCh[--this.depth]!;
  if (open !== openerOf(c)) {
    throw new TokenizeError(
      `closing parenthesis '${op}' does not match opening parenthesis '${String.fromCharCode(open)}'` +
        (this.bracketLine[this.depth] !== startLine ? ` on line ${this.bracketLine[this.depth]}` : ''),
      startLine,
      startCol,
    );
  }
  // `f(a +)`: the operator has no right operand (checked after the bracket match, as CPython)
  if (punctBefore === P_DANGLING || punctBefore >= P_DOT)
    this.fail(new TokenizeError('invalid syntax', startLine, startCol, E_PARSER));
  this.leftBracket(startLine, startCol);
  this.closed(this.pos - 1, startLine);
};

/** Just after a `;`: the next statement of the logical line starts here. */
Tokenizer.prototype.nextStatement = function (this: Tokenizer): void {
  if (this.delAt >= 0) this.delTargets();
  this.stmtBegin = this.pos;
  this.lineEquals = false;
  this.stmtComma = false;
  this.stmtColon = false;
  this.annotated = 0;
};
