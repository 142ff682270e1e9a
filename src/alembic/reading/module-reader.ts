// The faithful reader of a module's top-level statements: the blocks they run in from the grammar's
// tree (the syntax verdict's), what each binds from its tokens (module-bindings.ts), and the facts
// Alembic's import of the module depends on.
import type { SyntaxNode } from '@lezer/common';
import { lineOf, lineStarts } from '../../python/line-starts.js';
import {
  Tok,
  tokenize,
  type Token,
  type TokenizeOptions,
  type TokenizeResult,
} from '../../python/python-tokenizer.js';
import { firstErrorNode } from '../../python/syntax/static-verdict.js';
import { kids } from '../../python/syntax/tree-walk.js';
import { treeTokens } from '../../python/tree-tokens.js';
import {
  alwaysRuns,
  catchesNameError,
  CONDITIONAL,
  docstringOf,
  findProxyCalls,
  indexOfName,
  type Block,
} from './module-lines.js';
import { ModuleBindings, scopeOf } from './module-bindings.js';
import {
  BINDS_UNSEEN,
  classUnbound,
  decoratorUnbound,
  defUnbound,
  headerUnbound,
  statementUnbound,
  type UnboundRead,
} from '../../python/unbound-names.js';
import {
  REVISION_FIELDS,
  type Docstring,
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

/** The compound statements besides def and class: a header per clause, each clause's body in its block. */
const COMPOUND = new Set([
  'IfStatement',
  'WhileStatement',
  'ForStatement',
  'TryStatement',
  'WithStatement',
  'MatchStatement',
]);

/** A module read statement by statement, its bindings and the facts Alembic's import of it depends on. */
export interface ModuleRead {
  readonly result: ReadResult;
  readonly bindings: ReadonlyMap<string, FieldBinding>;
}

/**
 * Reads a module's top-level statements the way Python binds them, without running anything: the
 * grammar's tree gives the statements and the blocks they are in (a function's body is not entered:
 * it runs when called), each statement's own tokens (its tree's leaves) what it binds to what.
 */
export function readModule(source: string, options: TokenizeOptions): ModuleRead {
  return new ModuleReader(source, tokenize(source, options)).read();
}

class ModuleReader {
  private readonly names = new ModuleBindings();
  private docstring: Docstring | undefined;
  private first = true;
  private readonly proxyCalls: { method: string; line: number; tries: number[] }[] = [];
  private readonly opImported: boolean;
  // a try whose except catches the NameError (FitTrackee's workaround) keeps the load alive
  private readonly swallowing = new Set<number>();
  private namePass: boolean;
  private unboundName: { name: string; line: number } | undefined;
  private unboundAnnotation: { name: string; line: number } | undefined;
  private readonly isBound = (n: string): boolean => this.names.bindings.has(n);
  private readonly starts: number[];
  /** Statements from this line on are not read: Python stops at the syntax error there. */
  private readonly stopLine: number;
  /** Where the tree's first error node is: a statement reaching it holds the error. */
  private readonly errorAt: number;

  constructor(
    private readonly source: string,
    private readonly parsed: TokenizeResult,
  ) {
    this.opImported = source.includes('op') && IMPORTS_OP.test(source);
    this.namePass = !BINDS_UNSEEN.test(source);
    this.starts = lineStarts(source);
    this.stopLine = parsed.error?.line ?? Infinity;
    this.errorAt = parsed.error ? (firstErrorNode(parsed.tree) ?? Infinity) : Infinity;
  }

  read(): ModuleRead {
    this.body(this.parsed.tree.topNode, []);
    const { parsed } = this;
    const { bindings, dynamic } = this.names;
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
      syntaxError: parsed.error,
      imports: this.names.imports,
      proxyCalls: loadBreaking,
      upgradeBound,
      ...this.unboundReads(),
    };
    return { result: parsed.newer ? { ...result, newer: parsed.newer } : result, bindings };
  }

  private noteUnbound(r: UnboundRead): void {
    if (this.unboundName) return;
    if (r.certain) this.unboundName = { name: r.certain.text, line: r.certain.line };
    else if (r.annotation && !this.unboundAnnotation)
      this.unboundAnnotation = { name: r.annotation.text, line: r.annotation.line };
  }

  private line(offset: number): number {
    return lineOf(this.starts, offset);
  }

  /** Whether Python reads the code in [from, to] before its syntax error (an error node at `to` ends it). */
  private readable(from: number, to: number): boolean {
    if (this.parsed.error === undefined) return true;
    return this.line(from) < this.stopLine && to < this.errorAt;
  }

  /** The tokens of `nodes`, and, when `colon` is given, that body's colon after them. */
  private tokens(nodes: readonly SyntaxNode[], colon?: SyntaxNode): Token[] {
    return treeTokens(this.source, this.starts, colon ? [...nodes, colon] : nodes);
  }

  /** The statements of the module or of a block's body. */
  private body(node: SyntaxNode, stack: readonly Block[]): void {
    for (let c = node.firstChild; c !== null; c = c.nextSibling) {
      if (c.name === 'DecoratedStatement') {
        for (const k of kids(c)) {
          if (k.name === 'Decorator') this.decorator(k, stack);
          else this.definition(k, stack);
        }
      } else if (c.name === 'FunctionDefinition' || c.name === 'ClassDefinition') this.definition(c, stack);
      else if (COMPOUND.has(c.name)) this.compound(c, stack);
      else if (c.name === 'StatementGroup') {
        for (const k of kids(c)) if (k.name !== ';') this.simple(k, stack);
      } else if (c.name !== ':' && c.name !== 'Comment' && !c.type.isError) this.simple(c, stack);
    }
  }

  /** A simple statement: what it binds, imports and calls when it runs. */
  private simple(node: SyntaxNode, stack: readonly Block[]): void {
    if (!this.readable(node.from, node.to)) return;
    const scope = scopeOf(stack);
    const toks = this.tokens([node]);
    if (toks.length === 0) return;
    findProxyCalls(toks, this.opImported, this.proxyCalls, stack);
    if (scope === 'function') {
      // a class body runs at import (its calls are counted above), but binds no module name
      this.first = false;
      return;
    }
    if (this.first && scope === 'module') {
      const doc = docstringOf(toks, 0, toks.length);
      if (doc) this.docstring = doc;
    }
    this.first = false;
    if (node.name === 'TypeDefinition') {
      // `type X = …` (3.12) binds X to an alias whose value is read when used
      const name = node.getChild('VariableName');
      if (name)
        this.names.bind(
          this.text(name),
          { t: 'unknown', reason: 'a type alias' },
          toks[0]!.line,
          scope,
          stack,
        );
      return;
    }
    if (this.namePass && scope === 'module')
      this.noteUnbound(statementUnbound(toks, 0, toks.length, this.isBound));
    this.names.statement(toks, 0, toks.length, scope, stack);
  }

  /** A decorator: its expression runs before the function or class it decorates is made. */
  private decorator(node: SyntaxNode, stack: readonly Block[]): void {
    if (!this.readable(node.from, node.to)) return;
    const toks = this.tokens([node]);
    findProxyCalls(toks, this.opImported, this.proxyCalls, stack);
    this.first = false;
    if (this.namePass && scopeOf(stack) === 'module') this.noteUnbound(decoratorUnbound(toks, this.isBound));
  }

  /** A `def` or `class`: its header runs (the name, defaults, bases, decorators), and a class's body. */
  private definition(node: SyntaxNode, stack: readonly Block[]): void {
    const header = kids(node);
    const body = header.pop();
    if (body?.name !== 'Body' || !this.readable(node.from, body.from)) return;
    const toks = this.tokens(header, body.firstChild ?? undefined);
    const colon = toks.length - 1;
    const scope = scopeOf(stack);
    findProxyCalls(toks, this.opImported, this.proxyCalls, stack);
    this.first = false;
    const kind = node.name === 'ClassDefinition' ? 'class' : 'def';
    if (this.namePass && scope === 'module')
      this.noteUnbound(
        kind === 'def' ? defUnbound(toks, colon, this.isBound) : classUnbound(toks, colon, this.isBound),
      );
    const name = node.getChild('VariableName');
    const line = toks[0]!.line;
    if (name) {
      const text = this.text(name);
      if (kind === 'def' && text === '__getattr__' && scope === 'module')
        this.names.dynamic.push({
          reason: 'a module-level __getattr__ answers any missing attribute at run time',
          line,
        });
      const what = kind === 'def' ? 'function' : 'class';
      this.names.bind(text, { t: 'unknown', reason: `the ${what} ${text}` }, line, scope, stack);
    }
    this.names.noteWalrus(toks, 0, colon, scope, stack);
    // a class body runs when the module is imported; a function's when it is called
    if (kind === 'class') this.body(body, [...stack, { kind, line }]);
  }

  /** An if, while, for, try, with or match: each clause's header, then its body in its block. */
  private compound(node: SyntaxNode, stack: readonly Block[]): void {
    let tryLine: number | undefined;
    let header: SyntaxNode[] = [];
    for (const k of kids(node)) {
      if (k.name === 'MatchBody') {
        // `match subject:` opens a block of `case` clauses
        const inner = this.clause('match', header, k.firstChild, stack, undefined);
        for (const c of kids(k)) if (c.name === 'MatchClause') this.compound(c, inner ?? stack);
        return;
      }
      if (k.name !== 'Body') {
        header.push(k);
        continue;
      }
      const clause = header;
      header = [];
      const word = this.text(clause[0]!.name === 'async' ? clause[1]! : clause[0]!);
      const inner = this.clause(word, clause, k.firstChild, stack, word === 'except' ? tryLine : undefined);
      if (word === 'try') tryLine = this.line(clause[0]!.from);
      if (inner) this.body(k, inner);
    }
  }

  /**
   * One clause's header (`elif x:`, `except E as e:`, `case …:`): what it evaluates and binds. The
   * block its body runs in, or undefined when Python does not get that far.
   */
  private clause(
    kind: string,
    nodes: readonly SyntaxNode[],
    colonNode: SyntaxNode | null,
    stack: readonly Block[],
    tryLine: number | undefined,
  ): Block[] | undefined {
    if (nodes.length === 0 || colonNode === null) return undefined;
    // a clause Python does not read has no body it reads either: that comes after the error
    if (!this.readable(nodes[0]!.from, colonNode.to)) return undefined;
    const toks = this.tokens(nodes, colonNode);
    const colon = toks.length - 1;
    const scope = scopeOf(stack);
    const line = toks[0]!.line;
    if (kind === 'except' && tryLine !== undefined && catchesNameError(toks)) this.swallowing.add(tryLine);
    findProxyCalls(toks, this.opImported, this.proxyCalls, stack);
    this.first = false;
    // a header at the top level runs when the module is imported
    if (this.namePass && scope === 'module' && stack.length === 0)
      this.noteUnbound(headerUnbound(toks, colon, this.isBound));
    // a case pattern's captures bind names this reader does not follow
    if (kind === 'match' || kind === 'case') this.namePass = false;
    const block: Block =
      CONDITIONAL.has(kind) && !alwaysRuns(toks) ? { kind, line, conditional: true } : { kind, line };
    if (kind === 'for' || kind === 'with' || kind === 'except') {
      // loop targets and `as` names are bound by the header itself
      const inner = [...stack, block];
      const inAt = indexOfName(toks, 'in', 1);
      for (let i = 1; i < colon; i++) {
        const t = toks[i]!;
        const isForTarget = kind === 'for' && t.type === Tok.Name && inAt > i;
        const isAsTarget = toks[i - 1]!.text === 'as' && t.type === Tok.Name;
        if (isForTarget || isAsTarget)
          this.names.bind(
            t.text,
            { t: 'unknown', reason: 'a loop or `as` target' },
            line,
            scope === 'module' ? 'conditional' : scope,
            inner,
          );
      }
    }
    this.names.noteWalrus(toks, 0, colon, scope, stack);
    return [...stack, block];
  }

  private text(node: SyntaxNode): string {
    return this.source.slice(node.from, node.to);
  }

  private unboundReads(): Pick<ReadResult, 'unboundName' | 'unboundAnnotation'> {
    if (this.names.dynamic.length > 0 || this.parsed.error) return {};
    const { unboundName, unboundAnnotation } = this;
    // PEP 563: annotations stay strings
    const annotation = unboundAnnotation && !futureAnnotations(this.source) ? { unboundAnnotation } : {};
    return { ...(unboundName ? { unboundName } : {}), ...annotation };
  }
}
