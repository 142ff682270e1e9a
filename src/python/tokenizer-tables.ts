// The tokenizer's lookup tables and constants: character classes, operator kinds, keyword shapes, block kinds.
import { Tok, type Token } from './tokens.js';

export const SKIPPED: Token[] = [];

/**
 * A copy of `s` that does not keep its source alive. V8 makes a slice of 13 or
 * more characters a view into the parent string, so one retained name or value
 * would pin a whole file's text (10,000 files: 40 MB held to the end of a run).
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** Character classes for the skipped-body fast path (tokenize's skipPlain); BAIL hands the character to the general loop. */
export const BAIL = 0;
export const OPCHAR = 1;
export const SPACE = 2;
export const COLON = 3;
export const OPEN = 4;
export const CLOSE = 5;
export const QUOTE = 6;
export const HASH = 7;
export const NEWLINE = 8;
export const BANG = 9;
export const WORD = 10;
export const DIGIT = 11;
export const DOT = 12;
export const SKIP_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[,;+\-*/%&|^~<>=@]/.test(ch)) SKIP_CLASS[c] = OPCHAR;
  else if (/[A-Za-z_]/.test(ch)) SKIP_CLASS[c] = WORD;
  else if (/[0-9]/.test(ch)) SKIP_CLASS[c] = DIGIT;
}
for (const [chars, cls] of [
  [' \t\f', SPACE],
  [':', COLON],
  ['([{', OPEN],
  [')]}', CLOSE],
  ['"\'', QUOTE],
  ['#', HASH],
  ['\n\r', NEWLINE],
  ['!', BANG],
  ['.', DOT],
] as const) {
  for (const ch of chars) SKIP_CLASS[ch.charCodeAt(0)] = cls;
}

/** The one-character operators, by character code. */
export const OP1_TEXT: (string | undefined)[] = [];
for (const ch of '()[]{}:,;.+-*/%&|^~<>=@') OP1_TEXT[ch.charCodeAt(0)] = ch;

/**
 * What the last token leaves pending. An operator that needs a right operand
 * cannot end a line (`x = a +`), and a comma cannot follow a comma or an
 * opening bracket (`f(a,,b)`). `*` is exempt: `from x import *` ends a line.
 * A `:` that ends a logical line opens a block.
 */
export const P_NONE = 0;
export const P_DANGLING = 1;
export const P_SEPARATOR = 2;
export const P_COLON = 3;
/** The start of a logical line, or just after a `;`: another `;` cannot come here. */
export const P_SEMI = 4;
/** A lone `/`: it needs an operand, except as the positional-only marker before `)` in `def f(a, /)`. */
export const P_SLASH = 5;
/** An attribute's `.` (`sa.`): only a name may follow, no keyword, operator or bracket (`sa..String`, `op.(`). */
export const P_DOT = 6;
/** A relative import's `.` (`from .`, `from ..`): more dots, a name or `import` follow. */
export const P_RELDOT = 7;
/** A prefix `*` outside parameters and `import *`: an operand must follow (`print(*)`, `*` alone). */
export const P_STAR = 8;
export const PUNCT1 = new Uint8Array(128).fill(P_DANGLING);
for (const ch of ';*)]}') PUNCT1[ch.charCodeAt(0)] = P_NONE;
PUNCT1[58] = P_COLON;
PUNCT1[59] = P_SEMI;
PUNCT1[47] = P_SLASH;
for (const ch of ',([{') PUNCT1[ch.charCodeAt(0)] = P_SEPARATOR;

/**
 * Length of the operator at `pos` (3, 2 or 1), or 0 when the character starts
 * no operator. Longest match first, as CPython: `**=` `//=` `>>=` `<<=` `...`,
 * then `==` `!=` `<=` `>=` `->` `+=` `-=` `*=` `/=` `%=` `&=` `|=` `^=` `**`
 * `//` `<<` `>>` `:=` `@=`.
 */
export function opLength(src: string, pos: number, c: number): number {
  const d = src.charCodeAt(pos + 1);
  const e = src.charCodeAt(pos + 2);
  switch (c) {
    case 42: // *
    case 47: // /
      if (d === c) return e === 61 ? 3 : 2;
      return d === 61 ? 2 : 1;
    case 62: // >
    case 60: // <
      if (d === c) return e === 61 ? 3 : 2;
      return d === 61 ? 2 : 1;
    case 46: // .
      return d === 46 && e === 46 ? 3 : 1;
    case 33: // ! only in !=
      return d === 61 ? 2 : 0;
    case 45: // -
      return d === 61 || d === 62 ? 2 : 1;
    case 58: // :
    case 61: // =
    case 43: // +
    case 37: // %
    case 38: // &
    case 124: // |
    case 94: // ^
    case 64: // @
      return d === 61 ? 2 : 1;
    default:
      return OP1_TEXT[c] === undefined ? 0 : 1;
  }
}

/** Whether what the last token left pending needs an operand: a line cannot end there. */
export function needsOperand(p: number): boolean {
  return p === P_DANGLING || p === P_SLASH || p >= P_DOT;
}

/** Whether an operator may start an operand: `(` `[` `{` `-` `+` `~` `*` and `...`. */
export function startsOperand(c: number, len: number): boolean {
  if (len === 3) return c === 46;
  return len === 1 && (c === 40 || c === 91 || c === 123 || c === 45 || c === 43 || c === 126 || c === 42);
}

/**
 * Whether the operator at hand (first character c, length len) may come
 * after what the last token left pending (P_*): CPython's parser rejects `x =
 * = 1`, `f(a, .b)`, `sa..String` and `**x` at a statement's start, and says
 * "invalid syntax" at the operator. Closing brackets, and a comma after a
 * separator or a misplaced `;`, have their own checks. Only pairs that are
 * wrong in every context are refused: `*` and `**` pass wherever an unpacking
 * might stand, `:` after a comma (`x[1, :]`, `lambda a,: 0`), `=` after a comma
 * outside brackets (`a, = b`), `/` after a comma (`def f(a, /)`).
 */
export function opMayFollow(before: number, c: number, len: number, depth: number): boolean {
  if (before === P_NONE || c === 59) return true;
  const closer = len === 1 && (c === 41 || c === 93 || c === 125);
  switch (before) {
    case P_DANGLING:
      return startsOperand(c, len) || closer;
    case P_SEPARATOR:
      if (len === 1 && (closer || c === 44 || c === 58 || c === 47 || (c === 61 && depth === 0))) return true;
      return startsOperand(c, len) || (c === 42 && len === 2);
    case P_SEMI:
      return startsOperand(c, len) || (len === 1 && (c === 64 || c === 59));
    case P_COLON:
      // `::` only in a slice (`x[::2]`); outside brackets (`if x::`, `def f()::`) nothing takes it
      return (
        startsOperand(c, len) ||
        (c === 42 && len === 2) ||
        (len === 1 && (closer || c === 44 || (c === 58 && depth > 0) || c === 59))
      );
    case P_SLASH:
      return startsOperand(c, len) || (len === 1 && (closer || c === 44 || c === 58));
    case P_DOT:
      return closer;
    case P_STAR:
      return startsOperand(c, len) && c !== 42;
    default:
      // P_RELDOT
      return c === 46 || closer;
  }
}

/** Whether src[begin, end) (one or two letters) is a string prefix: r u b f t br rb fr rf tr rt, any case. */
export function isStringPrefix(src: string, begin: number, end: number): boolean {
  const a = src.charCodeAt(begin) | 32;
  if (end - begin === 1) return a === 114 || a === 117 || a === 98 || a === 102 || a === 116;
  const b = src.charCodeAt(begin + 1) | 32;
  if (a === 114) return b === 98 || b === 102 || b === 116;
  return (a === 98 || a === 102 || a === 116) && b === 114;
}

/** What a word is to Python's parser. */
export const enum Word {
  Name,
  /** True, False, None: keywords that are operands. */
  Constant,
  Keyword,
  /** match, case, type: keywords only where a statement starts, names elsewhere. */
  Soft,
}

/** Python's keywords by first character, looked up without slicing the source: this runs on many words of every file. */
/**
 * Python's keywords by first character, looked up without slicing the source:
 * this runs on most words of every file, so it is plain indexed arrays (no
 * iterator or destructuring, which stay slow until the optimiser has run),
 * and a mask of the lengths that occur for each first character turns most
 * names away at once.
 */
/** By the first two characters (index c0 * 128 + c1), a mask of the keyword lengths: `op` and `or`, `length` and `lambda`, are told apart before any comparison. */
const KW_PAIRS = new Uint16Array(128 * 128);
const KW_WORDS: string[][] = [];
const KW_KINDS: Word[][] = [];
for (const [kind, words] of [
  [
    Word.Keyword,
    'and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield',
  ],
  [Word.Constant, 'False None True'],
  [Word.Soft, 'match case type'],
] as const) {
  for (const w of words.split(' ')) {
    const c0 = w.charCodeAt(0);
    KW_PAIRS[c0 * 128 + w.charCodeAt(1)]! |= 1 << w.length;
    (KW_WORDS[c0] ??= []).push(w);
    (KW_KINDS[c0] ??= []).push(kind);
  }
}

/** Whether the word of `len` characters at `b` could be a keyword, by its first two characters and length alone: most names are not. */
export function keywordShaped(src: string, b: number, len: number): boolean {
  const c0 = src.charCodeAt(b);
  const c1 = src.charCodeAt(b + 1);
  return len >= 2 && len <= 8 && (c0 | c1) < 128 && (KW_PAIRS[c0 * 128 + c1]! & (1 << len)) !== 0;
}

export function wordKind(src: string, b: number, e: number): Word {
  if (!keywordShaped(src, b, e - b)) return Word.Name;
  const len = e - b;
  const c0 = src.charCodeAt(b);
  const words = KW_WORDS[c0]!;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.length === len && src.startsWith(w, b)) return KW_KINDS[c0]![i]!;
  }
  return Word.Name;
}

/** The kind of the last operand token, for the message when another follows it. */
export const K_NAME = 1;
export const K_STRING = 2;
export const K_OTHER = 3;
export const K_NUMBER = 4;
/** A word not yet classified: a name, or a keyword after which an operand may follow. */
export const K_WORD = 5;

/** A `def`/`class` header (async too), whose indented body holds no module-level binding. */
export function opensBody(toks: readonly Token[]): boolean {
  const first = toks[0];
  if (first === undefined || first.type !== Tok.Name) return false;
  if (first.text === 'def' || first.text === 'class') return true;
  return first.text === 'async' && toks[1]?.text === 'def';
}

/** What a statement leaves for the clause after it: nothing, an if/elif, a loop, a try, an except, a try's else. */
export const C_NONE = 0;
export const C_IF = 1;
export const C_LOOP = 2;
export const C_TRY = 3;
export const C_EXCEPT = 4;
export const C_TRY_ELSE = 5;
// a bare `except:` leaves its line, negated: the compiler wants it last, and names it if it is not

/** Kinds of block, for the compiler's errors: a coroutine's body, a function's, a class's (up to here a scope), a loop's, another. */
export const B_ASYNC_FUNC = 0;
export const B_FUNC = 1;
export const B_CLASS = 2;
export const B_LOOP = 3;
export const B_OTHER = 4;
/** A `try` statement's blocks (`try`, `except`, `else`, `finally`): a lazy import there is CPython's symbol-table error. */
export const B_TRY = 5;

/** By first character, the statements in which an `=` outside brackets is an error. */
export const EQUALS_REFUSED: (string[] | undefined)[] = [];
for (const w of [
  'if',
  'elif',
  'while',
  'return',
  'raise',
  'assert',
  'import',
  'from',
  'global',
  'nonlocal',
  'with',
  'for',
])
  (EQUALS_REFUSED[w.charCodeAt(0)] ??= []).push(w);

/** What Python's str.isprintable() rejects (the space aside): a no-break space, a zero-width space, a control character. */
export const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Whether the operator of `len` characters at `at` (starting with `c`) assigns (`+=`, `>>=`), rather than compares (`==`, `<=`, `>=`, `!=`), names (`:=`) or assigns nothing. */
export function augmentedOp(src: string, at: number, c: number, len: number): boolean {
  return (
    len >= 2 &&
    src.charCodeAt(at + len - 1) === 61 &&
    (len === 3 || !(c === 61 || c === 60 || c === 62 || c === 33 || c === 58))
  );
}

/** Whether a word of this first character and length could be `lambda`, `for` or `yield`. */
export function maySpecial(c0: number, len: number): boolean {
  return (c0 === 108 && len === 6) || (c0 === 102 && len === 3) || (c0 === 121 && len === 5);
}

/** What a call's argument list has shown so far (tokenize's argFlags). */
export const A_CALL = 1;
/** The `(` of a `def`'s parameters (`def f(`, `def f[T](`), where a `/` may stand. */
export const A_PARAMS = 2;
export const A_KW = 4;
export const A_KWUNPACK = 8;
/** Something the argument rules do not model (a generator, `f(a.b=1)`): no argument error is reported for this call. */
export const A_UNKNOWN = 32;
/** A positional argument came after a keyword (or after `**`): reported at the call's `)`. */
export const A_PENDING = 64;
export const A_PENDING_UNPACK = 128;
/** One open lambda (counted from here up: its commas separate parameters, not arguments). */
export const A_LAMBDA = 256;

/** The features `from __future__ import` knows (Python 3.7 and later). */
export const FUTURE_FEATURES: ReadonlySet<string> = new Set([
  'nested_scopes',
  'generators',
  'division',
  'absolute_import',
  'with_statement',
  'print_function',
  'unicode_literals',
  'barry_as_FLUFL',
  'generator_stop',
  'annotations',
]);

/** Keywords that join two expressions, or a clause to what came before (`import a as b`, `from x import y`). */
export const INFIX_KEYWORDS: ReadonlySet<string> = new Set([
  'and',
  'or',
  'in',
  'is',
  'if',
  'else',
  'for',
  'as',
  'from',
  'import',
]);
/** Keywords after which a statement may end (for `else`, `try`, `finally`, `except`, the missing `:` is reported as such). */
export const ENDS_STATEMENT: ReadonlySet<string> = new Set([
  'return',
  'yield',
  'raise',
  'pass',
  'break',
  'continue',
  'else',
  'try',
  'finally',
  'except',
]);
/** The statements an `as` may stand in. */
export const AS_STATEMENTS: ReadonlySet<string> = new Set(['import', 'from', 'with', 'except', 'case']);
/** Keywords a `:` may follow. */
export const TAKES_COLON: ReadonlySet<string> = new Set(['else', 'try', 'finally', 'except', 'lambda']);

/** The statements whose header ends on a colon and opens a block. */
export const COMPOUND_HEADS: ReadonlySet<string> = new Set([
  'if',
  'elif',
  'else',
  'for',
  'while',
  'try',
  'except',
  'finally',
  'with',
  'def',
  'class',
  'match',
  'case',
]);
