import { describe, expect, it } from 'vitest';
import { moduleTree } from '../../src/python/module-tree.js';
import { callsIn } from '../../src/python/py-expr.js';
import { statementExpressions } from '../../src/python/tree-expression.js';

/** The expressions of a one-statement module, maps as plain objects. */
function read(source: string): unknown {
  const statement = moduleTree(source).topNode.firstChild!;
  return JSON.parse(
    JSON.stringify(statementExpressions(source, statement), (_k, v: unknown) =>
      v instanceof Map ? Object.fromEntries(v) : v,
    ),
  );
}

const call = (callee: string, args: unknown[], kw: object = {}, star = false, recv?: unknown) => ({
  k: 'call',
  callee,
  ...(recv ? { recv } : {}),
  args,
  kw,
  star,
});

describe('treeExpression: what a static reading of migrations needs of an expression', () => {
  it('dotted names, calls with keywords, a method on a call keeps its receiver', () => {
    expect(read('op.add_column("t", sa.Column("c", nullable=False))\n')).toEqual([
      call('op.add_column', [
        { k: 'str', v: 't' },
        call('sa.Column', [{ k: 'str', v: 'c' }], { nullable: { k: 'name', v: 'False' } }),
      ]),
    ]);
    expect(read('op.get_bind().execute(q).scalar()\n')).toEqual([
      call(
        '.scalar',
        [],
        {},
        false,
        call('.execute', [{ k: 'name', v: 'q' }], {}, false, call('op.get_bind', [])),
      ),
    ]);
  });

  it('literals: adjacent strings join, an f-string with fields keeps its text, numbers keep theirs', () => {
    expect(read('x = ("a" \'b\', f"{c}", 0x1A, None)\n')).toEqual([
      { k: 'name', v: 'x' },
      {
        k: 'seq',
        items: [
          { k: 'str', v: 'ab' },
          { k: 'fstr', raw: 'f"{c}"' },
          { k: 'num', v: '0x1A' },
          { k: 'name', v: 'None' },
        ],
      },
    ]);
  });

  it('a dict display keeps its pairs unless it unpacks; operators read their operands flat', () => {
    expect(read('{"id": 1, "n": m}\n')).toEqual([
      {
        k: 'other',
        parts: [
          { k: 'str', v: 'id' },
          { k: 'num', v: '1' },
          { k: 'str', v: 'n' },
          { k: 'name', v: 'm' },
        ],
        entries: [
          [
            { k: 'str', v: 'id' },
            { k: 'num', v: '1' },
          ],
          [
            { k: 'str', v: 'n' },
            { k: 'name', v: 'm' },
          ],
        ],
      },
    ]);
    expect(read('{**a, "b": 1}\n')).toEqual([
      {
        k: 'other',
        parts: [
          { k: 'name', v: 'a' },
          { k: 'str', v: 'b' },
          { k: 'num', v: '1' },
        ],
      },
    ]);
    expect(read('"x %s" % y + z\n')).toEqual([
      {
        k: 'other',
        parts: [
          { k: 'str', v: 'x %s' },
          { k: 'name', v: 'y' },
          { k: 'name', v: 'z' },
        ],
      },
    ]);
  });

  it("unpacked arguments only mark the call; a lambda's body runs later and is left out", () => {
    expect(read('f(*a, **k)\n')).toEqual([call('f', [], {}, true)]);
    const calls = (source: string): string[] =>
      statementExpressions(source, moduleTree(source).topNode.firstChild!).flatMap((e) =>
        [...callsIn(e, () => false)].map((c) => c.callee),
      );
    expect(calls('f(lambda: op.drop_table("t"), g(x for x in h()))\n')).toEqual(['f', 'g', 'h']);
  });
});
