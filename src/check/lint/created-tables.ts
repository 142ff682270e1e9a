import { migrationFunctions } from './migration-ops.js';
import type { PyNode, PySource } from './python-syntax.js';

/** Statements under which a call may not run (or may run with its failure caught). */
const GUARDS = new Set([
  'IfStatement',
  'TryStatement',
  'ForStatement',
  'WhileStatement',
  'FunctionDefinition',
  'ConditionalExpression',
  'LambdaExpression',
  'MatchStatement',
]);

/** A table an upgrade() creates with `op.create_table('name', …)` in the default schema. */
export interface CreatedTable {
  readonly name: string;
  readonly line: number;
}

/**
 * The tables a revision's upgrade() certainly creates: `op.create_table` calls written in its own body with
 * the name as a string literal and no schema (or schema=None). Anything else (a name in a variable, another
 * schema, raw SQL, a helper from elsewhere) is left out: the list under-claims, so a clash built on it is
 * real, and one it cannot see stays a question for the schema itself.
 */
export function createdTables(py: PySource): CreatedTable[] {
  const out: CreatedTable[] = [];
  for (const { fn, engine } of migrationFunctions(py, 'upgrade')) {
    // a multi-database script's tables live in several databases; verify reads one
    if (engine !== undefined) return [];
    for (const call of py.calls(fn)) {
      if (py.callee(call) !== 'op.create_table' || conditional(call, fn)) continue;
      const { positional, keywords } = py.args(call);
      const name = py.str(positional[0] ?? keywords.get('table_name'));
      const schema = keywords.get('schema');
      if (name === undefined || (schema !== undefined && py.of(schema) !== 'None')) continue;
      out.push({ name, line: py.lineOf(call.from) });
    }
  }
  return out;
}

/** Whether the call sits under a guard between it and the function it belongs to. */
function conditional(call: PyNode, fn: PyNode): boolean {
  for (let n = call.parent; n && n.from >= fn.from && n !== fn; n = n.parent)
    if (GUARDS.has(n.name)) return true;
  return false;
}
