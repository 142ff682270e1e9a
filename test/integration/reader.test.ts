import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { growthRatio, LINEAR_BOUND } from '../helpers/growth.js';
import { readRevisionSource } from '../../src/alembic/reading/revision-reader.js';
import { evalStringLiteral } from '../../src/python/string-literal.js';
import { REPO } from '../helpers/oracle.js';

const val = (src: string, field: 'revision' | 'down_revision' = 'revision') =>
  readRevisionSource(src).fields[field]?.value;

describe('static reader', () => {
  it('reads every string literal form', () => {
    expect(val("revision = u'ab' \"cd\" r'\\x'")).toEqual({ t: 'str', v: 'abcd\\x' });
    expect(val("revision = '''a\nb'''")).toEqual({ t: 'str', v: 'a\nb' });
    expect(val("revision = 'a\\x41\\u00e9\\n'")).toEqual({ t: 'str', v: 'aAé\n' });
    expect(val("revision = f'plain{{x}}'")).toEqual({ t: 'str', v: 'plain{x}' });
    expect(val("revision = f'{x}'")).toMatchObject({
      t: 'unknown',
      reason: 'an f-string with replacement fields',
    });
    expect(val("revision = b'ab'")).toEqual({ t: 'bytes', v: 'ab' });
  });

  it('reads a file of many `from alembic import` lines in linear time', () => {
    const source = (n: number): string =>
      `revision = "a1"\ndown_revision = None\n${'from alembic import context\n'.repeat(n)}# op\n`;
    expect(growthRatio((n) => readRevisionSource(source(n)), 500)).toBeLessThan(LINEAR_BOUND());
    expect(readRevisionSource(source(20_000)).fields.revision?.value).toEqual({ t: 'str', v: 'a1' });
  });

  it('gives no value for a token that is not a string literal', () => {
    // env.py's readers hand over whatever token stands where a string may be; this once looped forever,
    // so it runs (the built code) in a child with a deadline rather than hang the test run
    const texts = ['dialect', '', '(', 'rb', '123', 'rb"x"'];
    const run = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { evalStringLiteral } = await import(${JSON.stringify(path.join(REPO, 'dist/python/string-literal.js'))}); console.log(JSON.stringify(${JSON.stringify(texts)}.map(evalStringLiteral)))`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(run.signal, run.stderr).toBeNull();
    const unknown = { t: 'unknown', reason: 'not a string literal' };
    expect(JSON.parse(run.stdout)).toEqual([
      unknown,
      unknown,
      unknown,
      unknown,
      unknown,
      { t: 'bytes', v: 'x' },
    ]);
    expect(evalStringLiteral('rb"x"')).toEqual({ t: 'bytes', v: 'x' });
  });

  it('follows Python: last binding wins, functions and comments do not count, conditionals are unknown', () => {
    expect(val("revision = 'a'\nrevision = 'b'\n")).toEqual({ t: 'str', v: 'b' });
    expect(val("revision = 'a'\ndef f():\n    revision = 'x'\n# revision = 'y'\n")).toEqual({
      t: 'str',
      v: 'a',
    });
    expect(val("revision = 'a'\nif x:\n    revision = 'b'\n")).toMatchObject({ t: 'unknown' });
    expect(val("if x: revision = 'b'\n")).toMatchObject({ t: 'unknown' });
    expect(val("revision, down_revision = 'c', 'b'\n", 'down_revision')).toEqual({ t: 'str', v: 'b' });
    expect(val('revision: str\n')).toBeUndefined();
  });

  it('binds the name of a type alias (3.12), so a later read of it is no NameError', () => {
    expect(readRevisionSource("revision = 'a'\nx = T\n").unboundName).toEqual({ name: 'T', line: 2 });
    expect(readRevisionSource("revision = 'a'\ntype T = int\nx = T\n").unboundName).toBeUndefined();
  });

  it('reads what comes before a syntax error, and nothing of the statement that holds it', () => {
    const read = readRevisionSource(
      "revision = 'a'\nfrom m import (\n    b,\nif c: pass\n)\ndown_revision = 'z'\n",
    );
    expect(read.syntaxError?.line).toBe(4);
    expect(read.fields.revision?.value).toEqual({ t: 'str', v: 'a' });
    // the import holding the error binds and imports nothing; what follows the error is not read
    expect(read.imports).toEqual([]);
    expect(read.fields.down_revision).toBeUndefined();
  });

  it('reads tuples and lists across lines with comments and trailing commas', () => {
    expect(val('down_revision = (\n  \'a\',  # one\n  "b",\n)\n', 'down_revision')).toEqual({
      t: 'tuple',
      items: [
        { t: 'str', v: 'a' },
        { t: 'str', v: 'b' },
      ],
    });
    expect(val("down_revision = ['a']\n", 'down_revision')).toEqual({
      t: 'list',
      items: [{ t: 'str', v: 'a' }],
    });
    expect(val("down_revision = ('a')\n", 'down_revision')).toEqual({ t: 'str', v: 'a' });
  });

  it('is not fooled by strings that contain assignments', () => {
    const src =
      '"""\ndown_revision = \'doc\'\n"""\nop = 1\nx = "down_revision = \'sql\'"\ndown_revision = None\n';
    expect(val(src, 'down_revision')).toEqual({ t: 'none' });
  });

  it('reports calls, names and conditional expressions as unknown with a reason', () => {
    expect(val("revision = ''.join(['a'])")).toMatchObject({
      t: 'unknown',
      reason: 'a method call or attribute',
    });
    expect(val('revision = get_id()')).toMatchObject({ t: 'unknown', reason: 'a call to get_id()' });
    expect(val("revision = 'a' if x else 'b'")).toMatchObject({
      t: 'unknown',
      reason: 'a conditional expression',
    });
    expect(val("P = 'ab'\nrevision = P + '1'")).toEqual({ t: 'str', v: 'ab1' });
  });

  it('finds tokenizer-level syntax errors', () => {
    expect(readRevisionSource("x = 'abc\n").syntaxError).toMatchObject({
      message: 'unterminated string literal',
      line: 1,
    });
    expect(readRevisionSource('x = (1,\n').syntaxError?.message).toBe("'(' was never closed");
    expect(readRevisionSource('def f():\n    a = 1\n  b = 2\n').syntaxError?.message).toBe(
      'unindent does not match any outer indentation level',
    );
  });
});
