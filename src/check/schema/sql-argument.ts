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
  /** `sql`: the literal text before the first field; `filled`: the whole text with each field's value where it is a known string, else RUN_TIME */
  | { kind: 'template'; sql: string; filled?: string }
  | { kind: 'data' }
  | { kind: 'unknown' };

/** What an execute() call runs: literal SQL, a template (its literal text), a SQLAlchemy data statement, or unknown. */
export function sqlArgument(arg: PyExpr | undefined, resolve: Resolve): SqlArgument {
  const e = arg ? resolve(arg) : undefined;
  if (!e) return { kind: 'unknown' };
  if (e.k === 'str') return { kind: 'literal', sql: e.v };
  if (e.k === 'fstr') return filledTemplate(templateText(e.raw), fstringFilled(e.raw, resolve));
  if (e.k === 'other' && e.parts[0]?.k === 'str')
    return { kind: 'template', sql: e.parts[0].v, filled: e.parts[0].v.replace(PERCENT_FIELD, RUN_TIME) };
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
    if (method === 'format' && e.recv?.k === 'str')
      return filledTemplate(e.recv.v, formatFilled(e.recv.v, e, resolve));
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

/** What stands for a value only known at run time in a template's text: an identifier PostgreSQL's parser accepts anywhere a name or value goes. */
export const RUN_TIME = '__preflight_run_time__';

// %s, %d, %(name)s: printf-style fields
const PERCENT_FIELD = /%(?:\(\w+\))?[sdrfi]/gu;

/** A template whose every field is a known string is literal SQL; otherwise the text with RUN_TIME in the unknown fields. */
function filledTemplate(before: string, filled: string | undefined): SqlArgument {
  if (filled !== undefined && !filled.includes(RUN_TIME)) return { kind: 'literal', sql: filled };
  return { kind: 'template', sql: before, ...(filled !== undefined ? { filled } : {}) };
}

/** A single f-string's text with its fields filled (a name bound to a string gives its value). */
function fstringFilled(raw: string, resolve: Resolve): string | undefined {
  const m = /^([rRfFuU]{1,2})('''|"""|'|")/u.exec(raw);
  if (!m || !/f/iu.test(m[1]!) || !raw.endsWith(m[2]!)) return undefined;
  const body = raw.slice(m[0].length, raw.length - m[2]!.length);
  // several string tokens side by side: not read
  if (body.includes(m[2]!)) return undefined;
  return fillFields(body, (field) => {
    const name = /^(\w+)(?:[!:].*)?$/su.exec(field.trim())?.[1];
    return name === undefined ? undefined : strValue({ k: 'name', v: name }, resolve);
  });
}

/** str.format's text with its fields filled from the call's arguments, where they are known strings. */
function formatFilled(text: string, call: PyExpr & { k: 'call' }, resolve: Resolve): string | undefined {
  let next = 0;
  return fillFields(text, (field) => {
    const key = /^(\w*)(?:[!:].*)?$/su.exec(field.trim())?.[1];
    if (key === undefined) return undefined;
    const arg =
      key === '' ? call.args[next++] : /^\d+$/u.test(key) ? call.args[Number(key)] : call.kw.get(key);
    return arg === undefined ? undefined : strValue(arg, resolve);
  });
}

function strValue(e: PyExpr, resolve: Resolve): string | undefined {
  const v = resolve(e);
  return v.k === 'str' ? v.v : undefined;
}

/** `{{` and `}}` as braces, each `{field}` as `value(field)` or RUN_TIME. */
function fillFields(text: string, value: (field: string) => string | undefined): string | undefined {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if ((c === '{' || c === '}') && text[i + 1] === c) {
      out += c;
      i++;
    } else if (c === '{') {
      const end = text.indexOf('}', i);
      if (end < 0) return undefined;
      out += value(text.slice(i + 1, end)) ?? RUN_TIME;
      i = end;
    } else out += c;
  }
  return out;
}
