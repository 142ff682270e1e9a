import { isFalse, isNone, isTrue, strOf, type PyExpr } from '../../python/expression-reader.js';
import type { ObjectKind, SchemaOp } from './schema-object.js';
import { everything, type OpWriter, type Resolve } from './op-writer.js';
import { sqlStep } from './sql-argument.js';
import { droppedWith } from './sql-ops.js';

type Call = PyExpr & { k: 'call' };

/** One `op.<method>(…)` call as its family's reader sees it. */
interface OpArgs {
  readonly method: string;
  readonly c: Call;
  readonly batch: boolean;
  readonly out: OpWriter;
  readonly resolve: Resolve;
  readonly line: number;
  /** the table the step works on: the with-statement's in a batch, else the first argument */
  readonly table: string | null | undefined;
  readonly otherSchema: boolean;
  /** positional argument i of the plain call (after the first, a batch's shift by one), else the keyword */
  arg(i: number, name: string): PyExpr | undefined;
  unknownTable(kind: ObjectKind | null, name: string | null): void;
}

/** Calls that build values, read the context or make objects the probes do not track. */
const NO_STEP = new Set([
  'f',
  'get_bind',
  'get_context',
  'inline_literal',
  'bulk_insert',
  'create_table_comment',
  'drop_table_comment',
  'create_sequence',
  'drop_sequence',
  'batch_alter_table',
  'run_async',
]);

const FAMILIES: Record<string, (a: OpArgs) => void> = {
  create_table: createTable,
  drop_table: dropTable,
  rename_table: renameTable,
  add_column: addColumn,
  drop_column: dropColumn,
  alter_column: alterColumn,
  create_index: createIndex,
  drop_index: dropIndex,
  create_unique_constraint: createConstraint,
  create_foreign_key: createConstraint,
  create_check_constraint: createConstraint,
  create_primary_key: createConstraint,
  create_exclude_constraint: createConstraint,
  drop_constraint: dropConstraint,
  execute: (a) => sqlStep(a.arg(0, 'sqltext'), a.out, a.resolve),
};

/** `op.<method>(…)`, or `<batch>.<method>(…)` inside `with op.batch_alter_table(table)` (then `batch` is set). */
export function opCall(
  method: string,
  c: Call,
  batch: { table: string | null; plain?: boolean } | undefined,
  out: OpWriter,
  resolve: Resolve,
): void {
  const line = out.line;
  // batch operations take the table from the with-statement, so their arguments shift by one
  const shift = batch ? -1 : 0;
  const arg = (i: number, name: string): PyExpr | undefined =>
    c.args[i > 0 ? i + shift : i] ?? c.kw.get(name);
  const table = batch ? batch.table : strOf(c.args[0] ?? c.kw.get('table_name'));
  const args: OpArgs = {
    method,
    c,
    // recreate="never": the batch emits the same statements a plain call does
    batch: batch !== undefined && batch.plain !== true,
    out,
    resolve,
    line,
    table,
    otherSchema: c.kw.has('schema') && !isNone(c.kw.get('schema')!),
    arg,
    unknownTable: (kind, name) =>
      out.push({ op: 'forget', kind, table: null, name, line, why: 'a table name the reading cannot see' }),
  };
  const family = FAMILIES[method];
  if (family) return family(args);
  if (NO_STEP.has(method)) return;
  if (table !== undefined && table !== null)
    out.push({
      op: 'forget',
      kind: null,
      table,
      name: null,
      line,
      why: `op.${method}, which the probes do not model`,
    });
  else out.push(everything(line, `op.${method}, which the probes do not model`));
}

function createTable(a: OpArgs): void {
  if (a.batch) return;
  const name = strOf(a.c.args[0] ?? a.c.kw.get('table_name'));
  if (name === undefined || a.otherSchema) return a.unknownTable(null, null);
  // create_table makes the enums' types first (before_create), with no check, once per run of Alembic
  for (const x of a.c.args.slice(1)) {
    const col = a.resolve(x);
    const type =
      col.k === 'call' && /(?:^|\.)Column$/u.test(col.callee)
        ? enumType(col.kw.get('type_') ?? col.args[1], a.resolve)
        : undefined;
    if (type?.creates)
      a.out.push({
        op: 'create',
        obj: { kind: 'type', name: type.name },
        strict: true,
        line: a.line,
        once: true,
      });
  }
  a.out.push({ op: 'create', obj: { kind: 'table', name }, strict: true, line: a.line });
  const elements = a.c.args.slice(1).map(a.resolve);
  if (elements.some(namedBySomeoneElse)) a.out.push(implicitConstraints(name, a.line));
  if (a.c.star)
    a.out.push({
      op: 'forget',
      kind: null,
      table: name,
      name: null,
      line: a.line,
      why: 'columns passed with *',
    });
  for (const x of elements) tableElement(x, name, a.out);
}

/** The table constraints create_table takes as elements. */
const TABLE_CONSTRAINT = /^(?:UniqueConstraint|PrimaryKeyConstraint|ForeignKeyConstraint|CheckConstraint)$/u;

/** A call's own name, without its module (`sa.Column` → `Column`). */
function calleeName(e: Call): string {
  return e.callee.slice(e.callee.lastIndexOf('.') + 1);
}

/**
 * A primary key, a unique or foreign key or check on a column, or a table constraint with no name: the
 * server names it (PostgreSQL's `t_pkey`, `t_c_key`, `t_c_fkey`; MySQL's `t_ibfk_1`), or target_metadata's
 * naming convention does, which the migration does not show.
 */
function namedBySomeoneElse(e: PyExpr): boolean {
  if (e.k !== 'call') return false;
  const kind = calleeName(e);
  if (TABLE_CONSTRAINT.test(kind)) return !e.kw.has('name');
  if (kind !== 'Column') return false;
  const flagged = (k: string): boolean => {
    const v = e.kw.get(k);
    return v !== undefined && !isFalse(v) && !isNone(v);
  };
  return (
    flagged('primary_key') ||
    flagged('unique') ||
    e.args.some((x) => x.k === 'call' && ['ForeignKey', 'CheckConstraint'].includes(calleeName(x)))
  );
}

/** The constraints of a table that the server or a naming convention named: unknown by name from here on. */
function implicitConstraints(table: string, line: number): SchemaOp {
  return {
    op: 'forget',
    kind: 'constraint',
    table,
    name: null,
    line,
    why: 'constraints named by the server or a naming convention',
  };
}

function dropTable(a: OpArgs): void {
  if (a.batch) return;
  if (a.table === undefined || a.table === null || a.otherSchema) return a.unknownTable('table', null);
  a.out.push({ op: 'drop', obj: { kind: 'table', name: a.table }, strict: true, line: a.line });
}

function renameTable(a: OpArgs): void {
  const to = strOf(a.c.args[1] ?? a.c.kw.get('new_table_name'));
  if (a.batch || a.table === undefined || a.table === null || to === undefined || a.otherSchema)
    return a.unknownTable(null, null);
  a.out.push({ op: 'rename', obj: { kind: 'table', name: a.table }, to, line: a.line });
}

function addColumn(a: OpArgs): void {
  const col = a.resolve(a.arg(1, 'column') ?? { k: 'other', parts: [] });
  const name =
    col.k === 'call' && /(?:^|\.)Column$/u.test(col.callee)
      ? strOf(col.args[0] ?? col.kw.get('name'))
      : undefined;
  if (a.table === undefined || a.table === null || a.otherSchema)
    return a.unknownTable('column', name ?? null);
  if (name === undefined)
    return a.out.push({
      op: 'forget',
      kind: 'column',
      table: a.table,
      name: null,
      line: a.line,
      why: 'a column the reading cannot name',
    });
  a.out.push({
    op: 'create',
    obj: { kind: 'column', table: a.table, name },
    strict: true,
    line: a.line,
    ...batchFlag(a),
  });
  if (namedBySomeoneElse(col)) a.out.push(implicitConstraints(a.table, a.line));
}

function dropColumn(a: OpArgs): void {
  const name = strOf(a.arg(1, 'column_name'));
  if (a.table === undefined || a.table === null || a.otherSchema)
    return a.unknownTable('column', name ?? null);
  if (name === undefined)
    return a.out.push({
      op: 'forget',
      kind: 'column',
      table: a.table,
      name: null,
      line: a.line,
      why: 'a column the reading cannot name',
    });
  a.out.push({
    op: 'drop',
    obj: { kind: 'column', table: a.table, name },
    strict: true,
    line: a.line,
    ...batchFlag(a),
  });
  for (const op of droppedWith(a.table, a.line)) a.out.push(op);
}

/** alter_column's arguments that change the column itself (its name aside): ALTER COLUMN on the server. */
const ALTERED = ['type_', 'nullable', 'server_default'];

function alterColumn(a: OpArgs): void {
  const name = strOf(a.arg(1, 'column_name'));
  const renamed = a.c.kw.get('new_column_name');
  const to = renamed ? strOf(renamed) : undefined;
  if (
    a.table === undefined ||
    a.table === null ||
    name === undefined ||
    a.otherSchema ||
    (renamed && to === undefined)
  ) {
    a.unknownTable('column', name ?? null);
    if (renamed) a.unknownTable('column', to ?? null);
    return;
  }
  const alters = ALTERED.filter((k) => a.c.kw.has(k));
  a.out.push({
    op: 'need',
    obj: { kind: 'column', table: a.table, name },
    line: a.line,
    ...batchFlag(a),
    ...(alters.length > 0 ? { alters } : {}),
  });
  if (to !== undefined)
    a.out.push({ op: 'rename', obj: { kind: 'column', table: a.table, name }, to, line: a.line });
}

function createIndex(a: OpArgs): void {
  const name = strOf(a.c.args[0] ?? a.c.kw.get('index_name'));
  const on = a.batch ? a.table : strOf(a.c.args[1] ?? a.c.kw.get('table_name'));
  if (name === undefined || a.otherSchema) return a.unknownTable('index', null);
  a.out.push({
    op: 'create',
    obj: { kind: 'index', name, ...(on ? { table: on } : {}) },
    strict: !isTrue(a.c.kw.get('if_not_exists')),
    line: a.line,
    ...batchFlag(a),
  });
}

function dropIndex(a: OpArgs): void {
  const name = strOf(a.c.args[0] ?? a.c.kw.get('index_name'));
  if (name === undefined || a.otherSchema) return a.unknownTable('index', null);
  a.out.push({
    op: 'drop',
    obj: { kind: 'index', name },
    strict: !isTrue(a.c.kw.get('if_exists')),
    line: a.line,
    ...batchFlag(a),
  });
}

function createConstraint(a: OpArgs): void {
  const name = strOf(a.c.args[0] ?? a.c.kw.get('constraint_name'));
  const on = a.batch
    ? a.table
    : strOf(a.c.args[1] ?? a.c.kw.get(a.method === 'create_foreign_key' ? 'source_table' : 'table_name'));
  if (on === undefined || on === null || a.otherSchema) return a.unknownTable('constraint', name ?? null);
  // an unnamed constraint takes the naming convention's name, which env.py may set
  if (name === undefined)
    return a.out.push({
      op: 'forget',
      kind: 'constraint',
      table: on,
      name: null,
      line: a.line,
      why: 'a constraint named by the naming convention',
      // SQLite's dialect refuses it outside batch mode all the same (the unnamed form autogenerate writes);
      // a batch that copies the table refuses it unless target_metadata's naming convention names it
      ...(!a.out.conditional && !a.batch ? { unbatchedConstraint: true as const } : {}),
      ...(!a.out.conditional && a.batch ? { unnamedInBatch: true as const } : {}),
    });
  a.out.push({
    op: 'create',
    obj: { kind: 'constraint', table: on, name },
    strict: true,
    line: a.line,
    ...batchFlag(a),
  });
}

function dropConstraint(a: OpArgs): void {
  const name = strOf(a.c.args[0] ?? a.c.kw.get('constraint_name'));
  const on = a.batch ? a.table : strOf(a.c.args[1] ?? a.c.kw.get('table_name'));
  if (on === undefined || on === null || a.otherSchema) return a.unknownTable('constraint', name ?? null);
  if (name === undefined)
    return a.out.push({
      op: 'forget',
      kind: 'constraint',
      table: on,
      name: null,
      line: a.line,
      why: 'a constraint the reading cannot name',
    });
  a.out.push({
    op: 'drop',
    obj: { kind: 'constraint', table: on, name },
    strict: true,
    line: a.line,
    ...batchFlag(a),
  });
}

function batchFlag(a: OpArgs): { batch?: true } {
  return a.batch ? { batch: true } : {};
}

/** A positional argument of create_table: a Column, a named constraint or Index, or something unknown. */
function tableElement(e: PyExpr, table: string, out: OpWriter): void {
  const line = out.line;
  if (e.k !== 'call') {
    out.push({
      op: 'forget',
      kind: null,
      table,
      name: null,
      line,
      why: 'a table element the reading cannot see',
    });
    return;
  }
  const kind = calleeName(e);
  if (kind === 'Column') {
    const name = strOf(e.args[0] ?? e.kw.get('name'));
    if (name === undefined) {
      out.push({
        op: 'forget',
        kind: 'column',
        table,
        name: null,
        line,
        why: 'a column the reading cannot name',
      });
      return;
    }
    out.push({ op: 'create', obj: { kind: 'column', table, name }, strict: false, line });
  } else if (TABLE_CONSTRAINT.test(kind)) {
    const name = strOf(e.kw.get('name'));
    if (name !== undefined)
      out.push({ op: 'create', obj: { kind: 'constraint', table, name }, strict: false, line });
    else if (e.kw.has('name'))
      out.push({
        op: 'forget',
        kind: 'constraint',
        table,
        name: null,
        line,
        why: 'a constraint the reading cannot name',
      });
  } else if (kind === 'Index') {
    const name = strOf(e.args[0] ?? e.kw.get('name'));
    if (name !== undefined)
      out.push({ op: 'create', obj: { kind: 'index', name, table }, strict: false, line });
  } else {
    out.push({ op: 'forget', kind: null, table, name: null, line, why: `${e.callee}(…) in create_table` });
  }
}

/** The named type an `Enum`/`ENUM` expression stands for, and whether create_table makes it. */
export function enumType(
  e: PyExpr | undefined,
  resolve: Resolve,
): { name: string; creates: boolean } | undefined {
  const x = e ? resolve(e) : undefined;
  if (x?.k !== 'call' || !/(?:^|\.)(?:Enum|ENUM)$/u.test(x.callee)) return undefined;
  const name = strOf(x.kw.get('name'));
  if (name === undefined || (x.kw.has('schema') && !isNone(x.kw.get('schema')!))) return undefined;
  return {
    name,
    creates: !isFalse(x.kw.get('create_type')) && !isFalse(x.kw.get('native_enum')) && !x.kw.has('metadata'),
  };
}
