// Scans over a logical line's tokens (bracket depth counted from the start index), and the one text scan a failing file gets.
import { Tok, type Token } from './tokens.js';

/** The line of git's first conflict marker (seven < or > at a line's start), looked for only in a file that fails. */
export function conflictMarkerLine(src: string): number | undefined {
  // '=======' alone is also a reST heading's underline in a docstring: only the outer markers count
  const m = /^(?:<{7}|>{7}|\|{7})(?:[ \t]|\r?$)/mu.exec(src);
  if (!m) return undefined;
  let line = 1;
  for (let i = src.indexOf('\n'); i >= 0 && i < m.index; i = src.indexOf('\n', i + 1)) line++;
  return line;
}

/** Index of the colon that ends a compound statement's header. */
export function headerColon(toks: readonly Token[]): number {
  let depth = 0;
  let lambdas = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.type === Tok.Op) {
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
      else if (t.text === ':' && depth === 0) {
        if (lambdas > 0) lambdas--;
        else return i;
      }
    } else if (t.type === Tok.Name && t.text === 'lambda' && depth === 0) lambdas++;
  }
  return toks.length;
}

/** The operators of toks[s, e) outside any bracket, in order, until `visit` returns true; that index, or -1. */
function findTopLevelOp(
  toks: readonly Token[],
  s: number,
  e: number,
  visit: (i: number, op: string) => boolean,
): number {
  let depth = 0;
  for (let i = s; i < e; i++) {
    const t = toks[i]!;
    if (t.type !== Tok.Op) continue;
    const x = t.text;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') depth--;
    else if (depth === 0 && visit(i, x)) return i;
  }
  return -1;
}

export function topLevelIndexes(toks: readonly Token[], s: number, e: number, op: string): number[] {
  const out: number[] = [];
  findTopLevelOp(toks, s, e, (i, x) => {
    if (x === op) out.push(i);
    return false;
  });
  return out;
}

export function topLevelOp(toks: readonly Token[], s: number, e: number, ops: ReadonlySet<string>): number {
  return findTopLevelOp(toks, s, e, (_, x) => ops.has(x));
}

export function splitTop(toks: readonly Token[], s: number, e: number, op: string): [number, number][] {
  const out: [number, number][] = [];
  let start = s;
  for (const i of topLevelIndexes(toks, s, e, op)) {
    out.push([start, i]);
    start = i + 1;
  }
  out.push([start, e]);
  return out;
}

export function matching(toks: readonly Token[], s: number, e: number): number {
  let depth = 0;
  for (let i = s; i < e; i++) {
    const t = toks[i]!;
    if (t.type !== Tok.Op) continue;
    const x = t.text;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
