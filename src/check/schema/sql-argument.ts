import type { PyExpr } from '../../python/expression-reader.js';
import { everything, type OpWriter, type Resolve } from './op-writer.js';
import { sqlOps } from './sql-ops.js';

/** Literal SQL's steps; a statement built at run time whose literal keyword changes rows only is none. */
export function sqlStep(arg: PyExpr | undefined, out: OpWriter, resolve: Resolve): void {
  const e = sqlArgument(arg, resolve);
  if (e.kind === 'literal')
    for (const op of sqlOps(e.sql, out.line))
      out.push(op.op === 'create' || op.op === 'drop' ? { ...op, sql: true } : op);
  else if (e.kind === 'template' && ROWS_ONLY.test(e.sql)) return;
  else if (e.kind !== 'data') out.push(everything(out.line, 'SQL built at run time'));
}

const ROWS_ONLY =
  /^\s*(?:SELECT|INSERT|UPDATE|DELETE|WITH|MERGE|COMMENT|GRANT|REVOKE|SET|ANALYZE|VACUUM)\b/iu;

export type SqlArgument =
  | { kind: 'literal'; sql: string }
  | { kind: 'template'; sql: string }
  | { kind: 'data' }
  | { kind: 'unknown' };

/** What an execute() call runs: literal SQL, a template (its literal text), a SQLAlchemy data statement, or unknown. */
export function sqlArgument(arg: PyExpr | undefined, resolve: Resolve): SqlArgument {
  const e = arg ? resolve(arg) : undefined;
  if (!e) return { kind: 'unknown' };
  if (e.k === 'str') return { kind: 'literal', sql: e.v };
  if (e.k === 'fstr') return { kind: 'template', sql: templateText(e.raw) };
  if (e.k === 'other' && e.parts[0]?.k === 'str') return { kind: 'template', sql: e.parts[0].v };
  if (e.k === 'call') {
    const method = e.callee.slice(e.callee.lastIndexOf('.') + 1);
    if (method === 'text' && !e.recv) return sqlArgument(e.args[0] ?? e.kw.get('text'), resolve);
    if (
      (method === 'bindparams' ||
        method === 'columns' ||
        method === 'execution_options' ||
        method === 'strip' ||
        method === 'dedent') &&
      (e.recv || e.args[0])
    )
      return sqlArgument(e.recv ?? e.args[0], resolve);
    if (method === 'format' && e.recv?.k === 'str') return { kind: 'template', sql: e.recv.v };
    // table.insert(), update(t).values(…), sa.select(…): rows only
    if (
      /^(?:insert|update|delete|select|values|where|filter|filter_by|returning|from_select|on_conflict_do_nothing|on_conflict_do_update|order_by|limit|join|outerjoin)$/u.test(
        method,
      )
    )
      return { kind: 'data' };
  }
  return { kind: 'unknown' };
}

/** An f-string's text before its first field (its statement keyword is there). */
function templateText(raw: string): string {
  const q = raw.search(/['"]/u);
  const body = raw.slice(q).replace(/^(?:'''|"""|'|")/u, '');
  const field = body.indexOf('{');
  return field < 0 ? body : body.slice(0, field);
}
