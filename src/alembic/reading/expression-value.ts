import { matching, splitTop, Tok, topLevelIndexes, type Token } from '../../python/python-tokenizer.js';
import { evalStringLiteral } from '../../python/string-literal.js';
import type { PyUnknown, PyValue } from '../../python/python-value.js';
import type { FieldBinding } from './read-result.js';

// The value of a Python expression at module level, as far as a reader can know it without running
// it: literals, names bound earlier, `+` on literals, and a module attribute named for the import
// resolver. Everything else is an unknown with the reason.

/** The module's bindings so far, by name. */
export type Names = ReadonlyMap<string, FieldBinding>;

const EXPRESSION_KEYWORDS = new Set([
  'if',
  'else',
  'and',
  'or',
  'not',
  'lambda',
  'for',
  'in',
  'is',
  'await',
  'yield',
]);

export function evalExpr(names: Names, toks: Token[], s: number, e: number): PyValue {
  if (e <= s) return { t: 'unknown', reason: 'an empty expression' };
  if (toks[s]!.text === 'yield' || toks[s]!.text === 'await')
    return { t: 'unknown', reason: `a ${toks[s]!.text} expression` };
  const commas = topLevelIndexes(toks, s, e, ',');
  if (commas.length === 0) return evalSum(names, toks, s, e);
  const items: PyValue[] = [];
  for (const [a, b] of splitTop(toks, s, e, ',')) {
    if (b > a) items.push(evalSum(names, toks, a, b));
    else if (b !== e) return { t: 'unknown', reason: 'a malformed tuple' };
  }
  return { t: 'tuple', items };
}

function evalSum(names: Names, toks: Token[], s: number, e: number): PyValue {
  for (let i = s; i < e; i++) {
    const t = toks[i]!;
    if (t.type === Tok.Name && EXPRESSION_KEYWORDS.has(t.text) && depthAt(toks, s, i) === 0) {
      return {
        t: 'unknown',
        reason: t.text === 'if' ? 'a conditional expression' : `an expression using \`${t.text}\``,
      };
    }
  }
  const plus = topLevelIndexes(toks, s, e, '+');
  if (plus.length === 0) return evalAtom(names, toks, s, e);
  let acc: PyValue | null = null;
  let start = s;
  for (const p of [...plus, e]) {
    if (p === start) return { t: 'unknown', reason: 'a unary operator' };
    const v = evalAtom(names, toks, start, p);
    acc = acc === null ? v : add(acc, v);
    start = p + 1;
  }
  return acc!;
}

function evalAtom(names: Names, toks: Token[], s: number, e: number): PyValue {
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
      const b = names.get(t.text);
      if (b) {
        if (b.value.t !== 'unknown') return b.value;
        return b.value.importedFrom
          ? b.value
          : { t: 'unknown', reason: `the name ${t.text} (${b.value.reason})`, name: t.text };
      }
      return {
        t: 'unknown',
        reason: `the undefined name ${t.text} (a NameError when Alembic imports the file)`,
        name: t.text,
      };
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
        return evalExpr(names, toks, s + 1, close);
      }
      if (close === s + 1) return { t: 'list', items: [] };
      const inner = evalExpr(names, toks, s + 1, close);
      const hasComma = topLevelIndexes(toks, s + 1, close, ',').length > 0;
      if (inner.t === 'unknown') return inner;
      return { t: 'list', items: hasComma && inner.t === 'tuple' ? inner.items : [inner] };
    }
    if (close > 0) return trailerUnknown(toks, close + 1, e);
  }
  if (t.type === Tok.Op && t.text === '{') return { t: 'unknown', reason: 'a set or dict' };
  if (t.type === Tok.Name && s + 1 < e)
    return moduleAttribute(names, toks, s, e) ?? trailerUnknown(toks, s + 1, e, t.text);
  return { t: 'unknown', reason: `an expression starting with \`${t.text}\`` };
}

/**
 * `m.NAME` (or `m.sub.NAME`) where m is an imported module, or a name
 * imported from a package that may be its submodule
 * (`from pkg import cli` … `cli.CONTRACT_BRANCH`): an unknown that names the
 * module and attribute, for the import resolver to look up. Anything else:
 * undefined.
 */
function moduleAttribute(names: Names, toks: Token[], s: number, e: number): PyUnknown | undefined {
  const attrs: string[] = [];
  for (let i = s + 1; i < e; i += 2) {
    if (toks[i]!.text !== '.' || toks[i + 1]?.type !== Tok.Name || i + 1 >= e) return undefined;
    attrs.push(toks[i + 1]!.text);
  }
  const base = toks[s]!.text;
  const b = names.get(base)?.value;
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
  if (tr === '.')
    return { t: 'unknown', reason: name ? `an attribute of ${name}` : 'a method call or attribute' };
  return { t: 'unknown', reason: `an operator \`${tr ?? ''}\`` };
}

export function add(a: PyValue, b: PyValue): PyValue {
  if (a.t === 'unknown') return a;
  if (b.t === 'unknown') return b;
  if ((a.t === 'str' && b.t === 'str') || (a.t === 'bytes' && b.t === 'bytes'))
    return { t: a.t, v: a.v + b.v };
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
