// Pass: global and nonlocal declarations the symbol table refuses.
import { declarationError } from './scope-declarations.js';
import { Tokenizer } from './tokenizer-state.js';
import { B_CLASS, B_FUNC } from './tokenizer-tables.js';
import { TokenizeError } from './tokens.js';

declare module './tokenizer-state.js' {
  interface Tokenizer {
    nonlocalNames(): string[];
    namesSeenBefore(names: readonly string[], begin: number, from: number): boolean;
    unboundNonlocal(begin: number, atLine: number): TokenizeError | null;
    declarations(): void;
  }
}

/** The names of the `nonlocal` statement whose word ends at pos. */
Tokenizer.prototype.nonlocalNames = function (this: Tokenizer): string[] {
  return /^[ \t\f]*([^\n;#]*)/u
    .exec(this.src.slice(this.pos, this.pos + 1000))![1]!
    .split(',')
    .map((n) => n.trim());
};

/** Whether any name of the `nonlocal` statement at [begin, pos) appears as a word in src[from, begin). */
Tokenizer.prototype.namesSeenBefore = function (
  this: Tokenizer,
  names: readonly string[],
  begin: number,
  from: number,
): boolean {
  const before = this.src.slice(from, begin);
  return names.some(
    (n) => n === '' || new RegExp(`(?<![\\w.])${n.replace(/[^\p{L}\p{N}_]/gu, '')}(?!\\w)`, 'u').test(before),
  );
};

/**
 * A `nonlocal` statement at [begin, pos) in a function or class body: when no function encloses
 * that scope, no name can have a binding, which CPython's symbol table reports for the first name.
 * Left unjudged where its walk may say something else first: a name already seen in the scope
 * (a parameter, a use, an assignment), in a file that says `global`, or mangled in a class (`__x`).
 */
Tokenizer.prototype.unboundNonlocal = function (
  this: Tokenizer,
  begin: number,
  atLine: number,
): TokenizeError | null {
  let i = this.levelBlock.length - 1;
  let from: number;
  if (this.lineColon && this.lineBlock <= B_CLASS) from = this.currentBegin;
  else {
    while (i > 0 && this.levelBlock[i]! > B_CLASS) i--;
    from = this.levelHeader[i]!;
    i--;
  }
  for (; i >= 0; i--) if (this.levelBlock[i]! <= B_FUNC) return null;
  const names = this.nonlocalNames();
  if (
    names.some((n) => !/^[A-Za-z_]\w*$/u.test(n) || n.startsWith('__')) ||
    this.namesSeenBefore(names, begin, from)
  )
    return null;
  // a `global` for the same name makes it "nonlocal and global"; any `global` in the file leaves the case unjudged
  if (this.src.includes('global')) return null;
  return new TokenizeError(`no binding for nonlocal '${names[0]}' found`, atLine, begin - this.lineStart);
};

const DECLARATION = /^[ \t]*(?:global|nonlocal)[ \t]/mu;

/**
 * A `global` or `nonlocal` declaration of a name its scope used or bound before (scope-declarations.ts):
 * the symbol table's error. Read from every body's tokens, so a file that skipped bodies is read again
 * whole; only files with such a declaration are, which migrations rarely have.
 */
Tokenizer.prototype.declarations = function (this: Tokenizer): void {
  if (this.deferred !== null || this.futureError !== null || !DECLARATION.test(this.src)) return;
  const lines = this.skipBodies ? new Tokenizer(this.src, { skipBodies: false }).run().lines : this.lines;
  const e = declarationError(lines);
  if (e !== null && (this.symtableError === null || this.symtableError.line > e.line))
    this.symtableError = new TokenizeError(e.message, e.line, e.col);
};
