import { evalStringLiteral } from '../../python/string-literal.js';
import type { PyNode, PySource } from './python-syntax.js';

/** `op.` helpers that build values rather than change the schema. */
const OP_HELPERS = new Set([
  'op.f',
  'op.get_bind',
  'op.get_context',
  'op.inline_literal',
  'op.implementation_for',
  'op.invoke',
]);

/** The method that runs SQL: `op.execute`, `conn.execute`, `conn.exec_driver_sql`. */
const RUNS_SQL = /\.(execute|exec_driver_sql)$/;

/**
 * A call that runs SQL on a connection: `op.execute(x)`, `conn.execute(x)`,
 * `op.get_bind().execute(x)`, `conn.exec_driver_sql(x)`. SQLAlchemy's always
 * take the statement; a bare `.execute()` is an ORM query of another library
 * (peewee's `Model.update(…).execute()`), which does not run on Alembic's connection.
 */
function runsSql(py: PySource, call: PyNode): boolean {
  const fn = call.firstChild;
  if (fn?.name !== 'MemberExpression' || !RUNS_SQL.test(py.of(fn).replace(/\s+/g, ''))) return false;
  const { positional, keywords, starred } = py.args(call);
  return positional.length > 0 || keywords.size > 0 || starred;
}

/** A call that changes the schema or runs SQL: `op.<operation>(…)`, `batch_op.<operation>(…)`, `<conn>.execute(…)`. */
export function isSchemaCall(py: PySource, call: PyNode): boolean {
  const callee = py.callee(call);
  if (OP_HELPERS.has(callee)) return false;
  if (callee.startsWith('op.') && callee.split('.').length === 2) return true;
  if (/^batch(_op)?\.[a-z_]+$/.test(callee) && !callee.endsWith('.f')) return true;
  return runsSql(py, call);
}

/**
 * An `execute(…)` whose SQL is a literal that only reads or changes rows
 * (SELECT, INSERT, UPDATE, DELETE, WITH, MERGE), or `op.bulk_insert(…)`:
 * a data change, not a schema change.
 */
export function isDataOnlyCall(py: PySource, call: PyNode): boolean {
  if (py.callee(call) === 'op.bulk_insert') return true;
  if (!runsSql(py, call)) return false;
  const arg = py.args(call).positional[0];
  if (arg && isDmlConstruct(py, arg)) return true;
  // rows read or changed, a session setting / lock / planner statistic, or privileges and comments (which a
  // re-run grants or sets again without failing): nothing a downgrade must put back
  const sql = sqlNode(py, arg);
  return (
    (literalStatements(py, sql) ?? templateStatement(py, sql))?.every((x) => NO_SCHEMA_CHANGE.test(x)) ??
    false
  );
}

/**
 * A SQL template's one statement (a sqlNode), with each field as a placeholder: an f-string
 * (Funnel: f'UPDATE "{table}" SET "{new}" = …' in a loop), or a literal given to
 * `.format(…)` or `%` (GOV.UK Notify: "update services set … where id = '{}'".format(id)).
 * Fields name tables, columns and values there; the statement's keyword is
 * literal text. Several statements, or a field where a statement could start,
 * stay unknown.
 */
function templateStatement(py: PySource, arg: PyNode | undefined): string[] | undefined {
  let sql: string | undefined;
  if (arg?.name === 'FormatString' || arg?.name === 'ContinuedString') {
    // "INSERT INTO rates … " f"VALUES('{uuid.uuid4()}', …)": implicit concatenation of both kinds
    const parts =
      arg.name === 'FormatString'
        ? [arg]
        : [...arg.getChildren('String'), ...arg.getChildren('FormatString')].sort((a, b) => a.from - b.from);
    sql = '';
    for (const part of parts) {
      const text = part.name === 'FormatString' ? fieldsAsPlaceholders(py, part) : py.str(part);
      if (text === undefined) return undefined;
      sql += text;
    }
  } else if (
    arg?.name === 'CallExpression' &&
    arg.firstChild?.name === 'MemberExpression' &&
    arg.firstChild.lastChild &&
    py.of(arg.firstChild.lastChild) === 'format'
  ) {
    sql = py.str(constantValue(py, arg.firstChild.firstChild ?? undefined));
  } else if (
    arg?.name === 'BinaryExpression' &&
    arg.firstChild?.nextSibling &&
    py.of(arg.firstChild.nextSibling) === '%'
  ) {
    sql = py.str(constantValue(py, arg.firstChild));
  }
  const statements = sql === undefined ? [] : splitStatements(sql);
  return statements.length === 1 ? statements : undefined;
}

/** An f-string's value with each `{field}` written as `x`. */
function fieldsAsPlaceholders(py: PySource, node: PyNode): string | undefined {
  let raw = '';
  let at = node.from;
  for (const field of node.getChildren('FormatReplacement')) {
    raw += py.text.slice(at, field.from) + 'x';
    at = field.to;
  }
  raw += py.text.slice(at, node.to);
  const v = evalStringLiteral(raw);
  return v.t === 'str' ? v.v : undefined;
}

const NO_SCHEMA_CHANGE =
  /^(?:(?:SELECT|INSERT|UPDATE|DELETE|WITH|MERGE|TRUNCATE|SHOW|EXPLAIN|SET|RESET|LOCK|ANALYZE|VACUUM|REINDEX|CLUSTER|REFRESH\s+MATERIALIZED\s+VIEW|GRANT|REVOKE|COMMENT\s+ON|ALTER\s+DEFAULT\s+PRIVILEGES)\b|ALTER\s+TABLE\s+(?:ONLY\s+)?\S+\s+VALIDATE\s+CONSTRAINT\s+\S+$)/i;

/**
 * The statements of literal SQL a call runs (`op.execute("…")`, `conn.execute(sa.text("…"))`),
 * comments removed; undefined when it runs no SQL or the SQL is built at run time.
 */
export function sqlStatements(py: PySource, call: PyNode): string[] | undefined {
  return runsSql(py, call) ? literalStatements(py, sqlNode(py, py.args(call).positional[0])) : undefined;
}

/** The statements of literal SQL (a sqlNode). */
function literalStatements(py: PySource, node: PyNode | undefined): string[] | undefined {
  const sql = py.str(node);
  const statements = sql === undefined ? [] : splitStatements(sql);
  return statements.length > 0 ? statements : undefined;
}

/** The node that holds a statement's SQL: through names, `text(…)`, `.bindparams(…)`, `dedent(…)`, `.strip()`. */
function sqlNode(py: PySource, statement: PyNode | undefined): PyNode | undefined {
  const arg = textOf(py, statement);
  return arg?.name === 'CallExpression' && /(^|\.)text$/.test(py.callee(arg))
    ? textOf(py, py.args(arg).positional[0])
    : arg;
}

/**
 * SQL split into statements at the `;` PostgreSQL splits at, comments removed: a `;` inside a
 * quoted string or identifier, a comment or a dollar-quoted body (a plpgsql function's
 * `$$ BEGIN …; END $$`) is part of its statement.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === ';') {
      out.push(current);
      current = '';
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      current += ' ';
    } else if (c === "'" || c === '"') {
      // '' inside a string (and "" inside an identifier) is the quote itself: the scan resumes after it
      let j = i + 1;
      while (j < n && sql[j] !== c) j++;
      current += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '$' && !/[\w$]/.test(sql[i - 1] ?? ' ')) {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64))?.[0];
      const end = tag === undefined ? -1 : sql.indexOf(tag, i + tag.length);
      if (tag === undefined) {
        current += c;
        i++;
      } else {
        const stop = end < 0 ? n : end + tag.length;
        current += sql.slice(i, stop);
        i = stop;
      }
    } else {
      current += c;
      i++;
    }
  }
  out.push(current);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

/**
 * A name bound once where it is read (`QUERY = text("UPDATE …")`) stands for
 * its value, and parentheses for what they hold; anything else is itself.
 */
function constantValue(py: PySource, node: PyNode | undefined): PyNode | undefined {
  for (let hops = 0; node && hops < 8; hops++) {
    if (node.name === 'VariableName') node = py.constantAt(py.of(node), node);
    else if (node.name === 'ParenthesizedExpression' && node.lastChild?.name === ')')
      node = node.firstChild?.nextSibling ?? undefined;
    else break;
  }
  return node;
}

/** Methods that return the same statement: `text(…)` with parameters or result types attached, a string stripped. */
const TEXT_METHODS = /^(bindparams|columns|execution_options|strip|lstrip|rstrip)$/;

/**
 * `sql.replace("%", "%%")`, `.replace("\n", " ")`: a replacement of punctuation
 * or blanks by punctuation or blanks escapes or reflows the same statement
 * (RefStack doubles its % signs); one that names a word could write another.
 */
function escapes(py: PySource, call: PyNode, method: string): boolean {
  if (method !== 'replace') return false;
  const { positional, keywords } = py.args(call);
  if (keywords.size > 0 || positional.length !== 2) return false;
  return positional.every((a) => {
    const v = py.str(a);
    return v !== undefined && /^[^\p{L}\p{N}_]*$/u.test(v);
  });
}

/** The `text(…)` call (or string) a statement is, through `.bindparams(…)`, `.columns(…)` and names bound once. */
function textOf(py: PySource, statement: PyNode | undefined): PyNode | undefined {
  let node = constantValue(py, statement);
  for (let hops = 0; node?.name === 'CallExpression' && hops < 8; hops++) {
    // textwrap.dedent(SQL): the same SQL, re-indented
    if (/^(textwrap\.)?dedent$/.test(py.callee(node))) {
      node = constantValue(py, py.args(node).positional[0]);
      continue;
    }
    const fn: PyNode | null = node.firstChild;
    const method = fn?.name === 'MemberExpression' ? fn.lastChild : null;
    if (
      !fn ||
      method?.name !== 'PropertyName' ||
      !(TEXT_METHODS.test(py.of(method)) || escapes(py, node, py.of(method)))
    )
      break;
    node = constantValue(py, fn.firstChild ?? undefined);
  }
  return node;
}

/**
 * A SQLAlchemy Core statement that reads or changes rows:
 * `t.update().where(…).values(…)`, `sa.insert(t).values(…)`,
 * `pg_insert(t).on_conflict_do_nothing()`, `sa.select(…)`, or a name bound
 * once to one. A call of the method chain names what it is.
 */
function isDmlConstruct(py: PySource, node: PyNode): boolean {
  let call: PyNode | undefined = constantValue(py, node);
  for (let hops = 0; hops < 50; hops++) {
    if (call?.name !== 'CallExpression') return false;
    // through the imports: `from sqlalchemy.dialects.postgresql import insert as pg_insert`
    const callee = py.callee(call);
    if (DML.test(callee) || DML.test(py.qualified(callee) ?? '')) return true;
    const fn: PyNode | null = call.firstChild;
    // the chain may start from a name bound to a statement: `stmt = insert(t).values(…)` then `stmt.on_conflict_do_nothing()`
    call = fn?.name === 'MemberExpression' ? constantValue(py, fn.firstChild ?? undefined) : undefined;
  }
  return false;
}

const DML = /(?:^|\.)(?:select|insert|update|delete)$/;

/**
 * The module's own function a call names (`_helper()`), which a replay of
 * upgrade() follows: not upgrade/downgrade themselves, not one already on the
 * way (recursion), and at most 20 deep.
 */
export function calledHelper(py: PySource, callee: string, seen: ReadonlySet<PyNode>): PyNode | undefined {
  if (!/^\w+$/.test(callee) || callee === 'upgrade' || callee === 'downgrade' || seen.size >= 20)
    return undefined;
  const fn = py.moduleFunction(callee);
  return fn && !seen.has(fn) ? fn : undefined;
}

/** A function whose body Alembic runs as the migration, with the database it serves in a multi-database script. */
export interface MigrationFunction {
  readonly fn: PyNode;
  /** `upgrade`, or `upgrade_engine1` in a multi-database script */
  readonly name: string;
  /** the engine suffix of a multi-database script's function (`''` for Flask-Migrate's default bind) */
  readonly engine?: string;
}

/** How the multi-database templates pick the per-database function: `globals()["upgrade_%s" % engine_name]()`, `eval(…)`, `getattr(module, …)`. */
const DISPATCH = /\bglobals\s*\(\s*\)|\beval\s*\(|\bgetattr\s*\(/;

/** Whether a helper `def f(name, …)` looks its first parameter up: `globals()[name]`, `globals().get(name…`, `getattr(x, name…`, `eval(name…`. */
function picksParam(helper: string): boolean {
  const param = /^(?:async\s+)?def\s+\w+\s*\(\s*([A-Za-z_]\w*)/.exec(helper)?.[1];
  if (param === undefined) return false;
  return new RegExp(
    String.raw`\bglobals\s*\(\s*\)\s*(?:\[|\.get\s*\()\s*${param}\b|\bgetattr\s*\([^,()]+(?:\([^()]*\)[^,()]*)?,\s*${param}\b|\beval\s*\(\s*${param}\b`,
  ).test(helper);
}

/**
 * Whether a dispatcher's body picks a function by name: itself, or through a
 * module-level helper it calls (`_run(f"upgrade_{engine_name}")` with
 * `globals().get(name)` in `_run`, so that a database added later needs no
 * section in the older scripts).
 */
function dispatches(py: PySource, body: string, kind: 'upgrade' | 'downgrade'): boolean {
  if (DISPATCH.test(body)) return true;
  // a call that hands the helper the name: _run(f"upgrade_{engine_name}"), _run("upgrade_" + name)
  for (const m of body.matchAll(/(?<![\w.])([A-Za-z_]\w*)\s*\(([^)\n]*)/g)) {
    if (!m[2]!.includes(`${kind}_`)) continue;
    const helper = py.moduleFunction(m[1]!);
    if (helper && picksParam(py.of(helper))) return true;
  }
  return false;
}

/**
 * What runs as upgrade() (or downgrade()). In a script written from a
 * multi-database template (Alembic's `multidb`, Flask-Migrate's `init
 * --multidb`) upgrade(engine_name) only dispatches by name to
 * upgrade_<engine>(), once per database: those functions are the migration,
 * and the dispatcher itself holds nothing to check.
 */
export function migrationFunctions(py: PySource, kind: 'upgrade' | 'downgrade'): MigrationFunction[] {
  const fn = py.moduleFunction(kind);
  if (!fn) return [];
  const body = py.of(fn);
  if (body.includes(`${kind}_`) && dispatches(py, body, kind)) {
    const prefix = `${kind}_`;
    const perEngine: MigrationFunction[] = [];
    for (const [name, def] of py.moduleFunctions()) {
      if (name.startsWith(prefix)) perEngine.push({ fn: def, name, engine: name.slice(prefix.length) });
    }
    if (perEngine.length > 0) return perEngine;
  }
  return [{ fn, name: kind }];
}

/**
 * upgrade() and downgrade() paired as they undo each other: the one pair of a
 * plain script, or each database's pair in a multi-database one (an engine
 * with no downgrade_<engine> has nothing to pair).
 */
export function migrationPairs(py: PySource): { up: MigrationFunction; down: MigrationFunction }[] {
  const downs = migrationFunctions(py, 'downgrade');
  const out: { up: MigrationFunction; down: MigrationFunction }[] = [];
  for (const up of migrationFunctions(py, 'upgrade')) {
    const down = downs.find((d) => d.engine === up.engine);
    if (down) out.push({ up, down });
  }
  return out;
}

/** The statements of a block's Body node (comments left out). */
export function bodyStatements(body: PyNode | null): PyNode[] {
  const out: PyNode[] = [];
  if (!body) return out;
  for (let c = body.firstChild; c; c = c.nextSibling) if (c.name !== ':' && c.name !== 'Comment') out.push(c);
  return out;
}

/** True when a body only holds `pass`, `...` and docstrings: running it does nothing. */
export function doesNothing(py: PySource, fn: PyNode): boolean {
  return bodyStatements(fn.getChild('Body')).every((s) => {
    if (s.name === 'PassStatement') return true;
    if (s.name !== 'ExpressionStatement') return false;
    const e = s.firstChild;
    return (
      e !== null &&
      (e.name === 'String' || e.name === 'ContinuedString' || e.name === 'Ellipsis' || py.of(e) === '...')
    );
  });
}

/** The nearest enclosing node named `type`. */
export function enclosing(node: PyNode, type: string): PyNode | undefined {
  for (let p = node.parent; p; p = p.parent) if (p.name === type) return p;
  return undefined;
}

/**
 * Bindings `with op.batch_alter_table('t') as batch_op:` → batch_op → 't', within `scope`;
 * undefined when the table is not a literal (`batch_alter_table(name)` in a loop).
 */
export function batchAliases(py: PySource, scope: PyNode): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const w of py.all(scope, 'WithStatement')) {
    for (const { name, call } of batchWithNames(py, w)) {
      if (py.callee(call) !== 'op.batch_alter_table') continue;
      out.set(name, py.str(py.args(call).positional[0] ?? py.args(call).keywords.get('table_name')));
    }
  }
  return out;
}

/** The names a `with …batch_alter_table(…) as NAME:` statement binds, each with its call. */
export function batchWithNames(py: PySource, w: PyNode): { name: string; call: PyNode }[] {
  const out: { name: string; call: PyNode }[] = [];
  for (const call of w.getChildren('CallExpression')) {
    if (!/(^|\.)batch_alter_table$/.test(py.callee(call))) continue;
    const asName = call.nextSibling?.name === 'as' ? call.nextSibling.nextSibling : null;
    if (asName?.name === 'VariableName') out.push({ name: py.of(asName), call });
  }
  return out;
}
