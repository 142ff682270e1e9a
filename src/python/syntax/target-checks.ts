// What may be assigned to, deleted or annotated, as CPython's parser decides it.
import type { SyntaxNode } from '@lezer/common';
import { kids, type Problems, splitCommas } from './tree-walk.js';

/** What a node is, for a message: "a function call", "a literal". */
const KIND: Readonly<Record<string, string>> = {
  CallExpression: 'a function call',
  Number: 'a literal',
  String: 'a literal',
  ContinuedString: 'a literal',
  FormatString: 'an f-string expression',
  None: 'None',
  Boolean: 'True or False',
  '...': 'an ellipsis',
  BinaryExpression: 'an expression',
  UnaryExpression: 'an expression',
  AwaitExpression: 'an await expression',
  ConditionalExpression: 'a conditional expression',
  LambdaExpression: 'a lambda',
  NamedExpression: 'a named expression',
  YieldExpression: 'a yield expression',
  ComprehensionExpression: 'a generator expression',
  ArrayComprehensionExpression: 'a list comprehension',
  DictionaryExpression: 'a dict literal',
  DictionaryComprehensionExpression: 'a dict comprehension',
  SetExpression: 'a set display',
  SetComprehensionExpression: 'a set comprehension',
};

/**
 * A target list (the siblings between `=` signs, a `for`'s, a `with … as`'s): each item may be a
 * name, an attribute, a subscript, or a tuple or list of targets with at most one starred item.
 */
export function checkTargets(
  items: readonly SyntaxNode[],
  verb: 'assign to' | 'delete',
  out: Problems,
  bare = true,
): void {
  const parts = splitCommas(items);
  const tuple = parts.length > 1 || items.some((n) => n.name === ',');
  let starred = 0;
  for (const part of parts) {
    if (part[0]?.name === '*') {
      starred++;
      if (verb === 'delete') out.add('cannot delete a starred expression', part[0].from);
      else if (!tuple && bare)
        out.add('a starred assignment target must be in a list or tuple', part[0].from);
      else if (starred === 2) out.add('more than one starred expression in an assignment', part[0].from);
      if (part[1] !== undefined) checkTarget(part[1], verb, out);
    } else if (part.length === 1) checkTarget(part[0]!, verb, out);
  }
}

/** One target. */
export function checkTarget(node: SyntaxNode, verb: 'assign to' | 'delete', out: Problems): void {
  switch (node.name) {
    case 'VariableName':
      if (out.text(node) === '__debug__') out.add(`cannot ${verb} __debug__`, node.from);
      return;
    case 'MemberExpression':
      if (node.lastChild?.name === 'PropertyName' && out.text(node.lastChild) === '__debug__')
        out.add(`cannot ${verb} __debug__`, node.lastChild.from);
      return;
    case 'ParenthesizedExpression': {
      const inner = kids(node).filter((k) => k.name !== '(' && k.name !== ')');
      if (inner.length === 1) checkTarget(inner[0]!, verb, out);
      else if (inner[0]?.name === '*') out.add(`cannot ${verb} a starred expression`, inner[0].from);
      return;
    }
    case 'TupleExpression':
    case 'ArrayExpression':
      return checkTargets(
        kids(node).filter((k) => !'()[]'.includes(k.name)),
        verb,
        out,
        false,
      );
    default:
      out.add(`cannot ${verb} ${KIND[node.name] ?? 'this expression'}`, node.from);
  }
}

/** An annotated assignment's single target: a name, an attribute or a subscript. */
export function checkAnnotated(items: readonly SyntaxNode[], out: Problems): void {
  const only = items.length === 1 ? items[0]! : null;
  if (only === null) return out.add('only a single target can be annotated', items[0]?.from ?? 0);
  let target = only;
  while (target.name === 'ParenthesizedExpression') {
    const inner = kids(target).filter((k) => k.name !== '(' && k.name !== ')');
    if (inner.length !== 1) break;
    target = inner[0]!;
  }
  if (target.name === 'TupleExpression' || target.name === 'ArrayExpression')
    out.add('only a single target can be annotated', only.from);
  else if (target.name !== 'VariableName' && target.name !== 'MemberExpression')
    out.add('this target cannot be annotated', only.from);
  else checkTarget(target, 'assign to', out);
}

/** An augmented assignment's target: a name, an attribute or a subscript. */
export function checkAugmented(items: readonly SyntaxNode[], out: Problems): void {
  let target = items.length === 1 ? items[0]! : null;
  while (target?.name === 'ParenthesizedExpression') {
    const inner = kids(target).filter((k) => k.name !== '(' && k.name !== ')');
    target = inner.length === 1 ? inner[0]! : null;
  }
  if (target === null || (target.name !== 'VariableName' && target.name !== 'MemberExpression'))
    out.add('this expression cannot take an augmented assignment', items[0]?.from ?? 0);
  else checkTarget(target, 'assign to', out);
}
