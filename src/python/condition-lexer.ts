// The expression reader behind python-condition.ts: just enough of an expression to name what CPython
// names. It reads tokens by the tokenizer's own rules (operators, string prefixes, identifier characters).
import { isIdentPart, isIdentStart } from './python-chars.js';
import { isStringPrefix, opLength } from './tokenizer-tables.js';

export const GENERIC = 'invalid syntax';
export const T_END = 0;
export const T_NAME = 1;
const T_NUMBER = 2;
const T_STRING = 3;
export const T_OP = 4;
export const T_GROUP = 5;

export interface Lexed {
  kind: number;
  start: number;
  end: number;
  /** For T_OP, the operator; for T_GROUP, its opening bracket. */
  text: string;
}

export const KEYWORDS: ReadonlySet<string> = new Set(
  'and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield False None True'.split(
    ' ',
  ),
);
const BINARY: ReadonlySet<string> = new Set([
  '|',
  '^',
  '&',
  '<<',
  '>>',
  '+',
  '-',
  '*',
  '/',
  '//',
  '%',
  '@',
  '**',
]);

export const COMPARISON: ReadonlySet<string> = new Set(['<', '>', '==', '>=', '<=', '!=']);
export const LOOSER_WORDS: ReadonlySet<string> = new Set(['if', 'else', 'and', 'or', 'not', 'in', 'is']);

/** A target that cannot be assigned (or deleted), with CPython's name for it; or where a valid target ends; or null where this cannot read it. */
export type TargetScan =
  { readonly invalid: { readonly name: string; readonly at: number } } | { readonly end: number } | null;

/** After the comparison operators and operands from p (`== y in z`), or -1 where this cannot read them. */
export function comparisonEnd(src: string, p: number): number {
  for (;;) {
    const t = lex(src, p);
    const word = t.kind === T_NAME ? src.slice(t.start, t.end) : '';
    if (t.kind === T_OP && COMPARISON.has(t.text)) p = t.end;
    else if (word === 'in') p = t.end;
    else if (word === 'is' || word === 'not') {
      const u = lex(src, t.end);
      const next = u.kind === T_NAME ? src.slice(u.start, u.end) : '';
      if (word === 'not' && next !== 'in') return -1;
      p = (word === 'is' && next === 'not') || word === 'not' ? u.end : t.end;
    } else return p;
    const operand = bitwiseOr(src, p);
    if (operand === null) return -1;
    p = operand.end;
  }
}

/** Among the tokens of [from, to) outside brackets: where the last comma ends (-1: none), and whether the word `lambda` stands there. */
export function topLevel(src: string, from: number, to: number): { afterComma: number; lambda: boolean } {
  let afterComma = -1;
  let lambda = false;
  for (let t = lex(src, from); t.kind !== T_END && t.start < to; t = lex(src, t.end)) {
    if (t.kind === T_OP && t.text === ',') afterComma = t.end;
    else if (t.kind === T_NAME && src.slice(t.start, t.end) === 'lambda') lambda = true;
  }
  return { afterComma, lambda };
}

/** CPython's lookahead before its "Maybe you meant" for what precedes an `=`: no list, tuple, generator expression, True, None or False first. */
export function excludedStart(src: string, first: Lexed): boolean {
  if (first.kind === T_NAME) return /^(True|None|False)$/.test(src.slice(first.start, first.end));
  return first.kind === T_GROUP && /^(list|tuple|generator expression)$/.test(groupShape(src, first) ?? '');
}

/** Whether one operand (a `bitwise_or`) follows the `=` at eq, and no other `=` or `:=` after it: the rest of that lookahead. */
export function operandAfter(src: string, eq: number): boolean {
  const right = bitwiseOr(src, eq + 1);
  if (right === null) return false;
  const after = lex(src, right.end);
  return !(after.kind === T_OP && (after.text === '=' || after.text === ':='));
}

interface Parsed {
  end: number;
  /** What CPython calls the expression in its message, or null where this does not know. */
  name: string | null;
  /** Where CPython locates it: a parenthesised expression's own start. */
  at: number;
}

/** A `bitwise_or` from p: operands joined by binary operators, each with unary signs, `await`, trailers. */
export function bitwiseOr(src: string, p: number): Parsed | null {
  const first = operand(src, p);
  if (first === null) return null;
  let result = first;
  for (;;) {
    const t = lex(src, result.end);
    if (t.kind !== T_OP || !BINARY.has(t.text)) return result;
    // PEG backtracks: `x +` followed by no operand is `x`, with the `+` after it
    const next = operand(src, t.end);
    if (next === null) return result;
    result = { end: next.end, name: 'expression', at: first.at };
  }
}

function operand(src: string, p: number): Parsed | null {
  const t = lex(src, p);
  if (t.kind === T_OP && (t.text === '+' || t.text === '-' || t.text === '~')) {
    const inner = operand(src, t.end);
    return inner === null ? null : { end: inner.end, name: 'expression', at: t.start };
  }
  if (t.kind === T_NAME && src.slice(t.start, t.end) === 'await') {
    const inner = primary(src, t.end);
    return inner === null ? null : { end: inner.end, name: 'await expression', at: t.start };
  }
  return primary(src, p);
}

/** An atom and its trailers (`.name`, a call's `(…)`, a subscript's `[…]`). */
function primary(src: string, p: number): Parsed | null {
  const t = lex(src, p);
  let parsed: Parsed;
  if (t.kind === T_NAME) {
    const word = src.slice(t.start, t.end);
    if (KEYWORDS.has(word) && word !== 'True' && word !== 'False' && word !== 'None') return null;
    parsed = { end: t.end, name: KEYWORDS.has(word) ? word : 'name', at: t.start };
  } else if (t.kind === T_NUMBER) parsed = { end: t.end, name: 'literal', at: t.start };
  else if (t.kind === T_STRING) {
    let end = t.end;
    let fString = /^[a-zA-Z]*[fF]/.test(src.slice(t.start, t.end));
    const bytes = /^[a-zA-Z]*[bB]/.test(src.slice(t.start, t.end));
    for (let s = lex(src, end); s.kind === T_STRING; s = lex(src, end)) {
      if (/^[a-zA-Z]*[fF]/.test(src.slice(s.start, s.end))) fString = true;
      // bytes beside text is an error of its own, which CPython reports first
      if (/^[a-zA-Z]*[bB]/.test(src.slice(s.start, s.end)) !== bytes) return null;
      end = s.end;
    }
    parsed = { end, name: fString ? 'f-string expression' : 'literal', at: t.start };
  } else if (t.kind === T_OP && t.text === '...') parsed = { end: t.end, name: 'ellipsis', at: t.start };
  else if (t.kind === T_GROUP) {
    const shape = groupShape(src, t);
    if (shape === null) {
      // a parenthesised expression: CPython names what is inside, where it starts
      lexState.nested++;
      const inner = bitwiseOr(src, t.start + 1);
      const closes = inner !== null && lex(src, inner.end).start === t.end - 1;
      const first = inner === null ? lex(src, t.start + 1) : null;
      lexState.nested--;
      if (inner !== null && closes) parsed = { end: t.end, name: inner.name, at: inner.at };
      else if (inner !== null && inner.name === 'name' && lex(src, inner.end).text === ':=')
        parsed = { end: t.end, name: 'named expression', at: inner.at };
      else if (first !== null && first.kind === T_NAME && src.slice(first.start, first.end) === 'lambda')
        parsed = { end: t.end, name: 'lambda', at: first.start };
      // `(yield)`, `(yield x)`: what is in it is no operand, but CPython names it all the same
      else if (first !== null && first.kind === T_NAME && src.slice(first.start, first.end) === 'yield')
        parsed = { end: t.end, name: 'yield expression', at: first.start };
      else parsed = { end: t.end, name: null, at: t.start };
    } else parsed = { end: t.end, name: shape, at: t.start };
  } else return null;
  for (;;) {
    const u = lex(src, parsed.end);
    if (u.kind === T_OP && u.text === '.') {
      const name = lex(src, u.end);
      if (name.kind !== T_NAME || KEYWORDS.has(src.slice(name.start, name.end))) return parsed;
      parsed = { end: name.end, name: 'attribute', at: parsed.at };
    } else if (u.kind === T_GROUP && u.text === '(')
      parsed = { end: u.end, name: 'function call', at: parsed.at };
    else if (u.kind === T_GROUP && u.text === '[') parsed = { end: u.end, name: 'subscript', at: parsed.at };
    else return parsed;
  }
}

/** What a bracketed group is by its top-level contents, as CPython names it; null for a parenthesised expression. */
function groupShape(src: string, g: Lexed): string | null {
  let comma = false;
  let colon = false;
  let comprehension = false;
  let items = 0;
  let starStar = false;
  // nothing here throws: the count is restored on every path
  lexState.nested++;
  for (let t = lex(src, g.start + 1); t.kind !== T_END && t.start < g.end - 1; t = lex(src, t.end)) {
    items++;
    if (t.kind === T_OP && t.text === ',') comma = true;
    else if (t.kind === T_OP && t.text === ':') colon = true;
    else if (t.kind === T_OP && t.text === '**' && items === 1) starStar = true;
    else if (t.kind === T_NAME && src.slice(t.start, t.end) === 'for') comprehension = true;
  }
  lexState.nested--;
  if (g.text === '(')
    return items === 0 || (comma && !comprehension) ? 'tuple' : comprehension ? 'generator expression' : null;
  if (g.text === '[') return comprehension ? 'list comprehension' : 'list';
  if (items === 0 || starStar) return 'dict literal';
  if (colon) return comprehension ? 'dict comprehension' : 'dict literal';
  return comprehension ? 'set comprehension' : 'set display';
}

const END: Lexed = { kind: T_END, start: 0, end: 0, text: '' };

/** Above 0 while the text read is inside brackets, where line ends and comments are blanks. */
export const lexState = { nested: 0 };

/**
 * The next token from p within the logical line: a bracketed group is one
 * token, through its matching bracket. The line's end, a comment, or text
 * this does not read (an unclosed bracket or string) is T_END.
 */
export function lex(src: string, p: number): Lexed {
  const n = src.length;
  p = blanksEnd(src, p, lexState.nested > 0);
  if (p >= n) return { ...END, start: p, end: p };
  const c = src.charCodeAt(p);
  if (c === 10 || c === 13 || c === 35) return { ...END, start: p, end: p };
  if (c === 34 || c === 39) {
    const end = stringEnd(src, p);
    return end < 0 ? { ...END, start: p, end: p } : { kind: T_STRING, start: p, end, text: '' };
  }
  if (isIdentStart(c, src, p)) {
    let e = p + 1;
    while (e < n && isIdentPart(src.charCodeAt(e), src, e)) e++;
    const q = src.charCodeAt(e);
    if ((q === 34 || q === 39) && e - p <= 2 && isStringPrefix(src, p, e)) {
      const end = stringEnd(src, e);
      return end < 0 ? { ...END, start: p, end: p } : { kind: T_STRING, start: p, end, text: '' };
    }
    return { kind: T_NAME, start: p, end: e, text: '' };
  }
  if ((c >= 48 && c <= 57) || (c === 46 && src.charCodeAt(p + 1) >= 48 && src.charCodeAt(p + 1) <= 57)) {
    let e = p + 1;
    for (;;) {
      const d = src.charCodeAt(e);
      if (isIdentPart(d, src, e) || d === 46) e++;
      else if (
        (d === 43 || d === 45) &&
        (src.charCodeAt(e - 1) | 32) === 101 &&
        !/^0[xX]/.test(src.slice(p, p + 2))
      )
        e++;
      else break;
    }
    return { kind: T_NUMBER, start: p, end: e, text: '' };
  }
  if (c === 40 || c === 91 || c === 123) {
    const end = groupEnd(src, p);
    return end < 0
      ? { ...END, start: p, end: p }
      : { kind: T_GROUP, start: p, end, text: String.fromCharCode(c) };
  }
  // the tokenizer's operators, longest first; any other character is one token, as CPython's ERRORTOKEN
  const len = Math.max(opLength(src, p, c), 1);
  return { kind: T_OP, start: p, end: p + len, text: src.slice(p, p + len) };
}

/**
 * Where the next token starts from `p`: past blanks and line continuations,
 * and inside brackets (`inBrackets`) past line ends and comments too.
 */
export function blanksEnd(src: string, p: number, inBrackets: boolean): number {
  for (;;) {
    const c = src.charCodeAt(p);
    if (c === 32 || c === 9 || c === 12) p++;
    else if (c === 92 && (src.charCodeAt(p + 1) === 10 || src.charCodeAt(p + 1) === 13))
      p += src.charCodeAt(p + 1) === 13 && src.charCodeAt(p + 2) === 10 ? 3 : 2;
    else if (inBrackets && (c === 10 || c === 13)) p++;
    else if (inBrackets && c === 35)
      while (p < src.length && src.charCodeAt(p) !== 10 && src.charCodeAt(p) !== 13) p++;
    else return p;
  }
}

/** After the string literal whose quote is at q, or -1 when it does not end on its line (single-quoted) or at all. */
function stringEnd(src: string, q: number): number {
  const quote = src.charCodeAt(q);
  const triple = src.charCodeAt(q + 1) === quote && src.charCodeAt(q + 2) === quote;
  let p = q + (triple ? 3 : 1);
  while (p < src.length) {
    const c = src.charCodeAt(p);
    if (c === 92) p += 2;
    else if (c === quote && (!triple || (src.charCodeAt(p + 1) === quote && src.charCodeAt(p + 2) === quote)))
      return p + (triple ? 3 : 1);
    else if (!triple && (c === 10 || c === 13)) return -1;
    else p++;
  }
  return -1;
}

/** After the bracket that closes the one at p, stepping over strings and comments, or -1. */
function groupEnd(src: string, p: number): number {
  const stack: number[] = [];
  while (p < src.length) {
    const c = src.charCodeAt(p);
    if (c === 40 || c === 91 || c === 123) {
      stack.push(c === 40 ? 41 : c + 2);
      p++;
    } else if (c === 41 || c === 93 || c === 125) {
      if (stack.pop() !== c) return -1;
      p++;
      if (stack.length === 0) return p;
    } else if (c === 34 || c === 39) {
      const e = stringEnd(src, p);
      if (e < 0) return -1;
      p = e;
    } else if (c === 35) {
      while (p < src.length && src.charCodeAt(p) !== 10 && src.charCodeAt(p) !== 13) p++;
    } else p++;
  }
  return -1;
}
