import { describe, expect, it } from 'vitest';
import { readRevisionFast } from '../../src/alembic/reading/fast-revision-reader.js';
import { readRevisionSourceFaithful } from '../../src/alembic/reading/revision-reader.js';
import { corpusSources } from '../helpers/corpus.js';
import { cpythonCompile } from '../helpers/oracle.js';
import { rng } from '../helpers/rng.js';
import { tokenTests, tokenTestsByTokenizer } from '../../src/check/lint/text-tests.js';

// The fast path must read exactly what the faithful reader reads, and only clear files CPython
// compiles; syntax-fuzz.test and python-syntax.test hold it to CPython on broken files too.

/** Edits aimed at what the fast path's grammar decides: arguments, commas, names, numbers, indentation. */
const TOKENS = [
  '=',
  ',',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ':',
  '.',
  '-',
  ' ',
  '\n',
  'None',
  'True',
  '__debug__',
  'x',
  'as',
  'with',
  '0',
  '01',
  '1_0',
  "'",
  '"""',
  '#',
  'pass',
];

function aim(text: string, next: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const keywords = [...text.matchAll(/\b(\w+)=/gu)];
  const kind = next();
  if (kind < 0.25 && keywords.length > 0) {
    // the same keyword twice in a call, or a positional argument after keyword ones
    const k = pick(keywords);
    if (next() < 0.5) return text.slice(0, k.index) + `${k[1]}=0, ` + text.slice(k.index);
    const end = text.indexOf(',', k.index);
    return end < 0 ? text : text.slice(0, end) + ', 0' + text.slice(end);
  }
  if (kind < 0.45) {
    // a comma, a bracket, a colon or an equals sign gone
    const marks = [...text.matchAll(/[,()[\]:=]/gu)];
    if (marks.length === 0) return text;
    const at = pick(marks).index;
    return text.slice(0, at) + text.slice(at + 1);
  }
  if (kind < 0.6) {
    // a body line indented otherwise
    const lines = text.split('\n');
    const i = Math.floor(next() * lines.length);
    if (lines[i]!.startsWith(' ')) lines[i] = pick(['  ', '      ', '        ', '']) + lines[i]!.trimStart();
    return lines.join('\n');
  }
  const at = Math.floor(next() * text.length);
  return text.slice(0, at) + pick(TOKENS) + text.slice(at);
}

/** Files close to the fast path's grammar that CPython rejects: each must go to the faithful reader. */
const REJECTED = [
  'def upgrade():\n    op.f(a=1, a=2)\n',
  'def upgrade():\n    op.f(a=1, 2)\n',
  'def upgrade():\n    __debug__ = 1\n',
  'def upgrade():\n    op.f(__debug__=1)\n',
  'def upgrade():\n    op.f(True=1)\n',
  'def upgrade():\n    op.None\n',
  'def upgrade():\n    x = 01\n',
  'def upgrade():\n    x = 1_\n',
  'def upgrade():\n',
  'def upgrade():\n# only a comment\n',
  'def upgrade():\n    pass\n  pass\n',
  'def upgrade():\n    pass\n        pass\n',
  "def upgrade():\n    with op.batch_alter_table('t') as None:\n        pass\n",
  "def upgrade():\n    with op.batch_alter_table('t'):\n    pass\n",
  'def upgrade():\n    op.f(a.b=1)\n',
  'def upgrade():\n    f() = 1\n',
  'def upgrade():\n    x[] = 1\n',
  "def upgrade():\n    op.f('a'\n",
  "def upgrade():\n    op.f('a)\n",
  "revision = 'a' 'b' +\n",
  "revision: = 'a'\n",
  'import a as\n',
  'from a import\n',
  'from . import\n',
  'def upgrade() -> :\n    pass\n',
  "revision = 'a'\n  down_revision = None\n",
  '"""doc"""\n"""unclosed\n',
];

/** Valid files whose meaning the fast path must leave to the faithful reader, or read the same. */
const VALID_SPECIAL = [
  'def __getattr__(name):\n    return name\n',
  'def __getattr__():\n    pass\n',
  "from alembic import op\nop.execute('x')\n",
  "from __future__ import annotations\nrevision: Foo = 'a'\n",
  "revision: Foo = 'a'\n",
  'import revision\n',
  'def revision():\n    pass\n',
  "revision = ('a')\ndown_revision = ('a',)\nbranch_labels = ['x', ('y', None)]\ndepends_on = ()\n",
  "revision = 'a'\r\ndown_revision = None\r\n",
  "revision = 'caf\u00e9'\n",
  '',
  '# only a comment',
  'x = 1\n',
  'def upgrade():\n    op.f(x for x in y)\n',
];

describe('the fast path of the revision reader', () => {
  it('leaves every file CPython rejects near its grammar to the faithful reader', () => {
    expect(
      cpythonCompile(REJECTED)
        .map((v, i) => (v === null ? REJECTED[i] : null))
        .filter(Boolean),
    ).toEqual([]);
    for (const src of REJECTED) expect(readRevisionFast(src), JSON.stringify(src)).toBeUndefined();
  });

  it('reads valid files of special meaning as the faithful reader does, or leaves them to it', () => {
    expect(cpythonCompile(VALID_SPECIAL)).toEqual(VALID_SPECIAL.map(() => null));
    for (const src of VALID_SPECIAL) {
      const fast = readRevisionFast(src);
      if (fast) expect(fast, JSON.stringify(src)).toEqual(readRevisionSourceFaithful(src));
    }
    // the plain ones among them are read on the fast path
    expect(readRevisionFast(VALID_SPECIAL[7]!)).toBeDefined();
    expect(readRevisionFast(VALID_SPECIAL[10]!)).toBeDefined();
  });

  it('reads most generated revision files, each exactly as the faithful reader does, and CPython compiles each', () => {
    const texts = [...corpusSources(400, 23), ...corpusSources(200, 7)];
    const cleared: string[] = [];
    for (const text of texts) {
      const fast = readRevisionFast(text);
      if (!fast) continue;
      cleared.push(text);
      expect(fast, text).toEqual(readRevisionSourceFaithful(text));
      // the lints' text tests, answered from the fast path's facts, as the tokenizer answers them
      expect(tokenTests(text), text).toEqual(tokenTestsByTokenizer(text));
    }
    expect(cpythonCompile(cleared).filter((t) => t !== null)).toEqual([]);
    // the corpus is made to hold traps and extras: most files are still plain
    expect(cleared.length / texts.length).toBeGreaterThan(0.7);
  });

  it('clears only files CPython compiles when the edits aim at its grammar (3,000 edited migrations)', () => {
    const texts = corpusSources(200, 31).filter((t) => readRevisionFast(t) !== undefined);
    const next = rng(20261126);
    const cases = Array.from({ length: 3000 }, () => aim(texts[Math.floor(next() * texts.length)]!, next));
    const cleared = cases.filter((c) => readRevisionFast(c) !== undefined);
    const verdicts = cpythonCompile(cleared);
    expect(
      cleared
        .filter((_, i) => verdicts[i] !== null)
        .map((c) => JSON.stringify(c))
        .slice(0, 3),
    ).toEqual([]);
    for (const c of cleared) {
      expect(readRevisionFast(c), JSON.stringify(c)).toEqual(readRevisionSourceFaithful(c));
      expect(tokenTests(c), JSON.stringify(c)).toEqual(tokenTestsByTokenizer(c));
    }
    // edits that keep a file valid (a space, a trailing comma, a name) are still cleared
    expect(cleared.length).toBeGreaterThan(300);
    // and most aimed edits break the file, which the fast path leaves to the faithful reader
    expect(cleared.length).toBeLessThan(2700);
  });
});
