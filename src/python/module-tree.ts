/**
 * A module's parse tree from the grammar (grammar/), the text prepared as Python reads the file
 * (what the syntax verdict judges).
 */
import type { Tree } from '@lezer/common';
import { parser } from './grammar/parser.js';
import { isUndecodable } from './lexer-literals.js';

/** The tree of `src`; `undecodable` says whether it holds bytes that are not UTF-8 (found when not given). */
export function moduleTree(src: string, undecodable?: boolean): Tree {
  const bad = undecodable ?? hasUndecodable(src);
  return parser.parse(withoutTrailingBlanks(bad ? decodable(src) : src));
}

/** Where the tree's first error node starts, or null. */
export function firstErrorNode(tree: Tree): number | null {
  let at: number | null = null;
  tree.iterate({
    enter(node) {
      if (at !== null) return false;
      if (node.type.isError) {
        at = node.from;
        return false;
      }
      return undefined;
    },
  });
  return at;
}

function hasUndecodable(src: string): boolean {
  for (let i = 0; i < src.length; i++) if (isUndecodable(src, i)) return true;
  return false;
}

/** Blanks after the last line end: Python reads no line there, the grammar's indentation tracker would. */
function withoutTrailingBlanks(src: string): string {
  let end = src.length;
  while (
    end > 0 &&
    (src.charCodeAt(end - 1) === 32 || src.charCodeAt(end - 1) === 9 || src.charCodeAt(end - 1) === 12)
  )
    end--;
  return end === src.length ? src : src.slice(0, end);
}

/** The text with each byte that is not UTF-8 as `?`, one for one: the grammar reads code points, Python accepts such bytes in a comment. */
function decodable(src: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < src.length; i++) {
    if (isUndecodable(src, i)) {
      out += src.slice(from, i) + '?';
      from = i + 1;
    }
  }
  return out + src.slice(from);
}
