import { argumentEnd, matching } from '../alembic/env/env-tokens.js';
import { tokenize, Tok, type LogicalLine, type Token } from '../python/python-tokenizer.js';

/**
 * A statement that is one call, `op.method(…)`, alone on its lines: where it is in the file and its
 * arguments' source text, so that a rewrite keeps the call as written and adds to it.
 */
export interface CallStatement {
  /** 1-based physical lines the statement spans, first and last. */
  readonly first: number;
  readonly last: number;
  /** The whitespace before it on its first line. */
  readonly indent: string;
  readonly method: string;
  /** Each argument's source text, with its keyword when it is one. */
  readonly args: readonly { readonly kw?: string; readonly text: string }[];
  /** The statement's text (its lines, a trailing comment kept) with `kw=value` added as the last argument. */
  withKeyword(kw: string, value: string): string;
  /** The statement's text as it is. */
  readonly text: string;
  /** Lines of `text` (0-based) that continue a string across lines: a re-indent must leave them alone. */
  readonly insideString: ReadonlySet<number>;
}

/** The file's logical lines, read once per file. */
export function statementsOf(text: string): readonly LogicalLine[] | undefined {
  const { lines, error } = tokenize(text);
  return error ? undefined : lines;
}

/**
 * The call statement that starts on `line`, or why it is not one a rewrite can take: it must be
 * `NAME.method(…)` and nothing else, the only statement on its lines.
 */
export function callStatementAt(
  text: string,
  lines: readonly LogicalLine[],
  line: number,
): CallStatement | string {
  const at = lines.findIndex((l) => l.tokens[0]?.line === line);
  const t = lines[at]?.tokens;
  if (!t || t.length < 5) return 'not a statement of its own';
  const op = (i: number, s: string): boolean => t[i]?.type === Tok.Op && t[i]!.text === s;
  if (!(t[0]!.type === Tok.Name && op(1, '.') && t[2]!.type === Tok.Name && op(3, '(')))
    return 'not a plain op.… call statement';
  if (matching(t, 3) !== t.length - 1) return 'the call is part of a larger expression';
  const starts = lineStarts(text);
  const off = (x: Token): number => starts[x.line - 1]! + x.col;
  const close = t[t.length - 1]!;
  // a token's text must sit where the reading says: else positions cannot be trusted
  if (t.some((x) => text.slice(off(x), off(x) + x.text.length) !== x.text))
    return 'its source could not be placed';
  const firstStart = starts[line - 1]!;
  const indent = text.slice(firstStart, off(t[0]!));
  if (indent.trim() !== '') return 'another statement shares its first line';
  const lastLine = close.line + newlines(close.text);
  const lastEnd = lineEnd(text, starts[lastLine - 1]!);
  const after = text.slice(off(close) + 1, lastEnd).trim();
  if (after !== '' && !after.startsWith('#')) return 'another statement shares its last line';
  const next = lines[at + 1]?.tokens[0];
  if (next && next.line <= lastLine) return 'another statement shares its last line';
  const body = text.slice(firstStart, lastEnd);
  const args = argumentsOf(t, text, off);
  const insideString = new Set<number>();
  for (const x of t)
    if (x.type === Tok.String)
      for (let k = 1; k <= newlines(x.text); k++) insideString.add(x.line - line + k);
  const prev = t[t.length - 2]!;
  const withKeyword = (kw: string, value: string): string => {
    const closeAt = off(close) - firstStart;
    const closeLineStart = body.lastIndexOf('\n', closeAt - 1) + 1;
    const ownLine = body.slice(closeLineStart, closeAt).trim() === '' && prev.line < close.line;
    if (prev.text === '(') return `${body.slice(0, closeAt)}${kw}=${value}${body.slice(closeAt)}`;
    if (ownLine) {
      // a call laid out one argument per line: the keyword goes on a line of its own
      const prevEnd = off(prev) + prev.text.length - firstStart;
      const prevLineStart = body.lastIndexOf('\n', prevEnd - 1) + 1;
      const argIndent = leadingSpace(body.slice(prevLineStart));
      const comma = prev.text === ',' ? '' : ',';
      return `${body.slice(0, prevEnd)}${comma}${body.slice(prevEnd, closeLineStart)}${argIndent}${kw}=${value},\n${body.slice(closeLineStart)}`;
    }
    const sep = prev.text === ',' ? ' ' : ', ';
    return `${body.slice(0, closeAt)}${sep}${kw}=${value}${body.slice(closeAt)}`;
  };
  return {
    first: line,
    last: lastLine,
    indent,
    method: t[2]!.text,
    args,
    withKeyword,
    text: body,
    insideString,
  };
}

/** The call's arguments between its brackets, each with its keyword when it has one. */
function argumentsOf(
  t: readonly Token[],
  text: string,
  off: (x: Token) => number,
): { kw?: string; text: string }[] {
  const out: { kw?: string; text: string }[] = [];
  const close = t.length - 1;
  for (let from = 4; from < close;) {
    const to = argumentEnd(t, from, close);
    if (to > from) {
      const a = t[from]!;
      const b = t[to - 1]!;
      const src = text.slice(off(a), off(b) + b.text.length);
      const kw = a.type === Tok.Name && t[from + 1]?.type === Tok.Op && t[from + 1]!.text === '=';
      out.push(kw ? { kw: a.text, text: src.slice(src.indexOf('=') + 1).trim() } : { text: src });
    }
    from = to + 1;
  }
  return out;
}

function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) out.push(i + 1);
  return out;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  const end = nl < 0 ? text.length : nl;
  return text[end - 1] === '\r' ? end - 1 : end;
}

function leadingSpace(s: string): string {
  let i = 0;
  while (s[i] === ' ' || s[i] === '\t') i++;
  return s.slice(0, i);
}

function newlines(s: string): number {
  let n = 0;
  for (const c of s) if (c === '\n') n++;
  return n;
}

/**
 * `text` moved in by `unit` on every line but those that continue a string (their bytes are the
 * string's). Used to put a statement inside a `with` or `if` block.
 */
export function indented(text: string, unit: string, insideString: ReadonlySet<number>): string {
  return text
    .split('\n')
    .map((l, i) => (insideString.has(i) || l.trim() === '' ? l : `${unit}${l}`))
    .join('\n');
}
