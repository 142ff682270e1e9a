import { intTextOf, isFalse, isNone, isTrue, strOf, type PyExpr } from '../../python/expression-reader.js';
import { createdReferences } from './created-references.js';
import { enumOf, numericOf, typeNameOf } from './type-args.js';

type Call = PyExpr & { k: 'call' };

/** What an argument of a step says that decides its lock, its rewrite or its scan on PostgreSQL. */
export type LockFlag =
  /** CREATE/DROP INDEX CONCURRENTLY (postgresql_concurrently=True) */
  | 'concurrently'
  /** a constraint added NOT VALID (postgresql_not_valid=True): no validation scan */
  | 'not-valid'
  /** a column's server_default that calls a volatile function (random(), gen_random_uuid(), clock_timestamp(), nextval()) */
  | 'default-volatile'
  /** a column's server_default the reading cannot classify: it may be volatile */
  | 'default-expression'
  /** a constant server_default (a string or number) */
  | 'default-constant'
  /** an identity column or a stored generated column (sa.Identity, sa.Computed): the table is rewritten */
  | 'identity-or-computed'
  /** nullable=False */
  | 'not-null'
  /** a new type (alter_column type_=…) */
  | 'type'
  /** a new name (alter_column new_column_name=…, rename_table) */
  | 'rename'
  /** ADD CONSTRAINT … USING INDEX: the index was built before */
  | 'using-index'
  /** MySQL, MariaDB: LOCK=NONE written (mysql-online-index.ts): the server builds it with writes going on, or refuses it */
  | 'online'
  /** inside batch_alter_table(recreate="always"): the table is copied into a new one */
  | 'recreate'
  /** UPDATE or DELETE with a WHERE clause: it may touch few rows */
  | 'where'
  /** alter_column(nullable=False) after a CHECK (col IS NOT NULL) on the table was validated earlier in the revision */
  | 'checked-not-null';

/**
 * A step of upgrade() that takes a lock on a table that may already hold rows: the Alembic operation,
 * the table, and what its arguments say (lock-grade.ts grades it for a server version).
 */
export interface LockStep {
  /** The operation's name: add_column, alter_column, create_index, create_foreign_key, … */
  readonly call: string;
  readonly table: string;
  readonly column?: string;
  /** create_foreign_key: the referenced table, which it locks too. */
  readonly references?: string;
  /** drop_constraint: its type_ (foreignkey, unique, check, primary), which decides MySQL's statement. */
  readonly constraintType?: string;
  /** drop_index without table_name: the index, whose table the catalog names. */
  readonly index?: string;
  readonly flags: readonly LockFlag[];
  readonly line: number;
  /** Under if, for or try, or in a helper function: it may not run. */
  readonly conditional: boolean;
  /** Inside batch_alter_table: on PostgreSQL the same ALTER TABLE, unless recreate="always" copies the table. */
  readonly batch?: true;
  /** Read from the SQL an op.execute() runs (sql-lock-steps.ts), not from an Alembic call. */
  readonly sql?: true;
  /** The schema the step names (`schema="…"`, `schema.table`): graded only where it is the schema read. */
  readonly schema?: string;
  /** LOCK TABLE: the mode it asks for. */
  readonly lockMode?: string;
  /** alter_column's new type, as PostgreSQL names it (varchar, text, int8), when the reading knows it. */
  readonly typeTo?: TypeTo;
  /** Inside autocommit_block(): outside the migration's transaction. */
  readonly autocommit?: true;
  /** What the step asks of the rows already there (the data probes read it; the lock grades do not). */
  readonly data?: DataArgs;
}

/** The arguments that decide whether existing rows let a step succeed. */
export interface DataArgs {
  /** The constraint's or index's name, when a literal. */
  readonly name?: string;
  /** The columns a unique index or constraint, or a foreign key, covers (all literal names), in order. */
  readonly columns?: readonly string[];
  /** A foreign key's referenced columns. */
  readonly referencedColumns?: readonly string[];
  /** create_index(unique=True). */
  readonly unique?: true;
  /** A partial index (postgresql_where, sqlite_where) or an expression among its columns: not probed. */
  readonly partial?: true;
  /** postgresql_nulls_not_distinct=True: rows whose keys hold NULLs collide too (PostgreSQL 15). */
  readonly nullsNotDistinct?: true;
  /** create_check_constraint's condition, when it is literal SQL text. */
  readonly condition?: string;
  /** add_column: the new column is the primary key (its values come from a sequence or are refused). */
  readonly primaryKey?: true;
  /** alter_column's postgresql_using=, when it is SQL text. */
  readonly using?: string;
  /** alter_column's type_=sa.Numeric(p, s) (NUMERIC, DECIMAL), with literal precision and scale. */
  readonly numeric?: { readonly precision: number; readonly scale: number };
  /** alter_column's type_, as written (its last name: DateTime, Enum, JSONB), for what is not probed. */
  readonly typeName?: string;
  /** alter_column's type_=sa.Enum('a', 'b', name=…) with literal labels. */
  readonly enum?: { readonly values: readonly string[]; readonly name?: string };
}

/** A new column type: PostgreSQL's internal name, its length where one is given, and whether a USING expression converts. */
export interface TypeTo {
  readonly name: string;
  /** varchar(n)'s n; 'unknown' when a modifier is given that the reading does not know. */
  readonly length?: number | 'unknown';
  readonly using?: true;
}

/** The operations that lock an existing table; create_table and the rest lock none that holds rows. */
export const LOCKING = new Set([
  'add_column',
  'drop_column',
  'alter_column',
  'create_index',
  'drop_index',
  'create_foreign_key',
  'create_check_constraint',
  'create_unique_constraint',
  'create_primary_key',
  'create_exclude_constraint',
  'drop_constraint',
  'drop_table',
  'rename_table',
]);

/**
 * The lock steps of `op.<method>(…)` (or a batch operation on `batchTable`): the operation's own, then
 * what Alembic emits after it (add_column's inline constraints and index). Empty when the operation
 * locks no existing table; undefined when it may and its table cannot be named (not graded).
 */
export function lockStepOf(
  method: string,
  c: Call,
  batchTable: string | null | undefined,
  line: number,
  conditional: boolean,
  resolve: (e: PyExpr) => PyExpr,
): LockStep[] | undefined {
  if (method === 'create_table' && batchTable === undefined)
    return referenceSteps(c, line, conditional, resolve);
  if (!LOCKING.has(method)) return [];
  const batch = batchTable !== undefined;
  const shift = batch ? -1 : 0;
  // a module constant or a local variable names a table as well as a literal does
  const arg = (i: number, name: string): PyExpr | undefined => {
    const e = (i >= 0 ? c.args[i] : undefined) ?? c.kw.get(name);
    return e === undefined ? undefined : resolve(e);
  };
  const inline: Omit<LockStep, 'table' | 'line' | 'conditional'>[] = [];
  const dialect = (name: string): PyExpr | undefined => c.kw.get(`postgresql_${name}`);
  let table: string | undefined;
  let column: string | undefined;
  let references: string | undefined;
  let constraintType: string | undefined;
  let index: string | undefined;
  let typeTo: TypeTo | undefined;
  let data: DataArgs | undefined;
  const flags: LockFlag[] = [];
  switch (method) {
    case 'create_index':
    case 'drop_index':
      table = batch ? (batchTable ?? undefined) : strOf(arg(1, 'table_name'));
      index = strOf(arg(0, 'index_name'));
      if (isTrue(dialect('concurrently'))) flags.push('concurrently');
      if (method === 'create_index') data = indexArgs(c, arg(2 + shift, 'columns'), index, resolve);
      break;
    case 'create_foreign_key':
      table = batch ? (batchTable ?? undefined) : strOf(arg(1, 'source_table'));
      references = strOf(arg(2 + shift, 'referent_table'));
      if (isTrue(dialect('not_valid'))) flags.push('not-valid');
      data = keyArgs(
        arg(0, 'constraint_name'),
        arg(3 + shift, 'local_cols'),
        resolve,
        arg(4 + shift, 'remote_cols'),
      );
      break;
    case 'create_check_constraint': {
      table = batch ? (batchTable ?? undefined) : strOf(arg(1, 'table_name'));
      if (isTrue(dialect('not_valid'))) flags.push('not-valid');
      const condition = sqlText(arg(2 + shift, 'condition'), resolve);
      const name = strOf(arg(0, 'constraint_name'));
      data = { ...(name !== undefined ? { name } : {}), ...(condition !== undefined ? { condition } : {}) };
      break;
    }
    case 'drop_constraint':
      constraintType = strOf(arg(2 + shift, 'type_'));
      table = batch ? (batchTable ?? undefined) : strOf(arg(1, 'table_name'));
      break;
    case 'create_unique_constraint':
    case 'create_primary_key':
    case 'create_exclude_constraint':
      table = batch ? (batchTable ?? undefined) : strOf(arg(1, 'table_name'));
      if (method === 'create_unique_constraint')
        data = keyArgs(arg(0, 'constraint_name'), arg(2 + shift, 'columns'), resolve);
      break;
    case 'rename_table':
      table = strOf(arg(0, 'old_table_name'));
      flags.push('rename');
      break;
    case 'drop_table':
      table = strOf(arg(0, 'table_name'));
      break;
    case 'add_column':
      table = batch ? (batchTable ?? undefined) : strOf(arg(0, 'table_name'));
      ({ column, data } = addedColumn(
        arg(1 + shift, 'column') ?? { k: 'other', parts: [] },
        resolve,
        flags,
        inline,
      ));
      break;
    default:
      table = batch ? (batchTable ?? undefined) : strOf(arg(0, 'table_name'));
      column = strOf(arg(1 + shift, 'column_name'));
      if (method === 'alter_column') ({ typeTo, data } = alteredColumn(c, column, flags, resolve));
  }
  const schemaArg = c.kw.get('schema');
  const schema = schemaArg === undefined || isNone(schemaArg) ? undefined : strOf(resolve(schemaArg));
  // a schema the reading cannot name: which table it locks is not known
  if (schemaArg !== undefined && !isNone(schemaArg) && schema === undefined) return undefined;
  // a drop_index names its table or is found by its index in the catalog
  if (table === undefined && !(method === 'drop_index' && index !== undefined)) return undefined;
  const common = {
    line,
    conditional,
    ...(batch ? { batch: true as const } : {}),
    ...(schema !== undefined ? { schema } : {}),
  };
  return [
    {
      call: method,
      table: table ?? '',
      ...(column !== undefined ? { column } : {}),
      ...(references !== undefined ? { references } : {}),
      ...(constraintType !== undefined ? { constraintType } : {}),
      ...(index !== undefined ? { index } : {}),
      ...(typeTo !== undefined ? { typeTo } : {}),
      ...(data !== undefined ? { data } : {}),
      flags,
      ...common,
    },
    ...inline.map((x) => ({ ...x, table: table ?? '', ...common })),
  ];
}

/** create_table's foreign keys as steps, each on the new table and locking the table it references. */
function referenceSteps(
  c: Call,
  line: number,
  conditional: boolean,
  resolve: (e: PyExpr) => PyExpr,
): LockStep[] {
  return createdReferences(c, resolve).map((r) => ({
    call: 'create_table',
    flags: [],
    line,
    conditional,
    ...r,
  }));
}

/**
 * add_column's Column(…): its name, and what its default, nullability and kind say; and what Alembic
 * emits after the ADD COLUMN (`inline`): a UNIQUE constraint (unique=True), an index (index=True), each
 * CheckConstraint and ForeignKey among its arguments, as ALTER TABLE … ADD CONSTRAINT / CREATE INDEX.
 */
function addedColumn(
  col: PyExpr,
  resolve: (e: PyExpr) => PyExpr,
  flags: LockFlag[],
  inline: Omit<LockStep, 'table' | 'line' | 'conditional'>[],
): { column?: string; data?: DataArgs } {
  if (col.k !== 'call' || !/(?:^|\.)Column$/u.test(col.callee)) return {};
  const name = strOf(col.args[0] ?? col.kw.get('name'));
  const named = name !== undefined ? { column: name } : {};
  if (isTrue(col.kw.get('unique'))) inline.push({ call: 'create_unique_constraint', flags: [], ...named });
  if (isTrue(col.kw.get('index'))) inline.push({ call: 'create_index', flags: [], ...named });
  for (const a of col.args.slice(1)) {
    const x = resolve(a);
    if (x.k !== 'call') continue;
    if (/(?:^|\.)CheckConstraint$/u.test(x.callee))
      inline.push({ call: 'create_check_constraint', flags: [], ...named });
    else if (/(?:^|\.)ForeignKey$/u.test(x.callee)) {
      const target = strOf(resolve(x.args[0] ?? x.kw.get('column') ?? { k: 'other', parts: [] }));
      const parts = target?.split('.');
      // 'table.column' or 'schema.table.column': the referenced table is locked too
      const references = parts && parts.length >= 2 ? parts[parts.length - 2] : undefined;
      inline.push({
        call: 'create_foreign_key',
        flags: [],
        ...named,
        ...(references !== undefined ? { references } : {}),
      });
    }
  }
  if (isFalse(col.kw.get('nullable')) || isTrue(col.kw.get('primary_key'))) flags.push('not-null');
  const def = col.kw.get('server_default');
  if (def !== undefined && !isNone(def)) flags.push(defaultKind(resolve(def), resolve));
  // positional arguments after the name and type: Identity(), Computed(…), a Sequence
  for (const a of col.args.slice(1)) {
    const x = resolve(a);
    if (x.k === 'call' && /(?:^|\.)(?:Identity|Computed)$/u.test(x.callee))
      flags.push('identity-or-computed');
  }
  return {
    column: strOf(col.args[0] ?? col.kw.get('name')),
    ...(isTrue(col.kw.get('primary_key')) ? { data: { primaryKey: true as const } } : {}),
  };
}

/** A list of literal names (`["a", "b"]`, `("a",)`, one string); undefined when any is not a literal. */
function namesOf(e: PyExpr | undefined, resolve: (e: PyExpr) => PyExpr): string[] | undefined {
  if (e === undefined) return undefined;
  const x = resolve(e);
  if (x.k === 'str') return [x.v];
  if (x.k !== 'seq' || x.items.length === 0) return undefined;
  const names = x.items.map((i) => strOf(resolve(i)));
  return names.every((n) => n !== undefined) ? (names as string[]) : undefined;
}

/** A unique constraint's or a foreign key's name and columns (and the referenced ones). */
function keyArgs(
  name: PyExpr | undefined,
  columns: PyExpr | undefined,
  resolve: (e: PyExpr) => PyExpr,
  referenced?: PyExpr,
): DataArgs {
  const n = name === undefined ? undefined : strOf(resolve(name));
  const cols = namesOf(columns, resolve);
  const refs = referenced === undefined ? undefined : namesOf(referenced, resolve);
  return {
    ...(n !== undefined ? { name: n } : {}),
    ...(cols ? { columns: cols } : {}),
    ...(refs ? { referencedColumns: refs } : {}),
  };
}

/** create_index's name, columns and uniqueness; a partial or expression index is marked, not probed. */
function indexArgs(
  c: Call,
  columns: PyExpr | undefined,
  name: string | undefined,
  resolve: (e: PyExpr) => PyExpr,
): DataArgs {
  const cols = namesOf(columns, resolve);
  const partial = [...c.kw.keys()].some((k) => k.endsWith('_where'));
  return {
    ...(name !== undefined ? { name } : {}),
    ...(cols ? { columns: cols } : { partial: true as const }),
    ...(isTrue(c.kw.get('unique')) ? { unique: true as const } : {}),
    ...(partial ? { partial: true as const } : {}),
    ...(isTrue(c.kw.get('postgresql_nulls_not_distinct')) ? { nullsNotDistinct: true as const } : {}),
  };
}

/** A condition given as SQL text: a string, or sa.text("…"). */
function sqlText(e: PyExpr | undefined, resolve: (e: PyExpr) => PyExpr): string | undefined {
  if (e === undefined) return undefined;
  const x = resolve(e);
  if (x.k === 'str') return x.v;
  if (x.k === 'call' && /(?:^|\.)text$/u.test(x.callee))
    return strOf(resolve(x.args[0] ?? { k: 'other', parts: [] }));
  return undefined;
}

/** alter_column's keywords: a new type (and its USING expression), NOT NULL, a new name. */
function alteredColumn(
  c: Call,
  column: string | undefined,
  flags: LockFlag[],
  resolve: (e: PyExpr) => PyExpr,
): { typeTo?: TypeTo; data?: DataArgs } {
  if (c.kw.has('type_')) flags.push('type');
  if (isFalse(c.kw.get('nullable'))) flags.push('not-null');
  if (c.kw.has('new_column_name')) flags.push('rename');
  const typeTo = c.kw.has('type_') ? sqlalchemyType(resolve(c.kw.get('type_')!), resolve) : undefined;
  const target = c.kw.has('type_') ? resolve(c.kw.get('type_')!) : undefined;
  const numeric = target && numericOf(target, resolve);
  const labels = target && enumOf(target, resolve);
  const typeName = target && typeNameOf(target);
  const args = {
    ...(numeric ? { numeric } : {}),
    ...(labels ? { enum: labels } : {}),
    ...(typeName ? { typeName } : {}),
  };
  if (!c.kw.has('postgresql_using'))
    return { ...(typeTo ? { typeTo } : {}), ...(Object.keys(args).length > 0 ? { data: args } : {}) };
  const using = sqlText(c.kw.get('postgresql_using'), resolve);
  // PostgreSQL rewrites for a USING expression, unless it is the column itself (then the types decide)
  const itself =
    using !== undefined && column !== undefined && using.trim().replace(/^"(.*)"$/u, '$1') === column;
  return {
    ...(typeTo ? { typeTo: itself ? typeTo : { ...typeTo, using: true } } : {}),
    data: using !== undefined ? { using, ...args } : { partial: true, ...args },
  };
}

/** PostgreSQL's volatile functions a column default commonly calls: each row gets its own value, so ADD COLUMN rewrites. */
const VOLATILE =
  /\b(?:random|gen_random_uuid|uuid_generate_v[14]|uuid_generate_v1mc|clock_timestamp|timeofday|nextval|txid_current|statement_timestamp)\s*\(/iu;
/** Stable or immutable defaults (now(), CURRENT_TIMESTAMP, a literal): stored once in the catalog. */
const STABLE =
  /^\s*(?:now\(\)|current_timestamp|current_date|localtimestamp|transaction_timestamp\(\)|true|false|null|'[^']*'(?:::\w+(?:\s\w+)*)?|-?\d+(?:\.\d+)?)\s*$/iu;

/** A server_default: a literal, SQL text (sa.text) or a SQL function (sa.func.x()). */
function defaultKind(e: PyExpr, resolve: (e: PyExpr) => PyExpr): LockFlag {
  if (e.k === 'str' || e.k === 'num') return 'default-constant';
  if (e.k !== 'call') return 'default-expression';
  const method = e.callee.slice(e.callee.lastIndexOf('.') + 1);
  if (method === 'text' || method === 'literal_column') {
    const sql = strOf(resolve(e.args[0] ?? { k: 'other', parts: [] }));
    if (sql === undefined) return 'default-expression';
    return VOLATILE.test(sql)
      ? 'default-volatile'
      : STABLE.test(sql)
        ? 'default-constant'
        : 'default-expression';
  }
  if (/(?:^|\.)func\.\w+$/u.test(e.callee))
    return VOLATILE.test(`${method}(`)
      ? 'default-volatile'
      : STABLE.test(`${method}()`)
        ? 'default-constant'
        : 'default-expression';
  if (/^(?:true|false|null|literal)$/u.test(method)) return 'default-constant';
  return 'default-expression';
}

/** SQLAlchemy's types with no length PostgreSQL needs to know, by the name PostgreSQL gives them. */
const SQLALCHEMY_TYPES: Readonly<Record<string, string>> = {
  Text: 'text',
  TEXT: 'text',
  UnicodeText: 'text',
  CITEXT: 'citext',
  String: 'varchar',
  VARCHAR: 'varchar',
  Unicode: 'varchar',
  Integer: 'int4',
  INTEGER: 'int4',
  BigInteger: 'int8',
  BIGINT: 'int8',
  SmallInteger: 'int2',
  SMALLINT: 'int2',
  Boolean: 'bool',
  BOOLEAN: 'bool',
  Date: 'date',
  DATE: 'date',
  JSON: 'json',
  JSONB: 'jsonb',
  LargeBinary: 'bytea',
  BYTEA: 'bytea',
  Float: 'float8',
};

/** `type_=sa.Text()` as PostgreSQL names it; undefined for a type the reading does not map (graded as a rewrite). */
function sqlalchemyType(e: PyExpr, resolve: (e: PyExpr) => PyExpr): TypeTo | undefined {
  const callee = e.k === 'call' ? e.callee : e.k === 'name' ? e.v : undefined;
  if (callee === undefined) return undefined;
  const name = SQLALCHEMY_TYPES[callee.slice(callee.lastIndexOf('.') + 1)];
  if (name === undefined) return undefined;
  const sized = e.k === 'call' && (e.args.length > 0 || e.kw.has('length'));
  // a length on text is ignored by PostgreSQL; on varchar, a literal integer is read, anything else is unknown
  if (!sized || name !== 'varchar' || e.k !== 'call') return { name };
  const n = resolve(e.args[0] ?? e.kw.get('length')!);
  const digits = intTextOf(n);
  const length = digits !== undefined ? Number(digits) : 'unknown';
  return { name, length };
}

/** One statement that reads, inserts or sets: no lock the app waits for (the parser is not loaded for it). */
const LIGHT_STATEMENT = /^(?:SELECT|INSERT|SET|SHOW|COMMENT|GRANT|REVOKE|ANALYZE)\b/iu;

export function light(sql: string): boolean {
  const t = sql.trim();
  const body = t.endsWith(';') ? t.slice(0, -1) : t;
  return !body.includes(';') && LIGHT_STATEMENT.test(body);
}
