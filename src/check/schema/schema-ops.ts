import { callsIn, isFalse, isNone, isTrue, readExpression, readStatement, strOf, type PyExpr } from '../../python/expression-reader.js';
import { headerColon, tokenize, Tok, type LogicalLine, type Token } from '../../python/python-tokenizer.js';
import type { ObjectKind, ObjectRef, SchemaOp } from './schema-object.js';
import { LOCKING, lockStepOf, type LockStep } from './lock-facts.js';
import { sqlOps } from './sql-ops.js';

export type { ObjectKind, ObjectRef, SchemaOp } from './schema-object.js';

type Call = PyExpr & { k: 'call' };

interface Block {
  readonly indent: number;
  /** with-statements run their body; if/for/try/def bodies may not */
  readonly conditional: boolean;
  readonly alias?: { readonly name: string; readonly table: string | null };
}

/** Module roots whose calls only build values or log: a call to anything else imported may run DDL of its own. */
const QUIET_MODULES = /^(?:sqlalchemy|alembic|sqlmodel|typing|typing_extensions|datetime|uuid|json|os|sys|logging|enum|re|time|decimal|collections|itertools|functools|textwrap|hashlib|random|string|secrets|warnings|math|pathlib|dataclasses|geoalchemy2|psycopg2|citext|sqlalchemy_utils)(?:\.|$)/u;

/**
 * The steps of a revision file's upgrade() in the order they run, read from the tokenizer's logical
 * lines without a parser: each statement of upgrade()'s body (and of the module's helper functions
 * it calls), with the blocks around it. A step under `if`, `for`, `try` or in a helper makes its
 * objects unknown; what cannot be read at all (SQL built at run time, a helper imported from
 * elsewhere, a multi-database script, a syntax error) makes everything unknown from there on.
 */
export function schemaOps(text: string): SchemaOp[] {
  return readSteps(text).ops;
}

/**
 * The steps of upgrade() that lock a table that may hold rows (lock-facts.ts), read as schemaOps
 * reads them, and the lines where the reading could not follow the steps (none of those is graded).
 */
export function lockSteps(text: string): { steps: LockStep[]; sql: LiteralSql[]; unread: { line: number; why: string }[] } {
  const sink = { locks: [] as LockStep[], sql: [] as LiteralSql[], unread: [] as { line: number; why: string }[] };
  const { ops } = readSteps(text, sink);
  const lost = ops.flatMap((o) => (o.op === 'forget' && o.table === null && o.kind === null ? [{ line: o.line, why: o.why }] : []));
  return { steps: sink.locks, sql: sink.sql, unread: [...sink.unread, ...lost].sort((a, b) => a.line - b.line) };
}

/** Literal SQL a step runs (op.execute, a connection's execute), for PostgreSQL's own parser. */
export interface LiteralSql {
  readonly line: number;
  readonly sql: string;
  readonly conditional: boolean;
}

interface LockSink {
  readonly locks: LockStep[];
  readonly sql: LiteralSql[];
  readonly unread: { line: number; why: string }[];
}

function readSteps(text: string, locks?: LockSink): { ops: SchemaOp[] } {
  const { lines, error } = tokenize(text);
  if (error) return { ops: [everything(error.line, 'a syntax error the reading cannot follow')] };
  const defs = new Map<string, number>();
  const imported = new Map<string, string>();
  // module-level names bound to a value, read only when a step uses one
  const values = new Map<string, readonly Token[]>();
  lines.forEach((l, i) => {
    if (l.indent !== 0) return;
    const t = l.tokens;
    const def = t[0]?.text === 'def' ? t[1] : t[0]?.text === 'async' && t[1]?.text === 'def' ? t[2] : undefined;
    if (def?.type === Tok.Name) defs.set(def.text, i);
    for (const [name, from] of importsOf(t)) imported.set(name, from);
    const value = assignedAt(t);
    if (value !== undefined) values.set(t[0]!.text, t.slice(value));
  });
  const upgrade = defs.get('upgrade');
  if (upgrade === undefined) return { ops: [] };
  if ([...defs.keys()].some((d) => d.startsWith('upgrade_'))) return { ops: [everything(lines[upgrade]!.line, 'a multi-database script (upgrade_<engine>)')] };
  const ops: SchemaOp[] = [];
  const reader = new BodyReader(lines, defs, imported, values, ops, locks);
  // a decorator decides whether and how the body runs (one that skips it on SQLite, say): its steps may not
  reader.body(upgrade, lines[upgrade - 1]?.tokens[0]?.text === '@', new Set());
  return { ops };
}

function everything(line: number, why: string): SchemaOp {
  return { op: 'forget', kind: null, table: null, name: null, line, why };
}

/** `import a.b as c`, `from a import b as c`: each bound name with the module it comes from. */
function importsOf(t: readonly Token[]): [string, string][] {
  const head = t[0]?.text;
  if (head !== 'from' && head !== 'import') return [];
  const at = head === 'from' ? t.findIndex((x) => x.type === Tok.Name && x.text === 'import') : 0;
  if (at < 0) return [];
  const from = head === 'from' ? t.slice(1, at).map((x) => x.text).join('') : undefined;
  const out: [string, string][] = [];
  let item: Token[] = [];
  const flush = (): void => {
    const names = item.filter((x) => x.type === Tok.Name);
    item = [];
    if (names.length === 0) return;
    const as = names.findIndex((x) => x.text === 'as');
    // `import a.b` binds a; `as` binds the name after it
    const bound = as >= 0 ? names[as + 1]?.text : from !== undefined ? names[0]!.text : names[0]!.text;
    const module = from ?? names.slice(0, as >= 0 ? as : undefined).map((x) => x.text).join('.');
    if (bound !== undefined) out.push([bound, module]);
  };
  for (const x of t.slice(at + 1)) {
    if (x.type === Tok.Op && x.text === ',') flush();
    else if (!(x.type === Tok.Op && (x.text === '(' || x.text === ')'))) item.push(x);
  }
  flush();
  return out;
}

/** Where the value of `name = …` (or `name: T = …`) starts in a statement's tokens; undefined for anything else. */
function assignedAt(t: readonly Token[]): number | undefined {
  if (t[0]?.type !== Tok.Name || t[1]?.type !== Tok.Op) return undefined;
  if (t[1].text === '=') return 2;
  if (t[1].text !== ':') return undefined;
  const eq = t.findIndex((x, i) => i > 1 && x.type === Tok.Op && x.text === '=');
  return eq < 0 ? undefined : eq + 1;
}

const COMPOUND = new Set(['if', 'elif', 'else', 'for', 'while', 'try', 'except', 'finally', 'with', 'def', 'class', 'match', 'case']);

/** The compound statement a line opens (`async` skipped), or undefined. */
function compoundKeyword(t: readonly Token[]): string | undefined {
  const first = t[0]?.text === 'async' ? t[1] : t[0];
  if (first?.type !== Tok.Name || !COMPOUND.has(first.text)) return undefined;
  // `match` and `case` are soft keywords: `match = …` or `match(…)` is a statement
  if ((first.text === 'match' || first.text === 'case') && t.length > 1 && t[1]!.type === Tok.Op && t[1]!.text !== '(' && t[1]!.text !== '[') return undefined;
  return first.text;
}

class BodyReader {
  /** names bound in upgrade() to values the steps may use (a SQL string, an Enum) */
  private readonly locals = new Map<string, PyExpr>();

  constructor(
    private readonly lines: readonly LogicalLine[],
    private readonly defs: ReadonlyMap<string, number>,
    private readonly imported: Map<string, string>,
    private readonly values: ReadonlyMap<string, readonly Token[]>,
    private readonly ops: SchemaOp[],
    private readonly locks?: LockSink,
  ) {}

  /** The body of the def at `at`, every step conditional when `conditional` (a helper's). */
  body(at: number, conditional: boolean, seen: Set<number>): void {
    seen.add(at);
    const head = this.lines[at]!;
    const stack: Block[] = [{ indent: head.indent, conditional }];
    // a one-line def (`def upgrade(): op.drop_table("t")`)
    const colon = headerColon(head.tokens);
    if (colon + 1 < head.tokens.length) this.statement(head.tokens.slice(colon + 1), head.line, stack, seen);
    for (let i = at + 1; i < this.lines.length; i++) {
      const l = this.lines[i]!;
      if (l.indent <= head.indent) break;
      while (stack.length > 1 && stack[stack.length - 1]!.indent >= l.indent) stack.pop();
      const kw = compoundKeyword(l.tokens);
      if (kw === undefined) {
        this.statement(l.tokens, l.line, stack, seen);
        continue;
      }
      const c = headerColon(l.tokens);
      if (c >= l.tokens.length) {
        this.ops.push(everything(l.line, 'a statement the reading cannot follow'));
        continue;
      }
      const block: Block = kw === 'with' ? { indent: l.indent, conditional: false, ...batchAlias(l.tokens.slice(0, c)) } : { indent: l.indent, conditional: true };
      stack.push(block);
      if (c + 1 < l.tokens.length) this.statement(l.tokens.slice(c + 1), l.line, stack, seen);
    }
  }

  private statement(tokens: readonly Token[], line: number, stack: readonly Block[], seen: Set<number>): void {
    const conditional = stack.some((b) => b.conditional);
    const aliases = new Map(stack.flatMap((b) => (b.alias ? [[b.alias.name, b.alias.table] as const] : [])));
    const imports = importsOf(tokens);
    if (imports.length > 0) {
      for (const [name, from] of imports) this.imported.set(name, from);
      return;
    }
    const value = assignedAt(tokens);
    const exprs = readStatement(value === undefined ? tokens : tokens.slice(value));
    if (value !== undefined && exprs.length === 1) this.locals.set(tokens[0]!.text, exprs[0]!);
    const out = new OpWriter(line, conditional, this.ops);
    for (const e of exprs) for (const call of callsIn(e, (c) => this.interesting(c, aliases))) this.call(call, aliases, out, seen);
  }

  /** Calls whose arguments are not searched further: the steps themselves. */
  private interesting(c: Call, aliases: ReadonlyMap<string, string | null>): boolean {
    const [owner, method] = splitCallee(c.callee);
    return owner === 'op' || aliases.has(owner) || method === 'execute' || method === 'exec_driver_sql';
  }

  private call(c: Call, aliases: ReadonlyMap<string, string | null>, out: OpWriter, seen: Set<number>): void {
    const [owner, method] = splitCallee(c.callee);
    const resolve = (e: PyExpr): PyExpr => this.resolve(e);
    if (owner === 'op' || aliases.has(owner)) {
      const batchTable = aliases.has(owner) ? aliases.get(owner)! : undefined;
      const lock = this.locks ? lockStepOf(method, c, batchTable, out.line, out.conditional, resolve) : undefined;
      if (lock) this.locks!.locks.push(lock);
      else if (this.locks && LOCKING.has(method)) this.locks.unread.push({ line: out.line, why: `op.${method} on a table the reading cannot name or outside the schema read` });
      if (this.locks && method === 'execute') this.literalSql(c.args[0] ?? c.kw.get('sqltext'), out);
      return opCall(method, c, batchTable === undefined ? undefined : { table: batchTable }, out, resolve);
    }
    if (method === 'execute' || method === 'exec_driver_sql') {
      if (this.locks) this.literalSql(c.args[0] ?? c.kw.get('statement'), out);
      if (c.args.length > 0 || c.kw.size > 0 || c.star) sqlStep(c.args[0] ?? c.kw.get('statement'), out, resolve);
      return;
    }
    if ((method === 'create' || method === 'drop') && (c.recv || owner !== '')) {
      const type = enumType(c.recv ?? { k: 'name', v: owner }, resolve);
      if (type) return out.push({ op: method, obj: { kind: 'type', name: type.name }, strict: false, line: out.line });
    }
    if (owner === '' && this.defs.has(c.callee)) {
      const def = this.defs.get(c.callee)!;
      if (!seen.has(def)) this.body(def, true, seen);
      return;
    }
    // a call into code the reading does not follow: an import from the app (db.create_all(), a helper)
    const root = (owner === '' ? c.callee : owner).split('.')[0]!;
    const from = this.imported.get(root);
    if (root !== '' && from !== undefined && !QUIET_MODULES.test(from) && !this.locals.has(root)) out.push(everything(out.line, `${c.callee}() comes from ${from}, which the reading does not follow`));
  }

  /** Keeps the literal SQL of an execute() for the lock grades. */
  private literalSql(arg: PyExpr | undefined, out: OpWriter): void {
    const e = sqlArgument(arg, (x) => this.resolve(x));
    if (e.kind === 'literal') this.locks!.sql.push({ line: out.line, sql: e.sql, conditional: out.conditional });
  }

  /** A name's value where upgrade() or the module binds it (once); the expression itself otherwise. */
  private resolve(e: PyExpr): PyExpr {
    if (e.k !== 'name') return e;
    const local = this.locals.get(e.v);
    if (local) return local;
    const tokens = this.values.get(e.v);
    return tokens !== undefined ? readExpression(tokens) : e;
  }
}

/** `with op.batch_alter_table("t") as b:` (the header's tokens before its colon): the alias and its table (null when not a literal). */
function batchAlias(t: readonly Token[]): Pick<Block, 'alias'> {
  const n = t.length;
  if (t[1]?.text !== 'op' || t[2]?.text !== '.' || t[3]?.text !== 'batch_alter_table' || t[n - 2]?.text !== 'as' || t[n - 1]?.type !== Tok.Name) return {};
  const e = readExpression(t.slice(1, n - 2));
  if (e.k !== 'call') return {};
  const table = strOf(e.args[0] ?? e.kw.get('table_name'));
  const schema = e.kw.get('schema');
  return { alias: { name: t[n - 1]!.text, table: table !== undefined && (schema === undefined || isNone(schema)) ? table : null } };
}

function splitCallee(callee: string): [string, string] {
  const dot = callee.lastIndexOf('.');
  return dot < 0 ? ['', callee] : [callee.slice(0, dot), callee.slice(dot + 1)];
}

/** Adds steps, turning a conditional step into one that forgets its objects. */
class OpWriter {
  constructor(
    readonly line: number,
    readonly conditional: boolean,
    private readonly ops: SchemaOp[],
  ) {}

  push(op: SchemaOp): void {
    if (!this.conditional || op.op === 'forget') {
      this.ops.push(op);
      return;
    }
    if (op.op === 'need') return;
    this.ops.push(forgetOf(op.obj, op.line, 'a step under if, for, try or in a helper function'));
    if (op.op === 'rename') this.ops.push(forgetOf({ ...op.obj, name: op.to }, op.line, 'a step under if, for, try or in a helper function'));
  }
}

function forgetOf(obj: ObjectRef, line: number, why: string): SchemaOp {
  // an index is named schema-wide; its table is where it was made, not part of its identity
  return { op: 'forget', kind: obj.kind, table: obj.kind === 'index' || obj.kind === 'type' || obj.kind === 'table' ? null : (obj.table ?? null), name: obj.name, line, why };
}

type Resolve = (e: PyExpr) => PyExpr;

/** `op.<method>(…)`, or `<batch>.<method>(…)` inside `with op.batch_alter_table(table)` (then `batch` is set). */
function opCall(method: string, c: Call, batch: { table: string | null } | undefined, out: OpWriter, resolve: Resolve): void {
  const line = out.line;
  // batch operations take the table from the with-statement, so their arguments shift by one
  const shift = batch ? -1 : 0;
  const arg = (i: number, name: string): PyExpr | undefined => (i >= 0 ? c.args[i] : undefined) ?? c.kw.get(name);
  const otherSchema = c.kw.has('schema') && !isNone(c.kw.get('schema')!);
  const table = batch ? batch.table : strOf(arg(0, 'table_name'));
  const strict = true;
  const b = batch ? { batch: true as const } : {};
  const unknownTable = (kind: ObjectKind | null, name: string | null): void => out.push({ op: 'forget', kind, table: null, name, line, why: 'a table name the reading cannot see' });
  switch (method) {
    case 'create_table': {
      if (batch) return;
      const name = strOf(arg(0, 'table_name'));
      if (name === undefined || otherSchema) return unknownTable(null, null);
      // create_table makes the enums' types first (before_create), with no check, once per run of Alembic
      for (const a of c.args.slice(1)) {
        const col = resolve(a);
        const type = col.k === 'call' && /(?:^|\.)Column$/u.test(col.callee) ? enumType(col.kw.get('type_') ?? col.args[1], resolve) : undefined;
        if (type?.creates) out.push({ op: 'create', obj: { kind: 'type', name: type.name }, strict: true, line, once: true });
      }
      out.push({ op: 'create', obj: { kind: 'table', name }, strict: true, line });
      if (c.star) out.push({ op: 'forget', kind: null, table: name, name: null, line, why: 'columns passed with *' });
      for (const a of c.args.slice(1)) tableElement(resolve(a), name, out);
      return;
    }
    case 'drop_table':
      if (batch) return;
      if (table === undefined || table === null || otherSchema) return unknownTable('table', null);
      return out.push({ op: 'drop', obj: { kind: 'table', name: table }, strict: true, line });
    case 'rename_table': {
      const to = strOf(arg(1, 'new_table_name'));
      if (batch || table === undefined || table === null || to === undefined || otherSchema) return unknownTable(null, null);
      return out.push({ op: 'rename', obj: { kind: 'table', name: table }, to, line });
    }
    case 'add_column': {
      const col = resolve(arg(1 + shift, 'column') ?? { k: 'other', parts: [] });
      const name = col.k === 'call' && /(?:^|\.)Column$/u.test(col.callee) ? strOf(col.args[0] ?? col.kw.get('name')) : undefined;
      if (table === undefined || table === null || otherSchema) return unknownTable('column', name ?? null);
      if (name === undefined) return out.push({ op: 'forget', kind: 'column', table, name: null, line, why: 'a column the reading cannot name' });
      return out.push({ op: 'create', obj: { kind: 'column', table, name }, strict, line, ...b });
    }
    case 'drop_column': {
      const name = strOf(arg(1 + shift, 'column_name'));
      if (table === undefined || table === null || otherSchema) return unknownTable('column', name ?? null);
      if (name === undefined) return out.push({ op: 'forget', kind: 'column', table, name: null, line, why: 'a column the reading cannot name' });
      return out.push({ op: 'drop', obj: { kind: 'column', table, name }, strict, line, ...b });
    }
    case 'alter_column': {
      const name = strOf(arg(1 + shift, 'column_name'));
      const renamed = c.kw.get('new_column_name');
      const to = renamed ? strOf(renamed) : undefined;
      if (table === undefined || table === null || name === undefined || otherSchema || (renamed && to === undefined)) {
        unknownTable('column', name ?? null);
        if (renamed) unknownTable('column', to ?? null);
        return;
      }
      out.push({ op: 'need', obj: { kind: 'column', table, name }, line, ...b });
      if (to !== undefined) out.push({ op: 'rename', obj: { kind: 'column', table, name }, to, line });
      return;
    }
    case 'create_index': {
      const name = strOf(arg(0, 'index_name'));
      const on = batch ? table : strOf(arg(1, 'table_name'));
      if (name === undefined || otherSchema) return unknownTable('index', null);
      return out.push({ op: 'create', obj: { kind: 'index', name, ...(on ? { table: on } : {}) }, strict: !isTrue(c.kw.get('if_not_exists')), line, ...b });
    }
    case 'drop_index': {
      const name = strOf(arg(0, 'index_name'));
      if (name === undefined || otherSchema) return unknownTable('index', null);
      return out.push({ op: 'drop', obj: { kind: 'index', name }, strict: !isTrue(c.kw.get('if_exists')), line, ...b });
    }
    case 'create_unique_constraint':
    case 'create_foreign_key':
    case 'create_check_constraint':
    case 'create_primary_key':
    case 'create_exclude_constraint': {
      const name = strOf(arg(0, 'constraint_name'));
      const on = batch ? table : strOf(arg(1, method === 'create_foreign_key' ? 'source_table' : 'table_name'));
      if (on === undefined || on === null || otherSchema) return unknownTable('constraint', name ?? null);
      // an unnamed constraint takes the naming convention's name, which env.py may set
      if (name === undefined) return out.push({ op: 'forget', kind: 'constraint', table: on, name: null, line, why: 'a constraint named by the naming convention' });
      return out.push({ op: 'create', obj: { kind: 'constraint', table: on, name }, strict, line, ...b });
    }
    case 'drop_constraint': {
      const name = strOf(arg(0, 'constraint_name'));
      const on = batch ? table : strOf(arg(1, 'table_name'));
      if (on === undefined || on === null || otherSchema) return unknownTable('constraint', name ?? null);
      if (name === undefined) return out.push({ op: 'forget', kind: 'constraint', table: on, name: null, line, why: 'a constraint the reading cannot name' });
      return out.push({ op: 'drop', obj: { kind: 'constraint', table: on, name }, strict, line, ...b });
    }
    case 'execute':
      return sqlStep(arg(0, 'sqltext'), out, resolve);
    case 'f':
    case 'get_bind':
    case 'get_context':
    case 'inline_literal':
    case 'bulk_insert':
    case 'create_table_comment':
    case 'drop_table_comment':
    case 'create_sequence':
    case 'drop_sequence':
    case 'batch_alter_table':
    case 'run_async':
      return;
    default:
      if (table !== undefined && table !== null) out.push({ op: 'forget', kind: null, table, name: null, line, why: `op.${method}, which the probes do not model` });
      else out.push(everything(line, `op.${method}, which the probes do not model`));
  }
}

/** A positional argument of create_table: a Column, a named constraint or Index, or something unknown. */
function tableElement(e: PyExpr, table: string, out: OpWriter): void {
  const line = out.line;
  if (e.k !== 'call') {
    out.push({ op: 'forget', kind: null, table, name: null, line, why: 'a table element the reading cannot see' });
    return;
  }
  const kind = e.callee.slice(e.callee.lastIndexOf('.') + 1);
  if (kind === 'Column') {
    const name = strOf(e.args[0] ?? e.kw.get('name'));
    if (name === undefined) {
      out.push({ op: 'forget', kind: 'column', table, name: null, line, why: 'a column the reading cannot name' });
      return;
    }
    out.push({ op: 'create', obj: { kind: 'column', table, name }, strict: false, line });
  } else if (/^(?:UniqueConstraint|PrimaryKeyConstraint|ForeignKeyConstraint|CheckConstraint)$/u.test(kind)) {
    const name = strOf(e.kw.get('name'));
    if (name !== undefined) out.push({ op: 'create', obj: { kind: 'constraint', table, name }, strict: false, line });
    else if (e.kw.has('name')) out.push({ op: 'forget', kind: 'constraint', table, name: null, line, why: 'a constraint the reading cannot name' });
  } else if (kind === 'Index') {
    const name = strOf(e.args[0] ?? e.kw.get('name'));
    if (name !== undefined) out.push({ op: 'create', obj: { kind: 'index', name, table }, strict: false, line });
  } else {
    out.push({ op: 'forget', kind: null, table, name: null, line, why: `${e.callee}(…) in create_table` });
  }
}

/** The named type an `Enum`/`ENUM` expression stands for, and whether create_table makes it. */
function enumType(e: PyExpr | undefined, resolve: Resolve): { name: string; creates: boolean } | undefined {
  const x = e ? resolve(e) : undefined;
  if (x?.k !== 'call' || !/(?:^|\.)(?:Enum|ENUM)$/u.test(x.callee)) return undefined;
  const name = strOf(x.kw.get('name'));
  if (name === undefined || (x.kw.has('schema') && !isNone(x.kw.get('schema')!))) return undefined;
  return { name, creates: !isFalse(x.kw.get('create_type')) && !isFalse(x.kw.get('native_enum')) && !x.kw.has('metadata') };
}

/** Literal SQL's steps; a statement built at run time whose literal keyword changes rows only is none. */
function sqlStep(arg: PyExpr | undefined, out: OpWriter, resolve: Resolve): void {
  const e = sqlArgument(arg, resolve);
  if (e.kind === 'literal') for (const op of sqlOps(e.sql, out.line)) out.push(op);
  else if (e.kind === 'template' && ROWS_ONLY.test(e.sql)) return;
  else if (e.kind !== 'data') out.push(everything(out.line, 'SQL built at run time'));
}

const ROWS_ONLY = /^\s*(?:SELECT|INSERT|UPDATE|DELETE|WITH|MERGE|COMMENT|GRANT|REVOKE|SET|ANALYZE|VACUUM)\b/iu;

type SqlArgument = { kind: 'literal'; sql: string } | { kind: 'template'; sql: string } | { kind: 'data' } | { kind: 'unknown' };

/** What an execute() call runs: literal SQL, a template (its literal text), a SQLAlchemy data statement, or unknown. */
function sqlArgument(arg: PyExpr | undefined, resolve: Resolve): SqlArgument {
  const e = arg ? resolve(arg) : undefined;
  if (!e) return { kind: 'unknown' };
  if (e.k === 'str') return { kind: 'literal', sql: e.v };
  if (e.k === 'fstr') return { kind: 'template', sql: templateText(e.raw) };
  if (e.k === 'other' && e.parts[0]?.k === 'str') return { kind: 'template', sql: e.parts[0].v };
  if (e.k === 'call') {
    const method = e.callee.slice(e.callee.lastIndexOf('.') + 1);
    if (method === 'text' && !e.recv) return sqlArgument(e.args[0] ?? e.kw.get('text'), resolve);
    if ((method === 'bindparams' || method === 'columns' || method === 'execution_options' || method === 'strip' || method === 'dedent') && (e.recv || e.args[0])) return sqlArgument(e.recv ?? e.args[0], resolve);
    if (method === 'format' && e.recv?.k === 'str') return { kind: 'template', sql: e.recv.v };
    // table.insert(), update(t).values(…), sa.select(…): rows only
    if (/^(?:insert|update|delete|select|values|where|filter|filter_by|returning|from_select|on_conflict_do_nothing|on_conflict_do_update|order_by|limit|join|outerjoin)$/u.test(method)) return { kind: 'data' };
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
