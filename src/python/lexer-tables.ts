// The lexer's tables: operators by character, string prefixes, keywords, what a printable character is.
import { Tok, type Token } from './tokens.js';

/**
 * A copy of `s` that does not keep its source alive. V8 makes a slice of 13 or
 * more characters a view into the parent string, so one retained name or value
 * would pin a whole file's text (10,000 files: 40 MB held to the end of a run).
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** Python's hard keywords (`keyword.kwlist`; soft ones such as `match` and `type` are names too). */
export const HARD_KEYWORDS: readonly string[] = [
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
];

/** The one-character operators, by character code. */
export const OP1_TEXT: (string | undefined)[] = [];
for (const ch of '()[]{}:,;.+-*/%&|^~<>=@') OP1_TEXT[ch.charCodeAt(0)] = ch;

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

/** Whether src[begin, end) (one or two letters) is a string prefix: r u b f t br rb fr rf tr rt, any case. */
export function isStringPrefix(src: string, begin: number, end: number): boolean {
  const a = src.charCodeAt(begin) | 32;
  if (end - begin === 1) return a === 114 || a === 117 || a === 98 || a === 102 || a === 116;
  const b = src.charCodeAt(begin + 1) | 32;
  if (a === 114) return b === 98 || b === 102 || b === 116;
  return (a === 98 || a === 102 || a === 116) && b === 114;
}

/** A `def`/`class` header (async too), whose indented body holds no module-level binding. */
export function opensBody(toks: readonly Token[]): boolean {
  const first = toks[0];
  if (first === undefined || first.type !== Tok.Name) return false;
  if (first.text === 'def' || first.text === 'class') return true;
  return first.text === 'async' && toks[1]?.text === 'def';
}

/** What Python's str.isprintable() rejects (the space aside): a no-break space, a zero-width space, a control character. */
export const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** A t-string's prefix at `at` (`t`, `rt`, `tr`, any case): the prefix holds a t before its quote. */
export function isTemplate(src: string, at: number): boolean {
  for (let i = at; i < at + 3; i++) {
    const c = src.charCodeAt(i) | 32;
    if (c === 116) return true;
    if (c !== 114) return false;
  }
  return false;
}
