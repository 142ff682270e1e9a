import {
  headerColon,
  splitTop,
  Tok,
  tokenize,
  topLevelIndexes,
  topLevelOp,
  type LogicalLine,
  type Token,
  type TokenizeOptions,
} from '../../python/python-tokenizer.js';
import {
  alwaysRuns,
  catchesNameError,
  conditionalBody,
  CONDITIONAL,
  docstringOf,
  findProxyCalls,
  importStatement,
  indexOfName,
  isBracketPair,
  isHeader,
  type Block,
} from './module-lines.js';
import { add, evalExpr } from './expression-value.js';
import {
  BINDS_UNSEEN,
  classUnbound,
  decoratorUnbound,
  defUnbound,
  headerUnbound,
  statementUnbound,
  type UnboundRead,
} from '../../python/unbound-names.js';
import type { PyValue } from '../../python/python-value.js';
import {
  REVISION_FIELDS,
  type Docstring,
  type DynamicHint,
  type FieldBinding,
  type ReadResult,
  type RevisionField,
} from './read-result.js';

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
    while (i + 1 < lines.length && ((text.includes('(') && !text.includes(')')) || text.endsWith('\\')))
      text += ` ${lines[++i]!}`;
    if (/\bannotations\b/u.test(text)) return true;
  }
  return false;
}

const COMPOUND = new Set([
  'if',
  'elif',
  'else',
  'for',
  'while',
  'try',
  'except',
  'finally',
  'with',
  'def',
  'class',
  'async',
  'match',
  'case',
]);
const AUGMENTED = new Set(['+=', '-=', '*=', '/=', '//=', '%=', '**=', '>>=', '<<=', '&=', '|=', '^=', '@=']);

type Scope = 'module' | 'conditional' | 'function';

/** A module read line by line, its bindings and the facts Alembic's import of it depends on. */
export interface ModuleRead {
  readonly result: ReadResult;
  readonly bindings: ReadonlyMap<string, FieldBinding>;
}

/** Reads a module's top-level statements the way Python binds them, without running anything. */
export function readModule(source: string, options: TokenizeOptions): ModuleRead {
  return new ModuleReader(source, tokenize(source, options)).read();
}

class ModuleReader {
  private readonly bindings = new Map<string, FieldBinding>();
  private readonly dynamic: DynamicHint[] = [];
  private readonly imports: { module: string; line: number; level: number }[] = [];
  private docstring: Docstring | undefined;
  private readonly blocks: Block[] = [];
  private first = true;
  private readonly proxyCalls: { method: string; line: number; tries: number[] }[] = [];
  private readonly opImported: boolean;
  // a try whose except catches the NameError (FitTrackee's workaround) keeps the load alive
  private readonly tryAt = new Map<number, number>();
  private readonly swallowing = new Set<number>();
  private namePass: boolean;
  private unboundName: { name: string; line: number } | undefined;
  private unboundAnnotation: { name: string; line: number } | undefined;
  private readonly isBound = (n: string): boolean => this.bindings.has(n);

  constructor(
    private readonly source: string,
    private readonly tokens: ReturnType<typeof tokenize>,
  ) {
    this.opImported = source.includes('op') && IMPORTS_OP.test(source);
    this.namePass = !BINDS_UNSEEN.test(source);
  }

  read(): ModuleRead {
    for (const ll of this.tokens.lines) this.readLine(ll);
    const { bindings, dynamic, tokens } = this;
    const fields: Partial<Record<RevisionField, FieldBinding>> = {};
    for (const f of REVISION_FIELDS) {
      const b = bindings.get(f);
      if (b) fields[f] = b;
    }
    const loadBreaking = this.proxyCalls
      .filter((c) => !c.tries.some((t) => this.swallowing.has(t)))
      .map(({ method, line }) => ({ method, line }));
    const upgradeBound = bindings.has('upgrade') ? 'yes' : dynamic.length > 0 ? 'unknown' : 'no';
    const result: ReadResult = {
      fields,
      docstring: this.docstring,
      dynamic,
      syntaxError: tokens.error,
      imports: this.imports,
      proxyCalls: loadBreaking,
      upgradeBound,
      ...this.unboundReads(),
    };
    return { result: tokens.newer ? { ...result, newer: tokens.newer } : result, bindings };
  }

  private noteUnbound(r: UnboundRead): void {
    if (this.unboundName) return;
    if (r.certain) this.unboundName = { name: r.certain.text, line: r.certain.line };
    else if (r.annotation && !this.unboundAnnotation)
      this.unboundAnnotation = { name: r.annotation.text, line: r.annotation.line };
  }

  private readLine(ll: LogicalLine): void {
    const blocks = this.blocks;
    while (blocks.length > 0 && blocks[blocks.length - 1]!.indent >= ll.indent) blocks.pop();
    const scope = this.scopeOf(blocks);
    const toks = ll.tokens;
    // code outside functions runs at import, also in decorators and default arguments
    if (scope !== 'function') {
      const word = toks[0]!.text;
      if (word === 'try') this.tryAt.set(ll.indent, ll.line);
      else if (word === 'except' && this.tryAt.has(ll.indent) && catchesNameError(toks))
        this.swallowing.add(this.tryAt.get(ll.indent)!);
      findProxyCalls(toks, this.opImported, this.proxyCalls, blocks, conditionalBody(toks));
    }
    const head = toks[0]!;
    if (head.type === Tok.Name && COMPOUND.has(head.text) && isHeader(ll)) {
      this.first = false;
      if (this.namePass && scope === 'module')
        this.noteHeaderUnbound(toks, head.text === 'async' ? toks[1]!.text : head.text);
      this.handleHeader(ll, scope, blocks);
      return;
    }
    if (head.type === Tok.Op && head.text === '@') {
      this.first = false;
      if (this.namePass && scope === 'module') this.noteUnbound(decoratorUnbound(toks, this.isBound));
      return;
    }
    if (scope === 'function') {
      this.first = false;
      return;
    }
    this.readStatements(toks, scope);
  }

  private noteHeaderUnbound(toks: Token[], def: string): void {
    if (def === 'def') this.noteUnbound(defUnbound(toks, headerColon(toks), this.isBound));
    else if (def === 'class') this.noteUnbound(classUnbound(toks, headerColon(toks), this.isBound));
    // a header at the top level runs when the module is imported
    else if (this.blocks.length === 0) this.noteUnbound(headerUnbound(toks, headerColon(toks), this.isBound));
  }

  private readStatements(toks: Token[], scope: Scope): void {
    for (const stmt of splitTop(toks, 0, toks.length, ';')) {
      if (stmt[1] <= stmt[0]) continue;
      if (this.first && scope === 'module') {
        const doc = docstringOf(toks, stmt[0], stmt[1]);
        if (doc) this.docstring = doc;
      }
      this.first = false;
      if (this.namePass && scope === 'module')
        this.noteUnbound(statementUnbound(toks, stmt[0], stmt[1], this.isBound));
      this.handleStatement(toks, stmt[0], stmt[1], scope, this.blocks);
    }
  }

  private unboundReads(): Pick<ReadResult, 'unboundName' | 'unboundAnnotation'> {
    if (this.dynamic.length > 0 || this.tokens.error) return {};
    const { unboundName, unboundAnnotation } = this;
    // PEP 563: annotations stay strings
    const annotation = unboundAnnotation && !futureAnnotations(this.source) ? { unboundAnnotation } : {};
    return { ...(unboundName ? { unboundName } : {}), ...annotation };
  }

  private scopeOf(stack: readonly Block[]): Scope {
    if (stack.length === 0) return 'module';
    for (const b of stack) if (b.kind === 'def' || b.kind === 'class') return 'function';
    return 'conditional';
  }

  private bind(name: string, value: PyValue, line: number, scope: Scope, stack: readonly Block[]): void {
    if (scope === 'function') return;
    if (scope === 'conditional') {
      const outer = stack[0]!;
      value = {
        t: 'unknown',
        reason: `assigned inside the \`${outer.kind}\` block at line ${outer.line}, so it depends on run time`,
      };
    }
    this.bindings.set(name, { value, line });
  }

  private handleHeader(ll: LogicalLine, scope: Scope, stack: Block[]): void {
    const toks = ll.tokens;
    let kind = toks[0]!.text;
    if (kind === 'async' && toks[1]) kind = toks[1].text;
    const colon = headerColon(toks);
    const headerScope: Scope = scope;
    // a case pattern's captures bind names this reader does not follow
    if (kind === 'match' || kind === 'case') this.namePass = false;
    if (kind === 'def' || kind === 'class') {
      const nameTok = toks[toks[0]!.text === 'async' ? 2 : 1];
      if (nameTok && nameTok.type === Tok.Name) {
        if (kind === 'def' && nameTok.text === '__getattr__' && scope === 'module') {
          this.dynamic.push({
            reason: 'a module-level __getattr__ answers any missing attribute at run time',
            line: ll.line,
          });
        }
        this.bind(
          nameTok.text,
          { t: 'unknown', reason: `the ${kind === 'def' ? 'function' : 'class'} ${nameTok.text}` },
          ll.line,
          headerScope,
          stack,
        );
      }
    } else if (kind === 'for' || kind === 'with' || kind === 'except') {
      // loop targets and `as` names are bound by the header itself
      const headerStack: Block[] = [...stack, { indent: ll.indent, kind, line: ll.line }];
      for (let i = 1; i < colon; i++) {
        const t = toks[i]!;
        const isForTarget = kind === 'for' && t.type === Tok.Name && indexOfName(toks, 'in', 1) > i;
        const isAsTarget = i > 0 && toks[i - 1]!.text === 'as' && t.type === Tok.Name;
        if (isForTarget || isAsTarget)
          this.bind(
            t.text,
            { t: 'unknown', reason: 'a loop or `as` target' },
            ll.line,
            headerScope === 'module' ? 'conditional' : headerScope,
            headerStack,
          );
      }
    }
    this.noteWalrus(toks, 0, colon, scope, stack);
    const newBlock: Block =
      CONDITIONAL.has(kind) && !alwaysRuns(toks)
        ? { indent: ll.indent, kind, line: ll.line, conditional: true }
        : { indent: ll.indent, kind, line: ll.line };
    // `class K::` is invalid Python, but its indented lines are a body all the same (the tokenizer skips them)
    const opensDefBody = (kind === 'def' || kind === 'class') && toks[toks.length - 1]!.text === ':';
    if (colon >= toks.length - 1 || opensDefBody) {
      stack.push(newBlock);
      return;
    }
    // `if x: a = 1` — a body on the header line belongs to the block
    const innerStack = [...stack, newBlock];
    const innerScope = this.scopeOf(innerStack);
    if (innerScope === 'function') return;
    for (const stmt of splitTop(toks, colon + 1, toks.length, ';')) {
      if (stmt[1] > stmt[0]) this.handleStatement(toks, stmt[0], stmt[1], innerScope, innerStack);
    }
  }

  private handleStatement(toks: Token[], s: number, e: number, scope: Scope, stack: readonly Block[]): void {
    const head = toks[s]!;
    if (head.type === Tok.Name && (head.text === 'import' || head.text === 'from')) {
      this.handleImport(toks, s, e, scope, stack);
      return;
    }
    if (head.type === Tok.Name && head.text === 'del') {
      for (const [a, b] of splitTop(toks, s + 1, e, ',')) {
        if (b - a === 1 && toks[a]!.type === Tok.Name) {
          this.bind(toks[a]!.text, { t: 'unknown', reason: 'deleted with `del`' }, head.line, scope, stack);
        }
      }
      return;
    }
    if (
      head.type === Tok.Name &&
      (head.text === 'global' || head.text === 'nonlocal' || head.text === 'pass')
    )
      return;
    this.noteDynamicCalls(toks, s, e);
    this.noteWalrus(toks, s, e, scope, stack);
    const eqs = topLevelIndexes(toks, s, e, '=');
    if (eqs.length === 0) {
      const aug = topLevelOp(toks, s, e, AUGMENTED);
      if (aug > s && aug - s === 1 && toks[s]!.type === Tok.Name) {
        const current = this.bindings.get(toks[s]!.text);
        const rhs = evalExpr(this.bindings, toks, aug + 1, e);
        let value: PyValue = { t: 'unknown', reason: `the augmented assignment \`${toks[aug]!.text}\`` };
        if (toks[aug]!.text === '+=' && current && current.value.t !== 'unknown' && scope === 'module') {
          value = add(current.value, rhs);
        }
        this.bind(toks[s]!.text, value, head.line, scope, stack);
      }
      return;
    }
    const value = evalExpr(this.bindings, toks, eqs[eqs.length - 1]! + 1, e);
    let start = s;
    for (const eq of eqs) {
      this.assignTarget(toks, start, eq, value, scope, stack);
      start = eq + 1;
    }
  }

  private assignTarget(
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
      if (colon[0] === s + 1 && toks[s]!.type === Tok.Name)
        this.bind(toks[s]!.text, value, line, scope, stack);
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
        this.bind(toks[a]!.text, value, line, scope, stack);
      } else if (b - a >= 1 && toks[a]!.text === 'globals') {
        this.dynamic.push({ reason: 'assignment through globals()', line });
      } else if (b - a === 1 && isBracketPair(toks, s, e)) {
        // `(x) = …` is just x
      }
      return;
    }
    const targets = parts.filter(([x, y]) => y > x);
    let items: readonly PyValue[] | null = null;
    if ((value.t === 'tuple' || value.t === 'list') && value.items.length === targets.length)
      items = value.items;
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
        this.bind(toks[tx]!.text, v, line, scope, stack);
      } else if (toks[tx]?.text === '*' && toks[tx + 1]?.type === Tok.Name) {
        this.bind(toks[tx + 1]!.text, { t: 'unknown', reason: 'starred unpacking' }, line, scope, stack);
      } else {
        // nested targets: every name inside is bound to something we do not track
        for (let i = tx; i < ty; i++) {
          if (toks[i]!.type === Tok.Name)
            this.bind(toks[i]!.text, { t: 'unknown', reason: 'nested tuple unpacking' }, line, scope, stack);
        }
      }
    });
  }

  private handleImport(toks: Token[], s: number, e: number, scope: Scope, stack: readonly Block[]): void {
    const line = toks[s]!.line;
    const read = importStatement(toks, s, e);
    if (scope === 'module' && !toks[s]!.lazy) this.imports.push(...read.modules.map((m) => ({ ...m, line })));
    if (read.star !== undefined) {
      if (scope !== 'function') this.dynamic.push({ reason: read.star, line });
      return;
    }
    for (const [name, value] of read.binds) this.bind(name, value, line, scope, stack);
  }

  private noteDynamicCalls(toks: Token[], s: number, e: number): void {
    for (let i = s; i < e - 1; i++) {
      const t = toks[i]!;
      if (t.type !== Tok.Name || toks[i + 1]!.text !== '(') continue;
      if (i > s && toks[i - 1]!.text === '.') {
        if (t.text === 'update' && i >= 3 && toks[i - 2]!.text === ')' && toks[i - 4]?.text === 'globals') {
          this.dynamic.push({ reason: 'globals().update(...)', line: t.line });
        }
        continue;
      }
      if (t.text === 'exec' || t.text === 'setattr') {
        this.dynamic.push({ reason: `a module-level ${t.text}() call`, line: t.line });
      }
    }
  }

  private noteWalrus(toks: Token[], s: number, e: number, scope: Scope, stack: readonly Block[]): void {
    for (let i = s + 1; i < e; i++) {
      if (toks[i]!.text === ':=' && toks[i - 1]!.type === Tok.Name) {
        this.bind(
          toks[i - 1]!.text,
          { t: 'unknown', reason: 'an assignment expression (:=)' },
          toks[i]!.line,
          scope === 'module' ? 'conditional' : scope,
          stack.length ? stack : [{ indent: 0, kind: 'expression', line: toks[i]!.line }],
        );
      }
    }
  }
}
