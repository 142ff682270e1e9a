import { evalStringLiteral } from './string-literal.js';

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
  | { readonly k: 'num' }
  | { readonly k: 'call'; readonly callee: string; readonly recv?: PyExpr; readonly args: readonly PyExpr[]; readonly kw: ReadonlyMap<string, PyExpr>; readonly star: boolean }
  | { readonly k: 'seq'; readonly items: readonly PyExpr[] }
  | { readonly k: 'other'; readonly parts: readonly PyExpr[] };

interface Token {
  readonly t: 'str' | 'name' | 'num' | 'op';
  readonly v: string;
}

const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);
const TWO = new Set(['**', '//', '==', '!=', '<=', '>=', '->', ':=', '<<', '>>', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=']);

/** The tokens of a piece of Python source (newlines inside brackets and comments dropped); undefined on an unclosed string. */
export function pyTokens(text: string): Token[] | undefined {
  const out: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c || c === 0x5c) {
      i++;
    } else if (c === 0x23) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
    } else if (isNameStart(c)) {
      let j = i + 1;
      while (j < n && isNameChar(text.charCodeAt(j))) j++;
      const q = text.charCodeAt(j);
      // a string prefix: r'…', b"…", f'…', rb'…'
      if ((q === 0x22 || q === 0x27) && j - i <= 2 && /^(?:[rRbBuUfFtT]|[rR][bBfFtT]|[bBfFtT][rR])$/u.test(text.slice(i, j))) {
        const end = stringEnd(text, j);
        if (end === undefined) return undefined;
        out.push({ t: 'str', v: text.slice(i, end) });
        i = end;
      } else {
        out.push({ t: 'name', v: text.slice(i, j) });
        i = j;
      }
    } else if (c === 0x22 || c === 0x27) {
      const end = stringEnd(text, i);
      if (end === undefined) return undefined;
      out.push({ t: 'str', v: text.slice(i, end) });
      i = end;
    } else if (c >= 0x30 && c <= 0x39) {
      let j = i + 1;
      while (j < n && (isNameChar(text.charCodeAt(j)) || text.charCodeAt(j) === 0x2e)) j++;
      out.push({ t: 'num', v: text.slice(i, j) });
      i = j;
    } else {
      const two = text.slice(i, i + 2);
      const op = TWO.has(two) ? two : text[i]!;
      out.push({ t: 'op', v: op });
      i += op.length;
    }
  }
  return out;
}

/** Where the string literal whose quote is at `at` ends (just after its closing quote). */
function stringEnd(text: string, at: number): number | undefined {
  const q = text[at]!;
  const quote = text.startsWith(q.repeat(3), at) ? q.repeat(3) : q;
  for (let j = at + quote.length; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text.startsWith(quote, j)) return j + quote.length;
    else if (quote.length === 1 && text[j] === '\n') return undefined;
  }
  return undefined;
}

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c > 0x7f;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39);
}

/** Words that join operands (`a if b else c`, `x for x in y`, `not a`): the expression goes on past them. */
const WORD_OPERATORS = new Set(['if', 'else', 'for', 'in', 'not', 'and', 'or', 'is', 'await', 'async', 'return', 'yield', 'assert', 'del', 'raise', 'from', 'pass', 'global', 'nonlocal']);

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
      if (t.t === 'name' && t.v === 'lambda') {
        // a lambda's body runs later, if ever: read past it
        this.skipLambda();
        operators = true;
      } else if ((t.t === 'op' && !OPEN.has(t.v)) || (t.t === 'name' && WORD_OPERATORS.has(t.v))) {
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
    return !t || (t.t === 'op' && (t.v === ',' || t.v === '=' || t.v === ':' || CLOSE.has(t.v) || t.v === ';'));
  }

  private skipLambda(): void {
    this.i++;
    // parameters up to the lambda's colon, then its body as one expression
    while (!this.done && !(this.peek()!.t === 'op' && this.peek()!.v === ':')) this.i++;
    this.i++;
    this.expr();
  }

  /** A primary with its attribute accesses, calls and subscripts. */
  private postfix(): PyExpr {
    let e = this.primary();
    for (;;) {
      const t = this.peek();
      if (t?.t !== 'op') return e;
      if (t.v === '.' && this.peek(1)?.t === 'name') {
        const attr = this.peek(1)!.v;
        this.i += 2;
        if (e.k === 'name') e = { k: 'name', v: `${e.v}.${attr}` };
        else if (this.peek()?.v === '(' && this.peek()?.t === 'op') {
          this.i++;
          e = { ...this.callArgs(`.${attr}`), recv: e };
        } else e = { k: 'other', parts: [e] };
      } else if (t.v === '(') {
        this.i++;
        e = this.callArgs(e.k === 'name' ? e.v : '', e.k === 'name' ? undefined : e);
      } else if (t.v === '[') {
        this.i++;
        const inner = this.list(']');
        e = { k: 'other', parts: [e, ...inner] };
      } else return e;
    }
  }

  private primary(): PyExpr {
    const t = this.peek()!;
    if (t.t === 'str') {
      let value = '';
      let raw = '';
      let plain = true;
      while (this.peek()?.t === 'str') {
        const s = this.tokens[this.i++]!.v;
        raw += s;
        const v = evalStringLiteral(s);
        if (v.t === 'str') value += v.v;
        else plain = false;
      }
      return plain ? { k: 'str', v: value } : { k: 'fstr', raw };
    }
    if (t.t === 'num') {
      this.i++;
      return { k: 'num' };
    }
    if (t.t === 'name') {
      this.i++;
      return { k: 'name', v: t.v };
    }
    if (t.v === '(' || t.v === '[' || t.v === '{') {
      this.i++;
      const items = this.list(t.v === '(' ? ')' : t.v === '[' ? ']' : '}');
      if (t.v === '{') return { k: 'other', parts: items };
      return t.v === '(' && items.length === 1 && !this.trailingComma ? items[0]! : { k: 'seq', items };
    }
    return { k: 'other', parts: [] };
  }

  private trailingComma = false;

  /** Comma-separated expressions up to `close` (consumed); dict keys and slices are read as items too. */
  private list(close: string): PyExpr[] {
    const items: PyExpr[] = [];
    this.trailingComma = false;
    while (!this.done) {
      const t = this.peek()!;
      if (t.t === 'op' && t.v === close) {
        this.i++;
        return items;
      }
      if (t.t === 'op' && (t.v === ',' || t.v === ':' || t.v === '=' || t.v === '*' || t.v === '**')) {
        this.i++;
        this.trailingComma = t.v === ',';
        continue;
      }
      if (t.t === 'op' && CLOSE.has(t.v)) {
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
      if (t.t === 'op' && t.v === ')') {
        this.i++;
        break;
      }
      if (t.t === 'op' && t.v === ',') {
        this.i++;
        continue;
      }
      if (t.t === 'op' && (t.v === '*' || t.v === '**')) {
        this.i++;
        star = true;
        this.expr();
        continue;
      }
      if (t.t === 'name' && this.peek(1)?.t === 'op' && this.peek(1)!.v === '=') {
        this.i += 2;
        kw.set(t.v, this.expr());
        continue;
      }
      if (t.t === 'op' && CLOSE.has(t.v)) break;
      const before = this.i;
      args.push(this.expr());
      if (this.i === before) this.i++;
    }
    return { k: 'call', callee, ...(recv ? { recv } : {}), args, kw, star };
  }
}

/** The expression `text` holds, read whole; undefined when it cannot be tokenized. */
export function readExpression(text: string): PyExpr | undefined {
  const tokens = pyTokens(text);
  return tokens ? new ExpressionReader(tokens).expr() : undefined;
}

/** Every expression of a statement (`a, b = f(x)`: a, b and the call), keywords such as `return` read as operators. */
export function readStatement(text: string): PyExpr[] | undefined {
  const tokens = pyTokens(text);
  if (!tokens) return undefined;
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
export function* callsIn(e: PyExpr, stop: (call: PyExpr & { k: 'call' }) => boolean): Generator<PyExpr & { k: 'call' }> {
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
  if (e?.k === 'call' && (e.callee === 'op.f' || e.callee === 'f') && e.args.length === 1) return strOf(e.args[0]);
  return undefined;
}
