import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { lintFinding } from '../lint/lint-context.js';
import { doesNothing, migrationPairs } from '../lint/migration-ops.js';
import { projectDialect, type ProjectDialect } from '../lint/project-dialect.js';
import { lastName, type PyNode, type PySource } from '../lint/python-syntax.js';

/** A named enum type created in upgrade() that downgrade() leaves behind after dropping its table. */
export const enumNotDroppedInDowngrade: Rule = {
  code: 'enum-not-dropped-in-downgrade',
  severity: 'warning',
  kind: 'lint',
  title: 'downgrade() leaves an enum type behind',
  summary:
    'upgrade creates a named enum type; downgrade drops the table but not the type, so the next upgrade fails.',
  check({ lint }) {
    const out: Finding[] = [];
    if (!lint) return out;
    let dialect: ProjectDialect | undefined;
    // the finding needs a named enum and a downgrade that drops a table or column
    out.push(
      ...lint.newFileFindings(
        this.code,
        () => JSON.stringify((dialect ??= projectDialect(lint))),
        [
          (t) =>
            (t.includes('Enum') || t.includes('ENUM') || CREATE_TYPE_WORDS.test(t)) &&
            (t.includes('drop_table') || t.includes('drop_column')),
        ],
        (file, py) => {
          const found: Finding[] = [];
          // in a multi-database script, each database's pair: upgrade_<engine>() and downgrade_<engine>()
          for (const pair of migrationPairs(py)) {
            const up = pair.up.fn;
            const down = pair.down.fn;
            if (doesNothing(py, down)) continue;
            const downCalls = py.calls(down);
            if (!downCalls.some((c) => /^(op|batch(_op)?)\.drop_(table|column)$/.test(py.callee(c))))
              continue;
            const downText = py.of(down);
            const downSql = py.strings(down).map((s) => s.value);
            const dropsByMethod = downCalls.some(
              (c) =>
                /\.drop$/.test(py.callee(c)) ||
                /\)\s*\.\s*drop$/.test(py.of(c.firstChild!).replace(/\s+/g, '')),
            );
            const seen = new Set<string>();
            // the types upgrade() creates: sa.Enum/postgresql.ENUM in a created table or column, and raw CREATE TYPE … AS ENUM
            const created: { name: string; node: PyNode; sqlBefore: string }[] = [];
            for (const call of py.calls(up)) {
              const name = enumTypeName(py, call);
              if (
                name === undefined ||
                describesAlteredColumn(py, call) ||
                onlyInAddedColumns(py, up, call) ||
                createdIfMissing(py, up, call) ||
                onlyDropped(py, up, call)
              )
                continue;
              created.push({ name, node: call, sqlBefore: '' });
            }
            const upSql = py.strings(up);
            for (const { value, node } of upSql) {
              for (const m of value.matchAll(CREATE_TYPE)) {
                // DO $$ … EXCEPTION WHEN duplicate_object, or a pg_type lookup first: a re-run does not fail
                if (!/duplicate_object|pg_type|IF\s+NOT\s+EXISTS/i.test(value))
                  created.push({ name: m[1]!, node, sqlBefore: value.slice(0, m.index) });
              }
            }
            for (const { name, node: call, sqlBefore } of created) {
              if (seen.has(name)) continue;
              seen.add(name);
              const quoted = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
              const dropSql = new RegExp(
                `DROP\\s+TYPE\\s+(IF\\s+EXISTS\\s+)?("?\\w+"?\\.)?"?${quoted}"?\\b`,
                'i',
              );
              // renaming it away frees the name just as well (the swap-an-enum pattern: rename to *_old, create, drop *_old)
              const renameSql = new RegExp(
                `ALTER\\s+TYPE\\s+("?\\w+"?\\.)?"?${quoted}"?\\s+RENAME\\s+TO\\b`,
                'i',
              );
              const frees = (sql: string): boolean => dropSql.test(sql) || renameSql.test(sql);
              if (downSql.some(frees)) continue;
              // upgrade() itself renames or drops the type before creating it anew (the swap-an-enum pattern, SkyPortal):
              // re-run after a downgrade, it frees the name again and does not fail
              if (frees(sqlBefore) || upSql.some((x) => x.node.to <= call.from && frees(x.value))) continue;
              if (dropsByMethod && downText.includes(name)) continue;
              // SQLite and MySQL keep an enum inside the column: there is no type to leave behind
              dialect ??= projectDialect(lint);
              const elsewhere = dialect.dialect === 'other';
              found.push({
                ...lintFinding(
                  this.code,
                  elsewhere ? 'info' : this.severity,
                  file,
                  py,
                  call,
                  `${elsewhere ? `This project does not appear to use PostgreSQL (${dialect.why}), so this only matters if it moves there. ` : ''}${pair.up.name}() creates the enum type '${name}', and ${pair.down.name}() drops the table or column that uses it but not the type. PostgreSQL keeps the type after DROP TABLE and DROP COLUMN, so after a downgrade the next upgrade fails with "type "${name}" already exists".`,
                  `In ${pair.down.name}(), after dropping the table: sa.Enum(name="${name}").drop(op.get_bind(), checkfirst=True)  (or op.execute("DROP TYPE IF EXISTS ${name}")).`,
                ),
                title: `${pair.down.name}() leaves the enum type '${name}' behind`,
              });
            }
          }
          return found;
        },
      ),
    );
    return out;
  },
};

/** `CREATE TYPE [schema.]name AS ENUM` in raw SQL: the name. */
const CREATE_TYPE = /\bCREATE\s+TYPE\s+(?:"?\w+"?\.)?"?(\w+)"?\s+AS\s+ENUM\b/gi;
const CREATE_TYPE_WORDS = /CREATE\s+TYPE/i;

/** The type name a `sa.Enum(...)` / `postgresql.ENUM(...)` call creates, or undefined when it creates none we can name. */
function enumTypeName(py: PySource, call: PyNode): string | undefined {
  const callee = py.callee(call);
  const last = lastName(callee);
  if (last !== 'Enum' && last !== 'ENUM') return undefined;
  // Python's enum module (class bodies, functional API) is not a column type
  if (
    callee === 'enum.Enum' ||
    (callee === 'Enum' &&
      py.args(call).positional.length === 2 &&
      py.str(py.args(call).positional[0]) !== undefined &&
      !py.args(call).keywords.has('name'))
  )
    return undefined;
  const { positional, keywords } = py.args(call);
  const flag = (k: string): string | undefined => (keywords.has(k) ? py.of(keywords.get(k)!) : undefined);
  if (flag('create_type') === 'False' || flag('native_enum') === 'False') return undefined;
  const named = py.str(keywords.get('name'));
  if (named !== undefined) return named;
  // sa.Enum(MyEnum) names the type after the class, lower-cased
  const first = positional[0];
  if (
    positional.length === 1 &&
    first &&
    (first.name === 'VariableName' || first.name === 'MemberExpression')
  )
    return lastName(py.of(first)).toLowerCase();
  return undefined;
}

/**
 * Whether upgrade() creates the type only when it is missing: `t = postgresql.ENUM(…, name=…)`
 * then `t.create(op.get_bind(), checkfirst=True)` (Hypothesis), or the call itself
 * `.create(…, checkfirst=True)`. Re-running that upgrade after a downgrade does not fail.
 */
function createdIfMissing(py: PySource, up: PyNode, enumCall: PyNode): boolean {
  const parent = enumCall.parent;
  const variable =
    parent?.name === 'AssignStatement' && parent.firstChild?.name === 'VariableName'
      ? py.of(parent.firstChild)
      : undefined;
  return py.calls(up).some((c) => {
    const receiver = c.firstChild?.name === 'MemberExpression' ? c.firstChild.firstChild : null;
    if (!receiver || !/\.create$/.test(py.callee(c))) return false;
    const { positional, keywords } = py.args(c);
    const checkfirst = keywords.get('checkfirst') ?? positional[1];
    if (!checkfirst || py.of(checkfirst) !== 'True') return false;
    return receiver.from === enumCall.from || (variable !== undefined && py.of(receiver) === variable);
  });
}

/**
 * An Enum that upgrade() builds only to drop it: `sa.Enum(…, name="x").drop(op.get_bind())`, as
 * autogenerate writes after removing the last column of that type (SeasPay), or `t = sa.Enum(…)`
 * with `t.drop(…)` its only use. That upgrade removes the type; creating it is downgrade's part.
 */
function onlyDropped(py: PySource, up: PyNode, enumCall: PyNode): boolean {
  const parent = enumCall.parent;
  const variable =
    parent?.name === 'AssignStatement' &&
    parent.firstChild?.name === 'VariableName' &&
    parent.lastChild?.from === enumCall.from
      ? py.of(parent.firstChild)
      : undefined;
  const dropReceivers: number[] = [];
  for (const c of py.calls(up)) {
    const receiver = c.firstChild?.name === 'MemberExpression' ? c.firstChild.firstChild : null;
    if (receiver && /\.drop$/.test(py.callee(c))) dropReceivers.push(receiver.from);
    if (receiver && receiver.from === enumCall.from && receiver.to === enumCall.to)
      return /\.drop$/.test(py.callee(c));
  }
  if (variable === undefined) return false;
  const uses = py
    .all(up, 'VariableName')
    .filter((v) => py.of(v) === variable && v.from !== parent!.firstChild!.from);
  return uses.length > 0 && uses.every((v) => dropReceivers.includes(v.from));
}

/**
 * `op.alter_column(…, existing_type=sa.Enum(…))` describes the type the column already has, and
 * `type_=sa.Enum(…)` there does not create one either (only a table or column create does), nor
 * does an Enum anywhere else in alter_column's arguments.
 */
function describesAlteredColumn(py: PySource, call: PyNode): boolean {
  // anywhere in its arguments: mwdb passes a whole sa.Column(…, sa.Enum(…)) to batch_op.alter_column
  for (let n = call.parent; n; n = n.parent) {
    if (n.name === 'FunctionDefinition') return false;
    if (n.name === 'CallExpression' && /(^|\.)alter_column$/.test(py.callee(n))) return true;
  }
  return false;
}

/**
 * A type named in `op.add_column(…)`: Alembic emits only ALTER TABLE … ADD
 * COLUMN, without CREATE TYPE (checked against real Alembic and PostgreSQL:
 * a new type fails with 'type "x" does not exist'), so the upgrade uses a type
 * that already exists and is not the one to drop it. A batch that recreates the
 * table (recreate="always") does create it.
 */
function inAddedColumn(py: PySource, call: PyNode): boolean {
  for (let n = call.parent; n; n = n.parent) {
    if (n.name === 'FunctionDefinition') return false;
    if (n.name !== 'CallExpression') continue;
    const callee = py.callee(n);
    if (callee === 'op.add_column') return true;
    if (/^batch(_op)?\.add_column$/.test(callee)) return !/recreate\s*=\s*["']always["']/.test(py.text);
    if (/^(op|batch(_op)?)\.\w+$/.test(callee)) return false;
  }
  return false;
}

/**
 * inAddedColumn, also through a name: `t = sa.Enum(…, name="x")` used only in
 * `op.add_column(…, sa.Column("c", t))` (GOV.UK Notify reuses a type made by an
 * earlier create_table). Any other use of the name (`t.create(bind)`, a
 * create_table) counts as creating it.
 */
function onlyInAddedColumns(py: PySource, up: PyNode, call: PyNode): boolean {
  if (inAddedColumn(py, call)) return true;
  const parent = call.parent;
  const target =
    parent?.name === 'AssignStatement' &&
    parent.firstChild?.name === 'VariableName' &&
    parent.lastChild?.from === call.from
      ? parent.firstChild
      : null;
  if (!target) return false;
  const name = py.of(target);
  const uses = py.all(up, 'VariableName').filter((v) => py.of(v) === name && v.from !== target.from);
  return uses.length > 0 && uses.every((v) => inAddedColumn(py, v));
}
