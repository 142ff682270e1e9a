import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The house's limits: no file in src/ over 500 lines, no function over 120, at most 12 modules that
// touch the disk, processes or the environment: the doors below, each named for what it opens
// (docs/architecture.md lists the same).
const SRC = path.resolve(import.meta.dirname, '../../src');
const FILE_LIMIT = 500;
const FUNCTION_LIMIT = 120;
const IO_LIMIT = 12;

/** The doors to the disk, processes and the environment. */
const DOORS = [
  'cli-loader.ts', // the bundle and its compile cache
  'cli.ts', // the environment, read once and handed down
  'database/scratch-database.ts', // throwaway PostgreSQL clusters
  'generate/write-changes.ts', // writes to the user's migration files, under a lock
  'project/machine-files.ts', // this machine's files that are not the project's
  'project/private-file.ts', // the tool's own cache files and the key that seals them
  'project/programs.ts', // programs found on PATH and run to completion
  'project/project-files.ts', // the project as one run reads it, git included
  'release/run-child.ts', // the app's commands, run with their output streamed
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const files = sources(SRC).map((file) => ({
  rel: path.relative(SRC, file).split(path.sep).join('/'),
  text: readFileSync(file, 'utf8'),
}));

/** Every function, method and arrow function of a file with its length in lines, named where it has a name. */
function functionsOf(rel: string, text: string): { name: string; lines: number }[] {
  const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.ES2022, true);
  const out: { name: string; lines: number }[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body) {
      const lines =
        sf.getLineAndCharacterOfPosition(n.getEnd()).line -
        sf.getLineAndCharacterOfPosition(n.getStart()).line +
        1;
      const name =
        n.name && ts.isIdentifier(n.name)
          ? n.name.text
          : ts.isVariableDeclaration(n.parent) && ts.isIdentifier(n.parent.name)
            ? n.parent.name.text
            : '(anonymous)';
      out.push({ name, lines });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('size limits of src/', () => {
  it(`no file over ${FILE_LIMIT} lines`, () => {
    const over = files
      .map((f) => ({ rel: f.rel, lines: f.text.split('\n').length - (f.text.endsWith('\n') ? 1 : 0) }))
      .filter((f) => f.lines > FILE_LIMIT);
    expect(over.map((f) => `${f.rel}: ${f.lines}`)).toEqual([]);
  });

  it(`no function over ${FUNCTION_LIMIT} lines`, () => {
    const over = files.flatMap((f) =>
      functionsOf(f.rel, f.text)
        .filter((fn) => fn.lines > FUNCTION_LIMIT)
        .map((fn) => `${f.rel} ${fn.name}: ${fn.lines}`),
    );
    expect(over).toEqual([]);
  });

  it(`only the doors touch the disk, processes or the environment, and there are no more than ${IO_LIMIT}`, () => {
    const io = files.filter((f) =>
      /from 'node:(?:fs|fs\/promises|child_process)'|import\('node:(?:fs|child_process)'\)|require\w*\('node:(?:fs|child_process)'\)|process\.env/u.test(
        f.text,
      ),
    );
    expect(io.map((f) => f.rel).sort()).toEqual([...DOORS].sort());
    expect(DOORS.length).toBeLessThanOrEqual(IO_LIMIT);
  });

  it('measures what it limits: a long function and a long file are seen', () => {
    const body = Array.from({ length: FUNCTION_LIMIT + 5 }, (_, i) => `  const x${i} = ${i};`).join('\n');
    const fns = functionsOf(
      'x.ts',
      `export function big(): void {\n${body}\n}\nconst small = (): number => 1;\n`,
    );
    expect(fns.find((f) => f.name === 'big')!.lines).toBe(FUNCTION_LIMIT + 7);
    expect(fns.find((f) => f.name === 'small')!.lines).toBe(1);
  });
});
