// A statement's tokens, read from the parse tree's leaves: what the statement readers (assignments,
// imports, values, unbound names) take, for a statement the tree has placed in its block.
import type { SyntaxNode, TreeCursor } from '@lezer/common';
import { lineOf } from './line-starts.js';
import { Tok, type Token } from './tokens.js';

/** The leaves that are names: identifiers, and the keywords, each a node named by its own word. */
const NAMES = new Set(['VariableName', 'PropertyName', 'Boolean']);
const KEYWORD = /^[a-z_]+$/iu;

function tokenType(name: string, text: string): Tok {
  if (name === 'Number') return Tok.Number;
  return NAMES.has(name) || (name === text && KEYWORD.test(name)) ? Tok.Name : Tok.Op;
}

/**
 * The tokens of `nodes` and everything under them, in order, as the lexer makes them: a string
 * literal is one token (an implicit concatenation one per literal), comments are left out. Two
 * tokens the grammar does not keep are put back: the `->` before a function's return annotation,
 * and PEP 810's `lazy`, which (as the lexer does) marks the `import` or `from` after it instead.
 */
export function treeTokens(src: string, starts: readonly number[], nodes: readonly SyntaxNode[]): Token[] {
  const out: Token[] = [];
  let lazy = false;
  // tokens come in order, so each one's line is found from the last one's
  let line = nodes.length > 0 ? lineOf(starts, nodes[0]!.from) : 1;
  const push = (type: Tok, text: string, at: number): void => {
    while (line < starts.length && starts[line]! <= at) line++;
    const col = at - starts[line - 1]!;
    out.push(lazy ? { type, text, line, col, lazy } : { type, text, line, col });
    lazy = false;
  };
  const visit = (c: TreeCursor): void => {
    const name = c.name;
    if (name === 'Comment') return;
    if (name === 'String' || name === 'FormatString') {
      push(Tok.String, src.slice(c.from, c.to), c.from);
      return;
    }
    if (name === 'lazy' && c.node.parent?.name === 'ImportStatement') {
      lazy = true;
      return;
    }
    if (name === 'TypeDef' && c.node.parent?.name === 'FunctionDefinition') push(Tok.Op, '->', c.from);
    if (!c.firstChild()) {
      const text = src.slice(c.from, c.to);
      push(tokenType(name, text), text, c.from);
      return;
    }
    do visit(c);
    while (c.nextSibling());
    c.parent();
  };
  for (const n of nodes) visit(n.cursor());
  return out;
}
