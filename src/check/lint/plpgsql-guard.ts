// Whether PL/pgSQL around an `ALTER TYPE … ADD VALUE` (inside `DO $$ … $$`) keeps it from failing on a value
// that is already there. Generated migrations often guard it this way instead of with ADD VALUE IF NOT EXISTS.

/**
 * How the statement is guarded:
 * - `catalog`: inside `IF NOT EXISTS (SELECT … FROM pg_enum … enumlabel = 'v') THEN`; a catalog lookup
 *   compares names, so it works in any transaction;
 * - `enum-range`: inside `IF NOT ('v' = ANY(enum_range(NULL::t)))`-style conditions; PostgreSQL refuses
 *   that lookup ("unsafe use of new value") once the same transaction has added a value to the type;
 * - `handler`: its block has `EXCEPTION WHEN duplicate_object` (or `WHEN others`), which rolls back to the
 *   block's own savepoint and carries on.
 */
export type EnumValueGuard = 'catalog' | 'enum-range' | 'handler';

/** An ADD VALUE statement found in the SQL: where it starts and the label as written between its quotes. */
export interface AddValueStatement {
  at: number;
  label: string;
}

/** Keywords of PL/pgSQL control flow; quoted literals and comments are matched so their text is skipped. */
const TOKEN =
  /'(?:[^']|'')*'|--[^\n]*|\$\w*\$|\b(?:END\s+IF|END\s+LOOP|BEGIN|END|IF|THEN|ELSIF|ELSEIF|ELSE|LOOP|EXCEPTION)\b/gi;
const DOLLAR = /\$\w*\$/;

interface IfFrame {
  kind: 'if';
  condFrom: number;
  cond?: string;
}
interface BlockFrame {
  kind: 'block';
  handlersFrom?: number;
  statements: number[];
}
type Frame = IfFrame | BlockFrame | { kind: 'loop' };

/** The statement at `at` sits in a dollar-quoted body (`DO $$ … $$`): PL/pgSQL runs it as a function would. */
export function insideDoBlock(sql: string, at: number): boolean {
  const body = DOLLAR.exec(sql);
  return body !== null && body.index < at;
}

/**
 * The guard of each statement (in order of `at`), in one pass over the SQL so that a string with many
 * statements costs no more than reading it once.
 */
export function plpgsqlGuards(
  sql: string,
  statements: readonly AddValueStatement[],
): (EnumValueGuard | undefined)[] {
  const out: (EnumValueGuard | undefined)[] = statements.map(() => undefined);
  let stack: Frame[] = [];
  let inBody = false;
  let next = 0;
  const register = (upTo: number): void => {
    for (; next < statements.length && statements[next]!.at < upTo; next++) {
      if (!inBody) continue;
      out[next] = conditionGuard(stack, statements[next]!.label);
      const block = innermost(stack, 'block');
      // a statement in the handler section itself is not protected by it
      if (block && block.handlersFrom === undefined) block.statements.push(next);
    }
  };
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(sql); m; m = TOKEN.exec(sql)) {
    register(m.index);
    const word = m[0].replace(/\s+/g, ' ').toUpperCase();
    const top = stack[stack.length - 1];
    if (word.startsWith("'") || word.startsWith('--')) continue;
    if (word.startsWith('$')) {
      // a dollar tag opens or closes a body; what is left open is not ours to judge
      inBody = !inBody;
      stack = [];
    } else if (!inBody) continue;
    else if (word === 'BEGIN') stack.push({ kind: 'block', statements: [] });
    else if (word === 'LOOP') stack.push({ kind: 'loop' });
    else if (word === 'END IF') popTo(stack, 'if');
    else if (word === 'END LOOP') popTo(stack, 'loop');
    else if (word === 'END') {
      const block = popTo(stack, 'block');
      if (
        block?.kind === 'block' &&
        block.handlersFrom !== undefined &&
        catches(sql.slice(block.handlersFrom, m.index))
      ) {
        for (const i of block.statements) out[i] ??= 'handler';
      }
    } else if (word === 'EXCEPTION') {
      if (top?.kind === 'block') top.handlersFrom = m.index + m[0].length;
    } else if (word === 'IF') {
      // a control IF starts a statement; `CREATE TABLE IF NOT EXISTS` and `ADD VALUE IF NOT EXISTS` do not
      if (startsStatement(sql, m.index)) stack.push({ kind: 'if', condFrom: m.index + m[0].length });
    } else if (word === 'THEN') {
      if (top?.kind === 'if' && top.cond === undefined) top.cond = sql.slice(top.condFrom, m.index);
    } else if (word === 'ELSIF' || word === 'ELSEIF') {
      if (top?.kind === 'if') stack[stack.length - 1] = { kind: 'if', condFrom: m.index + m[0].length };
    } else if (word === 'ELSE') {
      if (top?.kind === 'if') top.cond = '';
    }
  }
  register(Infinity);
  return out;
}

/** The innermost IF around the statement whose condition looks its label up and negates it. */
function conditionGuard(stack: readonly Frame[], label: string): EnumValueGuard | undefined {
  const quoted = `'${label}'`;
  for (let i = stack.length - 1; i >= 0; i--) {
    const f = stack[i]!;
    if (f.kind !== 'if' || !f.cond || !f.cond.includes(quoted) || !/\bNOT\b/i.test(f.cond)) continue;
    if (/\bpg_enum\b|\benumlabel\b/i.test(f.cond)) return 'catalog';
    if (/\benum_range\b/i.test(f.cond)) return 'enum-range';
  }
  return undefined;
}

/** What precedes `at` (blanks skipped) ends a statement or opens a body: `;`, a dollar tag, BEGIN, THEN, ELSE, LOOP. */
function startsStatement(sql: string, at: number): boolean {
  let i = at;
  while (i > 0 && /\s/.test(sql[i - 1]!)) i--;
  if (i === 0 || sql[i - 1] === ';' || sql[i - 1] === '$') return true;
  let w = i;
  while (w > 0 && /\w/.test(sql[w - 1]!)) w--;
  return /^(?:BEGIN|THEN|ELSE|LOOP)$/i.test(sql.slice(w, i));
}

function innermost(stack: readonly Frame[], kind: 'block'): BlockFrame | undefined {
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.kind === kind) return stack[i] as BlockFrame;
  return undefined;
}

function popTo(stack: Frame[], kind: Frame['kind']): Frame | undefined {
  for (let i = stack.length - 1; i >= 0; i--) {
    if (stack[i]!.kind === kind) {
      const f = stack[i];
      stack.length = i;
      return f;
    }
  }
  return undefined;
}

/** Some `WHEN … THEN` clause of the handlers names duplicate_object (SQLSTATE 42710) or others. */
function catches(handlers: string): boolean {
  return handlers
    .split(/\bWHEN\b/i)
    .slice(1)
    .some((clause) => /\b(?:duplicate_object|others)\b|'42710'/i.test(clause.split(/\bTHEN\b/i)[0]!));
}
