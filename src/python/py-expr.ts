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
