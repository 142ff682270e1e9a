/**
 * The errors CPython raises for code its grammar reads: targets that cannot be assigned, arguments
 * and parameters out of order, statements outside their place, declarations after use, future
 * imports late. One walk over the parse tree, with the scopes it passes through.
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import { checkArguments, checkParameters } from './argument-checks.js';
import {
  declare,
  FUTURE_FEATURES,
  functionScope,
  inAsync,
  newScope,
  type Scope,
  unboundNonlocals,
} from './scope-checks.js';
import { checkAnnotated, checkAugmented, checkTarget, checkTargets } from './target-checks.js';
import { COMPREHENSIONS, kids, type Problem, Problems, splitCommas } from './tree-walk.js';
import { HARD_KEYWORDS } from '../lexer-tables.js';

/** Whether a statement is `from __future__ import …` (`lazy` before it or not). */
function isFuture(node: SyntaxNode, out: Problems): boolean {
  if (node.name !== 'ImportStatement') return false;
  let c = node.firstChild;
  if (c?.name === 'lazy') c = c.nextSibling;
  const name = c?.name === 'from' ? c.nextSibling : null;
  return (
    name?.name === 'VariableName' && name.nextSibling?.name === 'import' && out.text(name) === '__future__'
  );
}

/** No keyword is an attribute's name. */
const KEYWORDS: ReadonlySet<string> = new Set(HARD_KEYWORDS);

/** The first (by position) error the compiler would raise for a file whose grammar is sound. */
export function treeProblem(src: string, tree: Tree): Problem | null {
  const walk = new Walk(src);
  walk.module(tree.topNode);
  unboundNonlocals(walk.scopes, walk.out);
  return walk.out.first;
}

class Walk {
  readonly out: Problems;
  readonly scopes: Scope[] = [];
  scope: Scope;
  /** Loops around the statement within its scope: `break` needs one. */
  loops = 0;
  /** The `try` statements around, within the module's own statements. */
  tries = 0;
  /** Where the future imports in their place start. */
  readonly futures = new Set<number>();

  constructor(src: string) {
    this.out = new Problems(src);
    this.scope = this.enter('module');
  }

  enter(kind: Scope['kind']): Scope {
    const scope = newScope(kind, this.scopes.length === 0 ? null : this.scope);
    this.scopes.push(scope);
    return scope;
  }

  module(top: SyntaxNode): void {
    // the future imports in their place: the module's first statements, after its docstring
    const statements = kids(top).flatMap((s) => (s.name === 'StatementGroup' ? kids(s) : [s]));
    let first = true;
    for (const s of statements) {
      if (s.name === ';') continue;
      const docstring = first && s.name === 'ExpressionStatement' && s.firstChild?.name === 'String';
      first = false;
      if (docstring) continue;
      if (!isFuture(s, this.out)) break;
      this.futures.add(s.from);
    }
    this.children(top);
  }

  /** `visit` in a new scope, with no loop or `try` around it. */
  inScope(kind: Scope['kind'], visit: () => void): void {
    const [outer, loops, tries] = [this.scope, this.loops, this.tries];
    this.scope = this.enter(kind);
    this.loops = 0;
    this.tries = 0;
    visit();
    this.scope = outer;
    this.loops = loops;
    this.tries = tries;
  }

  children(node: SyntaxNode): void {
    for (let c = node.firstChild; c !== null; c = c.nextSibling) this.node(c);
  }

  node(node: SyntaxNode): void {
    switch (node.name) {
      case 'FunctionDefinition':
        return this.def(node);
      case 'ClassDefinition':
        return this.classDef(node);
      case 'LambdaExpression':
        return this.lambda(node);
      case 'AssignStatement':
        return this.assign(node);
      case 'UpdateStatement':
        return this.update(node);
      case 'DeleteStatement':
        return this.del(node);
      case 'ForStatement':
        return this.loop(node, 'in');
      case 'WhileStatement':
        return this.loop(node, null);
      case 'WithStatement':
        return this.withStatement(node);
      case 'TryStatement':
        return this.tryStatement(node);
      case 'NamedExpression':
        return this.named(node);
      case 'ReturnStatement':
        if (functionScope(this.scope) === null) this.out.add("'return' outside a function", node.from);
        this.starredAlone(kids(node).slice(1));
        return this.children(node);
      case 'YieldExpression':
      case 'YieldStatement':
        return this.yieldHere(node);
      case 'AwaitExpression':
        if (!inAsync(this.scope)) this.out.add("'await' outside an async function", node.from);
        return this.children(node);
      case 'BreakStatement':
      case 'ContinueStatement':
        if (this.loops === 0) this.out.add(`'${this.out.text(node)}' outside a loop`, node.from);
        return;
      case 'ScopeStatement': {
        const names = kids(node).filter((k) => k.name === 'VariableName');
        return declare(this.scope, names, node.firstChild?.name === 'nonlocal', this.out);
      }
      case 'ImportStatement':
        return this.importStatement(node);
      case 'ExpressionStatement':
        this.starredAlone(kids(node));
        return this.children(node);
      case 'ArgList':
        checkArguments(node, this.out);
        return this.arguments(node);
      case 'VariableName':
        return this.use(node, false);
      case 'StatementGroup':
        for (let c = node.firstChild; c !== null; c = c.nextSibling)
          if (c.name === ';' && c.nextSibling?.name === ';')
            this.out.add("an empty statement between ';'", c.nextSibling.from);
        return this.children(node);
      case 'PropertyName':
        if (KEYWORDS.has(this.out.text(node)))
          this.out.add(`the keyword '${this.out.text(node)}' as an attribute`, node.from);
        return;
      case 'CompareOp':
        if (this.out.text(node) === '<>' && !this.out.src.includes('barry_as_FLUFL'))
          this.out.add("'<>' is not Python 3", node.from);
        return;
      case 'RaiseStatement':
        if (kids(node).some((k) => k.name === ',')) this.out.add("Python 2's 'raise E, value'", node.from);
        return this.children(node);
      default:
        if (COMPREHENSIONS.has(node.name)) return this.comprehension(node);
        return this.children(node);
    }
  }

  use(node: SyntaxNode, bound: boolean): void {
    const name = this.out.text(node);
    if (!this.scope.seen.has(name)) this.scope.seen.set(name, { at: node.from, bound });
    if (bound) {
      this.scope.bound.add(name);
      if (name === '__debug__') this.out.add('cannot assign to __debug__', node.from);
    }
  }

  /** Names a target binds (its subscripts and attributes read their bases). */
  bind(node: SyntaxNode): void {
    if (node.name === 'VariableName') return this.use(node, true);
    if (
      node.name === 'TupleExpression' ||
      node.name === 'ArrayExpression' ||
      node.name === 'ParenthesizedExpression'
    ) {
      for (let c = node.firstChild; c !== null; c = c.nextSibling) this.bind(c);
      return;
    }
    this.node(node);
  }

  def(node: SyntaxNode): void {
    const parts = kids(node);
    const params = parts.find((k) => k.name === 'ParamList');
    const name = parts.find((k) => k.name === 'VariableName');
    if (name !== undefined) this.use(name, true);
    const kind = parts[0]?.name === 'async' ? 'async' : 'function';
    // defaults and annotations are evaluated where the def stands
    for (const p of parts) if (p.name === 'TypeDef' || p.name === 'TypeParamList') this.node(p);
    const names = params === undefined ? [] : this.parameters(params);
    this.inScope(kind, () => {
      for (const p of names) this.scope.params.add(this.out.text(p));
      for (const p of parts) if (p.name === 'Body') this.node(p);
    });
  }

  /** A parameter list checked, its defaults and annotations read where the def stands; its names. */
  parameters(params: SyntaxNode): SyntaxNode[] {
    checkParameters(params, this.out);
    const names: SyntaxNode[] = [];
    const inner = kids(params).filter((k) => k.name !== '(' && k.name !== ')');
    for (const part of splitCommas(inner)) {
      // a parameter's name comes first, or after its `*` or `**`; the rest is its annotation and default
      const at = part[0]!.name === '*' || part[0]!.name === '**' ? 1 : 0;
      const name = part[at]?.name === 'VariableName' ? part[at] : undefined;
      if (name !== undefined) names.push(name);
      for (const p of part) if (p !== name && p.name !== '*' && p.name !== '**') this.node(p);
    }
    return names;
  }

  lambda(node: SyntaxNode): void {
    const parts = kids(node);
    const params = parts.find((k) => k.name === 'ParamList');
    const names = params === undefined ? [] : this.parameters(params);
    this.inScope('lambda', () => {
      for (const p of names) this.scope.params.add(this.out.text(p));
      const colon = parts.findIndex((k) => k.name === ':');
      for (const p of parts.slice(colon + 1)) this.node(p);
    });
  }

  classDef(node: SyntaxNode): void {
    const parts = kids(node);
    for (const p of parts) {
      if (p.name === 'VariableName') this.use(p, true);
      else if (p.name !== 'Body') this.node(p);
    }
    this.inScope('class', () => {
      for (const p of parts) if (p.name === 'Body') this.node(p);
    });
  }

  assign(node: SyntaxNode): void {
    const parts = kids(node);
    const annotation = parts.find((k) => k.name === 'TypeDef');
    let segment: SyntaxNode[] = [];
    const segments: SyntaxNode[][] = [];
    for (const p of parts) {
      if (p.name === 'AssignOp' || p.name === 'TypeDef') {
        segments.push(segment);
        segment = [];
      } else segment.push(p);
    }
    const value = segment;
    if (annotation !== undefined) {
      const target = segments[0] ?? [];
      if (segments.length > 2)
        this.out.add('an annotated assignment takes one value', segments[2]![0]?.from ?? node.from);
      checkAnnotated(target, this.out);
      const only = target.length === 1 ? target[0]! : null;
      if (only?.name === 'VariableName') {
        const name = this.out.text(only);
        if (this.scope.globals.has(name) || this.scope.nonlocals.some((n) => n.name === name))
          this.out.add(`annotated name '${name}' cannot be global or nonlocal`, only.from);
        this.scope.annotated.add(name);
      }
      this.node(annotation);
    } else for (const target of segments) checkTargets(target, 'assign to', this.out);
    for (const p of value) this.node(p);
    this.starredAlone(value);
    for (const target of segments) for (const t of target) this.bind(t);
  }

  update(node: SyntaxNode): void {
    const parts = kids(node);
    const op = parts.findIndex((k) => k.name === 'UpdateOp');
    checkAugmented(parts.slice(0, op), this.out);
    for (const p of parts.slice(op + 1)) this.node(p);
    for (const t of parts.slice(0, op)) this.bind(t);
  }

  del(node: SyntaxNode): void {
    const targets = kids(node).slice(1);
    checkTargets(targets, 'delete', this.out);
    for (const t of targets) this.bind(t);
  }

  /** A `for` (its targets end at `in`) or a `while`: the body is a loop's, the `else` is not. */
  loop(node: SyntaxNode, targetsEnd: string | null): void {
    const parts = kids(node);
    const start = parts.findIndex((k) => k.name === 'for');
    const end = targetsEnd === null ? -1 : parts.findIndex((k) => k.name === targetsEnd);
    if (end > start && start >= 0) {
      const targets = parts.slice(start + 1, end);
      checkTargets(targets, 'assign to', this.out, false);
      for (const t of targets) this.bind(t);
    }
    if (parts[0]?.name === 'async' && !inAsync(this.scope))
      this.out.add("'async for' outside an async function", node.from);
    let bodies = 0;
    for (const p of parts.slice(end + 1)) {
      if (p.name === 'Body' && bodies++ === 0) {
        this.loops++;
        this.node(p);
        this.loops--;
      } else this.node(p);
    }
  }

  withStatement(node: SyntaxNode): void {
    const parts = kids(node);
    if (parts[0]?.name === 'async' && !inAsync(this.scope))
      this.out.add("'async with' outside an async function", node.from);
    // the items, flat or in brackets: a target follows each `as`
    const flat = parts.flatMap((p) => (p.name === '(' || p.name === ')' ? [] : [p]));
    for (let i = 0; i < flat.length; i++) {
      const p = flat[i]!;
      if (p.name === 'as' && flat[i + 1] !== undefined) {
        checkTarget(flat[i + 1]!, 'assign to', this.out);
        this.bind(flat[++i]!);
      } else this.node(p);
    }
  }

  tryStatement(node: SyntaxNode): void {
    const parts = kids(node);
    let handlers = 0;
    let bareAt = -1;
    let kinds = 0;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p.name === 'except') {
        handlers++;
        if (bareAt >= 0) this.out.add("a bare 'except:' must be the last handler", bareAt);
        const star = parts[i + 1]?.name === '*';
        kinds |= star ? 2 : 1;
        if (kinds === 3) this.out.add("'except' and 'except*' in one 'try'", p.from);
        if (parts[i + (star ? 2 : 1)]?.name === 'Body') bareAt = p.from;
      } else if (p.name === 'as' && parts[i + 1]?.name === 'VariableName') this.bind(parts[++i]!);
      else if (p.name === 'Body') {
        this.tries++;
        this.node(p);
        this.tries--;
      } else this.node(p);
    }
    const finallyAt = parts.findIndex((k) => k.name === 'finally');
    // where the handler was due: after the try's body
    if (handlers === 0 && finallyAt < 0) this.out.add("a 'try' without 'except' or 'finally'", node.to);
    if (handlers === 0 && parts.some((k) => k.name === 'else'))
      this.out.add("an 'else' after a 'try' without 'except'", node.from);
  }

  named(node: SyntaxNode): void {
    const [target, , ...value] = kids(node);
    if (target !== undefined && target.name !== 'VariableName')
      this.out.add('only a name can be the target of `:=`', target.from);
    for (const v of value) this.node(v);
    if (target?.name === 'VariableName') {
      // in a comprehension, the name binds in the scope around it
      let scope = this.scope;
      while ((scope.kind === 'comprehension' || scope.kind === 'generator') && scope.parent !== null)
        scope = scope.parent;
      const outer = this.scope;
      this.scope = scope;
      this.use(target, true);
      this.scope = outer;
    }
  }

  yieldHere(node: SyntaxNode): void {
    if (this.scope.kind === 'comprehension' || this.scope.kind === 'generator')
      this.out.add("'yield' inside a comprehension", node.from);
    else if (functionScope(this.scope) === null) this.out.add("'yield' outside a function", node.from);
    else if (this.scope.kind === 'async' && kids(node).some((k) => k.name === 'from'))
      this.out.add("'yield from' inside an async function", node.from);
    this.children(node);
  }

  importStatement(node: SyntaxNode): void {
    const parts = kids(node);
    const future = isFuture(node, this.out);
    const star = parts[parts.length - 1]?.name === '*';
    if (parts[0]?.name === 'lazy') this.lazyImport(node, star, future);
    if (star && this.scope.kind !== 'module') this.out.add("'import *' only at module level", node.from);
    const from = parts.some((k) => k.name === 'from');
    const importAt = parts.findIndex((k) => k.name === 'import');
    if (importAt < 0) return;
    if (!from && parts[importAt + 1]?.name === '(')
      this.out.add('an import list in brackets after a plain import', node.from);
    if (parts[parts.length - 1]?.name === ',')
      this.out.add('a trailing comma without brackets', parts[parts.length - 1]!.from);
    if (from && parts.slice(importAt + 1).some((k) => k.name === '.'))
      this.out.add("a dotted name after 'from … import'", node.from);
    if (future && !this.futures.has(node.from))
      this.out.add('a future import after other statements', node.from);
    if (future) {
      for (const p of parts.slice(importAt + 1)) {
        if (p.name !== 'VariableName') continue;
        const feature = this.out.text(p);
        if (feature === 'braces') this.out.add('not a chance', p.from);
        else if (!FUTURE_FEATURES.has(feature) && parts[parts.indexOf(p) - 1]?.name !== 'as')
          this.out.add(`future feature ${feature} is not defined`, node.from);
      }
    }
    // the names bound: each `as` name, else each imported name (a dotted import binds its first part)
    const names = parts.slice(importAt + 1);
    for (let i = 0; i < names.length; i++) {
      const p = names[i]!;
      if (p.name !== 'VariableName') continue;
      const as = names[i + 1]?.name === 'as';
      const dotted = names[i - 1]?.name === '.';
      if (as || dotted) continue;
      // an import binds, but the symbol table does not count it against a later `global`
      this.scope.bound.add(this.out.text(p));
      if (this.out.text(p) === '__debug__') this.out.add('cannot assign to __debug__', p.from);
    }
  }

  /** What Python 3.15 refuses of a lazy import (PEP 810): in a function, a class or a `try`, with `*`, of `__future__`. */
  lazyImport(node: SyntaxNode, star: boolean, future: boolean): void {
    const where =
      this.scope.kind !== 'module' ? 'a function or class' : this.tries > 0 ? "a 'try' statement" : null;
    if (where !== null) this.out.add(`a lazy import inside ${where}`, node.from, 15);
    else if (star) this.out.add("a lazy 'import *'", node.from, 15);
    else if (future) this.out.add('a lazy future import', node.from, 15);
  }

  comprehension(node: SyntaxNode): void {
    const parts = kids(node);
    // the first iterable is evaluated in the scope around
    const firstIn = parts.findIndex((k) => k.name === 'in');
    const iterable = parts[firstIn + 1];
    if (firstIn >= 0 && iterable !== undefined) this.node(iterable);
    this.inScope(node.name === 'ComprehensionExpression' ? 'generator' : 'comprehension', () => {
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!;
        if (p.name === 'for') {
          const end = this.comprehensionTargets(parts, i);
          i = end === firstIn ? end + 1 : end;
        } else if (p.name === 'async') {
          if (node.name !== 'ComprehensionExpression' && !inAsync(this.scope.parent!))
            this.out.add('an asynchronous comprehension outside an async function', p.from);
        } else this.node(p);
      }
    });
  }

  /** The targets between the `for` at `parts[at]` and its `in`, checked and bound; the `in`'s index (`at` when none follows). */
  comprehensionTargets(parts: readonly SyntaxNode[], at: number): number {
    const end = parts.findIndex((k, j) => j > at && k.name === 'in');
    const targets = parts.slice(at + 1, end < 0 ? at + 1 : end);
    checkTargets(targets, 'assign to', this.out, false);
    for (const t of targets) this.bind(t);
    return end < 0 ? at : end;
  }

  /** An argument list's values (keyword names are not reads), and a bare generator's targets. */
  arguments(node: SyntaxNode): void {
    const parts = kids(node);
    for (let i = 0; i < parts.length; i++) {
      const c = parts[i]!;
      if (c.name === 'VariableName' && parts[i + 1]?.name === 'AssignOp') continue;
      if (c.name === 'for') {
        i = this.comprehensionTargets(parts, i);
        continue;
      }
      this.node(c);
    }
  }

  /** `*a` alone where an expression belongs (`x = *a`, `return *a`, `*a`). */
  starredAlone(items: readonly SyntaxNode[]): void {
    if (items.length === 2 && items[0]!.name === '*')
      this.out.add('a starred expression cannot stand alone here', items[0]!.from);
  }
}
