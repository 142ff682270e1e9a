import { evalStringLiteral } from './string-literal.js';
import { Tok, type Token } from './tokens.js';

/**
 * A Python expression as far as a static reading of migrations needs it: literals, dotted names,
 * calls with their arguments, lists and tuples. Anything else is `other`, with the operands it
 * could read (`"… %s" % x` keeps the string).
 */
export type PyExpr =
  | { readonly k: 'str'; readonly v: string }
  /** an f-string with fields, or a string the reader cannot evaluate: its source text */
  | { readonly k: 'fstr'; readonly raw: string }
  | { readonly k: 'name'; readonly v: string }
  /** a number literal, with its text */
  | { readonly k: 'num'; readonly v?: string }
  | {
      readonly k: 'call';
      readonly callee: string;
      readonly recv?: PyExpr;
      readonly args: readonly PyExpr[];
      readonly kw: ReadonlyMap<string, PyExpr>;
      readonly star: boolean;
    }
  | { readonly k: 'seq'; readonly items: readonly PyExpr[] }
  /** anything else; a dict display of `key: value` pairs (no `**`) keeps them as `entries` */
  | {
      readonly k: 'other';
      readonly parts: readonly PyExpr[];
      readonly entries?: readonly (readonly [PyExpr, PyExpr])[];
    };

const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);

/** Words that join operands (`a if b else c`, `x for x in y`, `not a`): the expression goes on past them. */
const WORD_OPERATORS = new Set([
  'if',
  'else',
  'for',
  'in',
  'not',
  'and',
  'or',
  'is',
  'await',
  'async',
  'return',
  'yield',
  'assert',
  'del',
  'raise',
  'from',
  'pass',
  'global',
  'nonlocal',
]);

/** Reads tokens into expressions; each read stops at a comma, a closing bracket, `=` or `:` at its own depth. */
export class ExpressionReader {
  i = 0;
  constructor(readonly tokens: readonly Token[]) {}

  get done(): boolean {
    return this.i >= this.tokens.length;
  }

  peek(k = 0): Token | undefined {
    return this.tokens[this.i + k];
  }

  /** One expression, operators and all. */
  expr(): PyExpr {
    const parts: PyExpr[] = [];
    let operators = false;
    while (!this.atEnd()) {
      const t = this.peek()!;
      if (t.type === Tok.Name && t.text === 'lambda') {
        // a lambda's body runs later, if ever: read past it
        this.skipLambda();
        operators = true;
      } else if (
        (t.type === Tok.Op && !OPEN.has(t.text)) ||
        (t.type === Tok.Name && WORD_OPERATORS.has(t.text))
      ) {
        this.i++;
        operators = true;
      } else {
        const before = this.i;
        parts.push(this.postfix());
        if (this.i === before) this.i++;
      }
    }
    return parts.length === 1 && !operators ? parts[0]! : { k: 'other', parts };
  }

  /** Whether the expression read so far ends here. */
  private atEnd(): boolean {
    const t = this.peek();
    return (
      !t ||
      (t.type === Tok.Op &&
        (t.text === ',' || t.text === '=' || t.text === ':' || CLOSE.has(t.text) || t.text === ';'))
    );
  }

  private skipLambda(): void {
    this.i++;
    // parameters up to the lambda's colon, then its body as one expression
    while (!this.done && !(this.peek()!.type === Tok.Op && this.peek()!.text === ':')) this.i++;
    this.i++;
    this.expr();
  }

  /** A primary with its attribute accesses, calls and subscripts. */
  private postfix(): PyExpr {
    let e = this.primary();
    for (;;) {
      const t = this.peek();
      if (t?.type !== Tok.Op) return e;
      if (t.text === '.' && this.peek(1)?.type === Tok.Name) {
        const attr = this.peek(1)!.text;
        this.i += 2;
        if (e.k === 'name') e = { k: 'name', v: `${e.v}.${attr}` };
        else if (this.peek()?.text === '(' && this.peek()?.type === Tok.Op) {
          this.i++;
          e = { ...this.callArgs(`.${attr}`), recv: e };
        } else e = { k: 'other', parts: [e] };
      } else if (t.text === '(') {
        this.i++;
        e = this.callArgs(e.k === 'name' ? e.v : '', e.k === 'name' ? undefined : e);
      } else if (t.text === '[') {
        this.i++;
        const inner = this.list(']');
        e = { k: 'other', parts: [e, ...inner] };
      } else return e;
    }
  }

  private primary(): PyExpr {
    const t = this.peek()!;
    if (t.type === Tok.String) {
      let value = '';
      let raw = '';
      let plain = true;
      while (this.peek()?.type === Tok.String) {
        const s = this.tokens[this.i++]!.text;
        raw += s;
        const v = evalStringLiteral(s);
        if (v.t === 'str') value += v.v;
        else plain = false;
      }
      return plain ? { k: 'str', v: value } : { k: 'fstr', raw };
    }
    if (t.type === Tok.Number) {
      this.i++;
      return { k: 'num', v: t.text };
    }
    if (t.type === Tok.Name) {
      this.i++;
      return { k: 'name', v: t.text };
    }
    if (t.text === '{') {
      this.i++;
      const start = this.i;
      const entries = this.entries();
      if (entries) return { k: 'other', parts: entries.flat(), entries };
      this.i = start;
      return { k: 'other', parts: this.list('}') };
    }
    if (t.text === '(' || t.text === '[') {
      this.i++;
      const items = this.list(t.text === '(' ? ')' : ']');
      return t.text === '(' && items.length === 1 && !this.trailingComma ? items[0]! : { k: 'seq', items };
    }
    return { k: 'other', parts: [] };
  }

  private trailingComma = false;

  /** A dict display's `key: value` pairs up to its `}` (consumed); undefined for anything else (a set, `**`, a comprehension). */
  private entries(): [PyExpr, PyExpr][] | undefined {
    const out: [PyExpr, PyExpr][] = [];
    for (;;) {
      const t = this.peek();
      if (!t) return undefined;
      if (t.type === Tok.Op && t.text === '}') {
        this.i++;
        return out;
      }
      const key = this.expr();
      if (this.peek()?.type !== Tok.Op || this.peek()!.text !== ':') return undefined;
      this.i++;
      const value = this.expr();
      out.push([key, value]);
      const next = this.peek();
      if (next?.type !== Tok.Op || (next.text !== ',' && next.text !== '}')) return undefined;
      if (next.text === ',') this.i++;
    }
  }

  /** Comma-separated expressions up to `close` (consumed); dict keys and slices are read as items too. */
  private list(close: string): PyExpr[] {
    const items: PyExpr[] = [];
    this.trailingComma = false;
    while (!this.done) {
      const t = this.peek()!;
      if (t.type === Tok.Op && t.text === close) {
        this.i++;
        return items;
      }
      if (
        t.type === Tok.Op &&
        (t.text === ',' || t.text === ':' || t.text === '=' || t.text === '*' || t.text === '**')
      ) {
        this.i++;
        this.trailingComma = t.text === ',';
        continue;
      }
      if (t.type === Tok.Op && CLOSE.has(t.text)) {
        // a mismatched bracket: stop here rather than read past it
        return items;
      }
      const before = this.i;
      items.push(this.expr());
      this.trailingComma = false;
      if (this.i === before) this.i++;
    }
    return items;
  }

  /** A call's arguments after its `(` (consumed), up to its `)`. */
  private callArgs(callee: string, recv?: PyExpr): PyExpr & { k: 'call' } {
    const args: PyExpr[] = [];
    const kw = new Map<string, PyExpr>();
    let star = false;
    while (!this.done) {
      const t = this.peek()!;
      if (t.type === Tok.Op && t.text === ')') {
        this.i++;
        break;
      }
      if (t.type === Tok.Op && t.text === ',') {
        this.i++;
        continue;
      }
      if (t.type === Tok.Op && (t.text === '*' || t.text === '**')) {
        this.i++;
        star = true;
        this.expr();
        continue;
      }
      if (t.type === Tok.Name && this.peek(1)?.type === Tok.Op && this.peek(1)!.text === '=') {
        this.i += 2;
        kw.set(t.text, this.expr());
        continue;
      }
      if (t.type === Tok.Op && CLOSE.has(t.text)) break;
      const before = this.i;
      args.push(this.expr());
      if (this.i === before) this.i++;
    }
    return { k: 'call', callee, ...(recv ? { recv } : {}), args, kw, star };
  }
}

/** The expression the tokens hold, read whole. */
export function readExpression(tokens: readonly Token[]): PyExpr {
  return new ExpressionReader(tokens).expr();
}

/** Every expression of a statement's tokens (`a, b = f(x)`: a, b and the call), keywords such as `return` read as operators. */
export function readStatement(tokens: readonly Token[]): PyExpr[] {
  const r = new ExpressionReader(tokens);
  const out: PyExpr[] = [];
  while (!r.done) {
    const before = r.i;
    out.push(r.expr());
    if (r.i === before) r.i++;
  }
  return out;
}

/** Every call in `e`, outermost first, not looking inside the calls `stop` accepts. */
export function* callsIn(
  e: PyExpr,
  stop: (call: PyExpr & { k: 'call' }) => boolean,
): Generator<PyExpr & { k: 'call' }> {
  if (e.k === 'call') {
    yield e;
    if (stop(e)) return;
    if (e.recv) yield* callsIn(e.recv, stop);
    for (const a of e.args) yield* callsIn(a, stop);
    for (const a of e.kw.values()) yield* callsIn(a, stop);
  } else if (e.k === 'seq') for (const a of e.items) yield* callsIn(a, stop);
  else if (e.k === 'other') for (const a of e.parts) yield* callsIn(a, stop);
}

/** A string argument's value (also `op.f("name")`, which only marks a name as final). */
export function strOf(e: PyExpr | undefined): string | undefined {
  if (e?.k === 'str') return e.v;
  if (e?.k === 'call' && (e.callee === 'op.f' || e.callee === 'f') && e.args.length === 1)
    return strOf(e.args[0]);
  return undefined;
}

/** A decimal integer literal's digits (`10`, not `1_0`, `0x1A` or `-1`, which are expressions or other forms). */
export function intTextOf(e: PyExpr | undefined): string | undefined {
  return e?.k === 'num' && e.v !== undefined && /^\d+$/u.test(e.v) ? e.v : undefined;
}

/** The literal `None`. */
export function isNone(e: PyExpr | undefined): boolean {
  return e?.k === 'name' && e.v === 'None';
}

/** The literal `False`. */
export function isFalse(e: PyExpr | undefined): boolean {
  return e?.k === 'name' && e.v === 'False';
}

/** The literal `True`. */
export function isTrue(e: PyExpr | undefined): boolean {
  return e?.k === 'name' && e.v === 'True';
}
