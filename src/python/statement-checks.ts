// Checks over a logical line's tokens (assignment targets, imports, starred targets) and small text helpers the passes share.
import { identAt } from './python-chars.js';
import { Word, wordKind } from './tokenizer-tables.js';
import { E_PARSER, Tok, type Token, TokenizeError } from './tokens.js';

/** Whether the whole word `w` stands at `b` (not the start of a longer name). */
export function isWordAt(src: string, b: number, w: string): boolean {
  return src.startsWith(w, b) && !identAt(src, b + w.length);
}

/** Where the statement at `b` starts once a leading `async` is stepped over (`async def`, `async for`, `async with`). */
export function afterAsync(src: string, b: number): number {
  if (src.charCodeAt(b) !== 97 || !src.startsWith('async', b) || identAt(src, b + 5)) return b;
  let at = b + 5;
  while (src.charCodeAt(at) === 32 || src.charCodeAt(at) === 9 || src.charCodeAt(at) === 12) at++;
  return at;
}

/** Where the first word of the statement at `b` starts: blanks and an `async` stepped over. */
export function statementStart(src: string, b: number): number {
  while (src.charCodeAt(b) === 32 || src.charCodeAt(b) === 9 || src.charCodeAt(b) === 12) b++;
  return afterAsync(src, b);
}

/** The first word of the statement at `b` (blanks and an `async` stepped over), or ''. */
export function statementWord(src: string, b: number): string {
  b = statementStart(src, b);
  let e = b;
  while (identAt(src, e)) e++;
  return src.slice(b, e);
}

/** The first error among a module-level logical line's `;`-separated statements: an `import` or `from … import` statement's grammar, any other statement's assignment targets; or null (for a line whose first word starts with i or f, which may be an import or not: `foo: int = 1`). */
export function importOrAssignmentError(toks: readonly Token[]): TokenizeError | null {
  return firstInStatements(toks, (s, e) => {
    const t = toks[s]!;
    return t.type === Tok.Name && (t.text === 'import' || t.text === 'from')
      ? importError(toks, s, e)
      : assignmentError(toks, s, e);
  });
}

/** The first error `check` finds in the `;`-separated statements toks[s, e) of a logical line, in order. */
function firstInStatements(
  toks: readonly Token[],
  check: (s: number, e: number) => TokenizeError | null,
): TokenizeError | null {
  for (let s = 0; s < toks.length;) {
    let e = s;
    while (e < toks.length && toks[e]!.text !== ';') e++;
    const err = check(s, e);
    if (err !== null) return err;
    s = e + 1;
  }
  return null;
}

/**
 * The first module-level assignment among a logical line's tokens whose
 * target is an expression: `depe+nds_on = None` ("cannot assign to expression
 * here. Maybe you meant '==' instead of '='?", or without the advice for a
 * later target of `a = b + c = 1`), `do+wn_revision: str = …` ("illegal target
 * for annotation"). Statements that start with a keyword or a soft keyword
 * (`match a, b:`) or hold a `lambda` (whose defaults are `=` too) are left
 * alone, as is any target holding a keyword or, when annotated, a comma.
 */
export function assignmentTargetsError(toks: readonly Token[]): TokenizeError | null {
  return firstInStatements(toks, (s, e) => assignmentError(toks, s, e));
}

/** Whether toks[s, e) may be a plain assignment: it starts with no keyword, nor a soft one (`match x, y:`), and holds no `lambda` (whose defaults are `=` too). */
function mayAssign(toks: readonly Token[], s: number, e: number): boolean {
  const first = toks[s];
  if (
    first === undefined ||
    (first.type === Tok.Name && wordKind(first.text, 0, first.text.length) !== Word.Name)
  )
    return false;
  for (let k = s; k < e; k++) if (toks[k]!.type === Tok.Name && toks[k]!.text === 'lambda') return false;
  return true;
}

function assignmentError(toks: readonly Token[], s: number, e: number): TokenizeError | null {
  if (!mayAssign(toks, s, e)) return null;
  const eqs = topLevelIndexes(toks, s, e, '=');
  // an annotation: a `:` before the first `=`
  const colon = topLevelIndexes(toks, s, eqs[0] ?? e, ':')[0];
  if (colon !== undefined) return annotationTargetError(toks, s, colon);
  let start = s;
  for (let i = 0; i < eqs.length; i++) {
    for (const [a, b] of splitTop(toks, start, eqs[i]!, ',')) {
      if (targetHasOperator(toks, a, b)) {
        const t = toks[a]!;
        return new TokenizeError(
          i === 0
            ? "cannot assign to expression here. Maybe you meant '==' instead of '='?"
            : 'cannot assign to expression',
          t.line,
          t.col,
          E_PARSER,
        );
      }
    }
    start = eqs[i]! + 1;
  }
  return null;
}

/**
 * The compiler's error for a star out of place in a module-level assignment: a lone starred value
 * (`a = *b`), a lone starred target (`*a = b`), two starred targets in one list (`a, *b, *c = d`).
 * The value is compiled before the targets, so its error comes first.
 */
export function starredAssignmentError(toks: readonly Token[]): TokenizeError | null {
  return firstInStatements(toks, (s, e) => starredInStatement(toks, s, e));
}

function starredInStatement(toks: readonly Token[], s: number, e: number): TokenizeError | null {
  if (!mayAssign(toks, s, e)) return null;
  const eqs = topLevelIndexes(toks, s, e, '=');
  const debug = debugTarget(toks, s, e, eqs);
  if (debug !== null)
    return new TokenizeError('cannot assign to __debug__', toks[debug]!.line, toks[debug]!.col, E_PARSER);
  if (eqs.length === 0 || topLevelIndexes(toks, s, eqs[0]!, ':').length > 0) return null;
  const star = (k: number): boolean => toks[k]?.type === Tok.Op && toks[k]!.text === '*';
  const error = (k: number, msg: string): TokenizeError =>
    new TokenizeError(msg, toks[k]!.line, toks[k]!.col, E_PARSER);
  const value = eqs[eqs.length - 1]! + 1;
  if (star(value) && topLevelIndexes(toks, value, e, ',').length === 0)
    return error(value, "can't use starred expression here");
  let start = s;
  for (const eq of eqs) {
    const items = splitTop(toks, start, eq, ',');
    const starred = items.filter(([a]) => star(a));
    if (items.length === 1 && starred.length === 1)
      return error(starred[0]![0], 'starred assignment target must be in a list or tuple');
    const nested = starredTargetList(toks, start, eq);
    if (nested !== null) return error(nested, 'multiple starred expressions in assignment');
    start = eq + 1;
  }
  return null;
}

/**
 * `__debug__` stored to (as a name or an attribute) by a plain, annotated or augmented assignment's
 * target, outside a subscript's brackets: the compiler refuses it. Null when none is.
 */
function debugTarget(toks: readonly Token[], s: number, e: number, eqs: readonly number[]): number | null {
  let end = eqs.length > 0 ? eqs[eqs.length - 1]! : -1;
  if (end < 0) {
    const colon = topLevelIndexes(toks, s, e, ':')[0];
    const aug = toks.findIndex(
      (t, k) =>
        k >= s &&
        k < e &&
        t.type === Tok.Op &&
        t.text.length >= 2 &&
        t.text.endsWith('=') &&
        !['==', '!=', '<=', '>=', ':='].includes(t.text),
    );
    end = colon ?? (aug >= 0 ? aug : -1);
    if (end < 0) return null;
  }
  // per open bracket: whether it subscripts or calls (what it holds is read, not stored)
  const reads: boolean[] = [];
  for (let k = s; k < end; k++) {
    const t = toks[k]!;
    const x = t.text;
    if (t.type === Tok.Op && (x === '(' || x === '[' || x === '{')) {
      const prev = k > s ? toks[k - 1]! : undefined;
      reads.push(prev !== undefined && (prev.type === Tok.Name || prev.text === ')' || prev.text === ']'));
    } else if (t.type === Tok.Op && (x === ')' || x === ']' || x === '}')) reads.pop();
    else if (
      t.type === Tok.Name &&
      x === '__debug__' &&
      !reads.includes(true) &&
      !['.', '[', '('].includes(toks[k + 1]?.text ?? '')
    )
      return k;
  }
  return null;
}

/** Where a target list toks[s, e) (or one inside its brackets, `(a, *b, *c)`) holds two starred items; null when none does. */
function starredTargetList(toks: readonly Token[], s: number, e: number): number | null {
  const items = splitTop(toks, s, e, ',');
  if (items.filter(([a]) => toks[a]?.type === Tok.Op && toks[a]!.text === '*').length > 1) return s;
  for (const [a, b] of items) {
    const open = toks[a]?.text;
    if ((open === '(' || open === '[') && matching(toks, a, b) === b - 1) {
      const inner = starredTargetList(toks, a + 1, b - 1);
      if (inner !== null) return inner;
    }
  }
  return null;
}

/**
 * CPython's error for the target toks[s, colon) of an annotation, which must be one name, attribute or
 * subscript, optionally in parentheses: a tuple or a list ("only single target (not tuple) can be
 * annotated"), anything else ("illegal target for annotation"). A keyword or a star in it is left unjudged.
 */
function annotationTargetError(toks: readonly Token[], s: number, colon: number): TokenizeError | null {
  const op = (k: number, x: string): boolean => toks[k]?.type === Tok.Op && toks[k]!.text === x;
  const error = (k: number, msg: string): TokenizeError =>
    new TokenizeError(msg, toks[k]!.line, toks[k]!.col, E_PARSER);
  for (let k = s; k < colon; k++)
    if (
      (toks[k]!.type === Tok.Name && wordKind(toks[k]!.text, 0, toks[k]!.text.length) === Word.Keyword) ||
      op(k, '*') ||
      op(k, '**')
    )
      return null;
  const tuple = 'only single target (not tuple) can be annotated';
  if (topLevelIndexes(toks, s, colon, ',').length > 0) return error(s, tuple);
  let a = s;
  let b = colon;
  // parentheses around the whole target; inside them a tuple, even an empty one, is still one
  while (op(a, '(') && matching(toks, a, b) === b - 1) {
    if (b - a === 2 || topLevelIndexes(toks, a + 1, b - 1, ',').length > 0) return error(a, tuple);
    a++;
    b--;
  }
  if (op(a, '[') && matching(toks, a, b) === b - 1)
    return error(a, 'only single target (not list) can be annotated');
  // an error is built only when there is one: an Error's stack trace costs more than the whole check
  const illegal = (): TokenizeError => error(a, 'illegal target for annotation');
  if (targetHasOperator(toks, a, b)) return illegal();
  if (b - a === 1) return toks[a]!.type === Tok.Name ? null : illegal();
  // an attribute (`x.y`) or a subscript (`x[0]`) of any primary; a call, a display or a literal is none
  if (toks[b - 1]!.type === Tok.Name && op(b - 2, '.')) return null;
  if (op(b - 1, ']')) return null;
  return illegal();
}

/** Whether toks[a, b), one assignment target, has an operator outside brackets (a leading `*` and `.` aside); a keyword or a comma there makes it unknown (false). */
function targetHasOperator(toks: readonly Token[], a: number, b: number): boolean {
  let depth = 0;
  let found = false;
  for (let k = a; k < b; k++) {
    const t = toks[k]!;
    if (t.type === Tok.Name) {
      if (wordKind(t.text, 0, t.text.length) === Word.Keyword) return false;
      continue;
    }
    if (t.type !== Tok.Op) continue;
    const x = t.text;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') depth--;
    else if (depth === 0 && x === ',') return false;
    else if (depth === 0 && x !== '.' && !(x === '*' && k === a)) found = true;
  }
  return found;
}

/** A name in an import: any word but a keyword (soft keywords are names). */
function importName(t: Token | undefined): boolean {
  if (t === undefined || t.type !== Tok.Name) return false;
  const kind = wordKind(t.text, 0, t.text.length);
  return kind === Word.Name || kind === Word.Soft;
}

/**
 * The error in an `import` or `from … import` statement, toks[i, end), as
 * CPython's parser reports it: "invalid syntax" at the first token the
 * grammar cannot take (or the line's end), and a trailing comma without
 * parentheses named as such. Null when the statement is well formed.
 */
function importError(toks: readonly Token[], i: number, end: number): TokenizeError | null {
  let k = i + 1;
  if (toks[i]!.text === 'import') {
    for (;;) {
      k = importAlias(toks, importDotted(toks, k, end), end);
      if (k < 0) return importBad(toks, -k, end);
      if (k >= end) return null;
      if (toks[k]!.text !== ',') return importBad(toks, k, end);
      k++;
    }
  }
  let dots = 0;
  while (k < end && (toks[k]!.text === '.' || toks[k]!.text === '...')) {
    dots++;
    k++;
  }
  if (k < end && toks[k]!.text !== 'import') {
    k = importDotted(toks, k, end);
    if (k < 0) return importBad(toks, -k, end);
  } else if (dots === 0) return importBad(toks, k, end);
  if (k >= end || toks[k]!.text !== 'import') return importBad(toks, k, end);
  k++;
  if (k < end && toks[k]!.text === '*') return k + 1 >= end ? null : importBad(toks, k + 1, end);
  const paren = k < end && toks[k]!.text === '(';
  if (paren) k++;
  for (;;) {
    if (k >= end || !importName(toks[k])) return importBad(toks, k, end);
    k = importAlias(toks, k + 1, end);
    if (k < 0) return importBad(toks, -k, end);
    if (k >= end) return paren ? importBad(toks, k, end) : null;
    const t = toks[k]!;
    if (paren && t.text === ')') return k + 1 >= end ? null : importBad(toks, k + 1, end);
    if (t.text !== ',') return importBad(toks, k, end);
    k++;
    if (paren && k < end && toks[k]!.text === ')') return k + 1 >= end ? null : importBad(toks, k + 1, end);
    if (!paren && k >= end)
      return new TokenizeError(
        'trailing comma not allowed without surrounding parentheses',
        t.line,
        t.col,
        E_PARSER,
      );
  }
}

/** Past a dotted name (`a.b.c`) from toks[k]: the index after it, or minus the index where it goes wrong. */
function importDotted(toks: readonly Token[], k: number, end: number): number {
  if (k >= end || !importName(toks[k])) return -k;
  k++;
  while (k < end && toks[k]!.text === '.') {
    k++;
    if (k >= end || !importName(toks[k])) return -k;
    k++;
  }
  return k;
}

/** Past an optional `as NAME` from toks[k] (k negative passes an earlier failure through). */
function importAlias(toks: readonly Token[], k: number, end: number): number {
  if (k < 0 || k >= end || toks[k]!.text !== 'as') return k;
  k++;
  if (k >= end || !importName(toks[k])) return -k;
  return k + 1;
}

/** "invalid syntax" at toks[at], or at the line's end when at reaches the statement's end. */
function importBad(toks: readonly Token[], at: number, end: number): TokenizeError {
  const t = at < end ? toks[at]! : toks[end - 1]!;
  return new TokenizeError('invalid syntax', t.line, at < end ? t.col : t.col + t.text.length, E_PARSER);
}

/** The opening bracket a closing one matches: `)` → `(`, `]` → `[`, `}` → `{`. */
export function openerOf(close: number): number {
  return close === 41 ? 40 : close - 2;
}

/** The line of git's first conflict marker (seven < or > at a line's start), looked for only in a file that fails. */
export function conflictMarkerLine(src: string): number | undefined {
  // '=======' alone is also a reST heading's underline in a docstring: only the outer markers count
  const m = /^(?:<{7}|>{7}|\|{7})(?:[ \t]|\r?$)/mu.exec(src);
  if (!m) return undefined;
  let line = 1;
  for (let i = src.indexOf('\n'); i >= 0 && i < m.index; i = src.indexOf('\n', i + 1)) line++;
  return line;
}

/** Whether the statement at p is what a decorator may stand over: a def (async or not) or a class. */
export function decorated(src: string, p: number): boolean {
  const b = afterAsync(src, p);
  return isWordAt(src, b, 'def') || (b === p && isWordAt(src, p, 'class'));
}

/** Headers whose condition may hold a `:=` outside brackets (`if x := f():`). */
export const WALRUS_HEADERS: ReadonlySet<string> = new Set(['if', 'elif', 'while', 'match']);
/** Statements whose first word leaves no place for a `:=` outside brackets (`return x := 1`, `for a in x := b:`; a leading `async` is stepped over). */
export const WALRUS_REFUSING_STATEMENTS: ReadonlySet<string> = new Set([
  'return',
  'assert',
  'with',
  'del',
  'yield',
  'raise',
  'for',
  'global',
  'nonlocal',
  'import',
  'from',
]);

/** SyntaxError's subclasses, which Alembic's traceback names: IndentationError and TabError. */
export function indentationException(message: string): string | undefined {
  if (message.startsWith('inconsistent use of tabs')) return 'TabError';
  return /^(?:expected an indented block|unexpected indent|unexpected unindent|unindent does not match|too many levels of indentation)/u.test(
    message,
  )
    ? 'IndentationError'
    : undefined;
}

// Scans over a logical line's tokens, bracket depth counted from the start index.

/** Index of the colon that ends a compound statement's header. */
export function headerColon(toks: readonly Token[]): number {
  let depth = 0;
  let lambdas = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.type === Tok.Op) {
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') depth--;
      else if (t.text === ':' && depth === 0) {
        if (lambdas > 0) lambdas--;
        else return i;
      }
    } else if (t.type === Tok.Name && t.text === 'lambda' && depth === 0) lambdas++;
  }
  return toks.length;
}

/** The operators of toks[s, e) outside any bracket, in order, until `visit` returns true; that index, or -1. */
function findTopLevelOp(
  toks: readonly Token[],
  s: number,
  e: number,
  visit: (i: number, op: string) => boolean,
): number {
  let depth = 0;
  for (let i = s; i < e; i++) {
    const t = toks[i]!;
    if (t.type !== Tok.Op) continue;
    const x = t.text;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') depth--;
    else if (depth === 0 && visit(i, x)) return i;
  }
  return -1;
}

export function topLevelIndexes(toks: readonly Token[], s: number, e: number, op: string): number[] {
  const out: number[] = [];
  findTopLevelOp(toks, s, e, (i, x) => {
    if (x === op) out.push(i);
    return false;
  });
  return out;
}

export function topLevelOp(toks: readonly Token[], s: number, e: number, ops: ReadonlySet<string>): number {
  return findTopLevelOp(toks, s, e, (_, x) => ops.has(x));
}

export function splitTop(toks: readonly Token[], s: number, e: number, op: string): [number, number][] {
  const out: [number, number][] = [];
  let start = s;
  for (const i of topLevelIndexes(toks, s, e, op)) {
    out.push([start, i]);
    start = i + 1;
  }
  out.push([start, e]);
  return out;
}

export function matching(toks: readonly Token[], s: number, e: number): number {
  let depth = 0;
  for (let i = s; i < e; i++) {
    const t = toks[i]!;
    if (t.type !== Tok.Op) continue;
    const x = t.text;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
