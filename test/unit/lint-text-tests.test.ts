import { describe, expect, it } from 'vitest';
import { doesNothing, migrationFunctions } from '../../src/check/lint/migration-ops.js';
import { loadPythonParser, PySource } from '../../src/check/lint/python-syntax.js';
import {
  downgradeMayDoNothing,
  executeMayTakeParams,
  tokenTests,
  tokenTestsByTokenizer,
} from '../../src/check/lint/text-tests.js';
import { bodyFactsFast } from '../../src/alembic/reading/fast-revision-reader.js';
import { rng } from '../helpers/rng.js';

// The lints parse only the files these token-level tests select, so each must be a superset of what
// its rule finds with the grammar: a file the grammar says qualifies must never be left out.

const parser = await loadPythonParser();

function grammarDoesNothing(text: string, plainOnly = false): boolean {
  const py = new PySource(text, parser);
  if (py.hasErrors) return false;
  const fn = py.moduleFunction('downgrade');
  if (plainOnly) return fn !== undefined && doesNothing(py, fn);
  return migrationFunctions(py, 'downgrade').some(({ fn }) => doesNothing(py, fn));
}

function grammarExecuteWithParams(text: string): boolean {
  const py = new PySource(text, parser);
  if (py.hasErrors) return false;
  return py.calls(py.top).some((c) => {
    const callee = py.callee(c);
    if (callee !== 'op.execute' && !/^batch(_op)?\.execute$/.test(callee)) return false;
    const { positional, keywords } = py.args(c);
    return (
      positional.length >= 2 || [...keywords.keys()].some((k) => k !== 'execution_options' && k !== 'sqltext')
    );
  });
}

describe('downgradeMayDoNothing', () => {
  it.each([
    ['def downgrade(): pass\n', true],
    [
      'def downgrade() -> None:\n    """Nothing.\n    op.drop_table("t")\n    """\n    # op.drop_table("t")\n    pass\n',
      true,
    ],
    ['def downgrade():\n    ...\n', true],
    ['async def downgrade():\n    "a" "b"\n', true],
    ['@decorator\ndef downgrade(x: dict = {"a": 1}):\n    pass\n', true],
    ['def downgrade():\n    pass\n\n\ndef downgrade():\n    op.drop_table("t")\n', false],
    ['def downgrade():\n    op.drop_table("t")\n\n\ndef downgrade():\n    pass\n', true],
    ['def downgrade():\n    if False:\n        pass\n', false],
    ['def downgrade():\n    pass; op.drop_table("t")\n', false],
    ['def upgrade():\n    pass\n', false],
    ['def downgrade(:\n', true],
    // the multi-database templates: downgrade(engine_name) dispatches to downgrade_<engine>()
    [
      'def downgrade(engine_name):\n    globals()["downgrade_%s" % engine_name]()\n\n\ndef downgrade_engine1():\n    pass\n',
      true,
    ],
    [
      "def downgrade(engine_name=''):\n    globals().get(f'downgrade_{engine_name}', lambda: None)()\n\n\ndef downgrade_():\n    op.drop_table('t')\n",
      false,
    ],
    [
      'def downgrade(engine_name):\n    eval("downgrade_%s" % engine_name)()\n\n\ndef downgrade_a():\n    op.drop_table("t")\n\n\ndef downgrade_b():\n    pass\n',
      true,
    ],
    ['def downgrade():\n    downgrade_data()\n\n\ndef downgrade_data():\n    pass\n', false],
  ])('%j → %s', (text, expected) => {
    expect(downgradeMayDoNothing(text)).toBe(expected);
  });
});

describe('executeMayTakeParams', () => {
  it.each([
    ['op.execute(sa.text("UPDATE t SET x = :x"), {"x": 1})\n', true],
    ['op . execute(\n    "x",\n    params,\n)\n', true],
    ['batch_op.execute(a, b)\n', true],
    ['op.execute(foo=1)\n', true],
    ['op.execute("x")\n', false],
    ['op.execute(sa.text("a").bindparams(x=1, y=2))\n', false],
    ['conn.execute(sa.text("a"), {"x": 1})\n', false],
  ])('%j → %s', (text, expected) => {
    expect(executeMayTakeParams(text)).toBe(expected);
  });
});

describe('the token-level tests are supersets of the grammar on 3,000 generated files', () => {
  const BODY = [
    'pass',
    '...',
    '"""doc"""',
    "'''multi\n    op.drop_table('t')\n    '''",
    '# op.drop_table("t")',
    'op.drop_table("t")',
    'x = 1',
    'if x:\n        pass',
    'pass; pass',
    'pass; op.f("x")',
    '"a" "b"',
    'f"x{y}"',
    'return',
  ];
  const DISPATCH = [
    'globals()["downgrade_%s" % engine_name]()',
    "globals().get(f'downgrade_{engine_name}', lambda: None)()",
    'eval("downgrade_%s" % engine_name)()',
    'getattr(sys.modules[__name__], "downgrade_" + engine_name)()',
  ];
  const CALL = [
    'op.execute("x")',
    'op.execute("x", {"a": 1})',
    'op.execute(\n        "x",\n    )',
    'op.execute(sqltext="x")',
    'op.execute("x", execution_options={})',
    'batch_op.execute(a, b)',
    'conn.execute(a, b)',
    'op.execute(f(a, b))',
    'op.execute(*args)',
    'op.execute(**kw)',
  ];
  it('never leaves out a file the grammar would report on', () => {
    const r = rng(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    let qualifying = 0;
    let dispatched = 0;
    let fast = 0;
    for (let i = 0; i < 3000; i++) {
      const defs: string[] = [];
      for (let d = 0; d < 1 + Math.floor(r() * 3); d++) {
        const name =
          r() < 0.6 ? 'downgrade' : pick(['upgrade', 'downgrade_', 'downgrade_engine1', 'downgrade_data']);
        const header = pick([
          'def NAME():',
          'def NAME() -> None:',
          'async def NAME():',
          '@dec\ndef NAME(a=(1, 2)):',
        ]).replace('NAME', name);
        const body = Array.from(
          { length: 1 + Math.floor(r() * 3) },
          () => `    ${r() < 0.3 ? pick(CALL) : r() < 0.1 ? pick(DISPATCH) : pick(BODY)}`,
        ).join('\n');
        defs.push(
          r() < 0.1 ? `${header} ${pick(['pass', '...', 'op.drop_table("t")'])}` : `${header}\n${body}`,
        );
      }
      const text = `from alembic import op\n\n${defs.join('\n\n\n')}\n`;
      const truth = grammarDoesNothing(text);
      if (truth) qualifying++;
      // qualifying only through a multi-database script's downgrade_<engine>()
      if (truth && !grammarDoesNothing(text, true)) dispatched++;
      if (truth) expect(downgradeMayDoNothing(text), text).toBe(true);
      if (grammarExecuteWithParams(text)) expect(executeMayTakeParams(text), text).toBe(true);
      // a file the fast path reads is answered from its facts: exactly as the tokenizer answers
      if (bodyFactsFast(text)) {
        fast++;
        expect(tokenTests(text), text).toEqual(tokenTestsByTokenizer(text));
      }
    }
    expect(fast).toBeGreaterThan(150);
    // the draw must exercise both sides
    expect(qualifying).toBeGreaterThan(100);
    expect(dispatched).toBeGreaterThan(20);
  });
});
