import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

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
};
const SRC = path.resolve(import.meta.dirname, '../../src');

/** The layer of a file under src/: its first folder, or '' for the entry files at the top. */
function layerOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  // the entry files at the top: cli.ts, cli-loader.ts and version.ts, which only the CLI prints
  if (rel.length === 1) return '';
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

  it('no command imports another: what they share is the workspace below them', () => {
    const commands = files.filter((f) => f.startsWith(path.join(SRC, 'commands') + path.sep));
    const across = commands.flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*)'\.\/([^']+)'/gu)].map(
        (m) => `${path.basename(f)} → ${m[1]}`,
      ),
    );
    expect(across).toEqual([]);
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
