import { isNone, readExpression, strOf, type PyExpr } from '../../python/expression-reader.js';
import { matching, splitTop, Tok, type Token } from '../../python/python-tokenizer.js';

/** A batch_alter_table's `as` name, its table (null when not a literal) and `recreate=` when not "auto". */
export interface BatchAlias {
  readonly name: string;
  readonly table: string | null;
  readonly recreate?: 'always' | 'never';
}

/**
 * `with op.batch_alter_table("t") as b:` (the header's tokens before its colon), also as one of several
 * items or in brackets: the alias and its table (null when not a literal).
 */
export function batchAlias(t: readonly Token[], resolve: (e: PyExpr) => PyExpr): { alias?: BatchAlias } {
  let s = t[0]?.text === 'async' ? 2 : 1;
  let end = t.length;
  // `with (a as b, c as d):`
  if (t[s]?.text === '(' && matching(t, s, end) === end - 1) {
    s++;
    end--;
  }
  for (const [a, b] of splitTop(t, s, end, ',')) {
    if (
      t[a]?.text !== 'op' ||
      t[a + 1]?.text !== '.' ||
      t[a + 2]?.text !== 'batch_alter_table' ||
      t[b - 2]?.text !== 'as' ||
      t[b - 1]?.type !== Tok.Name
    )
      continue;
    const e = readExpression(t.slice(a, b - 2));
    if (e.k !== 'call') continue;
    const table = strOf(resolve(e.args[0] ?? e.kw.get('table_name') ?? { k: 'other', parts: [] }));
    const schema = e.kw.get('schema');
    const recreate = strOf(resolve(e.kw.get('recreate') ?? { k: 'other', parts: [] }));
    return {
      alias: {
        name: t[b - 1]!.text,
        table: table !== undefined && (schema === undefined || isNone(schema)) ? table : null,
        ...(recreate === 'always' || recreate === 'never' ? { recreate } : {}),
      },
    };
  }
  return {};
}
