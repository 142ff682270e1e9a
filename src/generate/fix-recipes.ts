import type { LockStep } from '../check/schema/lock-facts.js';
import type { LockGrade } from '../check/schema/lock-grade.js';
import { quoteIdent } from '../database/quote-ident.js';
import { pyRepr } from '../python/python-value.js';
import { indented, type CallStatement } from './call-statement.js';

/** What a recipe needs besides the step: how the file indents and names sqlalchemy, the timeout to set. */
export interface RecipeContext {
  /** One level of the file's indentation. */
  readonly unit: string;
  /** How the file reaches `sqlalchemy.text` (`sa.text`). */
  readonly text: string;
  /** The lock_timeout written before a step that still takes a lock stopping writes (`5s`); undefined when one is in force. */
  readonly timeout: string | undefined;
  /** Why `postgresql_not_valid=` cannot be used (the app's SQLAlchemy is older than 1.4.32): NOT VALID is then written as SQL. */
  readonly notValidRefused?: string;
  /** The server's major version, when known (SET NOT NULL uses a valid check from 12 on). */
  readonly major?: number;
  /** The table is partitioned (known only with a database). */
  readonly partitioned?: boolean;
}

/** The step's safe form: the statement's replacement, and what it does, in a few words. */
export interface Rewrite {
  readonly text: string;
  readonly how: string;
  /** It runs an autocommit_block, which commits what the migration did before it. */
  readonly commits?: true;
  /** MySQL: it sets the session's lock_wait_timeout, which the steps after it then run under. */
  readonly setsWait?: true;
}

/** A heavy step left as it is: why, and the way to do the change instead. */
export interface Left {
  readonly why: string;
  readonly instead: string;
}

/**
 * The safe form of a heavy PostgreSQL step, written as Alembic code around the call as written; or
 * why it is left. Every form survives a retry after any partial run: autocommit_block commits as it
 * goes, so what an earlier run left (an INVALID index, a constraint added) is looked for first.
 */
export function recipeFor(
  call: CallStatement,
  step: LockStep,
  grade: LockGrade,
  ctx: RecipeContext,
): Rewrite | Left {
  if (grade.work === 'rewrite')
    return {
      why: `it rewrites ${step.table}, which no lock can make light`,
      instead: expandContract(step),
    };
  if (ctx.partitioned && grade.work !== 'instant')
    return {
      why: `${step.table} is partitioned: PostgreSQL builds no index on it CONCURRENTLY, nor adds a NOT VALID foreign key to it`,
      instead:
        step.call === 'create_index' || step.call === 'create_unique_constraint'
          ? `CREATE INDEX … ON ONLY ${step.table} (the parent's index, invalid), then each partition's index CONCURRENTLY, each attached with ALTER INDEX … ATTACH PARTITION`
          : grade.recipe,
    };
  switch (step.call) {
    case 'create_index':
      return grade.work === 'index' ? concurrentIndex(call, step, ctx) : timeoutOnly(call, ctx);
    case 'create_unique_constraint':
      return uniqueUsingIndex(call, step, ctx);
    case 'create_foreign_key':
    case 'create_check_constraint':
      return notValidThenValidate(call, step, ctx);
    case 'alter_column':
      if (step.flags.includes('not-null') && grade.work === 'scan') return notNullByCheck(call, step, ctx);
      break;
    default:
      break;
  }
  if (grade.work === 'instant') return timeoutOnly(call, ctx);
  return { why: `no recipe rewrites ${step.call} that ${grade.work}s`, instead: grade.recipe };
}

/** A Python string literal of `s`, as repr() writes it. */
const py = (s: string): string => pyRepr({ t: 'str', v: s });

/** A relation as to_regclass reads it: quoted, so its case is kept. */
const regclass = (name: string, schema?: string): string =>
  schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);

function setTimeout(ctx: RecipeContext, indent: string): string[] {
  return ctx.timeout ? [`${indent}op.execute("SET LOCAL lock_timeout = '${ctx.timeout}'")`] : [];
}

/** An instant change under ACCESS EXCLUSIVE: bounded by a lock_timeout, so a queued lock gives up. */
function timeoutOnly(call: CallStatement, ctx: RecipeContext): Rewrite | Left {
  if (!ctx.timeout) return { why: 'a lock_timeout is already in force', instead: 'nothing to add' };
  const i = call.indent;
  return {
    text: [
      `${i}# Bounded by lock_timeout: waiting behind a long transaction, it gives up instead of`,
      `${i}# queueing every query on the table behind it (the release can be run again).`,
      ...setTimeout(ctx, i),
      call.text,
    ].join('\n'),
    how: `lock_timeout ${ctx.timeout} set before it`,
  };
}

/** `valid = …`: None (no such index on the table), True, or False (an INVALID one a failed build left). */
function indexState(
  i: string,
  u: string,
  ctx: RecipeContext,
  index: string,
  table: string,
  schema?: string,
): string[] {
  return [
    `${i}valid = op.get_bind().execute(`,
    `${i}${u}${ctx.text}(`,
    `${i}${u}${u}"SELECT indisvalid FROM pg_index"`,
    `${i}${u}${u}" WHERE indexrelid = to_regclass(:index) AND indrelid = to_regclass(:table)"`,
    `${i}${u}),`,
    `${i}${u}{"index": ${py(regclass(index, schema))}, "table": ${py(regclass(table, schema))}},`,
    `${i}).scalar()`,
    `${i}if valid is False:`,
    `${i}${u}op.execute(${py(`DROP INDEX CONCURRENTLY ${regclass(index, schema)}`)})`,
  ];
}

/** `if not <the constraint exists on the table>:` */
function constraintMissing(
  i: string,
  u: string,
  ctx: RecipeContext,
  name: string,
  table: string,
  schema?: string,
): string[] {
  return [
    `${i}if not op.get_bind().execute(`,
    `${i}${u}${ctx.text}("SELECT 1 FROM pg_constraint WHERE conname = :name AND conrelid = to_regclass(:table)"),`,
    `${i}${u}{"name": ${py(name)}, "table": ${py(regclass(table, schema))}},`,
    `${i}).scalar():`,
  ];
}

function schemaOf(call: CallStatement): string | undefined {
  const s = call.args.find((a) => a.kw === 'schema')?.text;
  if (s === undefined || s === 'None') return undefined;
  const m = s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.at(-1) === s[0] ? s.slice(1, -1) : undefined;
  return m;
}

function concurrentIndex(call: CallStatement, step: LockStep, ctx: RecipeContext): Rewrite | Left {
  const name = step.data?.name ?? step.index;
  if (name === undefined) return { why: "the index's name is not a literal", instead: step.call };
  const { indent: i, insideString } = call;
  const u = ctx.unit;
  const schema = schemaOf(call);
  return {
    text: [
      `${i}# Built CONCURRENTLY, outside the migration's transaction, so writes to ${step.table} go on while it`,
      `${i}# builds. A build that failed leaves an INVALID index: it is dropped first, so a retry builds it again.`,
      `${i}with op.get_context().autocommit_block():`,
      ...indexState(i + u, u, ctx, name, step.table, schema),
      `${i}${u}if valid is not True:`,
      indented(call.withKeyword('postgresql_concurrently', 'True'), u + u, insideString),
    ].join('\n'),
    how: 'built CONCURRENTLY in autocommit_block',
    commits: true,
  };
}

function uniqueUsingIndex(call: CallStatement, step: LockStep, ctx: RecipeContext): Rewrite | Left {
  const name = step.data?.name;
  const positional = call.args.filter((a) => a.kw === undefined);
  const other = call.args.filter((a) => a.kw !== undefined && a.kw !== 'schema');
  if (name === undefined || positional.length !== 3 || other.length > 0)
    return {
      why: 'only a literal name, table and columns (and schema=) are rewritten',
      instead: 'a unique index built CONCURRENTLY, then ALTER TABLE … ADD CONSTRAINT … UNIQUE USING INDEX',
    };
  const { indent: i } = call;
  const u = ctx.unit;
  const schema = schemaOf(call);
  const args = positional.map((a) => a.text).join(', ');
  const schemaArg = schema !== undefined ? `, schema=${py(schema)}` : '';
  const table = regclass(step.table, schema);
  return {
    text: [
      `${i}# A unique index built CONCURRENTLY (writes to ${step.table} go on), then made the constraint:`,
      `${i}# ADD CONSTRAINT … USING INDEX only changes the catalog. A build that failed (duplicates, a`,
      `${i}# timeout) leaves an INVALID index: it is dropped first, so a retry builds it again.`,
      `${i}with op.get_context().autocommit_block():`,
      ...indexState(i + u, u, ctx, name, step.table, schema),
      `${i}${u}if valid is not True:`,
      `${i}${u}${u}op.create_index(${args}, unique=True, postgresql_concurrently=True${schemaArg})`,
      ...setTimeout(ctx, i),
      ...constraintMissing(i, u, ctx, name, step.table, schema),
      `${i}${u}op.execute(${py(`ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(name)} UNIQUE USING INDEX ${quoteIdent(name)}`)})`,
    ].join('\n'),
    how: 'unique index built CONCURRENTLY, then ADD CONSTRAINT … USING INDEX',
    commits: true,
  };
}

function notValidThenValidate(call: CallStatement, step: LockStep, ctx: RecipeContext): Rewrite | Left {
  const name = step.data?.name;
  if (name === undefined)
    return { why: "the constraint's name is not a literal", instead: 'NOT VALID, then VALIDATE CONSTRAINT' };
  const { indent: i, insideString } = call;
  const u = ctx.unit;
  const schema = schemaOf(call);
  const what = step.call === 'create_foreign_key' ? 'foreign key' : 'check';
  // an app on SQLAlchemy before 1.4.32 has no postgresql_not_valid=: the same ALTER TABLE as SQL
  const sql = ctx.notValidRefused ? notValidSql(call, step, name) : undefined;
  if (ctx.notValidRefused && sql === undefined)
    return {
      why: `${ctx.notValidRefused}, and only a call of literal names, columns and condition is written as SQL`,
      instead: 'NOT VALID, then VALIDATE CONSTRAINT',
    };
  return {
    text: [
      `${i}# Added NOT VALID (no scan of ${step.table} under the lock that stops its writes), then validated in`,
      `${i}# a transaction of its own under SHARE UPDATE EXCLUSIVE, which lets writes go on.`,
      ...setTimeout(ctx, i),
      ...constraintMissing(i, u, ctx, name, step.table, schema),
      sql !== undefined
        ? `${i}${u}op.execute(${py(sql)})`
        : indented(call.withKeyword('postgresql_not_valid', 'True'), u, insideString),
      `${i}with op.get_context().autocommit_block():`,
      `${i}${u}op.execute(${py(`ALTER TABLE ${regclass(step.table, schema)} VALIDATE CONSTRAINT ${quoteIdent(name)}`)})`,
    ].join('\n'),
    how: `${what} added NOT VALID${sql !== undefined ? ' (as SQL: the SQLAlchemy pinned is older than 1.4.32)' : ''}, then validated in its own transaction`,
    commits: true,
  };
}

/**
 * `ALTER TABLE … ADD CONSTRAINT … NOT VALID` for a foreign key or check whose arguments are all
 * literal and positional (SQLAlchemy writes the same statement from them); undefined otherwise.
 */
function notValidSql(call: CallStatement, step: LockStep, name: string): string | undefined {
  const d = step.data;
  const positional = call.args.filter((a) => a.kw === undefined).length;
  const kws = call.args.filter((a) => a.kw !== undefined && a.kw !== 'schema');
  if (kws.length > 0) return undefined;
  const schema = schemaOf(call);
  const head = `ALTER TABLE ${regclass(step.table, schema)} ADD CONSTRAINT ${quoteIdent(name)}`;
  const names = (cols: readonly string[]): string => cols.map(quoteIdent).join(', ');
  if (
    step.call === 'create_foreign_key' &&
    positional === 5 &&
    schema === undefined &&
    d?.columns &&
    d.referencedColumns &&
    step.references !== undefined
  )
    return `${head} FOREIGN KEY (${names(d.columns)}) REFERENCES ${quoteIdent(step.references)} (${names(d.referencedColumns)}) NOT VALID`;
  // op.execute reads `:name` as a bind parameter: a condition with a colon is not written as SQL
  if (
    step.call === 'create_check_constraint' &&
    positional === 3 &&
    d?.condition !== undefined &&
    !d.condition.includes(':')
  )
    return `${head} CHECK (${d.condition}) NOT VALID`;
  return undefined;
}

/** PostgreSQL's longest name (NAMEDATALEN - 1 bytes). */
const MAX_NAME = 63;

function notNullByCheck(call: CallStatement, step: LockStep, ctx: RecipeContext): Rewrite | Left {
  const column = step.column;
  const others = call.args.filter(
    (a) => a.kw !== undefined && !a.kw.startsWith('existing_') && !['nullable', 'schema'].includes(a.kw),
  );
  if (column === undefined || others.length > 0 || step.flags.some((f) => f !== 'not-null'))
    return {
      why: 'it changes more than nullability',
      instead: 'split it: the NOT NULL on its own, by a validated check',
    };
  if (ctx.major !== undefined && ctx.major < 12)
    return {
      why: `PostgreSQL ${ctx.major} scans for SET NOT NULL whatever checks exist (12 uses a valid one)`,
      instead: 'run it when traffic is lowest',
    };
  const { indent: i } = call;
  const u = ctx.unit;
  const schema = schemaOf(call);
  const check = Buffer.from(`ck_${step.table}_${column}_not_null`)
    .subarray(0, MAX_NAME)
    .toString('utf8')
    .replaceAll('\uFFFD', '');
  const schemaArg = schema !== undefined ? `, schema=${py(schema)}` : '';
  return {
    text: [
      `${i}# A NOT VALID check proves ${column} holds no NULL without a scan under ACCESS EXCLUSIVE: it is`,
      `${i}# validated in a transaction of its own (writes go on), SET NOT NULL then uses it instead of`,
      `${i}# scanning (PostgreSQL 12+), and it is dropped after.`,
      ...setTimeout(ctx, i),
      ...constraintMissing(i, u, ctx, check, step.table, schema),
      ctx.notValidRefused
        ? `${i}${u}op.execute(${py(`ALTER TABLE ${regclass(step.table, schema)} ADD CONSTRAINT ${quoteIdent(check)} CHECK (${quoteIdent(column)} IS NOT NULL) NOT VALID`)})`
        : `${i}${u}op.create_check_constraint(${py(check)}, ${py(step.table)}, ${py(`${quoteIdent(column)} IS NOT NULL`)}, postgresql_not_valid=True${schemaArg})`,
      `${i}with op.get_context().autocommit_block():`,
      `${i}${u}op.execute(${py(`ALTER TABLE ${regclass(step.table, schema)} VALIDATE CONSTRAINT ${quoteIdent(check)}`)})`,
      ...setTimeout(ctx, i),
      call.text,
      `${i}op.drop_constraint(${py(check)}, ${py(step.table)}, type_="check"${schemaArg})`,
    ].join('\n'),
    how: 'NOT NULL proved by a check validated in its own transaction',
    commits: true,
  };
}

/** The expand/contract steps for a change that rewrites the table. */
function expandContract(step: LockStep): string {
  const col = step.column ?? 'the column';
  return `expand/contract over several deploys: add a new column beside ${step.table}.${col} with the new definition, write both from the app, backfill the new one in batches (each its own transaction), switch reads to it, then drop ${col} in a later release`;
}
