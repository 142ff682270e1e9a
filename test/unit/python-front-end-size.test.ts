import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The Python front end stays in pieces a reader can hold: no file over 500 lines, no function over
// 120. The generated table of Unicode names is data, not code.
const DIR = path.resolve(import.meta.dirname, '../../src/python');
const GENERATED = new Set(['unicode-names-data.ts']);

function longFunctions(file: string, text: string, limit: number): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (p: number): number => sf.getLineAndCharacterOfPosition(p).line + 1;
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (
      (ts.isFunctionDeclaration(n) ||
        ts.isFunctionExpression(n) ||
        ts.isArrowFunction(n) ||
        ts.isMethodDeclaration(n)) &&
      n.body
    ) {
      const lines = lineOf(n.end) - lineOf(n.getStart()) + 1;
      if (lines > limit) out.push(`${path.basename(file)}:${lineOf(n.getStart())} (${lines} lines)`);
    }
    n.forEachChild(visit);
  };
  visit(sf);
  return out;
}

describe('the Python front end in focused pieces', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts') && !GENERATED.has(f));

  it('has no file over 500 lines', () => {
    expect(files.length).toBeGreaterThan(15);
    const long = files.filter((f) => readFileSync(path.join(DIR, f), 'utf8').split('\n').length > 500);
    expect(long).toEqual([]);
  });

  it('has no function over 120 lines, and the check sees one that is', () => {
    expect(files.flatMap((f) => longFunctions(f, readFileSync(path.join(DIR, f), 'utf8'), 120))).toEqual([]);
    expect(longFunctions('x.ts', `function f() {\n${'  x();\n'.repeat(130)}}\n`, 120)).toEqual([
      'x.ts:1 (132 lines)',
    ]);
  });
});
