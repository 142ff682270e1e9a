/**
 * CPython's compiler limit on statically nested blocks ("too many statically nested blocks"): each
 * code object (the module, each function and class body) may hold at most CO_MAXBLOCKS frame blocks
 * at once. A `for`, `async for` or `while` body holds one; a `with` one per item; a `try` body one
 * for its handlers and one for its `finally`; an `except` handler two (plus the `finally`'s); a
 * `finally` body one; `if`, `match`, `else` of a loop none. The limit is checked at each push, so the error is on
 * the header that overflows (the `except` line for a handler), in the compiler's order: a `try`'s
 * body, its `else`, its handlers, then its `finally` body twice. Measured on CPython 3.11 and 3.12
 * (limit 20) and 3.13 (limit 21, and an `async def` body starts with one block held).
 */

/** Where each logical line starts: its offset in the source, its indentation column, its line number. */
export interface LineStart {
  readonly pos: number;
  readonly col: number;
  readonly line: number;
}

/** The first header that overflows, for Python up to 3.12 and from 3.13 on; undefined where none does. */
export interface NestingOverflow {
  readonly upTo312?: number;
  readonly from313?: number;
}

/** A compound statement: its header's line, what it is, and the bodies of its clauses in order. */
interface Node {
  readonly kind: Kind;
  readonly line: number;
  readonly async: boolean;
  /** A `with`'s items. */
  readonly items: number;
  readonly body: Node[];
  readonly clauses: {
    readonly kind: 'except' | 'else' | 'finally';
    readonly line: number;
    readonly body: Node[];
  }[];
}

interface Model {
  readonly limit: number;
  /** Blocks an `async def` body starts with. */
  readonly asyncBase: number;
}

const UP_TO_312: Model = { limit: 20, asyncBase: 0 };
const FROM_313: Model = { limit: 21, asyncBase: 1 };

/** Scans the logical lines' first words for the blocks CPython's compiler counts. */
export function blockNestingOverflow(src: string, lines: readonly LineStart[]): NestingOverflow {
  const module = statementTree(src, lines);
  const upTo312 = firstOverflow(module, 0, UP_TO_312, new Map());
  const from313 = firstOverflow(module, 0, FROM_313, new Map());
  return { ...(upTo312 !== undefined ? { upTo312 } : {}), ...(from313 !== undefined ? { from313 } : {}) };
}

/** The compound statements by indentation: a clause at its statement's column continues it. */
function statementTree(src: string, lines: readonly LineStart[]): Node[] {
  const module: Node[] = [];
  const open: { col: number; body: Node[]; stmt?: Node }[] = [{ col: -1, body: module }];
  for (const l of lines) {
    while (open[open.length - 1]!.col > l.col) open.pop();
    const word = headerWord(src, l.pos);
    const same = open[open.length - 1]!.col === l.col ? open.pop() : undefined;
    const stmt = same?.stmt;
    if (
      stmt &&
      (word.kind === 'except' || word.kind === 'else' || word.kind === 'finally') &&
      (stmt.kind === 'try' || (word.kind === 'else' && (stmt.kind === 'loop' || stmt.kind === 'if')))
    ) {
      const clause = { kind: word.kind, line: l.line, body: [] as Node[] };
      stmt.clauses.push(clause);
      open.push({ col: l.col, body: clause.body, stmt });
      continue;
    }
    if (word.kind === 'other' || word.kind === 'except' || word.kind === 'else' || word.kind === 'finally')
      continue;
    const node: Node = {
      kind: word.kind,
      line: l.line,
      async: word.async,
      items: word.kind === 'with' ? withItems(src, l.pos) : 0,
      body: [],
      clauses: [],
    };
    open[open.length - 1]!.body.push(node);
    open.push({ col: l.col, body: node.body, stmt: node });
  }
  return module;
}

/**
 * The first header, in the compiler's order, whose block would go past the limit, with `held` blocks
 * held around `body`. The compiler compiles a `finally` body twice (the normal exit, then the
 * exception's with one block more), so an overflow in the first pass comes first. Memoized per body
 * and count: nested `finally` bodies would otherwise double the work at each level.
 */
function firstOverflow(
  body: readonly Node[],
  held: number,
  model: Model,
  memo: Map<readonly Node[], Map<number, number | null>>,
): number | undefined {
  let seen = memo.get(body);
  if (!seen) memo.set(body, (seen = new Map()));
  const known = seen.get(held);
  if (known !== undefined) return known ?? undefined;
  const found = (() => {
    for (const n of body) {
      const hit = overflowIn(n, held, model, memo);
      if (hit !== undefined) return hit;
    }
    return undefined;
  })();
  seen.set(held, found ?? null);
  return found;
}

function overflowIn(
  n: Node,
  held: number,
  model: Model,
  memo: Map<readonly Node[], Map<number, number | null>>,
): number | undefined {
  const over = (count: number, line: number): number | undefined => (count > model.limit ? line : undefined);
  const inner = (b: readonly Node[], count: number): number | undefined =>
    firstOverflow(b, count, model, memo);
  switch (n.kind) {
    case 'def':
    case 'class':
      return inner(n.body, n.kind === 'def' && n.async ? model.asyncBase : 0);
    case 'loop':
      return over(held + 1, n.line) ?? inner(n.body, held + 1) ?? clauseBodies(n, held, inner);
    case 'with':
      return over(held + n.items, n.line) ?? inner(n.body, held + n.items);
    case 'try': {
      const fin = n.clauses.some((c) => c.kind === 'finally') ? 1 : 0;
      const handlers = n.clauses.filter((c) => c.kind === 'except');
      const base = held + fin;
      const body = base + (handlers.length > 0 ? 1 : 0);
      // from 3.11 the compiler takes the `else` body before the handlers
      let hit = over(base, n.line) ?? over(body, n.line) ?? inner(n.body, body);
      for (const c of n.clauses) if (c.kind === 'else') hit ??= inner(c.body, base);
      for (const h of handlers) hit ??= over(base + 2, h.line) ?? inner(h.body, base + 2);
      for (const c of n.clauses)
        if (c.kind === 'finally') hit ??= inner(c.body, held) ?? inner(c.body, held + 1);
      return hit;
    }
    default:
      return inner(n.body, held) ?? clauseBodies(n, held, inner);
  }
}

/** The `else` bodies of a loop or an `if`, which hold what the statement's parent holds. */
function clauseBodies(
  n: Node,
  held: number,
  inner: (b: readonly Node[], count: number) => number | undefined,
): number | undefined {
  for (const c of n.clauses) {
    const hit = inner(c.body, held);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

type Kind =
  'def' | 'class' | 'loop' | 'with' | 'try' | 'except' | 'else' | 'finally' | 'if' | 'block' | 'other';

/** What a logical line starting at `pos` opens, by its first word (after `async`). */
function headerWord(src: string, pos: number): { kind: Kind; async: boolean } {
  let at = pos;
  let isAsync = false;
  if (wordAt(src, at, 'async')) {
    isAsync = true;
    at += 5;
    while (src.charCodeAt(at) === 32 || src.charCodeAt(at) === 9 || src.charCodeAt(at) === 12) at++;
  }
  if (wordAt(src, at, 'def')) return { kind: 'def', async: isAsync };
  if (isAsync)
    return {
      kind: wordAt(src, at, 'for') ? 'loop' : wordAt(src, at, 'with') ? 'with' : 'other',
      async: true,
    };
  const kind: Kind = wordAt(src, at, 'class')
    ? 'class'
    : wordAt(src, at, 'for') || wordAt(src, at, 'while')
      ? 'loop'
      : wordAt(src, at, 'with')
        ? 'with'
        : wordAt(src, at, 'try')
          ? 'try'
          : wordAt(src, at, 'except')
            ? 'except'
            : wordAt(src, at, 'else')
              ? 'else'
              : wordAt(src, at, 'finally')
                ? 'finally'
                : wordAt(src, at, 'if') || wordAt(src, at, 'elif')
                  ? 'if'
                  : wordAt(src, at, 'match') || wordAt(src, at, 'case')
                    ? 'block'
                    : 'other';
  return { kind, async: false };
}

function wordAt(src: string, at: number, word: string): boolean {
  if (!src.startsWith(word, at)) return false;
  const c = src.charCodeAt(at + word.length);
  return !((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127);
}

/**
 * How many context managers a `with` header at `pos` enters: its items, separated by commas outside
 * brackets, or inside the parentheses of `with (a, b):` (3.9's grammar reads those as two items).
 */
function withItems(src: string, pos: number): number {
  let at = src.indexOf('with', pos) + 4;
  while (src.charCodeAt(at) === 32 || src.charCodeAt(at) === 9) at++;
  const parenthesized = src.charCodeAt(at) === 40;
  let depth = 0;
  let commas = 0;
  let innerCommas = 0;
  let closedAt = -1;
  for (let i = at; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 34 || c === 39) {
      i = stringEnd(src, i) - 1;
      continue;
    }
    if (c === 35) {
      while (i < src.length && src.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 92) {
      i++;
      continue;
    }
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) {
      depth--;
      if (depth === 0 && parenthesized && closedAt < 0) closedAt = i;
    } else if (c === 44) {
      if (depth === 0) commas++;
      else if (depth === 1 && parenthesized && closedAt < 0) innerCommas++;
    } else if (c === 58 && depth === 0 && src.charCodeAt(i + 1) !== 61) {
      // `with (a, b):` (the parentheses close right before the colon): their items; else the commas outside them
      if (parenthesized && closedAt >= 0 && commas === 0 && onlyBlanks(src, closedAt + 1, i)) {
        const trailing = lastCommaBefore(src, closedAt) ? 1 : 0;
        return innerCommas + 1 - trailing;
      }
      return commas + 1;
    }
  }
  return commas + 1;
}

function onlyBlanks(src: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = src.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/** Whether the last character before `close` (blanks, newlines and comments aside) is a comma. */
function lastCommaBefore(src: string, close: number): boolean {
  let i = close - 1;
  while (
    i >= 0 &&
    (src.charCodeAt(i) === 32 ||
      src.charCodeAt(i) === 9 ||
      src.charCodeAt(i) === 10 ||
      src.charCodeAt(i) === 13)
  )
    i--;
  return src.charCodeAt(i) === 44;
}

/** The offset after the string literal whose quote is at `q` (triple quotes and escapes handled). */
function stringEnd(src: string, q: number): number {
  const quote = src.charCodeAt(q);
  const triple = src.charCodeAt(q + 1) === quote && src.charCodeAt(q + 2) === quote;
  let i = q + (triple ? 3 : 1);
  while (i < src.length) {
    const c = src.charCodeAt(i);
    if (c === 92) i += 2;
    else if (c === quote && (!triple || (src.charCodeAt(i + 1) === quote && src.charCodeAt(i + 2) === quote)))
      return i + (triple ? 3 : 1);
    else if (!triple && c === 10) return i;
    else i++;
  }
  return i;
}
