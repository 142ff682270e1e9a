import { isNone, readExpression, strOf, type PyExpr } from '../../python/expression-reader.js';
import { Tok, type LogicalLine, type Token } from '../../python/python-tokenizer.js';
import { opCall } from './op-call.js';
import { everything, type OpWriter, type Resolve } from './op-writer.js';
import type { SchemaOp } from './schema-object.js';

type Call = PyExpr & { k: 'call' };

/** `sa.Table("name", metadata, …)` (a value the reading resolved): the call, when its name is literal. */
export function tableValue(e: PyExpr, resolve: Resolve): Call | undefined {
  const x = resolve(e);
  if (x.k !== 'call' || !/(?:^|\.)Table$/u.test(x.callee)) return undefined;
  return strOf(x.args[0] ?? { k: 'other', parts: [] }) !== undefined ? x : undefined;
}

/**
 * `table.create(bind, checkfirst=…)` / `table.drop(bind, …)`: the DDL SQLAlchemy emits through the
 * connection, as the steps op.create_table / op.drop_table would be. Without checkfirst=True the
 * statement fails where the table already is (or is not); with it, SQLAlchemy checks first.
 */
export function tableDdl(
  method: 'create' | 'drop',
  table: Call,
  checkfirst: boolean,
  out: OpWriter,
  ops: SchemaOp[],
  resolve: Resolve,
): void {
  const name = strOf(table.args[0]!)!;
  const other = table.kw.has('schema') && !isNone(table.kw.get('schema')!);
  if (other)
    return out.push({
      op: 'forget',
      kind: 'table',
      table: null,
      name,
      line: out.line,
      why: 'a table in another schema',
    });
  if (method === 'drop')
    return out.push({ op: 'drop', obj: { kind: 'table', name }, strict: !checkfirst, line: out.line });
  const from = ops.length;
  // the Table's columns and constraints are create_table's positional elements, after the metadata
  opCall(
    'create_table',
    {
      k: 'call',
      callee: 'op.create_table',
      args: [table.args[0]!, ...table.args.slice(2)],
      kw: new Map(),
      star: table.star,
    },
    undefined,
    out,
    resolve,
  );
  if (checkfirst)
    for (let i = from; i < ops.length; i++) {
      const op = ops[i]!;
      if (op.op === 'create') ops[i] = { ...op, strict: false };
    }
}

/**
 * `metadata.create_all(bind)` / `drop_all`: the tables the file binds to that metadata at module level,
 * each checked first (SQLAlchemy's default). A metadata the file does not make itself, or one named
 * anywhere else than its own line, those tables' lines and these calls, may hold tables the reading
 * cannot list: then nothing is known after the call.
 */
export function metadataDdl(
  owner: string,
  method: 'create_all' | 'drop_all',
  c: Call,
  lines: readonly LogicalLine[],
  values: ReadonlyMap<string, readonly Token[]>,
  out: OpWriter,
  ops: SchemaOp[],
  resolve: Resolve,
): void {
  const unknown = (): void =>
    out.push(everything(out.line, `${owner}.${method}() on tables the reading cannot list`));
  const value = (name: string): PyExpr | undefined => {
    const tokens = values.get(name);
    return tokens === undefined ? undefined : readExpression(tokens);
  };
  const made = value(owner);
  if (!/^[A-Za-z_]\w*$/u.test(owner) || made?.k !== 'call' || !/(?:^|\.)MetaData$/u.test(made.callee))
    return unknown();
  const tables = [...values.keys()].flatMap((name) => {
    const v = value(name);
    const t = v ? tableValue(v, resolve) : undefined;
    return t && t.args[1]?.k === 'name' && t.args[1].v === owner ? [t] : [];
  });
  // every line naming the metadata: its own, one per table bound to it, and the create_all/drop_all calls
  const named = lines.filter((l) => l.tokens.some((t) => t.type === Tok.Name && t.text === owner));
  const calls = named.filter((l) => l.tokens.some((t) => t.text === 'create_all' || t.text === 'drop_all'));
  if (named.length !== 1 + tables.length + calls.length) return unknown();
  // create_all(bind, tables=None, checkfirst=True) and drop_all check first unless told not to
  const given = c.kw.get('checkfirst') ?? c.args[2];
  const checkfirst = given === undefined || isTrue(given);
  for (const t of tables)
    tableDdl(method === 'create_all' ? 'create' : 'drop', t, checkfirst, out, ops, resolve);
}

/** A literal True (Table.create's checkfirst, positional or by name). */
export function isTrue(e: PyExpr | undefined): boolean {
  return e?.k === 'name' && e.v === 'True';
}
