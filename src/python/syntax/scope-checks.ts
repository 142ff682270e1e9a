// What a statement may do where it stands: return and yield in a function, break in a loop, global
// and nonlocal before the names' use, `import *` at module level, future imports first.
import type { SyntaxNode } from '@lezer/common';
import type { Problems } from './tree-walk.js';

/** A scope: the module, a def (async or not), a class, a lambda, a comprehension, a generator expression. */
export interface Scope {
  readonly kind: 'module' | 'function' | 'async' | 'class' | 'lambda' | 'comprehension' | 'generator';
  readonly parent: Scope | null;
  /** Names read or bound so far in this scope, and where first. */
  readonly seen: Map<string, { at: number; bound: boolean }>;
  readonly bound: Set<string>;
  readonly params: Set<string>;
  readonly globals: Set<string>;
  readonly nonlocals: { name: string; at: number }[];
  readonly annotated: Set<string>;
}

export function newScope(kind: Scope['kind'], parent: Scope | null): Scope {
  return {
    kind,
    parent,
    seen: new Map(),
    bound: new Set(),
    params: new Set(),
    globals: new Set(),
    nonlocals: [],
    annotated: new Set(),
  };
}

/** The innermost function scope a statement is in (lambdas and comprehensions are function scopes too), or null. */
export function functionScope(scope: Scope): Scope | null {
  for (let s: Scope | null = scope; s !== null; s = s.parent) {
    if (s.kind === 'class' || s.kind === 'module') return null;
    if (s.kind === 'function' || s.kind === 'async' || s.kind === 'lambda') return s;
  }
  return null;
}

/** Whether `await` may stand here: in an async def, a comprehension inside one, or a generator expression (an async one then). */
export function inAsync(scope: Scope): boolean {
  for (let s: Scope | null = scope; s !== null; s = s.parent) {
    if (s.kind === 'async' || s.kind === 'generator') return true;
    if (s.kind !== 'comprehension') return false;
  }
  return false;
}

/** A `global` or `nonlocal` statement's names against what its scope did before it. */
export function declare(scope: Scope, names: readonly SyntaxNode[], nonlocal: boolean, out: Problems): void {
  const word = nonlocal ? 'nonlocal' : 'global';
  if (nonlocal && scope.kind === 'module')
    out.add('nonlocal declaration at module level', names[0]?.from ?? 0);
  for (const node of names) {
    const name = out.text(node);
    const before = scope.seen.get(name);
    if (scope.params.has(name)) out.add(`name '${name}' is a parameter and ${word}`, node.from);
    else if (scope.annotated.has(name)) out.add(`annotated name '${name}' cannot be ${word}`, node.from);
    else if (before !== undefined)
      out.add(
        `name '${name}' is ${before.bound ? 'assigned to' : 'used'} before its ${word} declaration`,
        node.from,
      );
    if (nonlocal) scope.nonlocals.push({ name, at: node.from });
    else scope.globals.add(name);
  }
}

/** A nonlocal name no enclosing function binds (checked once the whole module is read). */
export function unboundNonlocals(scopes: readonly Scope[], out: Problems): void {
  for (const scope of scopes) {
    for (const { name, at } of scope.nonlocals) {
      if (scope.kind === 'module') continue;
      let found = false;
      for (let s = scope.parent; s !== null && s.kind !== 'module'; s = s.parent) {
        if (s.kind === 'class') continue;
        if (s.globals.has(name)) break;
        if (s.bound.has(name) || s.params.has(name) || s.nonlocals.some((n) => n.name === name)) {
          found = true;
          break;
        }
      }
      if (!found) out.add(`no binding for nonlocal '${name}' found`, at);
    }
  }
}

/** The features `from __future__ import` knows (3.7 to 3.14). */
export const FUTURE_FEATURES = new Set([
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
