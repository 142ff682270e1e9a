import {
  callsIn,
  intTextOf,
  readExpression,
  readStatement,
  strOf,
  type PyExpr,
} from '../../python/expression-reader.js';
import { headerColon, lex, Tok, type LogicalLine, type Token } from '../../python/python-tokenizer.js';
import type { SchemaOp } from './schema-object.js';
import { exceptNames, joinCatches, type Catches } from './try-catches.js';
import type { InsertedRow } from '../../database/data-probe.js';
import { LOCKING, lockStepOf, type LockStep } from './lock-facts.js';
import { withOnlineIndexes } from './mysql-online-index.js';
import { batchAlias, type BatchAlias } from './batch-alias.js';
import { catalogLocal, conditionBlock } from './catalog-guard.js';
import { enumType, opCall } from './op-call.js';
import { everything, OpWriter } from './op-writer.js';
import { isTrue, metadataDdl, tableDdl, tableValue } from './table-ddl.js';
import { sqlArgument, sqlStep } from './sql-argument.js';

export type { ObjectKind, ObjectRef, SchemaOp } from './schema-object.js';

type Call = PyExpr & { k: 'call' };

interface Block {
  readonly indent: number;
  /** with-statements run their body; if/for/try/def bodies may not */
  readonly conditional: boolean;
  /** autocommit_block(): the body runs outside the migration's transaction */
  readonly autocommit?: true;
  /** a `try:` body (it runs; whether a failure in it stops the upgrade depends on the server): its except clauses */
  readonly catches?: Catches;
  /** `with ….begin_nested():`: a savepoint, which a failure rolls back to */
  readonly savepoint?: true;
  /** fix's `if valid is False:`: runs only over an INVALID index an earlier run left (catalog-guard.ts) */
  readonly leftover?: true;
  /** `recreate=` of the batch when it is not "auto": always copies the table, never emits plain ALTERs */
  readonly alias?: BatchAlias;
}

/** Module roots whose calls only build values or log: a call to anything else imported may run DDL of its own. */
const QUIET_MODULES =
  /^(?:sqlalchemy|alembic|sqlmodel|typing|typing_extensions|datetime|uuid|json|os|sys|logging|enum|re|time|decimal|collections|itertools|functools|textwrap|hashlib|random|string|secrets|warnings|math|pathlib|dataclasses|geoalchemy2|psycopg2|citext|sqlalchemy_utils)(?:\.|$)/u;

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
export function lockSteps(text: string): {
  steps: LockStep[];
  sql: LiteralSql[];
  unread: { line: number; why: string }[];
  writes: RowWrite[];
} {
  const sink = {
    locks: [] as LockStep[],
    sql: [] as LiteralSql[],
    unread: [] as { line: number; why: string }[],
    writes: [] as RowWrite[],
  };
  const { ops } = readSteps(text, sink);
  // a template's line is graded from its text (what it cannot name is said there)
  const templated = new Set(sink.sql.filter((q) => q.template).map((q) => q.line));
  const lost = ops.flatMap((o) =>
    o.op === 'forget' && o.table === null && o.kind === null && !templated.has(o.line)
      ? [{ line: o.line, why: o.why }]
      : [],
  );
  const { steps, sql } = withOnlineIndexes(sink.locks, sink.sql);
  return {
    steps,
    sql,
    unread: [...sink.unread, ...lost].sort((a, b) => a.line - b.line),
    writes: sink.writes,
  };
}

/**
 * A step that writes rows the reading cannot see as literal SQL: op.bulk_insert (its table when
 * named), a SQLAlchemy statement or SQL built at run time (table null: any).
 */
export interface RowWrite {
  readonly line: number;
  readonly table: string | null;
  readonly what: string;
  readonly conditional: boolean;
  /** op.bulk_insert's rows, where they are a literal list of dicts with string keys. */
  readonly rows?: readonly InsertedRow[];
}

/** Literal SQL a step runs (op.execute, a connection's execute), for PostgreSQL's own parser. */
export interface LiteralSql {
  readonly line: number;
  readonly sql: string;
  readonly conditional: boolean;
  /** Built at run time: the fields the reading could not fill read RUN_TIME. */
  readonly template?: true;
  /** Inside autocommit_block(): outside the migration's transaction. */
  readonly autocommit?: true;
}

interface LockSink {
  readonly locks: LockStep[];
  readonly sql: LiteralSql[];
  readonly unread: { line: number; why: string }[];
  readonly writes: RowWrite[];
}

function readSteps(text: string, locks?: LockSink): { ops: SchemaOp[] } {
  const { lines, error } = lex(text);
  if (error) return { ops: [everything(error.line, 'a syntax error the reading cannot follow')] };
  const defs = new Map<string, number>();
  const imported = new Map<string, string>();
  // module-level names bound to a value, read only when a step uses one
  const values = new Map<string, readonly Token[]>();
  lines.forEach((l, i) => {
    if (l.indent !== 0) return;
    const t = l.tokens;
    const def =
      t[0]?.text === 'def' ? t[1] : t[0]?.text === 'async' && t[1]?.text === 'def' ? t[2] : undefined;
    if (def?.type === Tok.Name) defs.set(def.text, i);
    for (const [name, from] of importsOf(t)) imported.set(name, from);
    const value = assignedAt(t);
    if (value !== undefined) values.set(t[0]!.text, t.slice(value));
  });
  const upgrade = defs.get('upgrade');
  if (upgrade === undefined) return { ops: [] };
  if ([...defs.keys()].some((d) => d.startsWith('upgrade_')))
    return { ops: [everything(lines[upgrade]!.line, 'a multi-database script (upgrade_<engine>)')] };
  const ops: SchemaOp[] = [];
  const reader = new BodyReader(lines, defs, imported, values, ops, locks);
  // a decorator decides whether and how the body runs (one that skips it on SQLite, say): its steps may not
  reader.body(upgrade, lines[upgrade - 1]?.tokens[0]?.text === '@', new Set());
  return { ops };
}

/** `import a.b as c`, `from a import b as c`: each bound name with the module it comes from. */
function importsOf(t: readonly Token[]): [string, string][] {
  const head = t[0]?.text;
  if (head !== 'from' && head !== 'import') return [];
  const at = head === 'from' ? t.findIndex((x) => x.type === Tok.Name && x.text === 'import') : 0;
  if (at < 0) return [];
  const from =
    head === 'from'
      ? t
          .slice(1, at)
          .map((x) => x.text)
          .join('')
      : undefined;
  const out: [string, string][] = [];
  let item: Token[] = [];
  const flush = (): void => {
    const names = item.filter((x) => x.type === Tok.Name);
    item = [];
    if (names.length === 0) return;
    const as = names.findIndex((x) => x.text === 'as');
    // `import a.b` binds a; `as` binds the name after it
    const bound = as >= 0 ? names[as + 1]?.text : from !== undefined ? names[0]!.text : names[0]!.text;
    const module =
      from ??
      names
        .slice(0, as >= 0 ? as : undefined)
        .map((x) => x.text)
        .join('.');
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

const COMPOUND = new Set('if elif else for while try except finally with def class match case'.split(' '));

/** The compound statement a line opens (`async` skipped), or undefined. */
export function compoundKeyword(t: readonly Token[]): string | undefined {
  const first = t[0]?.text === 'async' ? t[1] : t[0];
  if (first?.type !== Tok.Name || !COMPOUND.has(first.text)) return undefined;
  // `match` and `case` are soft keywords: `match = …` or `match(…)` is a statement
  if (
    (first.text === 'match' || first.text === 'case') &&
    t.length > 1 &&
    t[1]!.type === Tok.Op &&
    t[1]!.text !== '(' &&
    t[1]!.text !== '['
  )
    return undefined;
  return first.text;
}

class BodyReader {
  /** names bound in upgrade() to values the steps may use (a SQL string, an Enum) */
  private readonly locals = new Map<string, PyExpr>();
  /** Names assigned from a catalog query (`valid = op.get_bind().execute(…).scalar()`). */
  private readonly catalogLocals = new Set<string>();

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
      const header = new Set(l.tokens.slice(0, c).map((t) => t.text));
      const block: Block =
        kw === 'with'
          ? {
              indent: l.indent,
              conditional: false,
              ...batchAlias(l.tokens.slice(0, c), (e) => this.resolve(e)),
              // `with op.get_context().autocommit_block():` commits first and runs its body outside a transaction
              ...(header.has('autocommit_block') ? { autocommit: true as const } : {}),
              ...(header.has('begin_nested') ? { savepoint: true as const } : {}),
            }
          : {
              indent: l.indent,
              ...conditionBlock(kw, l.tokens.slice(0, c), this.catalogLocals),
              ...(kw === 'try' ? { catches: exceptNames(this.lines, i) } : {}),
            };
      stack.push(block);
      if (c + 1 < l.tokens.length) this.statement(l.tokens.slice(c + 1), l.line, stack, seen);
    }
  }

  private statement(
    tokens: readonly Token[],
    line: number,
    stack: readonly Block[],
    seen: Set<number>,
  ): void {
    const conditional = stack.some((b) => b.conditional);
    const aliases = new Map(stack.flatMap((b) => (b.alias ? [[b.alias.name, b.alias.table] as const] : [])));
    const recreating = new Map(
      stack.flatMap((b) => (b.alias?.recreate ? [[b.alias.name, b.alias.recreate] as const] : [])),
    );
    const imports = importsOf(tokens);
    if (imports.length > 0) {
      for (const [name, from] of imports) this.imported.set(name, from);
      return;
    }
    if (stack.some((b) => b.leftover)) return;
    const guardName = catalogLocal(tokens);
    if (guardName !== undefined) this.catalogLocals.add(guardName);
    const value = assignedAt(tokens);
    const exprs = readStatement(value === undefined ? tokens : tokens.slice(value));
    if (value !== undefined && exprs.length === 1) this.locals.set(tokens[0]!.text, exprs[0]!);
    const autocommit = stack.some((b) => b.autocommit);
    // only try bodies around it, in the transaction, no savepoint: PostgreSQL aborts it, caught or not
    const caught = !autocommit && stack.every((b) => !b.savepoint && (!b.conditional || b.catches));
    const out = new OpWriter(
      line,
      conditional,
      this.ops,
      autocommit,
      conditional && caught ? joinCatches(stack) : undefined,
    );
    for (const e of exprs)
      for (const call of callsIn(e, (c) => this.interesting(c, aliases)))
        this.call(call, aliases, out, seen, recreating);
  }

  /** Calls whose arguments are not searched further: the steps themselves. */
  private interesting(c: Call, aliases: ReadonlyMap<string, string | null>): boolean {
    const [owner, method] = splitCallee(c.callee);
    return owner === 'op' || aliases.has(owner) || method === 'execute' || method === 'exec_driver_sql';
  }

  private call(
    c: Call,
    aliases: ReadonlyMap<string, string | null>,
    out: OpWriter,
    seen: Set<number>,
    recreating: ReadonlyMap<string, 'always' | 'never'>,
  ): void {
    const [owner, method] = splitCallee(c.callee);
    const resolve = (e: PyExpr): PyExpr => this.resolve(e);
    if (owner === 'op' || aliases.has(owner)) {
      const batchTable = aliases.has(owner) ? aliases.get(owner)! : undefined;
      const lock = this.locks
        ? lockStepOf(method, c, batchTable, out.line, out.conditional, resolve)
        : undefined;
      // batch_alter_table(recreate="always") copies the table, whatever the operation inside it
      const copied = recreating.get(owner) === 'always';
      const outside = (l: LockStep): LockStep => (out.autocommit ? { ...l, autocommit: true } : l);
      if (lock)
        this.locks!.locks.push(
          ...(copied && lock.length > 0
            ? [{ ...lock[0]!, flags: [...lock[0]!.flags, 'recreate' as const] }]
            : lock
          ).map(outside),
        );
      else if (this.locks && LOCKING.has(method))
        this.locks.unread.push({
          line: out.line,
          why: `op.${method} on a table the reading cannot name or outside the schema read`,
        });
      if (this.locks && method === 'execute') this.literalSql(c.args[0] ?? c.kw.get('sqltext'), out);
      if (this.locks && method === 'bulk_insert') this.bulkInsert(c, out);
      const batch =
        batchTable === undefined
          ? undefined
          : { table: batchTable, plain: recreating.get(owner) === 'never' };
      return opCall(method, c, batch, out, resolve);
    }
    if (method === 'execute' || method === 'exec_driver_sql') {
      if (this.locks) this.literalSql(c.args[0] ?? c.kw.get('statement'), out);
      if (c.args.length > 0 || c.kw.size > 0 || c.star)
        sqlStep(c.args[0] ?? c.kw.get('statement'), out, resolve);
      return;
    }
    if ((method === 'create' || method === 'drop') && (c.recv || owner !== '')) {
      const target = c.recv ?? { k: 'name', v: owner };
      const type = enumType(target, resolve);
      if (type)
        return out.push({
          op: method,
          obj: { kind: 'type', name: type.name },
          strict: false,
          line: out.line,
        });
      // DDL through the connection: sa.Table(…).create(bind), as op.create_table emits it
      const table = tableValue(target, resolve);
      if (table)
        return tableDdl(method, table, isTrue(c.kw.get('checkfirst') ?? c.args[1]), out, this.ops, resolve);
    }
    if (
      (method === 'create_all' || method === 'drop_all') &&
      owner !== '' &&
      !this.imported.has(owner.split('.')[0]!)
    )
      return metadataDdl(owner, method, c, this.lines, this.values, out, this.ops, resolve);
    if (owner === '' && this.defs.has(c.callee)) {
      const def = this.defs.get(c.callee)!;
      if (!seen.has(def)) this.body(def, true, seen);
      return;
    }
    // a call into code the reading does not follow: an import from the app (db.create_all(), a helper)
    const root = (owner === '' ? c.callee : owner).split('.')[0]!;
    const from = this.imported.get(root);
    if (root !== '' && from !== undefined && !QUIET_MODULES.test(from) && !this.locals.has(root))
      out.push(everything(out.line, `${c.callee}() comes from ${from}, which the reading does not follow`));
  }

  /** op.bulk_insert(table, rows): the rows go into the table sa.table("name", …) names. */
  private bulkInsert(c: Call, out: OpWriter): void {
    const t = c.args[0] ?? c.kw.get('table');
    const e = t === undefined ? undefined : this.resolve(t);
    const table = e?.k === 'call' ? strOf(this.resolve(e.args[0] ?? { k: 'other', parts: [] })) : undefined;
    const rows = insertedRows(this.resolve(c.args[1] ?? c.kw.get('rows') ?? { k: 'other', parts: [] }));
    this.locks!.writes.push({
      line: out.line,
      table: table ?? null,
      what: 'op.bulk_insert',
      conditional: out.conditional,
      ...(rows ? { rows } : {}),
    });
  }

  /** Keeps the literal SQL of an execute() for the lock grades (and what else it runs, for the data probes). */
  private literalSql(arg: PyExpr | undefined, out: OpWriter): void {
    const e = sqlArgument(arg, (x) => this.resolve(x));
    if (e.kind !== 'literal')
      this.locks!.writes.push({
        line: out.line,
        table: null,
        what: e.kind === 'data' ? 'a SQLAlchemy statement' : 'SQL built at run time',
        conditional: out.conditional,
      });
    if (e.kind === 'literal')
      this.locks!.sql.push({
        line: out.line,
        sql: e.sql,
        conditional: out.conditional,
        ...(out.autocommit ? { autocommit: true as const } : {}),
      });
    // a template is graded with its unknown fields standing for themselves (RUN_TIME)
    else if (e.kind === 'template' && e.filled !== undefined)
      this.locks!.sql.push({ line: out.line, sql: e.filled, conditional: out.conditional, template: true });
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

function splitCallee(callee: string): [string, string] {
  const dot = callee.lastIndexOf('.');
  return dot < 0 ? ['', callee] : [callee.slice(0, dot), callee.slice(dot + 1)];
}

/** bulk_insert's rows when they are a list of dict displays with string keys; undefined otherwise. */
function insertedRows(e: PyExpr): InsertedRow[] | undefined {
  if (e.k !== 'seq') return undefined;
  const rows: InsertedRow[] = [];
  for (const item of e.items) {
    if (item.k !== 'other' || !item.entries) return undefined;
    const row: Record<string, string | boolean | null | undefined> = {};
    for (const [k, v] of item.entries) {
      if (k.k !== 'str') return undefined;
      row[k.v] = literalOf(v);
    }
    rows.push(row);
  }
  return rows;
}

/** A Python literal's value as SQL compares it: a number as its text (an int only), a string, a bool, None. */
function literalOf(v: PyExpr): string | boolean | null | undefined {
  if (v.k === 'str') return v.v;
  if (v.k === 'num') {
    // 00 and 0 are one key: the digits as the integer they are
    const digits = intTextOf(v);
    return digits === undefined ? undefined : String(BigInt(digits));
  }
  if (v.k === 'name')
    return v.v === 'None' ? null : v.v === 'True' ? true : v.v === 'False' ? false : undefined;
  return undefined;
}
