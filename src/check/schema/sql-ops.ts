import { splitStatements } from '../lint/migration-ops.js';
import type { ObjectKind, ObjectRef, SchemaOp } from './schema-object.js';

interface Word {
  /** upper-cased for keywords; the name as the server folds it (lower case) unless quoted */
  readonly up: string;
  readonly name: string;
  readonly quoted: boolean;
  /** a plain string literal's value ('' read as '), for the labels of ALTER TYPE … ADD VALUE */
  readonly text?: string;
}

/** SQL words, quoted identifiers and punctuation; strings and dollar-quoted bodies become one `'` word. */
function sqlWords(sql: string): Word[] {
  const out: Word[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/u.test(c)) i++;
    else if (c === '"' || c === '`') {
      let j = i + 1;
      let name = '';
      while (j < sql.length) {
        if (sql[j] === c && sql[j + 1] === c) {
          name += c;
          j += 2;
        } else if (sql[j] === c) break;
        else name += sql[j++];
      }
      out.push({ up: name.toUpperCase(), name, quoted: true });
      i = j + 1;
    } else if (c === "'") {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === "'" && sql[j + 1] !== "'")) j += sql[j] === "'" ? 2 : 1;
      out.push({ up: "'", name: "'", quoted: false, text: sql.slice(i + 1, j).replaceAll("''", "'") });
      i = j + 1;
    } else if (c === '$') {
      const tag = /^\$\w*\$/u.exec(sql.slice(i))?.[0];
      const end = tag ? sql.indexOf(tag, i + tag.length) : -1;
      out.push({ up: "'", name: "'", quoted: false });
      i = tag && end >= 0 ? end + tag.length : i + 1;
    } else if (/[\w]/u.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[\w$]/u.test(sql[j]!)) j++;
      const w = sql.slice(i, j);
      out.push({ up: w.toUpperCase(), name: w.toLowerCase(), quoted: false });
      i = j;
    } else {
      out.push({ up: c, name: c, quoted: false });
      i++;
    }
  }
  return out;
}

/** Statements that change nothing the probes compare. */
const QUIET =
  /^(?:SELECT|INSERT|UPDATE|DELETE|WITH|MERGE|TRUNCATE|SHOW|EXPLAIN|SET|RESET|LOCK|ANALYZE|VACUUM|REINDEX|CLUSTER|REFRESH|GRANT|REVOKE|COMMENT|NOTIFY|LISTEN|SECURITY|PRAGMA|BEGIN|COMMIT|END|SAVEPOINT|RELEASE)$/u;
/** Objects the probes do not compare, which CREATE/DROP/ALTER may touch freely (a DROP … CASCADE aside). */
const UNMODELED =
  /^(?:FUNCTION|PROCEDURE|TRIGGER|SEQUENCE|EXTENSION|POLICY|RULE|ROLE|USER|GROUP|AGGREGATE|OPERATOR|COLLATION|PUBLICATION|SUBSCRIPTION|STATISTICS|CAST|CONVERSION|LANGUAGE|TEXT|EVENT|SERVER|FOREIGN|TRANSFORM|ACCESS|DEFAULT)$/u;

/**
 * The steps of literal SQL: CREATE/DROP/ALTER TABLE, CREATE/DROP INDEX, CREATE/DROP TYPE and
 * DOMAIN, views. Statements that touch nothing compared are no step; any other statement (a DO
 * block, a name with a schema) makes what it may touch unknown.
 */
export function sqlOps(sql: string, line: number): SchemaOp[] {
  const out: SchemaOp[] = [];
  for (const statement of splitStatements(sql)) {
    const w = sqlWords(statement);
    if (w.length === 0) continue;
    statementOps(w, line, out);
  }
  return out;
}

class Cursor {
  i = 0;
  constructor(readonly w: readonly Word[]) {}
  is(...ups: string[]): boolean {
    return ups.every((u, k) => this.w[this.i + k]?.up === u && !this.w[this.i + k]!.quoted);
  }
  eat(...ups: string[]): boolean {
    if (!this.is(...ups)) return false;
    this.i += ups.length;
    return true;
  }
  /** A name, or undefined when it is schema-qualified or not a name. */
  name(): string | undefined {
    const n = this.w[this.i];
    if (!n || (!n.quoted && !/^[\w$]+$/u.test(n.name))) return undefined;
    this.i++;
    if (this.w[this.i]?.up === '.') return undefined;
    return n.name;
  }
}

/** A statement on rows needs its table: UPDATE t, INSERT INTO t, DELETE FROM t, TRUNCATE [TABLE] t. */
function rowsStatement(w: readonly Word[], line: number, out: SchemaOp[]): boolean {
  const first = w[0]!.up;
  const at =
    first === 'UPDATE' || first === 'TRUNCATE'
      ? 1
      : (first === 'INSERT' && w[1]?.up === 'INTO') || (first === 'DELETE' && w[1]?.up === 'FROM')
        ? 2
        : undefined;
  if (at === undefined) return false;
  const c = new Cursor(w);
  c.i = at;
  if (first === 'TRUNCATE') c.eat('TABLE');
  c.eat('ONLY');
  const table = c.name();
  if (table === undefined) return true;
  out.push({ op: 'need', obj: { kind: 'table', name: table }, line });
  // an UPDATE needs each column it sets: one an later step adds fails here
  if (first === 'UPDATE')
    for (const { name, value } of setColumns(c))
      out.push({
        op: 'need',
        obj: { kind: 'column', table, name },
        line,
        ...(value !== undefined ? { values: [value] } : {}),
      });
  return true;
}

/**
 * The columns `UPDATE t [[AS] alias] SET a = …, b = …` sets, read up to its WHERE, FROM or RETURNING;
 * none where the form is another (`SET (a, b) = …`, a qualified name): nothing is guessed.
 */
function setColumns(c: Cursor): { name: string; value?: string }[] {
  if (!c.is('SET')) {
    c.eat('AS');
    c.i++;
  }
  if (!c.eat('SET')) return [];
  const names: { name: string; value?: string }[] = [];
  for (;;) {
    const name = c.name();
    if (name === undefined || !c.eat('=')) return [];
    // a plain string literal, alone or cast (`'x'`, `'x'::t`): the value the column gets
    const value = c.w[c.i]?.text;
    const next = c.w[c.i + 1];
    const alone = !next || [',', ':', 'WHERE', 'FROM', 'RETURNING'].includes(next.up);
    names.push(value !== undefined && alone ? { name, value } : { name });
    let depth = 0;
    for (; c.i < c.w.length; c.i++) {
      const w = c.w[c.i]!;
      if (w.quoted) continue;
      if (w.up === '(') depth++;
      else if (w.up === ')') depth--;
      else if (depth === 0 && (w.up === ',' || /^(?:WHERE|FROM|RETURNING)$/u.test(w.up))) break;
    }
    if (!c.eat(',')) return names;
  }
}

/**
 * What a dropped column takes along: the server drops the constraints that involve it (a primary key on
 * it, so that `t_pkey` can be made again). The steps do not say which columns a constraint has, so the
 * table's constraints become unknown; its indexes stay known (their names usually name the column).
 */
export function droppedWith(table: string, line: number): SchemaOp[] {
  const why = 'dropped with a column of the table';
  return [{ op: 'forget', kind: 'constraint', table, name: null, line, why }];
}

/** CREATE EXTENSION [IF NOT EXISTS] name …: strict without IF NOT EXISTS. */
function createExtension(c: Cursor, line: number, out: SchemaOp[]): void {
  const strict = !c.eat('IF', 'NOT', 'EXISTS');
  const name = c.name();
  if (name !== undefined) out.push({ op: 'create', obj: { kind: 'extension', name }, strict, line });
}

/**
 * DROP EXTENSION [IF EXISTS] a, b [CASCADE]: each is a drop; the types an extension made go with it
 * (unknown from here), and with CASCADE whatever depends on them.
 */
function dropExtension(c: Cursor, cascade: boolean, line: number, out: SchemaOp[]): void {
  const strict = !c.eat('IF', 'EXISTS');
  for (;;) {
    const name = c.name();
    if (name !== undefined) out.push({ op: 'drop', obj: { kind: 'extension', name }, strict, line });
    if (!c.eat(',')) break;
  }
  const why = cascade ? 'DROP EXTENSION … CASCADE' : "DROP EXTENSION (the extension's types)";
  out.push({ op: 'forget', kind: cascade ? null : 'type', table: null, name: null, line, why });
}

function statementOps(w: readonly Word[], line: number, out: SchemaOp[]): void {
  const c = new Cursor(w);
  const everything = (why: string): void =>
    void out.push({ op: 'forget', kind: null, table: null, name: null, line, why });
  const forget = (kind: ObjectKind | null, table: string | null, name: string | null, why: string): void =>
    void out.push({ op: 'forget', kind, table, name, line, why });
  const first = w[0]!.up;
  if (rowsStatement(w, line, out) || QUIET.test(first)) return;
  if (first === 'CREATE') {
    c.i = 1;
    c.eat('OR', 'REPLACE');
    const replace = w[2]?.up === 'REPLACE';
    if (!c.eat('GLOBAL')) c.eat('LOCAL');
    if (c.is('TEMP') || c.is('TEMPORARY')) return;
    c.eat('UNLOGGED');
    if (c.eat('TABLE')) {
      const strict = !c.eat('IF', 'NOT', 'EXISTS');
      const name = c.name();
      if (name === undefined) return everything('CREATE TABLE of a name with a schema');
      out.push({ op: 'create', obj: { kind: 'table', name }, strict, line });
      if (!c.eat('(')) return forget('column', name, null, 'CREATE TABLE … AS');
      for (const col of columnDefinitions(c))
        out.push({ op: 'create', obj: { kind: 'column', table: name, name: col }, strict: false, line });
      return;
    }
    if (c.eat('VIEW') || c.eat('MATERIALIZED', 'VIEW') || c.eat('RECURSIVE', 'VIEW')) {
      c.eat('IF', 'NOT', 'EXISTS');
      const name = c.name();
      if (name === undefined) return everything('CREATE VIEW of a name with a schema');
      out.push({ op: 'create', obj: { kind: 'table', name }, strict: !replace, line });
      return forget('column', name, null, "a view's columns");
    }
    c.eat('UNIQUE');
    if (c.eat('INDEX')) {
      c.eat('CONCURRENTLY');
      const strict = !c.eat('IF', 'NOT', 'EXISTS');
      if (c.is('ON')) return;
      const name = c.name();
      if (name === undefined) return forget('index', null, null, 'CREATE INDEX of a name with a schema');
      c.eat('ON');
      c.eat('ONLY');
      const table = c.name();
      out.push({ op: 'create', obj: { kind: 'index', name, ...(table ? { table } : {}) }, strict, line });
      return;
    }
    if (c.eat('TYPE') || c.eat('DOMAIN')) {
      const name = c.name();
      if (name === undefined) return forget('type', null, null, 'CREATE TYPE of a name with a schema');
      return void out.push({ op: 'create', obj: { kind: 'type', name }, strict: true, line });
    }
    if (c.eat('EXTENSION')) return createExtension(c, line, out);
    if (c.eat('SCHEMA') || UNMODELED.test(c.w[c.i]?.up ?? '')) return;
    return everything(`CREATE ${w[c.i]?.up ?? ''}, which the probes do not model`);
  }
  if (first === 'DROP') {
    c.i = 1;
    const cascade = w.some((x) => x.up === 'CASCADE' && !x.quoted);
    c.eat('MATERIALIZED');
    const kind: ObjectKind | undefined =
      c.eat('TABLE') || c.eat('VIEW')
        ? 'table'
        : c.eat('INDEX')
          ? 'index'
          : c.eat('TYPE') || c.eat('DOMAIN')
            ? 'type'
            : undefined;
    if (kind === undefined && c.eat('EXTENSION')) return dropExtension(c, cascade, line, out);
    if (kind === undefined) {
      if (
        UNMODELED.test(w[1]?.up ?? '') &&
        !(cascade && /^(?:EXTENSION|FUNCTION|SEQUENCE|OPERATOR|CAST)$/u.test(w[1]!.up))
      )
        return;
      return everything(`DROP ${w[1]?.up ?? ''}`);
    }
    if (kind === 'index') c.eat('CONCURRENTLY');
    const strict = !c.eat('IF', 'EXISTS');
    for (;;) {
      const name = c.name();
      if (name === undefined) return forget(kind, null, null, `DROP of a name with a schema`);
      out.push({ op: 'drop', obj: { kind, name }, strict, line });
      if (!c.eat(',')) break;
    }
    // a type dropped with CASCADE takes the columns of that type along
    if (cascade && kind === 'type') forget('column', null, null, 'DROP TYPE … CASCADE');
    return;
  }
  if (first === 'ALTER') {
    c.i = 1;
    if (c.eat('TABLE')) return alterTable(c, line, out);
    if (c.eat('INDEX')) {
      c.eat('IF', 'EXISTS');
      const name = c.name();
      if (name !== undefined && c.eat('RENAME', 'TO')) {
        const to = c.name();
        if (to !== undefined) return void out.push({ op: 'rename', obj: { kind: 'index', name }, to, line });
      }
      if (name !== undefined && !c.is('RENAME')) return;
      return forget('index', null, null, 'ALTER INDEX');
    }
    if (c.eat('TYPE') || c.eat('DOMAIN')) {
      const name = c.name();
      if (name !== undefined && c.eat('RENAME', 'TO')) {
        const to = c.name();
        if (to !== undefined) return void out.push({ op: 'rename', obj: { kind: 'type', name }, to, line });
      }
      if (name !== undefined && (c.is('ADD', 'VALUE') || c.is('RENAME', 'VALUE')))
        return enumLabel(c, name, line, out);
      if (name !== undefined && !c.is('RENAME')) return;
      return forget('type', null, null, 'ALTER TYPE');
    }
    if (c.eat('VIEW') || c.eat('MATERIALIZED', 'VIEW')) return forget('table', null, null, 'ALTER VIEW');
    if (UNMODELED.test(w[1]?.up ?? '') || w[1]?.up === 'SCHEMA' || w[1]?.up === 'DATABASE') return;
    return everything(`ALTER ${w[1]?.up ?? ''}`);
  }
  everything(`${first}, which the probes do not model`);
}

/**
 * `ALTER TYPE t ADD VALUE [IF NOT EXISTS] 'x'` (strict without IF NOT EXISTS: "enum label … already
 * exists") and `ALTER TYPE t RENAME VALUE 'a' TO 'b'`; a label not written as a plain literal is unknown.
 */
function enumLabel(c: Cursor, type: string, line: number, out: SchemaOp[]): void {
  if (c.eat('ADD', 'VALUE')) {
    const strict = !c.eat('IF', 'NOT', 'EXISTS');
    const label = c.w[c.i]?.text;
    if (label !== undefined)
      return void out.push({
        op: 'create',
        obj: { kind: 'label', table: type, name: label },
        strict,
        line,
        sql: true,
      });
  } else if (c.eat('RENAME', 'VALUE')) {
    const from = c.w[c.i]?.text;
    c.i++;
    const to = c.eat('TO') ? c.w[c.i]?.text : undefined;
    if (from !== undefined && to !== undefined)
      return void out.push({ op: 'rename', obj: { kind: 'label', table: type, name: from }, to, line });
  }
  out.push({ op: 'forget', kind: 'label', table: type, name: null, line, why: 'ALTER TYPE … VALUE' });
}

/** The column names of a CREATE TABLE's parenthesised list (after its `(`), table constraints skipped. */
function columnDefinitions(c: Cursor): string[] {
  const cols: string[] = [];
  let depth = 0;
  let atStart = true;
  for (; c.i < c.w.length; c.i++) {
    const x = c.w[c.i]!;
    if (x.up === '(' && !x.quoted) depth++;
    else if (x.up === ')' && !x.quoted) {
      if (depth === 0) break;
      depth--;
    } else if (x.up === ',' && !x.quoted && depth === 0) atStart = true;
    else if (atStart) {
      atStart = false;
      if (x.quoted || !/^(?:CONSTRAINT|PRIMARY|UNIQUE|FOREIGN|CHECK|EXCLUDE|LIKE)$/u.test(x.up))
        cols.push(x.name);
    }
  }
  return cols;
}

function alterTable(c: Cursor, line: number, out: SchemaOp[]): void {
  const ifExists = c.eat('IF', 'EXISTS');
  c.eat('ONLY');
  const table = c.name();
  const forgetTable = (why: string): void =>
    void out.push({ op: 'forget', kind: null, table: table ?? null, name: null, line, why });
  if (table === undefined)
    return void out.push({
      op: 'forget',
      kind: null,
      table: null,
      name: null,
      line,
      why: 'ALTER TABLE of a name with a schema',
    });
  // whether it runs at all depends on the table
  if (ifExists) return forgetTable('ALTER TABLE IF EXISTS');
  c.eat('*');
  if (c.eat('RENAME', 'TO')) {
    const to = c.name();
    return to === undefined
      ? forgetTable('RENAME TO a name with a schema')
      : void out.push({ op: 'rename', obj: { kind: 'table', name: table }, to, line });
  }
  out.push({ op: 'need', obj: { kind: 'table', name: table }, line });
  for (;;) {
    const step = alterAction(c, table, line);
    if (step === undefined) return forgetTable('an ALTER TABLE action the probes do not model');
    out.push(...step);
    // the action's own words up to the next top-level comma
    let depth = 0;
    while (c.i < c.w.length && !(depth === 0 && c.w[c.i]!.up === ',' && !c.w[c.i]!.quoted)) {
      if (c.w[c.i]!.up === '(') depth++;
      else if (c.w[c.i]!.up === ')') depth--;
      c.i++;
    }
    if (!c.eat(',')) return;
  }
}

/** One ALTER TABLE action's steps; undefined when it is one the probes do not model. */
function alterAction(c: Cursor, table: string, line: number): SchemaOp[] | undefined {
  const col = (name: string): ObjectRef => ({ kind: 'column', table, name });
  if (c.eat('ADD', 'CONSTRAINT')) {
    const name = c.name();
    return name === undefined
      ? undefined
      : [{ op: 'create', obj: { kind: 'constraint', table, name }, strict: true, line }];
  }
  if (
    c.is('ADD', 'PRIMARY') ||
    c.is('ADD', 'UNIQUE') ||
    c.is('ADD', 'FOREIGN') ||
    c.is('ADD', 'CHECK') ||
    c.is('ADD', 'EXCLUDE')
  )
    return [
      { op: 'forget', kind: 'constraint', table, name: null, line, why: 'a constraint named by the server' },
    ];
  if (c.eat('ADD')) {
    c.eat('COLUMN');
    const strict = !c.eat('IF', 'NOT', 'EXISTS');
    const name = c.name();
    return name === undefined ? undefined : [{ op: 'create', obj: col(name), strict, line }];
  }
  if (c.eat('DROP', 'CONSTRAINT')) {
    const strict = !c.eat('IF', 'EXISTS');
    const name = c.name();
    return name === undefined
      ? undefined
      : [{ op: 'drop', obj: { kind: 'constraint', table, name }, strict, line }];
  }
  if (c.eat('DROP')) {
    c.eat('COLUMN');
    const strict = !c.eat('IF', 'EXISTS');
    const name = c.name();
    return name === undefined
      ? undefined
      : [{ op: 'drop', obj: col(name), strict, line }, ...droppedWith(table, line)];
  }
  if (c.eat('RENAME', 'CONSTRAINT')) {
    const name = c.name();
    if (name === undefined || !c.eat('TO')) return undefined;
    const to = c.name();
    return to === undefined
      ? undefined
      : [{ op: 'rename', obj: { kind: 'constraint', table, name }, to, line }];
  }
  if (c.eat('RENAME')) {
    c.eat('COLUMN');
    const name = c.name();
    if (name === undefined || !c.eat('TO')) return undefined;
    const to = c.name();
    return to === undefined
      ? undefined
      : [
          { op: 'need', obj: col(name), line },
          { op: 'rename', obj: col(name), to, line },
        ];
  }
  if (c.eat('ALTER')) {
    c.eat('COLUMN');
    const name = c.name();
    return name === undefined ? undefined : [{ op: 'need', obj: col(name), line }];
  }
  if (
    /^(?:SET|RESET|OWNER|ENABLE|DISABLE|VALIDATE|CLUSTER|REPLICA|INHERIT|NO|FORCE|OF|NOT)$/u.test(
      c.w[c.i]?.up ?? '',
    )
  )
    return [];
  return undefined;
}
