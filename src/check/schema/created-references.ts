import { isNone, strOf, type PyExpr } from '../../python/expression-reader.js';

type Call = PyExpr & { k: 'call' };

/**
 * create_table's foreign keys (a Column's ForeignKey('t.c'), a ForeignKeyConstraint(…, ['t.c'])): the
 * new table holds no rows, but each table it references is locked SHARE ROW EXCLUSIVE while the
 * CREATE TABLE runs, so a session holding that table makes the migration wait.
 */
export function createdReferences(
  c: Call,
  resolve: (e: PyExpr) => PyExpr,
): { table: string; references: string; schema?: string }[] {
  const table = strOf(resolve(c.args[0] ?? c.kw.get('table_name') ?? { k: 'other', parts: [] }));
  if (table === undefined) return [];
  const referenced = (target: PyExpr | undefined): string | undefined => {
    const parts = strOf(target ? resolve(target) : { k: 'other', parts: [] })?.split('.');
    // 'table.column'; a table in another schema ('schema.table.column') is outside the sizes read
    return parts && parts.length === 2 ? parts[0] : undefined;
  };
  const found = new Set<string>();
  for (const a of c.args.slice(1)) {
    const x = resolve(a);
    if (x.k !== 'call') continue;
    if (/(?:^|\.)Column$/u.test(x.callee))
      for (const inner of x.args.slice(1)) {
        const f = resolve(inner);
        if (f.k === 'call' && /(?:^|\.)ForeignKey$/u.test(f.callee))
          found.add(referenced(f.args[0] ?? f.kw.get('column')) ?? '');
      }
    else if (/(?:^|\.)ForeignKeyConstraint$/u.test(x.callee)) {
      const cols = resolve(x.args[1] ?? x.kw.get('refcolumns') ?? { k: 'other', parts: [] });
      if (cols.k === 'seq') found.add(referenced(cols.items[0]) ?? '');
    }
  }
  const schemaArg = c.kw.get('schema');
  const schema = schemaArg === undefined || isNone(schemaArg) ? undefined : strOf(resolve(schemaArg));
  return [...found]
    .filter((r) => r !== '' && r !== table)
    .map((references) => ({ table, references, ...(schema !== undefined ? { schema } : {}) }));
}
