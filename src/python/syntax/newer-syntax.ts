// Syntax that only newer Pythons accept, found in the parse tree: which Python runs is the caller's to say.
import type { SyntaxNode, Tree } from '@lezer/common';
import { isTemplate } from '../lexer-tables.js';
import type { NewerSyntax } from '../tokens.js';
import { COMPREHENSIONS } from './tree-walk.js';

/** The first use of each kind of newer syntax in the tree, by line. */
export function treeNewerSyntax(src: string, tree: Tree, line: (offset: number) => number): NewerSyntax[] {
  const found = new Map<string, NewerSyntax>();
  const note = (since: number, feature: string, at: number): void => {
    if (!found.has(feature)) found.set(feature, { since, feature, line: line(at) });
  };
  tree.iterate({
    enter(ref) {
      const node = ref.node;
      switch (ref.name) {
        case 'TypeParamList':
        case 'TypeDefinition':
          note(12, 'type parameters or a type alias (PEP 695)', ref.from);
          break;
        case 'TypeParam':
          if (node.getChild('AssignOp') !== null) note(13, 'a type parameter default (PEP 696)', ref.from);
          break;
        case 'TryStatement':
          handlers(node, note);
          break;
        case 'FormatString':
          if (isTemplate(src, ref.from)) note(14, 'a template string (PEP 750)', ref.from);
          break;
        case 'ImportStatement':
          if (node.firstChild?.name === 'lazy') note(15, 'a lazy import (PEP 810)', ref.from);
          break;
        case 'ArgList':
          if (starredGenerator(node)) note(15, 'unpacking in a comprehension (PEP 798)', ref.from);
          break;
        default:
          if (COMPREHENSIONS.has(ref.name)) {
            const first = node.firstChild?.nextSibling;
            if (first?.name === '*' || first?.name === '**')
              note(15, 'unpacking in a comprehension (PEP 798)', ref.from);
          }
      }
      return undefined;
    },
  });
  return [...found.values()];
}

/** `except*` (3.11) and several types without brackets (3.14). */
function handlers(node: SyntaxNode, note: (since: number, feature: string, at: number) => void): void {
  let inHandler = false;
  for (let c = node.firstChild; c !== null; c = c.nextSibling) {
    if (c.name === 'except') {
      inHandler = true;
      if (c.nextSibling?.name === '*') note(11, 'except* (exception groups, PEP 654)', c.from);
    } else if (c.name === 'Body') inHandler = false;
    else if (inHandler && c.name === ',')
      note(14, 'several exception types without parentheses (PEP 758)', c.from);
  }
}

/** `f(*a for a in b)`: a starred generator as an argument. */
function starredGenerator(args: SyntaxNode): boolean {
  let starred = false;
  for (let c = args.firstChild; c !== null; c = c.nextSibling) {
    if (c.name === ',' || c.name === '(') starred = c.nextSibling?.name === '*';
    else if (starred && c.name === 'for') return true;
  }
  return false;
}
