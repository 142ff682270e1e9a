import type { SyntaxNode } from '@lezer/common';
import type { PyExpr } from './py-expr.js';
import { evalStringLiteral } from './string-literal.js';

/** Nodes that join operands: their operands are the expression's parts, read flat (`a + b + c`: three). */
const OPERATORS = new Set([
  'BinaryExpression',
  'UnaryExpression',
  'ConditionalExpression',
  'AwaitExpression',
  'NamedExpression',
  'YieldExpression',
]);

/** Children that are not operands: punctuation, keywords (lowercase names), operators, annotations. */
function isOperand(n: SyntaxNode): boolean {
  const c = n.name.charCodeAt(0);
  return c >= 65 && c <= 90 && !NOT_OPERANDS.has(n.name);
}

const NOT_OPERANDS = new Set([
  'AssignOp',
  'UpdateOp',
  'ArithOp',
  'BitOp',
  'CompareOp',
  'LogicOp',
  'TypeDef',
  'Comment',
  'At',
]);

/**
 * The expression a node of the grammar's tree holds, as far as a static reading of migrations needs
 * it (py-expr.ts): literals, dotted names, calls with their arguments, lists and tuples; anything else
 * is `other` with the operands it holds. A lambda's body runs later, if ever: it is left out.
 */
export function treeExpression(text: string, node: SyntaxNode): PyExpr {
  const of = (n: SyntaxNode): string => text.slice(n.from, n.to);
  switch (node.name) {
    case 'String':
    case 'FormatString':
    case 'ContinuedString':
      return stringOf(text, node);
    case 'Number':
      return { k: 'num', v: of(node) };
    case 'VariableName':
    case 'None':
    case 'Boolean':
      return { k: 'name', v: of(node) };
    case 'ParenthesizedExpression': {
      const inner = operands(node);
      return inner.length === 1 ? treeExpression(text, inner[0]!) : other(text, inner);
    }
    case 'TupleExpression':
    case 'ArrayExpression':
      return { k: 'seq', items: items(text, node) };
    case 'ArrayComprehensionExpression':
      return { k: 'seq', items: [other(text, operands(node))] };
    case 'DictionaryExpression':
      return dictionary(text, node);
    case 'CallExpression':
      return call(text, node);
    case 'MemberExpression':
      return member(text, node);
    case 'LambdaExpression':
      return { k: 'other', parts: [] };
    default:
      return OPERATORS.has(node.name) ? { k: 'other', parts: flat(text, node) } : other(text, operands(node));
  }
}

/** The expressions of a statement node (a call, an assignment's sides, a return's values), each read whole. */
export function statementExpressions(text: string, statement: SyntaxNode): PyExpr[] {
  return operands(statement).map((n) => treeExpression(text, n));
}

function other(text: string, nodes: readonly SyntaxNode[]): PyExpr {
  return {
    k: 'other',
    parts: nodes.flatMap((n) => (n.name === 'LambdaExpression' ? [] : [treeExpression(text, n)])),
  };
}

/** A node's operand children (a starred item's expression among them). */
function operands(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (isOperand(c)) out.push(c);
  return out;
}

/** The operands under a chain of operators, read flat; a lambda's are left out. */
function flat(text: string, node: SyntaxNode): PyExpr[] {
  const out: PyExpr[] = [];
  for (const c of operands(node)) {
    if (c.name === 'LambdaExpression') continue;
    if (OPERATORS.has(c.name)) out.push(...flat(text, c));
    else out.push(treeExpression(text, c));
  }
  return out;
}

function items(text: string, node: SyntaxNode): PyExpr[] {
  return operands(node).map((n) => treeExpression(text, n));
}

/** Adjacent literals concatenate; one with fields (or one Python would refuse) keeps the source text. */
function stringOf(text: string, node: SyntaxNode): PyExpr {
  const parts: SyntaxNode[] = [];
  if (node.name === 'ContinuedString') {
    for (let c = node.firstChild; c; c = c.nextSibling)
      if (c.name === 'String' || c.name === 'FormatString') parts.push(c);
  } else parts.push(node);
  let value = '';
  let raw = '';
  let plain = true;
  for (const p of parts) {
    const s = text.slice(p.from, p.to);
    raw += s;
    const v = evalStringLiteral(s);
    if (v.t === 'str') value += v.v;
    else plain = false;
  }
  return plain ? { k: 'str', v: value } : { k: 'fstr', raw };
}

/** A dict display of `key: value` pairs keeps them; one with `**` is only its parts. */
function dictionary(text: string, node: SyntaxNode): PyExpr {
  const nodes = operands(node);
  let unpacked = false;
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name === '**') unpacked = true;
  const parts = nodes.map((n) => treeExpression(text, n));
  if (unpacked || parts.length % 2 !== 0) return { k: 'other', parts };
  const entries: [PyExpr, PyExpr][] = [];
  for (let i = 0; i < parts.length; i += 2) entries.push([parts[i]!, parts[i + 1]!]);
  return { k: 'other', parts, entries };
}

/** `a.b` is a dotted name; an attribute of anything else, or a subscript, is `other`. */
function member(text: string, node: SyntaxNode): PyExpr {
  const object = node.firstChild!;
  const e = treeExpression(text, object);
  const property = node.getChild('PropertyName');
  if (property !== null) {
    return e.k === 'name'
      ? { k: 'name', v: `${e.v}.${text.slice(property.from, property.to)}` }
      : { k: 'other', parts: [e] };
  }
  const subscript: PyExpr[] = [];
  for (let c = object.nextSibling; c; c = c.nextSibling)
    if (isOperand(c)) subscript.push(treeExpression(text, c));
  return { k: 'other', parts: [e, ...subscript] };
}

/**
 * A call: its callee as a dotted name (`op.add_column`), or `.method` with the receiver
 * (`op.get_bind().execute(…)`); its positional and keyword arguments. What `*` or `**` unpacks is
 * not an argument the reading can place: `star` says it is there.
 */
function call(text: string, node: SyntaxNode): PyExpr & { k: 'call' } {
  const fn = node.firstChild!;
  let callee = '';
  let recv: PyExpr | undefined;
  const property = fn.name === 'MemberExpression' ? fn.getChild('PropertyName') : null;
  if (property !== null) {
    const object = treeExpression(text, fn.firstChild!);
    const attr = text.slice(property.from, property.to);
    if (object.k === 'name') callee = `${object.v}.${attr}`;
    else {
      callee = `.${attr}`;
      recv = object;
    }
  } else {
    const e = treeExpression(text, fn);
    if (e.k === 'name') callee = e.v;
    else recv = e;
  }
  const args: PyExpr[] = [];
  const kw = new Map<string, PyExpr>();
  let star = false;
  const list = node.getChild('ArgList');
  for (let c = list?.firstChild ?? null; c; c = c.nextSibling) {
    if (c.name === '*' || c.name === '**') {
      // the unpacked argument, up to its comma
      star = true;
      while (c.nextSibling && c.nextSibling.name !== ',' && c.nextSibling.name !== ')') c = c.nextSibling;
      continue;
    }
    if (!isOperand(c)) continue;
    const op = after(c);
    if (c.name === 'VariableName' && op?.name === 'AssignOp' && text.slice(op.from, op.to) === '=') {
      const value = op.nextSibling;
      if (value) kw.set(text.slice(c.from, c.to), treeExpression(text, value));
      c = value ?? op;
      continue;
    }
    // `f(x for x in y)`, `f(n := 1)`: the argument is the whole of it, read as its operands
    if (op !== null && op.name !== ',' && op.name !== ')') {
      const parts: SyntaxNode[] = [c];
      for (let n = after(c); n && n.name !== ',' && n.name !== ')'; n = after(c)) {
        c = n;
        parts.push(c);
      }
      args.push(other(text, parts.filter(isOperand)));
      continue;
    }
    args.push(treeExpression(text, c));
  }
  return { k: 'call', callee, ...(recv ? { recv } : {}), args, kw, star };
}

/** The next sibling that is not a comment. */
function after(n: SyntaxNode): SyntaxNode | null {
  let c = n.nextSibling;
  while (c?.name === 'Comment') c = c.nextSibling;
  return c;
}
