import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The Python front end stays in pieces a reader can hold: no file over 500 lines, no function over
// 120; and nothing in src/ is a table bigger than a reader can review (60 KB).
const DIR = path.resolve(import.meta.dirname, '../../src/python');
const SRC = path.resolve(import.meta.dirname, '../../src');

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
  // the grammar's generated parser aside
  const files = readdirSync(DIR, { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.ts') && !f.startsWith(`grammar${path.sep}parser`),
  );

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

  it('has no file over 60 KB anywhere in src/', () => {
    const all = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(all.length).toBeGreaterThan(100);
    expect(all.filter((f) => statSync(path.join(SRC, f)).size > 60 * 1024)).toEqual([]);
  });
});
