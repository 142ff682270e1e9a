import type { LockStep } from '../check/schema/lock-facts.js';
import type { MysqlGrade } from '../check/schema/mysql-online-ddl.js';
import { pyRepr } from '../python/python-value.js';
import type { CallStatement } from './call-statement.js';
import type { Left, Rewrite } from './fix-recipes.js';

/** What a MySQL recipe needs besides the step. */
export interface MysqlRecipeContext {
  /** One level of the file's indentation. */
  readonly unit: string;
  /** How the file reaches `sqlalchemy.text` (`sa.text`). */
  readonly text: string;
  /** The lock_wait_timeout to write before the step, in seconds; undefined when a shorter one is in force. */
  readonly waitSeconds: number | undefined;
  /** The database the tables are in, when a database sized them (for the online copy's command). */
  readonly database?: string;
}

/** A Python string literal of `s`, as repr() writes it. */
const py = (s: string): string => pyRepr({ t: 'str', v: s });

/** A MySQL name in backquotes. */
const q = (name: string): string => `\`${name.replaceAll('`', '``')}\``;

/**
 * The safe form of a heavy MySQL or MariaDB step, or why it is left. An index build is written as the
 * ALTER TABLE that says `ALGORITHM=INPLACE, LOCK=NONE`: the server builds it with writes going on, or
 * refuses the statement instead of falling back to a copy that blocks them. A step the server can only
 * do by copying the table (a foreign key, a check, a type change) is left, with the online copy's command.
 */
export function mysqlRecipeFor(
  call: CallStatement,
  step: LockStep,
  grade: MysqlGrade,
  ctx: MysqlRecipeContext,
): Rewrite | Left {
  if (grade.lock !== 'NONE')
    return {
      why: `the server copies ${step.table} for it (ALGORITHM=${grade.algorithm}, LOCK=${grade.lock}): no clause makes it online`,
      instead: onlineCopy(call, step, ctx),
    };
  if (grade.builds && (step.call === 'create_index' || step.call === 'create_unique_constraint'))
    return onlineIndex(call, step, ctx);
  return { why: `no recipe rewrites ${step.call} on MySQL`, instead: grade.recipe };
}

function onlineIndex(call: CallStatement, step: LockStep, ctx: MysqlRecipeContext): Rewrite | Left {
  const d = step.data;
  const positional = call.args.filter((a) => a.kw === undefined);
  const kws = call.args.flatMap((a) => (a.kw === undefined ? [] : [a.kw]));
  const allowed = step.call === 'create_index' ? ['unique', 'schema'] : ['schema'];
  if (
    d?.name === undefined ||
    d.columns === undefined ||
    d.partial ||
    positional.length !== 3 ||
    kws.some((k) => !allowed.includes(k)) ||
    step.schema !== undefined
  )
    return {
      why: 'only a literal name, table and column names are rewritten (no schema, no MySQL options)',
      instead: `ALTER TABLE ${q(step.table)} ADD INDEX … , ALGORITHM=INPLACE, LOCK=NONE in op.execute`,
    };
  const unique = step.call === 'create_unique_constraint' || d.unique === true;
  const { indent: i } = call;
  const u = ctx.unit;
  const sql = `ALTER TABLE ${q(step.table)} ADD ${unique ? 'UNIQUE ' : ''}INDEX ${q(d.name)} (${d.columns.map(q).join(', ')}), ALGORITHM=INPLACE, LOCK=NONE`;
  return {
    text: [
      `${i}# Built in place with LOCK=NONE: writes to ${step.table} go on while it builds, and a server that`,
      `${i}# cannot do that refuses the statement instead of copying the table under a lock. MySQL commits`,
      `${i}# DDL as it runs: an index an earlier, failed run built is there already and is not built again.`,
      ...(ctx.waitSeconds !== undefined
        ? [
            `${i}# lock_wait_timeout bounds the wait for the table's metadata lock behind a long transaction`,
            `${i}# (it lasts for the rest of the session): the release fails and can be run again.`,
            `${i}op.execute("SET SESSION lock_wait_timeout = ${ctx.waitSeconds}")`,
          ]
        : []),
      `${i}if not op.get_bind().execute(`,
      `${i}${u}${ctx.text}(`,
      `${i}${u}${u}"SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE()"`,
      `${i}${u}${u}" AND table_name = :table AND index_name = :index LIMIT 1"`,
      `${i}${u}),`,
      `${i}${u}{"table": ${py(step.table)}, "index": ${py(d.name)}},`,
      `${i}).scalar():`,
      `${i}${u}op.execute(${py(sql)})`,
    ].join('\n'),
    how: `${unique ? 'unique index' : 'index'} built with ALGORITHM=INPLACE, LOCK=NONE`,
    ...(ctx.waitSeconds !== undefined ? { setsWait: true as const } : {}),
  };
}

/**
 * The online copy for a step the server can only do by copying the table: pt-online-schema-change,
 * which copies with triggers and keeps foreign keys (gh-ost does not take them) and, unlike gh-ost's
 * INSERT IGNORE copy, never drops a row that breaks a new unique key.
 */
function onlineCopy(call: CallStatement, step: LockStep, ctx: MysqlRecipeContext): string {
  const clause = alterClause(call, step);
  const target = shellWord(`D=${ctx.database ?? '<database>'},t=${step.table}`);
  const alter = clause ?? '<what alembic upgrade --sql prints for the step, after ALTER TABLE …>';
  return `copy the table online before the release: pt-online-schema-change --alter ${shellWord(alter)} ${target} --execute; then make the step skip what is there already (or stamp past it)`;
}

/** A word for a POSIX shell: single-quoted where it holds more than letters, digits and `_=,.-`. */
function shellWord(s: string): string {
  const plain = [...s].every((ch) => ch.toLowerCase() !== ch.toUpperCase() || '0123456789_=,.-'.includes(ch));
  return plain ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

/** The ALTER TABLE clause of the step, where every argument is a literal it reads. */
function alterClause(call: CallStatement, step: LockStep): string | undefined {
  const d = step.data;
  const options = call.args.some((a) => a.kw !== undefined);
  if (d?.name === undefined || options) return undefined;
  if (step.call === 'create_foreign_key' && d.columns && d.referencedColumns && step.references)
    return `ADD CONSTRAINT ${q(d.name)} FOREIGN KEY (${d.columns.map(q).join(', ')}) REFERENCES ${q(step.references)} (${d.referencedColumns.map(q).join(', ')})`;
  if (step.call === 'create_check_constraint' && d.condition !== undefined)
    return `ADD CONSTRAINT ${q(d.name)} CHECK (${d.condition})`;
  return undefined;
}
