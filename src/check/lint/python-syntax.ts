import type { SyntaxNode, Tree } from '@lezer/common';
import type { parser } from '../../python/grammar/parser.js';
import { evalStringLiteral } from '../../python/string-literal.js';

/**
 * Python analysed with a real grammar (src/python/grammar/, @lezer/python's with the changes that let it
 * read every file CPython compiles), for the lints. The parser is loaded on first use only: `check
 * --no-lint`, `verify` and `release` never pay for it.
 */
export type PyNode = SyntaxNode;
export type PythonParser = typeof parser;

let parserPromise: Promise<PythonParser> | undefined;

export function loadPythonParser(): Promise<PythonParser> {
  parserPromise ??= import('../../python/grammar/parser.js').then((m) => m.parser);
  return parserPromise;
}

/** One parsed file: its text, its tree, and offsets turned into 1-based lines. */
export class PySource {
  readonly tree: Tree;
  private lineStarts?: number[];
  private imports?: Map<string, string>;
  private functions?: Map<string, PyNode>;

  constructor(
    readonly text: string,
    parser: PythonParser,
  ) {
    this.tree = parser.parse(text);
  }

  get top(): PyNode {
    return this.tree.topNode;
  }

  of(node: PyNode): string {
    return this.text.slice(node.from, node.to);
  }

  lineOf(offset: number): number {
    if (!this.lineStarts) {
      const starts = [0];
      for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) starts.push(i + 1);
      this.lineStarts = starts;
    }
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** Module-level `def NAME(...)` (the last one wins, as Python rebinds). */
  moduleFunction(name: string): PyNode | undefined {
    return this.moduleFunctions().get(name);
  }

  /** Every module-level function by name (the last definition of a name wins). */
  moduleFunctions(): Map<string, PyNode> {
    if (this.functions) return this.functions;
    const out = new Map<string, PyNode>();
    for (let c = this.top.firstChild; c; c = c.nextSibling) {
      const def = c.name === 'DecoratedStatement' ? c.getChild('FunctionDefinition') : c;
      const name = def?.name === 'FunctionDefinition' ? def.getChild('VariableName') : null;
      if (name) out.set(this.of(name), def!);
    }
    this.functions = out;
    return out;
  }

  /**
   * The value NAME holds where `at` reads it, when a reader can be sure: the
   * last plain assignment `NAME = value` (or `NAME: T = value`) before `at`
   * in the enclosing function, made in a block that holds `at` (and, when NAME
   * is assigned more than once, with no loop between that block and `at`);
   * or, when the function never binds NAME, the one plain module-level
   * assignment. Any other binding of NAME in that scope (`+=`, a loop or
   * `with` target, an import, `global`, a tuple target, `:=`) leaves it
   * unknown. What a migration's `execute(QUERY)` runs (RefStack reuses
   * `query` for each statement).
   */
  constantAt(name: string, at: PyNode): PyNode | undefined {
    let fn: PyNode | null = at.parent;
    while (
      fn &&
      fn.name !== 'FunctionDefinition' &&
      fn.name !== 'LambdaExpression' &&
      fn.name !== 'ClassDefinition'
    )
      fn = fn.parent;
    if (fn && fn.name !== 'FunctionDefinition') return undefined;
    const body = fn?.getChild('Body');
    if (fn && body) {
      const inFn = this.bindings(body, name);
      if (inFn === 'unknown') return undefined;
      if (inFn.length > 0) {
        // the last assignment before the read, in a block that also holds the read: the name is bound to it by then
        const last = inFn.filter((b) => b.statement.to <= at.from).pop();
        const block = last?.statement.parent;
        if (!last || !block || block.from > at.from || at.to > block.to) return undefined;
        // with other assignments, a loop entered after this one could bring a later value round again
        if (inFn.length > 1)
          for (let n = at.parent; n && n.from !== block.from; n = n.parent)
            if (n.name === 'ForStatement' || n.name === 'WhileStatement') return undefined;
        return last.value;
      }
      const params = fn.getChild('ParamList');
      if (params && this.all(params, 'VariableName').some((v) => this.of(v) === name)) return undefined;
    }
    const top = this.bindings(this.top, name);
    if (top === 'unknown' || top.length !== 1) return undefined;
    return top[0]!.statement.parent?.name === 'Script' ? top[0]!.value : undefined;
  }

  /** Assignments to NAME in a scope (nested functions, lambdas and classes are theirs); 'unknown' for any other binding. */
  private bindings(scope: PyNode, name: string): { statement: PyNode; value: PyNode }[] | 'unknown' {
    const out: { statement: PyNode; value: PyNode }[] = [];
    let unknown = false;
    const binds = (target: PyNode): boolean =>
      this.all(target, 'VariableName').some((v) => this.of(v) === name);
    scope.cursor().iterate((n) => {
      if (unknown) return false;
      if (
        n.from !== scope.from &&
        (n.name === 'FunctionDefinition' || n.name === 'ClassDefinition' || n.name === 'LambdaExpression')
      ) {
        // the def binds its own name here; its body is another scope
        const own = n.node.getChild('VariableName');
        if (own && this.of(own) === name) unknown = true;
        return false;
      }
      switch (n.name) {
        case 'AssignStatement': {
          const parts: PyNode[] = [];
          for (let c = n.node.firstChild; c; c = c.nextSibling) parts.push(c);
          const ops = parts.flatMap((c, i) => (c.name === 'AssignOp' ? [i] : []));
          const targets = ops
            .map((i) => (parts[i - 1]?.name === 'TypeDef' ? parts[i - 2] : parts[i - 1]))
            .filter((t): t is PyNode => t !== undefined);
          if (!targets.some(binds)) return undefined;
          if (targets.length === 1 && targets[0]!.name === 'VariableName' && ops.length === 1)
            out.push({ statement: n.node, value: parts[parts.length - 1]! });
          else unknown = true;
          return undefined;
        }
        case 'UpdateStatement':
        case 'ForStatement':
        case 'WithStatement':
        case 'ImportStatement':
        case 'ScopeStatement':
        case 'NamedExpression':
        case 'TryStatement': {
          // what these bind sits before the first body (`except E as NAME` is inside a TryStatement's clauses)
          const head = n.name === 'TryStatement' ? this.of(n.node) : this.of(n.node).split(':')[0]!;
          if (
            new RegExp(`(^|[^\\w.])${name}\\b`, 'u').test(
              n.name === 'TryStatement' ? (head.match(/\bas\s+\w+/gu) ?? []).join(' ') : head,
            )
          )
            unknown = true;
          return undefined;
        }
        default:
          return undefined;
      }
    });
    return unknown ? 'unknown' : out;
  }

  /** Every CallExpression under `node` (itself included), outermost first. */
  calls(node: PyNode): PyNode[] {
    return this.all(node, 'CallExpression');
  }

  /** Every node named `type` under `node` (itself included), in source order. */
  all(node: PyNode, type: string): PyNode[] {
    const out: PyNode[] = [];
    node.cursor().iterate((n) => {
      if (n.name === type) out.push(n.node);
    });
    return out;
  }

  /** The callee as dotted text (`op.execute`, `sa.Column`), whitespace removed; '' for other callees. */
  callee(call: PyNode): string {
    const fn = call.firstChild;
    if (!fn || (fn.name !== 'VariableName' && fn.name !== 'MemberExpression')) return '';
    return this.of(fn).replace(/\s+/g, '');
  }

  /** Positional and keyword arguments of a call. */
  args(call: PyNode): { positional: PyNode[]; keywords: Map<string, PyNode>; starred: boolean } {
    const positional: PyNode[] = [];
    const keywords = new Map<string, PyNode>();
    let starred = false;
    const list = call.getChild('ArgList');
    if (!list) return { positional, keywords, starred };
    let pendingName: string | undefined;
    for (let c = list.firstChild; c; c = c.nextSibling) {
      if (c.name === '(' || c.name === ')' || c.name === ',' || c.name === 'Comment') continue;
      if (c.name === '*' || c.name === '**') {
        starred = true;
        continue;
      }
      if (c.name === 'VariableName' && c.nextSibling?.name === 'AssignOp') {
        pendingName = this.of(c);
        c = c.nextSibling;
        continue;
      }
      if (pendingName !== undefined) {
        keywords.set(pendingName, c);
        pendingName = undefined;
      } else if (c.prevSibling?.name === '*' || c.prevSibling?.name === '**') {
        // the value of *args / **kwargs: position unknown from here on
      } else positional.push(c);
    }
    return { positional, keywords, starred };
  }

  /**
   * The value of a string literal (implicit concatenation and `+` of literals
   * too), evaluated as Python does; undefined for anything else, f-strings
   * with fields included.
   */
  str(node: PyNode | undefined): string | undefined {
    if (!node) return undefined;
    if (node.name === 'String' || node.name === 'FormatString') {
      const v = evalStringLiteral(this.of(node));
      return v.t === 'str' ? v.v : undefined;
    }
    if (node.name === 'ContinuedString') {
      let s = '';
      for (let c = node.firstChild; c; c = c.nextSibling) {
        const part = this.str(c);
        if (part === undefined) return undefined;
        s += part;
      }
      return s;
    }
    if (node.name === 'BinaryExpression') {
      // "a" + "b": a constant, as Python folds it
      const [l, o, r] = [node.firstChild, node.firstChild?.nextSibling, node.lastChild];
      if (!l || !r || o?.name !== 'ArithOp' || this.of(o) !== '+') return undefined;
      const a = this.str(l);
      const b = a === undefined ? undefined : this.str(r);
      return b === undefined ? undefined : a! + b;
    }
    if (node.name === 'ParenthesizedExpression') {
      const inner = node.firstChild?.nextSibling;
      return inner && inner.nextSibling?.name === ')' ? this.str(inner) : undefined;
    }
    return undefined;
  }

  /** Every string literal's value under `node` (SQL in op.execute, sa.text, conn.execute …). */
  strings(node: PyNode): { value: string; node: PyNode }[] {
    const out: { value: string; node: PyNode }[] = [];
    node.cursor().iterate((n) => {
      if (n.name === 'String' || n.name === 'FormatString' || n.name === 'ContinuedString') {
        const value = this.str(n.node);
        if (value !== undefined) out.push({ value, node: n.node });
        return false;
      }
      return undefined;
    });
    return out;
  }

  /**
   * What each imported name stands for, from every import statement in the
   * file: `import sqlalchemy as sa` → sa: sqlalchemy, `import a.b` → a: a,
   * `from sqlalchemy.dialects import postgresql as pg` → pg:
   * sqlalchemy.dialects.postgresql. Relative and star imports bind nothing here.
   */
  importBindings(): Map<string, string> {
    if (this.imports) return this.imports;
    const out = new Map<string, string>();
    for (const st of this.all(this.top, 'ImportStatement')) {
      const parts: { text: string; name: string }[] = [];
      // PEP 810's `lazy` changes when the module loads, not what the statement binds
      for (let c = st.firstChild; c; c = c.nextSibling)
        if (c.name !== 'lazy') parts.push({ text: this.of(c), name: c.name });
      const importAt = parts.findIndex((p) => p.name === 'import');
      const from = parts[0]?.name === 'from' ? parts.slice(1, importAt) : undefined;
      if (from && (from.length === 0 || from[0]!.name === '.' || from[0]!.name === 'Ellipsis')) continue;
      const base = from ? from.map((p) => p.text).join('') : '';
      // the imported items: dotted names separated by commas, each optionally `as alias`
      let dotted = '';
      let alias: string | undefined;
      let afterAs = false;
      const flush = (): void => {
        if (dotted !== '') {
          if (from) out.set(alias ?? dotted, `${base}.${dotted}`);
          else out.set(alias ?? dotted.split('.')[0]!, alias ? dotted : dotted.split('.')[0]!);
        }
        dotted = '';
        alias = undefined;
        afterAs = false;
      };
      for (const p of parts.slice(importAt + 1)) {
        if (p.name === ',') flush();
        else if (p.name === 'as') afterAs = true;
        else if (p.name === 'VariableName') {
          if (afterAs) alias = p.text;
          else dotted += p.text;
        } else if (p.name === '.' && !afterAs) dotted += '.';
      }
      flush();
    }
    this.imports = out;
    return out;
  }

  /** `sa.dialects.postgresql.UUID` → `sqlalchemy.dialects.postgresql.UUID` through the file's imports; undefined when its first name is not imported. */
  qualified(dotted: string): string | undefined {
    const dot = dotted.indexOf('.');
    const head = dot < 0 ? dotted : dotted.slice(0, dot);
    const bound = this.importBindings().get(head);
    return bound === undefined ? undefined : bound + (dot < 0 ? '' : dotted.slice(dot));
  }

  /** Whether the tree has a syntax error (Python would not import the file). */
  get hasErrors(): boolean {
    let bad = false;
    this.tree.iterate({
      enter: (n) => {
        if (n.type.isError) bad = true;
        return !bad;
      },
    });
    return bad;
  }
}

/** Last dotted component: `sa.dialects.postgresql.UUID` → `UUID`. */
export function lastName(dotted: string): string {
  return dotted.slice(dotted.lastIndexOf('.') + 1);
}
