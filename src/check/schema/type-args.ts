import { intTextOf, strOf, type PyExpr } from '../../python/expression-reader.js';

type Resolve = (e: PyExpr) => PyExpr;

/** sa.Numeric(10, 2), NUMERIC(precision=10, scale=2), DECIMAL(10): literal precision and scale (0 when left out). */
export function numericOf(e: PyExpr, resolve: Resolve): { precision: number; scale: number } | undefined {
  if (e.k !== 'call' || !/(?:^|\.)(?:Numeric|NUMERIC|DECIMAL)$/u.test(e.callee)) return undefined;
  const int = (x: PyExpr | undefined): number | undefined => {
    const digits = intTextOf(x === undefined ? undefined : resolve(x));
    return digits === undefined ? undefined : Number(digits);
  };
  const precision = int(e.args[0] ?? e.kw.get('precision'));
  const scaleArg = e.args[1] ?? e.kw.get('scale');
  const scale = scaleArg === undefined ? 0 : int(scaleArg);
  return precision !== undefined && scale !== undefined ? { precision, scale } : undefined;
}

/**
 * sa.Enum('a', 'b', name='status'), postgresql.ENUM(…), mysql.ENUM(…): the labels, when every one is a
 * literal string (an Enum of a Python enum class takes its members' names, which the reading does not
 * evaluate), and the type's name where given.
 */
export function enumOf(
  e: PyExpr,
  resolve: Resolve,
): { values: readonly string[]; name?: string } | undefined {
  if (e.k !== 'call' || !/(?:^|\.)(?:Enum|ENUM)$/u.test(e.callee) || e.args.length === 0) return undefined;
  const values = e.args.map((a) => strOf(resolve(a)));
  if (values.some((v) => v === undefined)) return undefined;
  const name = e.kw.has('name') ? strOf(resolve(e.kw.get('name')!)) : undefined;
  return { values: values as string[], ...(name !== undefined ? { name } : {}) };
}

/** A type as the migration writes it, by its last name: `sa.DateTime(timezone=True)` is DateTime. */
export function typeNameOf(e: PyExpr): string | undefined {
  const written = e.k === 'call' ? e.callee : e.k === 'name' ? e.v : undefined;
  return written?.slice(written.lastIndexOf('.') + 1) || undefined;
}
