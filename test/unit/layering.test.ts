import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES } from '../../src/commands/command-names.js';

// cli → commands → workspace → {check, generate, release, report} → {deploy, history} → {alembic, database} → packaging → {python, project} → {errors, logger}
const RANK: Record<string, number> = {
  '': 0,
  cli: 0,
  commands: 1,
  workspace: 1.5,
  check: 2,
  generate: 2,
  release: 2,
  report: 2,
  deploy: 3,
  history: 3,
  alembic: 4,
  database: 4,
  packaging: 4.5,
  python: 5,
  project: 5,
  errors: 6,
  logger: 6,
  // version.ts sits at the top of src/ only so that it finds package.json and docs/ one folder up (from
  // src/, dist/ and the bundle alike); it reads them through the machine files and imports nothing else
  version: 4.8,
};
const SRC = path.resolve(import.meta.dirname, '../../src');

/** The layer of a file under src/: its first folder, or '' for the entry files at the top. */
function layerOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  // the entry files at the top: cli.ts, cli-loader.ts and version.ts, which only the CLI prints
  if (rel.length === 1) return /^version\.[jt]s$/u.test(rel[0]!) ? 'version' : '';
  return rel[0]!;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Imports that point to a layer above the importing file's own (`from` and dynamic `import()`, also `export … from`). */
function upwardImports(files: readonly { file: string; text: string }[]): string[] {
  const upward: string[] = [];
  for (const { file, text } of files) {
    const from = layerOf(file);
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)) {
      const to = layerOf(path.resolve(path.dirname(file), m[1]!));
      if (RANK[to]! < RANK[from]!) upward.push(`${path.relative(SRC, file)} → ${m[1]}`);
    }
  }
  return upward;
}

/** Every import cycle among the files (type-only imports count: they tie the files' design together). */
function importCycles(files: readonly { file: string; text: string }[]): string[][] {
  const edges = new Map<string, string[]>();
  for (const { file, text } of files) {
    const to = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)].map((m) =>
      path.resolve(path.dirname(file), m[1]!).replace(/\.js$/u, '.ts'),
    );
    edges.set(file, to);
  }
  // Tarjan's strongly connected components
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(path.relative(SRC, w));
      } while (w !== v);
      if (scc.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(scc.sort());
    }
  };
  for (const f of edges.keys()) if (!index.has(f)) visit(f);
  return cycles;
}

describe('imports flow one way through the layers', () => {
  const files = sources(SRC);

  it('every folder of src/ has a layer', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !(f in RANK))).toEqual([]);
  });

  it('no module imports from a layer above its own', () => {
    expect(upwardImports(files.map((file) => ({ file, text: readFileSync(file, 'utf8') })))).toEqual([]);
  });

  it('the rules touch no disk, process or environment: they read the project through ProjectFiles', () => {
    const rules = files.filter((f) => f.startsWith(path.join(SRC, 'check', 'rules') + path.sep));
    expect(rules.length).toBeGreaterThan(60);
    const reaching = rules.filter((f) =>
      /from 'node:(fs|child_process)'|process\.env/u.test(readFileSync(f, 'utf8')),
    );
    expect(reaching.map((f) => path.relative(SRC, f))).toEqual([]);
  });

  it('only the doors (the project reader, machine files, private files, programs, scratch clusters, the writer, the child runner and the entry) touch the disk, processes or the environment', () => {
    // the rest is pure: contents in (through ProjectFiles and the doors), data out
    const allowed = [
      /^project\/(?:project-files|machine-files|private-file|programs)\.ts$/u,
      /^database\/scratch-database\.ts$/u,
      /^generate\/write-changes\.ts$/u,
      /^release\/run-child\.ts$/u,
      /^cli(?:-loader)?\.ts$/u,
    ];
    const reaching = files
      .map((f) => path.relative(SRC, f))
      .filter((rel) => !allowed.some((a) => a.test(rel)))
      .filter((rel) =>
        /from 'node:(fs|fs\/promises|child_process)'|import\('node:(fs|child_process)'\)|process\.env/u.test(
          readFileSync(path.join(SRC, rel), 'utf8'),
        ),
      );
    expect(reaching).toEqual([]);
  });

  it("no command imports another's folder: what they share is below them, or beside them in commands/", () => {
    const COMMANDS = path.join(SRC, 'commands');
    // commands/NAME/… is one command's folder; the files directly in commands/ are what the folders share
    const folderOf = (file: string): string | undefined => {
      const rel = path.relative(COMMANDS, file).split(path.sep);
      return rel.length > 1 && rel[0] !== '..' ? rel[0] : undefined;
    };
    const across = files
      .filter((f) => folderOf(f) !== undefined)
      .flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/gu)]
          .map((m) => path.resolve(path.dirname(f), m[1]!))
          .filter((to) => folderOf(to) !== undefined && folderOf(to) !== folderOf(f))
          .map((to) => `${path.relative(SRC, f)} → ${path.relative(SRC, to)}`),
      );
    expect(across).toEqual([]);
  });

  it('every command has a folder of its own, holding its flags and help (NAME.ts) and its run', () => {
    const folders = readdirSync(path.join(SRC, 'commands'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(folders).toEqual([...COMMAND_NAMES].sort());
    for (const name of folders) expect(files).toContain(path.join(SRC, 'commands', name, `${name}.ts`));
  });

  it('no files import each other in a cycle', () => {
    expect(importCycles(files.map((file) => ({ file, text: readFileSync(file, 'utf8') })))).toEqual([]);
  });

  it('finds a cycle through type imports, and none in a chain', () => {
    const at = (rel: string, text: string) => ({ file: path.join(SRC, rel), text });
    expect(
      importCycles([
        at('a/x.ts', "import type { Y } from './y.js';"),
        at('a/y.ts', "import { z } from '../b/z.js';"),
        at('b/z.ts', "import type { X } from '../a/x.js';"),
      ]),
    ).toEqual([['a/x.ts', 'a/y.ts', 'b/z.ts']]);
    expect(
      importCycles([
        at('a/x.ts', "import type { Y } from './y.js';"),
        at('a/y.ts', "import { z } from '../b/z.js';"),
        at('b/z.ts', ''),
      ]),
    ).toEqual([]);
  });

  it('catches an upward import, static or dynamic, and lets a downward or sideways one pass', () => {
    const at = (rel: string, text: string) => ({ file: path.join(SRC, rel), text });
    expect(
      upwardImports([
        at('alembic/a.ts', "import { x } from '../commands/check-command.js';"),
        at('database/b.ts', "const m = await import('../report/text-report.js');"),
        at('check/rules/c.ts', "export { y } from '../../cli.js';"),
        at(
          'report/d.ts',
          "import type { CheckResult } from '../check/run-check.js';\nimport { e } from '../errors/errors.js';",
        ),
        at('cli.ts', "import { run } from './commands/check-command.js';"),
      ]),
    ).toEqual([
      'alembic/a.ts → ../commands/check-command.js',
      'database/b.ts → ../report/text-report.js',
      'check/rules/c.ts → ../../cli.js',
    ]);
  });
});
