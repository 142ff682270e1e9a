import { headerColon, matching, splitTop, Tok, tokenize, topLevelIndexes, topLevelOp, type LogicalLine, type Token, type TokenizeOptions } from '../../python/python-tokenizer.js';
import { evalStringLiteral } from '../../python/string-literal.js';
import { docstringOfText } from './docstring-fields.js';
import { readRevisionFast } from './fast-revision-reader.js';
import { BINDS_UNSEEN, classUnbound, decoratorUnbound, defUnbound, headerUnbound, statementUnbound, type UnboundRead } from '../../python/unbound-names.js';
import type { PyUnknown, PyValue } from '../../python/python-value.js';

export { REVISION_FIELDS, type Docstring, type DynamicHint, type FieldBinding, type ReadResult, type RevisionField } from './read-result.js';
import { REVISION_FIELDS, type Docstring, type DynamicHint, type FieldBinding, type ReadResult, type RevisionField } from './read-result.js';

/** `from alembic import op` (also in a parenthesised list), without `as`: the name `op` is the proxy. */
// the list is bounded: unbounded, each `from alembic import` was tried against everything after it
// that is words, spaces and commas, and a file of many such lines took seconds
const IMPORTS_OP = /\bfrom\s+alembic\s+import\s*\(?[\w\s,]{0,2000}?\bop\b(?!\s+as\b)/u;

/** `from __future__ import annotations` (PEP 563), also in a parenthesised or continued list. */
function futureAnnotations(source: string): boolean {
  if (!source.includes('__future__')) return false;
  const lines = source.split(/\r\n|\r|\n/u);
  for (let i = 0; i < lines.length; i++) {
    if (!/^from[ \t]+__future__[ \t]+import\b/u.test(lines[i]!)) continue;
    let text = lines[i]!;
    // the import goes on while a parenthesis is open or a line ends with a backslash
    while (i + 1 < lines.length && ((text.includes('(') && !text.includes(')')) || text.endsWith('\\'))) text += ` ${lines[++i]!}`;
    if (/\bannotations\b/u.test(text)) return true;
  }
  return false;
}

const COMPOUND = new Set([
  'if', 'elif', 'else', 'for', 'while', 'try', 'except', 'finally', 'with', 'def', 'class', 'async', 'match', 'case',
]);
const EXPRESSION_KEYWORDS = new Set(['if', 'else', 'and', 'or', 'not', 'lambda', 'for', 'in', 'is', 'await', 'yield']);
const AUGMENTED = new Set(['+=', '-=', '*=', '/=', '//=', '%=', '**=', '>>=', '<<=', '&=', '|=', '^=', '@=']);

type Scope = 'module' | 'conditional' | 'function';

interface Block {
  readonly indent: number;
  readonly kind: string;
  readonly line: number;
  /** Its body runs only when a condition holds at import (if, elif, else, while, except, case), which a reader cannot know. */
  readonly conditional?: true;
}

/** Blocks whose body may not run at all; `if True:` and `while True:` are not among them. */
const CONDITIONAL = new Set(['if', 'elif', 'else', 'while', 'except', 'case']);

/** The header's condition is a constant that always holds (`if True:`, `while 1:`). */
function alwaysRuns(toks: readonly Token[]): boolean {
  return toks.length === 3 && (toks[0]!.text === 'if' || toks[0]!.text === 'while') && (toks[1]!.text === 'True' || toks[1]!.text === '1') && toks[2]!.text === ':';
}

/**
 * Reads the module-level `revision`, `down_revision`, `branch_labels` and
 * `depends_on` of a migration file without executing it.
 *
 * Python semantics we follow: the last binding that runs wins; bindings inside
 * `if`/`for`/`try`/`with` blocks make the value depend on run time; bindings in
 * functions and classes do not touch module attributes. Anything we cannot
 * evaluate exactly (calls, names we cannot trace, f-strings with fields,
 * operators other than `+` on literals) is returned as an unknown value with
 * the reason, never as a guess.
 */
export function readRevisionSource(source: string, options: TokenizeOptions = SKIP_BODIES): ReadResult {
  // most files are plain enough for the fast path, which proves them free of syntax errors; the rest are read here
  return (options === SKIP_BODIES ? readRevisionFast(source) : undefined) ?? readModule(source, options).result;
}

/** readRevisionSource without the fast path: what the fast path is held to. */
export function readRevisionSourceFaithful(source: string): ReadResult {
  return readModule(source, SKIP_BODIES).result;
}

/**
 * Module-level literal constants, for resolving `from module import NAME` in a
 * revision file; null when the module has a syntax error.
 */
export function readModuleConstants(source: string): ReadonlyMap<string, PyValue> | null {
  const { result, bindings } = readModule(source);
  if (result.syntaxError) return null;
  const constants = new Map<string, PyValue>();
  for (const [k, b] of bindings) if (b.value.t !== 'unknown') constants.set(k, b.value);
  return constants;
}

/** Function and class bodies bind no module attribute; `{ skipBodies: false }` exists so tests can prove that. */
const SKIP_BODIES: TokenizeOptions = { skipBodies: true };

function readModule(source: string, options: TokenizeOptions = SKIP_BODIES): { result: ReadResult; bindings: ReadonlyMap<string, FieldBinding> } {
  const { lines, error, newer } = tokenize(source, options);
  const bindings = new Map<string, FieldBinding>();
  const dynamic: DynamicHint[] = [];
  const imports: { module: string; line: number; level: number }[] = [];
  let docstring: Docstring | undefined;
  const blocks: Block[] = [];
  let first = true;
  const proxyCalls: { method: string; line: number; tries: number[] }[] = [];
  const opImported = source.includes('op') && IMPORTS_OP.test(source);
  // a try whose except catches the NameError (FitTrackee's workaround) keeps the load alive
  const tryAt = new Map<number, number>();
  const swallowing = new Set<number>();
  let namePass = !BINDS_UNSEEN.test(source);
  let unboundName: { name: string; line: number } | undefined;
  let unboundAnnotation: { name: string; line: number } | undefined;
  const noteUnbound = (r: UnboundRead): void => {
    if (unboundName) return;
    if (r.certain) unboundName = { name: r.certain.text, line: r.certain.line };
    else if (r.annotation && !unboundAnnotation) unboundAnnotation = { name: r.annotation.text, line: r.annotation.line };
  };
  const isBound = (n: string): boolean => bindings.has(n);

  for (const ll of lines) {
    while (blocks.length > 0 && blocks[blocks.length - 1]!.indent >= ll.indent) blocks.pop();
    const scope = scopeOf(blocks);
    const toks = ll.tokens;
    // code outside functions runs at import, also in decorators and default arguments
    if (scope !== 'function') {
      const word = toks[0]!.text;
      if (word === 'try') tryAt.set(ll.indent, ll.line);
      else if (word === 'except' && tryAt.has(ll.indent) && catchesNameError(toks)) swallowing.add(tryAt.get(ll.indent)!);
      findProxyCalls(toks, opImported, proxyCalls, blocks, conditionalBody(toks));
    }
    const head = toks[0]!;
    if (head.type === Tok.Name && COMPOUND.has(head.text) && isHeader(ll)) {
      first = false;
      if (namePass && scope === 'module') {
        const def = toks[head.text === 'async' ? 1 : 0]!.text;
        if (def === 'def') noteUnbound(defUnbound(toks, headerColon(toks), isBound));
        else if (def === 'class') noteUnbound(classUnbound(toks, headerColon(toks), isBound));
        // a header at the top level runs when the module is imported
        else if (blocks.length === 0) noteUnbound(headerUnbound(toks, headerColon(toks), isBound));
      }
      handleHeader(ll, scope, blocks);
      continue;
    }
    if (head.type === Tok.Op && head.text === '@') {
      first = false;
      if (namePass && scope === 'module') noteUnbound(decoratorUnbound(toks, isBound));
      continue;
    }
    if (scope === 'function') {
      first = false;
      continue;
    }
    for (const stmt of splitTop(toks, 0, toks.length, ';')) {
      if (stmt[1] <= stmt[0]) continue;
      if (first && scope === 'module') {
        const doc = docstringOf(toks, stmt[0], stmt[1]);
        if (doc) docstring = doc;
      }
      first = false;
      if (namePass && scope === 'module') noteUnbound(statementUnbound(toks, stmt[0], stmt[1], isBound));
      handleStatement(toks, stmt[0], stmt[1], scope, blocks);
    }
  }

  const fields: Partial<Record<RevisionField, FieldBinding>> = {};
  for (const f of REVISION_FIELDS) {
    const b = bindings.get(f);
    if (b) fields[f] = b;
  }
  const loadBreaking = proxyCalls.filter((c) => !c.tries.some((t) => swallowing.has(t))).map(({ method, line }) => ({ method, line }));
  const upgradeBound = bindings.has('upgrade') ? 'yes' : dynamic.length > 0 ? 'unknown' : 'no';
  const result: ReadResult = { fields, docstring, dynamic, syntaxError: error, imports, proxyCalls: loadBreaking, upgradeBound, ...unboundReads() };
  return { result: newer ? { ...result, newer } : result, bindings };

  function unboundReads(): Pick<ReadResult, 'unboundName' | 'unboundAnnotation'> {
    if (dynamic.length > 0 || error) return {};
    // PEP 563: annotations stay strings
    const annotation = unboundAnnotation && !futureAnnotations(source) ? { unboundAnnotation } : {};
    return { ...(unboundName ? { unboundName } : {}), ...annotation };
  }

  function scopeOf(stack: readonly Block[]): Scope {
    if (stack.length === 0) return 'module';
    for (const b of stack) if (b.kind === 'def' || b.kind === 'class') return 'function';
    return 'conditional';
  }

  function bind(name: string, value: PyValue, line: number, scope: Scope, stack: readonly Block[]): void {
    if (scope === 'function') return;
    if (scope === 'conditional') {
      const outer = stack[0]!;
      value = {
        t: 'unknown',
        reason: `assigned inside the \`${outer.kind}\` block at line ${outer.line}, so it depends on run time`,
      };
    }
    bindings.set(name, { value, line });
  }

  function handleHeader(ll: LogicalLine, scope: Scope, stack: Block[]): void {
    const toks = ll.tokens;
    let kind = toks[0]!.text;
    if (kind === 'async' && toks[1]) kind = toks[1].text;
    const colon = headerColon(toks);
    const headerScope: Scope = scope;
    // a case pattern's captures bind names this reader does not follow
    if (kind === 'match' || kind === 'case') namePass = false;
    if (kind === 'def' || kind === 'class') {
      const nameTok = toks[toks[0]!.text === 'async' ? 2 : 1];
      if (nameTok && nameTok.type === Tok.Name) {
        if (kind === 'def' && nameTok.text === '__getattr__' && scope === 'module') {
          dynamic.push({ reason: 'a module-level __getattr__ answers any missing attribute at run time', line: ll.line });
        }
        bind(nameTok.text, { t: 'unknown', reason: `the ${kind === 'def' ? 'function' : 'class'} ${nameTok.text}` }, ll.line, headerScope, stack);
      }
    } else if (kind === 'for' || kind === 'with' || kind === 'except') {
      // loop targets and `as` names are bound by the header itself
      const headerStack: Block[] = [...stack, { indent: ll.indent, kind, line: ll.line }];
      for (let i = 1; i < colon; i++) {
        const t = toks[i]!;
        const isForTarget = kind === 'for' && t.type === Tok.Name && indexOfName(toks, 'in', 1) > i;
        const isAsTarget = i > 0 && toks[i - 1]!.text === 'as' && t.type === Tok.Name;
        if (isForTarget || isAsTarget) bind(t.text, { t: 'unknown', reason: 'a loop or `as` target' }, ll.line, headerScope === 'module' ? 'conditional' : headerScope, headerStack);
      }
    }
    noteWalrus(toks, 0, colon, scope, stack);
    const newBlock: Block = CONDITIONAL.has(kind) && !alwaysRuns(toks) ? { indent: ll.indent, kind, line: ll.line, conditional: true } : { indent: ll.indent, kind, line: ll.line };
    // `class K::` is invalid Python, but its indented lines are a body all the same (the tokenizer skips them)
    const opensDefBody = (kind === 'def' || kind === 'class') && toks[toks.length - 1]!.text === ':';
    if (colon >= toks.length - 1 || opensDefBody) {
      stack.push(newBlock);
      return;
    }
    // `if x: a = 1` — a body on the header line belongs to the block
    const innerStack = [...stack, newBlock];
    const innerScope = scopeOf(innerStack);
    if (innerScope === 'function') return;
    for (const stmt of splitTop(toks, colon + 1, toks.length, ';')) {
      if (stmt[1] > stmt[0]) handleStatement(toks, stmt[0], stmt[1], innerScope, innerStack);
    }
  }

  function handleStatement(toks: Token[], s: number, e: number, scope: Scope, stack: readonly Block[]): void {
    const head = toks[s]!;
    if (head.type === Tok.Name && (head.text === 'import' || head.text === 'from')) {
      handleImport(toks, s, e, scope, stack);
      return;
    }
    if (head.type === Tok.Name && head.text === 'del') {
      for (const [a, b] of splitTop(toks, s + 1, e, ',')) {
        if (b - a === 1 && toks[a]!.type === Tok.Name) {
          bind(toks[a]!.text, { t: 'unknown', reason: 'deleted with `del`' }, head.line, scope, stack);
        }
      }
      return;
    }
    if (head.type === Tok.Name && (head.text === 'global' || head.text === 'nonlocal' || head.text === 'pass')) return;
    noteDynamicCalls(toks, s, e);
    noteWalrus(toks, s, e, scope, stack);
    const eqs = topLevelIndexes(toks, s, e, '=');
    if (eqs.length === 0) {
      const aug = topLevelOp(toks, s, e, AUGMENTED);
      if (aug > s && aug - s === 1 && toks[s]!.type === Tok.Name) {
        const current = bindings.get(toks[s]!.text);
        const rhs = evalExpr(toks, aug + 1, e);
        let value: PyValue = { t: 'unknown', reason: `the augmented assignment \`${toks[aug]!.text}\`` };
        if (toks[aug]!.text === '+=' && current && current.value.t !== 'unknown' && scope === 'module') {
          value = add(current.value, rhs);
        }
        bind(toks[s]!.text, value, head.line, scope, stack);
      }
      return;
    }
    const value = evalExpr(toks, eqs[eqs.length - 1]! + 1, e);
    let start = s;
    for (const eq of eqs) {
      assignTarget(toks, start, eq, value, scope, stack);
      start = eq + 1;
    }
  }

  function assignTarget(
    toks: Token[],
    s: number,
    e: number,
    value: PyValue,
    scope: Scope,
    stack: readonly Block[],
  ): void {
    const line = toks[s]!.line;
    // annotated assignment: NAME ':' annotation '=' value
    const colon = topLevelIndexes(toks, s, e, ':');
    if (colon.length > 0) {
      if (colon[0] === s + 1 && toks[s]!.type === Tok.Name) bind(toks[s]!.text, value, line, scope, stack);
      return;
    }
    let a = s;
    let b = e;
    if (b - a >= 2 && isBracketPair(toks, a, b)) {
      a++;
      b--;
    }
    const parts = splitTop(toks, a, b, ',');
    const hasComma = topLevelIndexes(toks, a, b, ',').length > 0;
    if (!hasComma) {
      if (b - a === 1 && toks[a]!.type === Tok.Name) {
        bind(toks[a]!.text, value, line, scope, stack);
      } else if (b - a >= 1 && toks[a]!.text === 'globals') {
        dynamic.push({ reason: 'assignment through globals()', line });
      } else if (b - a === 1 && isBracketPair(toks, s, e)) {
        // `(x) = …` is just x
      }
      return;
    }
    const targets = parts.filter(([x, y]) => y > x);
    let items: readonly PyValue[] | null = null;
    if ((value.t === 'tuple' || value.t === 'list') && value.items.length === targets.length) items = value.items;
    targets.forEach(([x, y], idx) => {
      let tx = x;
      let ty = y;
      if (ty - tx >= 2 && isBracketPair(toks, tx, ty)) {
        tx++;
        ty--;
      }
      if (ty - tx === 1 && toks[tx]!.type === Tok.Name) {
        const v: PyValue = items
          ? items[idx]!
          : value.t === 'unknown'
            ? value
            : { t: 'unknown', reason: 'tuple unpacking of a value whose length does not match' };
        bind(toks[tx]!.text, v, line, scope, stack);
      } else if (toks[tx]?.text === '*' && toks[tx + 1]?.type === Tok.Name) {
        bind(toks[tx + 1]!.text, { t: 'unknown', reason: 'starred unpacking' }, line, scope, stack);
      } else {
        // nested targets: every name inside is bound to something we do not track
        for (let i = tx; i < ty; i++) {
          if (toks[i]!.type === Tok.Name) bind(toks[i]!.text, { t: 'unknown', reason: 'nested tuple unpacking' }, line, scope, stack);
        }
      }
    });
  }

  function handleImport(toks: Token[], s: number, e: number, scope: Scope, stack: readonly Block[]): void {
    const line = toks[s]!.line;
    if (toks[s]!.text === 'import') {
      for (const [a, b] of splitTop(toks, s + 1, e, ',')) {
        if (b <= a) continue;
        if (scope === 'module' && !toks[s]!.lazy) imports.push({ module: toks[a]!.text, line, level: 0 });
        const asIdx = indexOfName(toks, 'as', a, b);
        const name = asIdx >= 0 ? toks[asIdx + 1]?.text : toks[a]!.text;
        // `import a.b.c as m` binds m to a.b.c; `import a.b.c` binds a to a
        let dotted = '';
        for (let k = a; k < (asIdx >= 0 ? asIdx : b); k++) dotted += toks[k]!.text;
        const module = { name: asIdx >= 0 ? dotted : toks[a]!.text, loaded: dotted };
        if (name) bind(name, { t: 'unknown', reason: `the module ${name}`, module }, line, scope, stack);
      }
      return;
    }
    let i = s + 1;
    let level = 0;
    while (i < e && (toks[i]!.text === '.' || toks[i]!.text === '...')) {
      level += toks[i]!.text.length;
      i++;
    }
    let module = '';
    while (i < e && toks[i]!.text !== 'import') module += toks[i++]!.text;
    i++;
    if (scope === 'module' && !toks[s]!.lazy) imports.push({ module: module.split('.')[0] ?? '', line, level });
    if (toks[i]?.text === '*') {
      if (scope !== 'function') dynamic.push({ reason: `\`from ${'.'.repeat(level)}${module} import *\` may bind any name`, line });
      return;
    }
    let a = i;
    let b = e;
    if (toks[a]?.text === '(' && toks[b - 1]?.text === ')') {
      a++;
      b--;
    }
    for (const [x, y] of splitTop(toks, a, b, ',')) {
      if (y <= x) continue;
      const orig = toks[x]!.text;
      const asIdx = indexOfName(toks, 'as', x, y);
      const local = asIdx >= 0 ? toks[asIdx + 1]?.text ?? orig : orig;
      const unknown: PyUnknown = {
        t: 'unknown',
        reason: `the name ${local} imported from ${'.'.repeat(level)}${module}`,
        name: local,
        importedFrom: { module, name: orig, level },
      };
      bind(local, unknown, line, scope, stack);
    }
  }

  function noteDynamicCalls(toks: Token[], s: number, e: number): void {
    for (let i = s; i < e - 1; i++) {
      const t = toks[i]!;
      if (t.type !== Tok.Name || toks[i + 1]!.text !== '(') continue;
      if (i > s && toks[i - 1]!.text === '.') {
        if (t.text === 'update' && i >= 3 && toks[i - 2]!.text === ')' && toks[i - 4]?.text === 'globals') {
          dynamic.push({ reason: 'globals().update(...)', line: t.line });
        }
        continue;
      }
      if (t.text === 'exec' || t.text === 'setattr') {
        dynamic.push({ reason: `a module-level ${t.text}() call`, line: t.line });
      }
    }
  }

  function noteWalrus(toks: Token[], s: number, e: number, scope: Scope, stack: readonly Block[]): void {
    for (let i = s + 1; i < e; i++) {
      if (toks[i]!.text === ':=' && toks[i - 1]!.type === Tok.Name) {
        bind(toks[i - 1]!.text, { t: 'unknown', reason: 'an assignment expression (:=)' }, toks[i]!.line, scope === 'module' ? 'conditional' : scope, stack.length ? stack : [{ indent: 0, kind: 'expression', line: toks[i]!.line }]);
      }
    }
  }

  // ---- expressions -------------------------------------------------------

  function evalExpr(toks: Token[], s: number, e: number): PyValue {
    if (e <= s) return { t: 'unknown', reason: 'an empty expression' };
    if (toks[s]!.text === 'yield' || toks[s]!.text === 'await') return { t: 'unknown', reason: `a ${toks[s]!.text} expression` };
    const commas = topLevelIndexes(toks, s, e, ',');
    if (commas.length === 0) return evalSum(toks, s, e);
    const items: PyValue[] = [];
    for (const [a, b] of splitTop(toks, s, e, ',')) {
      if (b > a) items.push(evalSum(toks, a, b));
      else if (b !== e) return { t: 'unknown', reason: 'a malformed tuple' };
    }
    return { t: 'tuple', items };
  }

  function evalSum(toks: Token[], s: number, e: number): PyValue {
    for (let i = s; i < e; i++) {
      const t = toks[i]!;
      if (t.type === Tok.Name && EXPRESSION_KEYWORDS.has(t.text) && depthAt(toks, s, i) === 0) {
        return { t: 'unknown', reason: t.text === 'if' ? 'a conditional expression' : `an expression using \`${t.text}\`` };
      }
    }
    const plus = topLevelIndexes(toks, s, e, '+');
    if (plus.length === 0) return evalAtom(toks, s, e);
    let acc: PyValue | null = null;
    let start = s;
    for (const p of [...plus, e]) {
      if (p === start) return { t: 'unknown', reason: 'a unary operator' };
      const v = evalAtom(toks, start, p);
      acc = acc === null ? v : add(acc, v);
      start = p + 1;
    }
    return acc!;
  }

  function evalAtom(toks: Token[], s: number, e: number): PyValue {
    const t = toks[s]!;
    if (t.type === Tok.String) {
      let acc: PyValue | null = null;
      let i = s;
      for (; i < e && toks[i]!.type === Tok.String; i++) {
        const v = evalStringLiteral(toks[i]!.text);
        if (acc === null) acc = v;
        else if (acc.t === 'unknown') break;
        else if (v.t === 'unknown') acc = v;
        else if (acc.t !== v.t) return { t: 'unknown', reason: 'bytes and str literals mixed (a SyntaxError)' };
        else acc = { t: acc.t, v: (acc as { v: string }).v + (v as { v: string }).v } as PyValue;
      }
      if (i < e && acc && acc.t !== 'unknown') return trailerUnknown(toks, i, e);
      return acc!;
    }
    if (e - s === 1) {
      if (t.type === Tok.Name) {
        if (t.text === 'None') return { t: 'none' };
        if (t.text === 'True' || t.text === 'False') return { t: 'bool', v: t.text === 'True' };
        const b = bindings.get(t.text);
        if (b) {
          if (b.value.t !== 'unknown') return b.value;
          return b.value.importedFrom ? b.value : { t: 'unknown', reason: `the name ${t.text} (${b.value.reason})`, name: t.text };
        }
        return { t: 'unknown', reason: `the undefined name ${t.text} (a NameError when Alembic imports the file)`, name: t.text };
      }
      if (t.type === Tok.Number) {
        const v = parseIntLiteral(t.text);
        return v === null ? { t: 'unknown', reason: `the number ${t.text}` } : { t: 'int', v };
      }
    }
    if (t.type === Tok.Op && t.text === '-' && e - s === 2 && toks[s + 1]!.type === Tok.Number) {
      const v = parseIntLiteral(toks[s + 1]!.text);
      if (v !== null) return { t: 'int', v: -v };
    }
    if (t.type === Tok.Op && (t.text === '(' || t.text === '[')) {
      const close = matching(toks, s, e);
      if (close === e - 1) {
        if (t.text === '(') {
          if (close === s + 1) return { t: 'tuple', items: [] };
          return evalExpr(toks, s + 1, close);
        }
        if (close === s + 1) return { t: 'list', items: [] };
        const inner = evalExpr(toks, s + 1, close);
        const hasComma = topLevelIndexes(toks, s + 1, close, ',').length > 0;
        if (inner.t === 'unknown') return inner;
        return { t: 'list', items: hasComma && inner.t === 'tuple' ? inner.items : [inner] };
      }
      if (close > 0) return trailerUnknown(toks, close + 1, e);
    }
    if (t.type === Tok.Op && t.text === '{') return { t: 'unknown', reason: 'a set or dict' };
    if (t.type === Tok.Name && s + 1 < e) return moduleAttribute(toks, s, e) ?? trailerUnknown(toks, s + 1, e, t.text);
    return { t: 'unknown', reason: `an expression starting with \`${t.text}\`` };
  }

  /**
   * `m.NAME` (or `m.sub.NAME`) where m is an imported module, or a name
   * imported from a package that may be its submodule
   * (`from pkg import cli` … `cli.CONTRACT_BRANCH`): an unknown that names the
   * module and attribute, for the import resolver to look up. Anything else:
   * undefined.
   */
  function moduleAttribute(toks: Token[], s: number, e: number): PyUnknown | undefined {
    const attrs: string[] = [];
    for (let i = s + 1; i < e; i += 2) {
      if (toks[i]!.text !== '.' || toks[i + 1]?.type !== Tok.Name || i + 1 >= e) return undefined;
      attrs.push(toks[i + 1]!.text);
    }
    const base = toks[s]!.text;
    const b = bindings.get(base)?.value;
    if (b?.t !== 'unknown') return undefined;
    const name = attrs.pop()!;
    let module: string | undefined;
    if (b.module) {
      // only submodules the import statement loaded are attributes (a.b.c loads a, a.b and a.b.c)
      const target = [b.module.name, ...attrs].join('.');
      if (b.module.loaded === target || b.module.loaded.startsWith(`${target}.`)) module = target;
    } else if (b.importedFrom && b.importedFrom.level === 0 && b.importedFrom.module && attrs.length === 0) {
      module = `${b.importedFrom.module}.${b.importedFrom.name}`;
    }
    if (module === undefined) return undefined;
    return { t: 'unknown', reason: `an attribute of ${base}`, name, importedFrom: { module, name, level: 0 } };
  }

  function trailerUnknown(toks: Token[], i: number, e: number, name?: string): PyValue {
    const tr = toks[i]?.text;
    if (tr === '(') return { t: 'unknown', reason: name ? `a call to ${name}()` : 'a function call' };
    if (tr === '[') return { t: 'unknown', reason: 'a subscript' };
    if (tr === '.') return { t: 'unknown', reason: name ? `an attribute of ${name}` : 'a method call or attribute' };
    return { t: 'unknown', reason: `an operator \`${tr ?? ''}\`` };

  }
}

function add(a: PyValue, b: PyValue): PyValue {
  if (a.t === 'unknown') return a;
  if (b.t === 'unknown') return b;
  if ((a.t === 'str' && b.t === 'str') || (a.t === 'bytes' && b.t === 'bytes')) return { t: a.t, v: a.v + b.v };
  if (a.t === 'tuple' && b.t === 'tuple') return { t: 'tuple', items: [...a.items, ...b.items] };
  if (a.t === 'list' && b.t === 'list') return { t: 'list', items: [...a.items, ...b.items] };
  if (a.t === 'int' && b.t === 'int') return { t: 'int', v: a.v + b.v };
  return { t: 'unknown', reason: `${a.t} + ${b.t} (a TypeError when Alembic imports the file)` };
}

function parseIntLiteral(text: string): bigint | null {
  const s = text.replace(/_/g, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(s) || /^0[oO][0-7]+$/.test(s) || /^0[bB][01]+$/.test(s)) return BigInt(s);
  if (/^(0+|[1-9][0-9]*)$/.test(s)) return BigInt(s);
  return null;
}

/**
 * The op calls (`op.NAME(` when `op` is Alembic's, or `alembic.op.NAME(`) one logical line makes at
 * import. A call inside a conditional block (or after the colon of a
 * conditional one-line header, `if sqlite: op.execute(…)`) runs only when the condition holds then:
 * Ubersystem guards `op.get_context()` by a flag that a try/except sets to False while the scripts are
 * only read, so `alembic heads` works. Such calls are not counted.
 */
function findProxyCalls(toks: readonly Token[], opImported: boolean, out: { method: string; line: number; tries: number[] }[], blocks: readonly Block[], bodyFrom: number): void {
  if (blocks.some((b) => b.conditional)) return;
  const end = Math.min(toks.length, bodyFrom);
  for (let i = 0; i + 3 < end; i++) {
    const t = toks[i]!;
    if (t.type !== Tok.Name || t.text !== 'op' || toks[i + 1]!.text !== '.' || toks[i + 2]!.type !== Tok.Name || toks[i + 3]!.text !== '(') continue;
    const qualified = i >= 2 && toks[i - 1]!.text === '.' && toks[i - 2]!.text === 'alembic';
    const attribute = i >= 1 && toks[i - 1]!.text === '.';
    if (qualified || (opImported && !attribute)) out.push({ method: toks[i + 2]!.text, line: t.line, tries: blocks.filter((b) => b.kind === 'try').map((b) => b.line) });
  }
}

/** Where a conditional header's own body starts on its line (after the colon); the line's length otherwise. */
function conditionalBody(toks: readonly Token[]): number {
  const kw = toks[0]!;
  if (kw.type !== Tok.Name || !CONDITIONAL.has(kw.text) || alwaysRuns(toks)) return toks.length;
  const colon = headerColon(toks);
  return colon < toks.length ? colon + 1 : toks.length;
}

/** `except:`, or an except clause naming NameError or one of its bases. */
function catchesNameError(toks: readonly Token[]): boolean {
  if (toks[1]?.text === ':') return true;
  return toks.some((t) => t.type === Tok.Name && (t.text === 'NameError' || t.text === 'Exception' || t.text === 'BaseException'));
}

function isHeader(ll: LogicalLine): boolean {
  const toks = ll.tokens;
  const kw = toks[0]!.text;
  if (kw === 'match' || kw === 'case') {
    // soft keywords: only a header when the line is `match …:`
    const last = toks[toks.length - 1]!;
    return toks.length > 1 && toks[1]!.text !== '=' && toks[1]!.text !== '.' && toks[1]!.text !== '(' && last.text === ':';
  }
  return headerColon(toks) < toks.length;
}

function docstringOf(toks: Token[], s: number, e: number): Docstring | undefined {
  for (let i = s; i < e; i++) if (toks[i]!.type !== Tok.String) return undefined;
  let text = '';
  for (let i = s; i < e; i++) {
    const v = evalStringLiteral(toks[i]!.text);
    if (v.t !== 'str') return undefined;
    text += v.v;
  }
  return docstringOfText(text, toks[s]!.line);
}

function depthAt(toks: Token[], s: number, i: number): number {
  let depth = 0;
  for (let k = s; k < i; k++) {
    const x = toks[k]!.text;
    if (toks[k]!.type !== Tok.Op) continue;
    if (x === '(' || x === '[' || x === '{') depth++;
    else if (x === ')' || x === ']' || x === '}') depth--;
  }
  return depth;
}

function isBracketPair(toks: Token[], s: number, e: number): boolean {
  const open = toks[s]!.text;
  if (toks[s]!.type !== Tok.Op || (open !== '(' && open !== '[')) return false;
  return matching(toks, s, e) === e - 1;
}

function indexOfName(toks: Token[], name: string, s: number, e = toks.length): number {
  for (let i = s; i < e; i++) if (toks[i]!.type === Tok.Name && toks[i]!.text === name) return i;
  return -1;
}
