import type { LintContext, LintFile } from './lint-context.js';
import { batchAliases, calledHelper, migrationFunctions } from './migration-ops.js';
import { lastName, type PyNode, type PySource } from './python-syntax.js';

/** A column's type as written, and the canonical SQL type it maps to. */
export interface ColumnType {
  readonly written: string;
  readonly canonical: string;
}

/** A foreign key met while replaying the migrations, with both ends' types as they were at that point. */
export interface ForeignKeySite {
  readonly file: LintFile;
  readonly line: number;
  readonly table: string;
  readonly column: string;
  readonly type?: ColumnType;
  readonly refTable: string;
  readonly refColumn: string;
  readonly refType?: ColumnType;
}

/** Raw SQL that creates, drops or alters a table (`forgetRawSql`). */
const HAS_TABLE_DDL = /\b(?:ALTER|CREATE|DROP)\s+TABLE\b/i;
const WORDS = [
  'create_table',
  'add_column',
  'alter_column',
  'drop_table',
  'drop_column',
  'rename_table',
  'ForeignKey',
  'create_foreign_key',
  'batch_alter_table',
  HAS_TABLE_DDL,
];

type Columns = Map<string, ColumnType | undefined>;
type PendingSite = Omit<ForeignKeySite, 'type' | 'refType'>;

/**
 * One step of the replay, as plain data (kept in the result cache, so a file seen before is not
 * parsed again). null stands for a name or type the file does not spell plainly.
 */
type TableOp =
  /** create_table: a new, empty table */
  | readonly ['T', string]
  /** a column added (create_table, add_column), with the foreign keys it declares: [table, column, line] */
  | readonly ['C', string, string, ColumnType | null, readonly (readonly [string, string, number])[]]
  /** add_column: the table exists from here on */
  | readonly ['E', string]
  /** what the replay cannot follow: every column of this name in this table becomes unknown (null: any) */
  | readonly ['F', string | null, string | null]
  /** alter_column of a known table: its new type (false: unchanged), its new name */
  | readonly ['A', string, string, ColumnType | null | false, string | null]
  | readonly ['D', string, string]
  | readonly ['X', string]
  | readonly ['N', string | null, string | null]
  /** a foreign key: table, column, referenced table and column, line */
  | readonly ['K', string, string, string, string, number]
  /** the types of the foreign keys met so far are read now */
  | readonly ['R'];

/** What a file's replay needs: the tables its raw SQL makes unknown, and each upgrade function's steps. */
interface TableFacts {
  /** raw SQL's tables (or all: `clear`), forgotten before each function's replay */
  readonly raw?: { readonly clear: boolean; readonly drop: readonly string[] };
  readonly fns: readonly { readonly engine: string; readonly ops: readonly TableOp[] }[];
}

/**
 * Replays create_table / add_column / alter_column / drop_* / rename_table
 * of every upgrade() (and the module's own helper functions it calls) in
 * upgrade order, and records each foreign key with the types of both columns
 * at that moment.
 *
 * The model only ever under-claims: a type we cannot read is unknown, and an
 * operation we cannot read exactly (a table or column name held in a variable,
 * raw SQL that alters a table) makes every column it might have changed
 * unknown. A finding needs both types known, so a healthy project is never
 * blocked by what the replay could not see.
 */
export function foreignKeySites(lint: LintContext): ForeignKeySite[] {
  // one model per database: a multi-database script's upgrade_<engine>() changes only that engine's tables
  const databases = new Map<string, Map<string, Columns>>();
  let tables = new Map<string, Columns>();
  const sites: ForeignKeySite[] = [];
  const pending: PendingSite[] = [];
  const typeOf = (t: string, c: string): ColumnType | undefined => tables.get(t)?.get(c);
  const forget = (table: string | null, column: string | null): void => {
    for (const [name, cols] of tables) {
      if (table !== null && name !== table) continue;
      for (const c of cols.keys()) if (column === null || c === column) cols.set(c, undefined);
    }
  };

  for (const { file, facts } of lint.factsOf('tables', replayedFiles(lint.files()), WORDS, tableFacts)) {
    for (const { engine, ops } of facts.fns) {
      tables = databases.get(engine) ?? new Map<string, Columns>();
      databases.set(engine, tables);
      if (facts.raw?.clear) tables.clear();
      else for (const t of facts.raw?.drop ?? []) tables.delete(t);
      for (const op of ops) apply(file, op);
    }
  }
  return sites;

  function apply(file: LintFile, op: TableOp): void {
    switch (op[0]) {
      case 'T':
        tables.set(op[1], new Map());
        break;
      case 'C': {
        const [, table, column, type, keys] = op;
        tables.get(table)?.set(column, type ?? undefined);
        for (const [refTable, refColumn, line] of keys)
          pending.push({ file, line, table, column, refTable, refColumn });
        break;
      }
      case 'E':
        if (!tables.has(op[1])) tables.set(op[1], new Map());
        break;
      case 'F':
        forget(op[1], op[2]);
        break;
      case 'A': {
        const [, table, column, type, to] = op;
        const cols = tables.get(table);
        if (!cols) break;
        if (type !== false) cols.set(column, type ?? undefined);
        if (to !== null) {
          cols.set(to, cols.get(column));
          cols.delete(column);
        }
        break;
      }
      case 'D':
        tables.get(op[1])?.delete(op[2]);
        break;
      case 'X':
        tables.delete(op[1]);
        break;
      case 'N': {
        const [, from, to] = op;
        if (from !== null) {
          const cols = tables.get(from);
          tables.delete(from);
          if (to !== null && cols) tables.set(to, cols);
        } else if (to !== null) tables.set(to, new Map());
        else forget(null, null);
        break;
      }
      case 'K':
        pending.push({ file, line: op[5], table: op[1], column: op[2], refTable: op[3], refColumn: op[4] });
        break;
      case 'R':
        for (const p of pending.splice(0))
          sites.push({ ...p, type: typeOf(p.table, p.column), refType: typeOf(p.refTable, p.refColumn) });
        break;
    }
  }
}

/** A file's replay steps, read from its parse tree. */
function tableFacts(_file: LintFile, py: PySource): TableFacts {
  const fns = migrationFunctions(py, 'upgrade').map(({ fn, engine }) => {
    const ops: TableOp[] = [];
    extract(py, fn, new Set(), ops);
    return { engine: engine ?? '', ops };
  });
  const raw = rawSqlTables(py);
  return raw ? { raw, fns } : { fns };
}

function extract(py: PySource, fn: PyNode, seen: Set<PyNode>, ops: TableOp[]): void {
  seen.add(fn);
  const aliases = batchAliases(py, fn);
  const line = (n: PyNode): number => py.lineOf(n.from);
  for (const call of py.calls(fn)) {
    const callee = py.callee(call);
    const helper = calledHelper(py, callee, seen);
    if (helper) {
      extract(py, helper, seen, ops);
      continue;
    }
    const dot = callee.indexOf('.');
    const owner = callee.slice(0, dot);
    const op = callee.slice(dot + 1);
    const batch = owner !== 'op' && aliases.has(owner);
    if (owner !== 'op' && !batch) continue;
    const { positional: pos, keywords: kw } = py.args(call);
    const arg = (i: number, name: string): PyNode | undefined => pos[i] ?? kw.get(name);
    // batch operations take the table from the with-statement, so their arguments shift by one
    const shift = batch ? -1 : 0;
    const tableArg = batch ? aliases.get(owner) : py.str(arg(0, 'table_name'));
    if (op === 'create_table' && !batch) {
      if (tableArg === undefined) continue;
      ops.push(['T', tableArg]);
      for (const c of pos.slice(1)) {
        if (c.name !== 'CallExpression') continue;
        const kind = lastName(py.callee(c));
        if (kind === 'Column') addColumn(py, c, tableArg, ops);
        else if (kind === 'ForeignKeyConstraint') fkConstraint(py, c, tableArg, ops);
      }
      ops.push(['R']);
    } else if (op === 'add_column') {
      const col = arg(1 + shift, 'column');
      if (tableArg === undefined) {
        // a column of this name, in a table we cannot name, may have been dropped and re-added with another type
        ops.push([
          'F',
          null,
          (col?.name === 'CallExpression' ? columnName(py, py.args(col)) : undefined) ?? null,
        ]);
        continue;
      }
      ops.push(['E', tableArg]);
      if (col?.name !== 'CallExpression' || lastName(py.callee(col)) !== 'Column') {
        ops.push(['F', tableArg, null]);
        continue;
      }
      addColumn(py, col, tableArg, ops);
      ops.push(['R']);
    } else if (op === 'alter_column') {
      const column = py.str(arg(1 + shift, 'column_name'));
      const type = kw.get('type_');
      const renamed = kw.get('new_column_name');
      if (!type && !renamed) continue;
      const to = renamed ? py.str(renamed) : undefined;
      if (tableArg === undefined || column === undefined || (renamed && to === undefined)) {
        ops.push(['F', tableArg ?? null, column ?? null]);
        // a new name we cannot read may be any column
        if (renamed) ops.push(['F', tableArg ?? null, to ?? null]);
        continue;
      }
      ops.push(['A', tableArg, column, type ? (readType(py, type) ?? null) : false, to ?? null]);
    } else if (op === 'drop_column') {
      const column = py.str(arg(1 + shift, 'column_name'));
      if (tableArg !== undefined && column !== undefined) ops.push(['D', tableArg, column]);
    } else if (op === 'drop_table' && !batch) {
      if (tableArg !== undefined) ops.push(['X', tableArg]);
    } else if (op === 'rename_table' && !batch) {
      ops.push(['N', tableArg ?? null, py.str(arg(1, 'new_table_name')) ?? null]);
    } else if (op === 'create_foreign_key') {
      // op: (name, source, referent, local_cols, remote_cols); batch: (name, referent, local_cols, remote_cols)
      const source = batch ? aliases.get(owner) : py.str(arg(1, 'source_table'));
      const referent = py.str(arg(2 + shift, 'referent_table'));
      const locals = strList(py, arg(3 + shift, 'local_cols'));
      const remotes = strList(py, arg(4 + shift, 'remote_cols'));
      if (source === undefined || referent === undefined || !locals || !remotes) continue;
      locals.forEach((l, i) => {
        const r = remotes[i];
        if (r !== undefined) ops.push(['K', source, l, referent, r, line(call)]);
      });
      ops.push(['R']);
    }
  }
}

const HAS_FK = /ForeignKey|create_foreign_key/;
const TABLE_OPS =
  'create_table|add_column|alter_column|drop_column|drop_table|rename_table|batch_alter_table|create_foreign_key';
/** An operation whose table is not a plain literal: the replay cannot name it, so it may touch any table. */
const UNNAMED_TABLE = new RegExp(`\\bop\\.(?:${TABLE_OPS})\\(\\s*(?=\\S)(?!['"][\\w.]+['"]\\s*[,)])`);
/** Table names in the positions the replay reads them from. */
const NAMED_TABLE = [
  new RegExp(`\\b(?:${TABLE_OPS})\\(\\s*['"](?:\\w+\\.)?(\\w+)['"]`, 'g'),
  /\b(?:table_name|source_table|referent_table|old_table_name|new_table_name)\s*=\s*['"](?:\w+\.)?(\w+)['"]/g,
  // create_foreign_key(name, source, referent, …) and a batch's (name, referent, …)
  /\bcreate_foreign_key\((?:[^,()]|\([^()]*\))*,\s*['"](?:\w+\.)?(\w+)['"](?:\s*,\s*['"](?:\w+\.)?(\w+)['"])?/g,
  // ForeignKey("t.c"), ForeignKeyConstraint refcolumns ["s.t.c"]
  /['"](?:\w+\.)?(\w+)\.\w+['"]/g,
];
const RENAME = /\brename_table\(\s*['"](?:\w+\.)?(\w+)['"]\s*,\s*['"](?:\w+\.)?(\w+)['"]/g;

/**
 * The files whose replay can change a foreign key's types: up to the last file
 * that declares a key (later ones cannot change a site already recorded),
 * those that declare one, those that name a table a key involves (through
 * renames too), and those that touch a table the replay cannot name (a
 * variable, raw DDL). The rest only touch other tables, so the parse they
 * would need is skipped: the sites are exactly those of a full replay.
 */
function replayedFiles(all: readonly LintFile[]): LintFile[] {
  let last = -1;
  for (let i = all.length - 1; i >= 0; i--) {
    if (HAS_FK.test(all[i]!.text)) {
      last = i;
      break;
    }
  }
  if (last < 0) return [];
  const upTo = all.slice(0, last + 1);
  const names = new Set<string>();
  for (const f of upTo) {
    if (!HAS_FK.test(f.text)) continue;
    for (const re of NAMED_TABLE)
      for (const m of f.text.matchAll(re)) for (const g of m.slice(1)) if (g) names.add(g);
  }
  // a renamed table carries its columns: both names matter (a rename we cannot read: replay everything)
  const pairs: (readonly [string, string])[] = [];
  for (const f of upTo) {
    if (!f.text.includes('rename_table')) continue;
    const read = [...f.text.matchAll(RENAME)];
    if (read.length < (f.text.match(/\brename_table\s*\(/g) ?? []).length) return upTo;
    for (const m of read) pairs.push([m[1]!, m[2]!]);
  }
  for (let grew = true; grew;) {
    grew = false;
    for (const [a, b] of pairs) {
      if (names.has(a) !== names.has(b)) {
        names.add(a);
        names.add(b);
        grew = true;
      }
    }
  }
  const mentions =
    names.size === 0 ? undefined : new RegExp(`['"](?:\\w+\\.)?(?:${[...names].join('|')})['"]`);
  return upTo.filter(
    (f) =>
      HAS_FK.test(f.text) ||
      UNNAMED_TABLE.test(f.text) ||
      HAS_TABLE_DDL.test(f.text) ||
      (mentions?.test(f.text) ?? false),
  );
}

const TABLE_DDL =
  /\b(?:ALTER|CREATE|DROP)\s+TABLE\s+(?:ONLY\s+)?(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(?:["`]?\w+["`]?\.)?["`]?(\w+)["`]?/gi;
const TABLE_DDL_WORDS = new RegExp(HAS_TABLE_DDL.source, 'gi');

/**
 * Tables that raw SQL in the file creates, drops or alters are no longer
 * known to the model. When a string literal holds such SQL we cannot
 * attribute to a table (built at run time: %-formatting, f-strings with
 * fields), nothing is (`clear`). The whole file is read, downgrade() too:
 * that can only forget more. Undefined when the file has no such SQL.
 */
function rawSqlTables(py: PySource): TableFacts['raw'] {
  if (!HAS_TABLE_DDL.test(py.text)) return undefined;
  const drop: string[] = [];
  let clear = false;
  py.top.cursor().iterate((n) => {
    if (n.name !== 'String' && n.name !== 'FormatString' && n.name !== 'ContinuedString') return undefined;
    const raw = py.of(n.node).match(TABLE_DDL_WORDS)?.length ?? 0;
    if (raw === 0) return false;
    const value = py.str(n.node);
    let attributed = 0;
    for (const m of (value ?? '').matchAll(TABLE_DDL)) {
      attributed++;
      drop.push(m[1]!);
    }
    if (attributed < raw) clear = true;
    return false;
  });
  return { clear, drop };
}

/** The name of a `Column(…)` from its arguments (first positional or `name=`). */
function columnName(
  py: PySource,
  { positional, keywords }: ReturnType<PySource['args']>,
): string | undefined {
  return py.str(positional[0] ?? keywords.get('name'));
}

function addColumn(py: PySource, col: PyNode, table: string, ops: TableOp[]): void {
  const args = py.args(col);
  const { positional, keywords } = args;
  const name = columnName(py, args);
  if (name === undefined) {
    // a column we cannot name may replace any column of the table
    ops.push(['F', table, null]);
    return;
  }
  let type: ColumnType | undefined;
  const typeNode = keywords.get('type_') ?? positional.slice(1).find((p) => !isConstraintCall(py, p));
  if (typeNode) type = readType(py, typeNode);
  const keys: [string, string, number][] = [];
  for (const p of positional.slice(1)) {
    if (p.name !== 'CallExpression' || lastName(py.callee(p)) !== 'ForeignKey') continue;
    const target = py.str(py.args(p).positional[0] ?? py.args(p).keywords.get('column'));
    const dot = target?.lastIndexOf('.') ?? -1;
    if (target === undefined || dot <= 0) continue;
    // a column without a type takes it from the referenced column in SQLAlchemy: nothing to compare
    if (type === undefined) continue;
    keys.push([target.slice(0, dot).split('.').pop()!, target.slice(dot + 1), py.lineOf(p.from)]);
  }
  ops.push(['C', table, name, type ?? null, keys]);
}

function fkConstraint(py: PySource, c: PyNode, table: string, ops: TableOp[]): void {
  const { positional, keywords } = py.args(c);
  const locals = strList(py, positional[0] ?? keywords.get('columns'));
  const refs = strList(py, positional[1] ?? keywords.get('refcolumns'));
  if (!locals || !refs) return;
  locals.forEach((l, i) => {
    const r = refs[i];
    const dot = r?.lastIndexOf('.') ?? -1;
    if (r === undefined || dot <= 0) return;
    ops.push(['K', table, l, r.slice(0, dot).split('.').pop()!, r.slice(dot + 1), py.lineOf(c.from)]);
  });
}

function isConstraintCall(py: PySource, n: PyNode): boolean {
  if (n.name !== 'CallExpression') return false;
  const k = lastName(py.callee(n));
  return (
    k === 'ForeignKey' || k === 'Sequence' || k === 'Identity' || k === 'Computed' || k === 'CheckConstraint'
  );
}

function strList(py: PySource, n: PyNode | undefined): string[] | undefined {
  if (!n) return undefined;
  if (n.name !== 'ArrayExpression' && n.name !== 'TupleExpression' && n.name !== 'ParenthesizedExpression') {
    const one = py.str(n);
    return one === undefined ? undefined : [one];
  }
  const out: string[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) {
    if (c.name === '[' || c.name === ']' || c.name === '(' || c.name === ')' || c.name === ',') continue;
    const s = py.str(c);
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}

const CANONICAL: Record<string, string> = {
  integer: 'INTEGER',
  int: 'INTEGER',
  int4: 'INTEGER',
  biginteger: 'BIGINT',
  bigint: 'BIGINT',
  int8: 'BIGINT',
  smallinteger: 'SMALLINT',
  smallint: 'SMALLINT',
  int2: 'SMALLINT',
  string: 'VARCHAR',
  varchar: 'VARCHAR',
  unicode: 'VARCHAR',
  nvarchar: 'VARCHAR',
  char: 'CHAR',
  nchar: 'CHAR',
  text: 'TEXT',
  unicodetext: 'TEXT',
  citext: 'CITEXT',
  uuid: 'UUID',
  numeric: 'NUMERIC',
  decimal: 'NUMERIC',
  float: 'FLOAT',
  real: 'REAL',
  double: 'DOUBLE PRECISION',
  double_precision: 'DOUBLE PRECISION',
  boolean: 'BOOLEAN',
  date: 'DATE',
  datetime: 'TIMESTAMP',
  timestamp: 'TIMESTAMP',
  time: 'TIME',
  interval: 'INTERVAL',
  json: 'JSON',
  jsonb: 'JSONB',
  largebinary: 'BYTEA',
  bytea: 'BYTEA',
};

/** Type families PostgreSQL can compare in a foreign key (its cross-type btree operators). */
export const FAMILY: Record<string, string> = {
  SMALLINT: 'integer',
  INTEGER: 'integer',
  BIGINT: 'integer',
  VARCHAR: 'text',
  CHAR: 'text',
  TEXT: 'text',
};

function readType(py: PySource, n: PyNode): ColumnType | undefined {
  const head = n.name === 'CallExpression' ? n.firstChild : n;
  if (!head || (head.name !== 'VariableName' && head.name !== 'MemberExpression')) return undefined;
  const text = py.of(head).replace(/\s+/g, '');
  // a type imported from anywhere but SQLAlchemy (a project's `types.Uuid` TypeDecorator over
  // String(36), sqlalchemy_utils, geoalchemy) is not the SQL type its name suggests
  const q = py.qualified(text);
  if (q !== undefined && !/^sqlalchemy(?:\.|$)/.test(q)) return undefined;
  const name = lastName(q ?? text).toLowerCase();
  const canonical = Object.hasOwn(CANONICAL, name) ? CANONICAL[name] : undefined;
  if (canonical === undefined) return undefined;
  let written = py.of(n).replace(/\s+/g, ' ');
  if (written.length > 40) written = written.slice(0, 37) + '…';
  return { written, canonical };
}
