// What a module's statements bind, import and leave unknowable, read from each statement's tokens;
// the module reader (module-reader.ts) finds the statements and the blocks they are in.
import { splitTop, Tok, topLevelIndexes, topLevelOp, type Token } from '../../python/python-tokenizer.js';
import type { PyValue } from '../../python/python-value.js';
import { add, evalExpr } from './expression-value.js';
import { importStatement, isBracketPair, type Block } from './module-lines.js';
import type { DynamicHint, FieldBinding } from './read-result.js';

const AUGMENTED = new Set(['+=', '-=', '*=', '/=', '//=', '%=', '**=', '>>=', '<<=', '&=', '|=', '^=', '@=']);

/** Where a statement runs: the module's top level, a block that may not run, or a function or class body. */
export type Scope = 'module' | 'conditional' | 'function';

export function scopeOf(stack: readonly Block[]): Scope {
  if (stack.length === 0) return 'module';
  for (const b of stack) if (b.kind === 'def' || b.kind === 'class') return 'function';
  return 'conditional';
}

/** The module's names as its statements bind them, in order, and what a reader cannot follow. */
export class ModuleBindings {
  readonly bindings = new Map<string, FieldBinding>();
  readonly dynamic: DynamicHint[] = [];
  readonly imports: { module: string; line: number; level: number }[] = [];

  bind(name: string, value: PyValue, line: number, scope: Scope, stack: readonly Block[]): void {
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

  /** What a simple statement, toks[s, e), binds, imports and makes unknowable. */
  statement(toks: Token[], s: number, e: number, scope: Scope, stack: readonly Block[]): void {
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

  noteWalrus(toks: Token[], s: number, e: number, scope: Scope, stack: readonly Block[]): void {
    for (let i = s + 1; i < e; i++) {
      if (toks[i]!.text === ':=' && toks[i - 1]!.type === Tok.Name) {
        this.bind(
          toks[i - 1]!.text,
          { t: 'unknown', reason: 'an assignment expression (:=)' },
          toks[i]!.line,
          scope === 'module' ? 'conditional' : scope,
          stack.length ? stack : [{ kind: 'expression', line: toks[i]!.line }],
        );
      }
    }
  }
}
