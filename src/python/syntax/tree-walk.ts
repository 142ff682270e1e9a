// What the syntax checks share: a node's children, the first error they find, and where a node is.
import type { SyntaxNode } from '@lezer/common';

/** The comprehensions' nodes: a generator expression and the list, set and dict comprehensions. */
export const COMPREHENSIONS: ReadonlySet<string> = new Set([
  'ComprehensionExpression',
  'ArrayComprehensionExpression',
  'SetComprehensionExpression',
  'DictionaryComprehensionExpression',
]);

/** A node's children, keywords and punctuation included, comments left out. */
export function kids(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c !== null; c = c.nextSibling) if (c.name !== 'Comment') out.push(c);
  return out;
}

/**
 * A sibling sequence split at its commas (a target list, an argument list's contents), empty parts
 * left out. A comprehension's targets stay whole: its commas between `for` and `in` split nothing.
 */
export function splitCommas(nodes: readonly SyntaxNode[]): SyntaxNode[][] {
  const parts: SyntaxNode[][] = [[]];
  let targets = false;
  for (const n of nodes) {
    if (n.name === 'for') targets = true;
    else if (n.name === 'in') targets = false;
    if (n.name === ',' && !targets) parts.push([]);
    else parts[parts.length - 1]!.push(n);
  }
  return parts.filter((p) => p.length > 0);
}

/** The first error a check finds: its message and the offset it names. */
export interface Problem {
  readonly message: string;
  readonly at: number;
  /** The error exists only from Python 3.`since` on (PEP 810's refusals): an older Python fails at the newer syntax itself. */
  readonly since?: number;
}

/**
 * The file's text, and the first problem by position the checks found: a later one at an earlier
 * offset replaces it (the checks run in tree order, not text order).
 */
export class Problems {
  first: Problem | null = null;

  constructor(readonly src: string) {}

  text(node: SyntaxNode): string {
    return this.src.slice(node.from, node.to);
  }

  add(message: string, at: number, since?: number): void {
    if (this.first === null || at < this.first.at)
      this.first = since === undefined ? { message, at } : { message, at, since };
  }
}
