// A call's arguments and a definition's parameters, as CPython's parser and compiler order them.
import type { SyntaxNode } from '@lezer/common';
import { kids, type Problems, splitCommas } from './tree-walk.js';

/**
 * A call's (or a class's bases') arguments: positional ones before keywords and `**`, `*` before
 * `**`, no keyword twice, and a bare generator only as the sole argument.
 */
export function checkArguments(argList: SyntaxNode, out: Problems): void {
  const inner = kids(argList).filter((k) => k.name !== '(' && k.name !== ')');
  const parts = splitCommas(inner);
  const trailingComma = inner[inner.length - 1]?.name === ',';
  let keyword = false;
  let doubleStar = false;
  const names = new Set<string>();
  for (const part of parts) {
    const first = part[0]!;
    const generator = part.some((n) => n.name === 'for' || n.name === 'async');
    if (generator && (parts.length > 1 || trailingComma) && first.name !== '*')
      out.add('a generator expression must be in parentheses unless it is the only argument', first.from);
    if (first.name === '**') doubleStar = true;
    else if (first.name === '*') {
      if (doubleStar) out.add('`*` unpacking after `**` unpacking', first.from);
    } else if (part[1]?.name === 'AssignOp' && out.text(part[1]) === '=') {
      keyword = true;
      if (generator) out.add('a keyword argument cannot take a bare generator', first.from);
      const name = out.text(first);
      if (name === '__debug__') out.add('cannot assign to __debug__', first.from);
      if (names.has(name)) out.add(`keyword argument repeated: ${name}`, first.from);
      names.add(name);
    } else if (keyword || doubleStar)
      out.add(
        `positional argument after ${doubleStar ? '`**` unpacking' : 'a keyword argument'}`,
        first.from,
      );
  }
}

/**
 * A def's or a lambda's parameters: each name once, `/` at most once and before `*`, at most one
 * `*`, a named parameter after a bare `*`, nothing after `**`, no parameter without a default
 * after one with a default (before `*`).
 */
export function checkParameters(params: SyntaxNode, out: Problems): void {
  const inner = kids(params).filter((k) => k.name !== '(' && k.name !== ')');
  const names = new Set<string>();
  let slash = false;
  let star = -1;
  let starBare = false;
  let afterStar = 0;
  let doubleStar = false;
  let defaulted = false;
  let index = 0;
  // the grammar leaves `/` out of the tree: it is found in the text between the commas
  const parts = splitCommas(inner);
  const slashes = slashOffsets(params, out);
  const items: { from: number; nodes: SyntaxNode[] | null }[] = [
    ...parts.map((p) => ({ from: p[0]!.from, nodes: p as SyntaxNode[] | null })),
    ...slashes.map((from) => ({ from, nodes: null })),
  ].sort((a, b) => a.from - b.from);
  for (const { from, nodes } of items) {
    index++;
    if (doubleStar) out.add('a parameter after the `**` parameter', from);
    if (nodes === null) {
      if (slash) out.add('`/` may appear only once', from);
      else if (star >= 0) out.add('`/` must come before `*`', from);
      else if (index === 1) out.add('at least one parameter must come before `/`', from);
      slash = true;
      continue;
    }
    const first = nodes[0]!;
    if (first.name === '**') doubleStar = true;
    else if (first.name === '*') {
      if (star >= 0) out.add('`*` may appear only once', first.from);
      star = first.from;
      starBare = nodes[1]?.name !== 'VariableName';
    } else if (star >= 0) afterStar++;
    const name = nodes.find((n) => n.name === 'VariableName');
    if (name !== undefined) {
      const text = out.text(name);
      if (text === '__debug__') out.add('cannot assign to __debug__', name.from);
      if (names.has(text)) out.add(`duplicate parameter '${text}'`, name.from);
      names.add(text);
    }
    const hasDefault = nodes.some((n) => n.name === 'AssignOp');
    if (star < 0 && first.name !== '**') {
      if (hasDefault) defaulted = true;
      else if (defaulted) out.add('a parameter without a default after one with a default', first.from);
    }
    if (first.name === '**' && starBare && afterStar === 0)
      out.add('a named parameter must follow a bare `*`', star);
  }
  if (starBare && afterStar === 0 && !doubleStar && star >= 0)
    out.add('a named parameter must follow a bare `*`', star);
}

/** Where the `/` separators of a parameter list are (outside its defaults' brackets and strings). */
function slashOffsets(params: SyntaxNode, out: Problems): number[] {
  const found: number[] = [];
  let at = params.from;
  for (let c = params.firstChild; c !== null; c = c.nextSibling) {
    scanGap(out.src, at, c.from, found);
    at = c.to;
  }
  scanGap(out.src, at, params.to, found);
  return found;
}

function scanGap(src: string, from: number, to: number, found: number[]): void {
  for (let i = from; i < to; i++) {
    const c = src.charCodeAt(i);
    if (c === 35) while (i < to && src.charCodeAt(i) !== 10) i++;
    else if (c === 47) found.push(i);
  }
}
