import type { LockStep } from './lock-facts.js';

/** An index a MySQL statement adds with `LOCK=NONE` written: the server builds it online or refuses it. */
export interface OnlineIndex {
  readonly table: string;
  readonly schema?: string;
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
}

/**
 * `ALTER TABLE t ADD [UNIQUE] INDEX|KEY name (a, b), ALGORITHM=…, LOCK=NONE`, as `fix` writes it for
 * MySQL and MariaDB (names bare or in backquotes), read back so that the lock grades and the data
 * probes see the index it adds; undefined for any other statement. PostgreSQL has no ADD INDEX, so
 * nothing it runs reads as one.
 */
export function mysqlOnlineIndex(sql: string): OnlineIndex | undefined {
  const words = sqlWords(sql);
  if (!words) return undefined;
  const at = { i: 0 };
  const next = (): string | undefined => words[at.i++];
  const keyword = (w: string): boolean => {
    if (words[at.i]?.toUpperCase() !== w) return false;
    at.i++;
    return true;
  };
  if (!keyword('ALTER') || !keyword('TABLE')) return undefined;
  let table = name(next());
  let schema: string | undefined;
  if (words[at.i] === '.') {
    at.i++;
    schema = table;
    table = name(next());
  }
  if (table === undefined || !keyword('ADD')) return undefined;
  const unique = keyword('UNIQUE');
  if (!keyword('INDEX') && !keyword('KEY')) return undefined;
  const index = name(next());
  if (index === undefined || next() !== '(') return undefined;
  const columns: string[] = [];
  for (;;) {
    const c = name(next());
    if (c === undefined) return undefined;
    columns.push(c);
    const sep = next();
    if (sep === ')') break;
    if (sep !== ',') return undefined;
  }
  // the clauses after the index: ALGORITHM=… and LOCK=…, LOCK=NONE among them
  let lockNone = false;
  while (at.i < words.length) {
    if (next() !== ',') return undefined;
    const option = next()?.toUpperCase();
    if (next() !== '=') return undefined;
    const value = next()?.toUpperCase();
    if (option === 'LOCK' && value === 'NONE') lockNone = true;
    else if (option !== 'ALGORITHM' && option !== 'LOCK') return undefined;
  }
  if (!lockNone) return undefined;
  return { table, ...(schema !== undefined ? { schema } : {}), name: index, columns, unique };
}

/** A name as written: a backquoted one unquoted (`` `` `` is one backquote), a bare word as it is. */
function name(w: string | undefined): string | undefined {
  if (w === undefined) return undefined;
  if (w.startsWith('`')) return w.slice(1, -1).replaceAll('``', '`');
  return isWord(w) ? w : undefined;
}

function isWord(w: string): boolean {
  return [...w].every(
    (ch) => ch === '_' || ch === '$' || (ch >= '0' && ch <= '9') || ch.toLowerCase() !== ch.toUpperCase(),
  );
}

/** The statement's words: bare words, backquoted names, and `(`, `)`, `,`, `.`, `=`; undefined for anything else (a string, a comment, a second statement). */
function sqlWords(sql: string): string[] | undefined {
  const out: string[] = [];
  const s = sql.trim();
  const end = s.endsWith(';') ? s.length - 1 : s.length;
  let i = 0;
  while (i < end) {
    const ch = s[i]!;
    if (ch === ' ' || ch === '\n' || ch === '\t' || ch === '\r') {
      i++;
    } else if ('(),.='.includes(ch)) {
      out.push(ch);
      i++;
    } else if (ch === '`') {
      let j = i + 1;
      for (; j < end; j++) {
        if (s[j] !== '`') continue;
        if (s[j + 1] === '`') j++;
        else break;
      }
      if (j >= end) return undefined;
      out.push(s.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < end && isWord(s[j]!)) j++;
      if (j === i) return undefined;
      out.push(s.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** Literal SQL at its line (schema-ops.ts's LiteralSql). */
interface SqlAt {
  readonly line: number;
  readonly sql: string;
  readonly conditional: boolean;
  readonly template?: true;
}

/**
 * The steps with each index MySQL SQL adds online (fix writes it so) read as a create_index step, for
 * the lock grades and the data probes, and the SQL without those statements.
 */
export function withOnlineIndexes<Q extends SqlAt>(
  locks: LockStep[],
  sql: Q[],
): { steps: LockStep[]; sql: Q[] } {
  const online = sql.flatMap((q) => {
    const ix = q.template ? undefined : mysqlOnlineIndex(q.sql);
    return ix ? [{ q, ix }] : [];
  });
  if (online.length === 0) return { steps: locks, sql };
  const steps = [
    ...locks,
    ...online.map(({ q, ix }): LockStep => ({
      call: 'create_index',
      table: ix.table,
      ...(ix.schema !== undefined ? { schema: ix.schema } : {}),
      flags: ['online'],
      line: q.line,
      conditional: q.conditional,
      data: { name: ix.name, columns: ix.columns, ...(ix.unique ? { unique: true as const } : {}) },
    })),
  ].sort((a, b) => a.line - b.line);
  return { steps, sql: sql.filter((q) => !online.some((o) => o.q === q)) };
}
