/**
 * What a statement of literal SQL does to a table's rows, for the data probes: an UPDATE's assignments
 * and condition, a DELETE's condition, an INSERT. Read at the top level only (quotes, comments and
 * brackets skipped); anything else, or a form with more in it (FROM, USING, RETURNING, a join, a
 * schema-qualified table), is `other`, and the probe it touches is not checked rather than guessed.
 */
export type RowStatement =
  | {
      readonly kind: 'update';
      readonly table: string;
      readonly sets: readonly { readonly column: string; readonly value: string }[];
      readonly where?: string;
    }
  | { readonly kind: 'delete'; readonly table: string; readonly where?: string }
  | { readonly kind: 'insert'; readonly table: string }
  | { readonly kind: 'other' };

/** A top-level piece of a statement: a word (upper-cased), or any other run of text (a quoted name, a bracket, an operator). */
interface Piece {
  readonly start: number;
  readonly end: number;
  readonly word?: string;
}

/** The statements of a SQL text, split at its top-level semicolons. */
export function statementsOf(sql: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (const p of pieces(sql))
    if (sql.slice(p.start, p.end) === ';') {
      out.push(sql.slice(from, p.start));
      from = p.end;
    }
  out.push(sql.slice(from));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** How one statement changes rows. */
export function rowStatement(stmt: string): RowStatement {
  const ps = pieces(stmt);
  const words = ps.map((p) => p.word);
  const text = (a: number, b: number): string =>
    a >= b ? '' : stmt.slice(ps[a]!.start, ps[b - 1]!.end).trim();
  const name = (i: number): string | undefined => tableName(stmt, ps, i);
  const banned = ['FROM', 'USING', 'RETURNING', 'JOIN', 'ORDER', 'LIMIT', 'WITH', 'ONLY'];
  if (words[0] === 'UPDATE') {
    const table = name(1);
    if (table === undefined || words[2] !== 'SET') return OTHER;
    if (words.slice(3).some((w) => w !== undefined && banned.includes(w))) return OTHER;
    const where = words.indexOf('WHERE', 3);
    const end = where < 0 ? ps.length : where;
    const sets = assignments(stmt, ps, 3, end);
    if (!sets) return OTHER;
    return { kind: 'update', table, sets, ...(where < 0 ? {} : { where: text(where + 1, ps.length) }) };
  }
  if (words[0] === 'DELETE' && words[1] === 'FROM') {
    const table = name(2);
    if (table === undefined) return OTHER;
    if (words.slice(3).some((w) => w !== undefined && banned.includes(w))) return OTHER;
    if (ps.length === 3) return { kind: 'delete', table };
    if (words[3] !== 'WHERE') return OTHER;
    return { kind: 'delete', table, where: text(4, ps.length) };
  }
  if (words[0] === 'INSERT' && words[1] === 'INTO') {
    const table = name(2);
    return table === undefined ? OTHER : { kind: 'insert', table };
  }
  return OTHER;
}

const OTHER: RowStatement = { kind: 'other' };

/** A table named at piece i, unqualified: a bare word or a quoted name. */
function tableName(stmt: string, ps: readonly Piece[], i: number): string | undefined {
  const p = ps[i];
  if (!p) return undefined;
  // `schema.table` is read as other: which table it is depends on the search path
  if (stmt[p.end] === '.') return undefined;
  const raw = stmt.slice(p.start, p.end);
  if (p.word !== undefined) return raw;
  const q = raw[0];
  if ((q === '"' || q === '`') && raw.endsWith(q) && raw.length > 1)
    return raw.slice(1, -1).replaceAll(q + q, q);
  return undefined;
}

/** `a = x, b = y` between pieces `from` and `to`: each column with its value's text. */
function assignments(
  stmt: string,
  ps: readonly Piece[],
  from: number,
  to: number,
): { column: string; value: string }[] | undefined {
  const out: { column: string; value: string }[] = [];
  let at = from;
  while (at < to) {
    let comma = at;
    while (comma < to && stmt.slice(ps[comma]!.start, ps[comma]!.end) !== ',') comma++;
    const column = tableName(stmt, ps, at);
    if (column === undefined || stmt.slice(ps[at + 1]?.start ?? 0, ps[at + 1]?.end ?? 0) !== '=')
      return undefined;
    if (at + 2 >= comma) return undefined;
    out.push({ column, value: stmt.slice(ps[at + 2]!.start, ps[comma - 1]!.end).trim() });
    at = comma + 1;
  }
  return out.length > 0 ? out : undefined;
}

/** The statement's top-level pieces: words, quoted runs and bracketed groups whole, one character otherwise. */
function pieces(s: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/u.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && s[i + 1] === '-') {
      const nl = s.indexOf('\n', i);
      i = nl < 0 ? s.length : nl + 1;
      continue;
    }
    if (c === '/' && s[i + 1] === '*') {
      const close = s.indexOf('*/', i + 2);
      i = close < 0 ? s.length : close + 2;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"' || c === '`') i = quoted(s, i, c);
    else if (c === '(') i = bracketed(s, i);
    else if (/[A-Za-z_]/u.test(c)) {
      while (i < s.length && /[\w$]/u.test(s[i]!)) i++;
      out.push({ start, end: i, word: s.slice(start, i).toUpperCase() });
      continue;
    } else i++;
    out.push({ start, end: i });
  }
  return out;
}

/** Past a quoted run (a doubled quote stays inside). */
function quoted(s: string, i: number, q: string): number {
  let j = i + 1;
  while (j < s.length) {
    if (s[j] === q) {
      if (s[j + 1] === q) j += 2;
      else return j + 1;
    } else j++;
  }
  return s.length;
}

/** Past a bracketed group, quotes inside it skipped. */
function bracketed(s: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < s.length) {
    const c = s[j]!;
    if (c === "'" || c === '"' || c === '`') {
      j = quoted(s, j, c);
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return j + 1;
    j++;
  }
  return s.length;
}
