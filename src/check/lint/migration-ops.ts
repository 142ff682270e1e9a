import type { PyNode, PySource } from './python-syntax.js';

/** `op.` helpers that build values rather than change the schema. */
const OP_HELPERS = new Set(['op.f', 'op.get_bind', 'op.get_context', 'op.inline_literal', 'op.implementation_for', 'op.invoke']);

/** A call that changes the schema or runs SQL: `op.<operation>(…)`, `batch_op.<operation>(…)`, `<conn>.execute(…)`. */
export function isSchemaCall(py: PySource, call: PyNode): boolean {
  const callee = py.callee(call);
  if (callee === '') {
    // op.get_bind().execute(...)
    const fn = call.firstChild;
    return fn?.name === 'MemberExpression' && /\.(execute|exec_driver_sql)$/.test(py.of(fn).replace(/\s+/g, ''));
  }
  if (OP_HELPERS.has(callee)) return false;
  if (callee.startsWith('op.') && callee.split('.').length === 2) return true;
  if (/^batch(_op)?\.[a-z_]+$/.test(callee) && !callee.endsWith('.f')) return true;
  return /\.(execute|exec_driver_sql)$/.test(callee);
}

/** The statements of a block's Body node (comments left out). */
export function bodyStatements(body: PyNode | null): PyNode[] {
  const out: PyNode[] = [];
  if (!body) return out;
  for (let c = body.firstChild; c; c = c.nextSibling) if (c.name !== ':' && c.name !== 'Comment') out.push(c);
  return out;
}

/** True when a body only holds `pass`, `...` and docstrings: running it does nothing. */
export function doesNothing(py: PySource, fn: PyNode): boolean {
  return bodyStatements(fn.getChild('Body')).every((s) => {
    if (s.name === 'PassStatement') return true;
    if (s.name !== 'ExpressionStatement') return false;
    const e = s.firstChild;
    return e !== null && (e.name === 'String' || e.name === 'ContinuedString' || e.name === 'Ellipsis' || py.of(e) === '...');
  });
}

/** The nearest enclosing node named `type`. */
export function enclosing(node: PyNode, type: string): PyNode | undefined {
  for (let p = node.parent; p; p = p.parent) if (p.name === type) return p;
  return undefined;
}

/**
 * Bindings `with op.batch_alter_table('t') as batch_op:` → batch_op → 't', within `scope`;
 * undefined when the table is not a literal (`batch_alter_table(name)` in a loop).
 */
export function batchAliases(py: PySource, scope: PyNode): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const w of py.all(scope, 'WithStatement')) {
    for (const call of w.getChildren('CallExpression')) {
      if (py.callee(call) !== 'op.batch_alter_table') continue;
      const table = py.str(py.args(call).positional[0] ?? py.args(call).keywords.get('table_name'));
      const asName = call.nextSibling?.name === 'as' ? call.nextSibling.nextSibling : null;
      if (asName?.name === 'VariableName') out.set(py.of(asName), table);
    }
  }
  return out;
}
