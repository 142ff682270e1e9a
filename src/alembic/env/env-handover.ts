import path from 'node:path';
import { readEnvPy } from './env-py.js';
import { linesOf } from './env-tokens.js';
import { isStdlibOrAlembic, projectImportRoots, type ImportRoots } from '../reading/import-resolver.js';
import { Tok } from '../../python/python-tokenizer.js';
import { readPythonText } from '../reading/source-reader.js';

/** Where env.py hands the run over to code of another module, and what that module is. */
export type EnvHandover =
  /** The module of the repository that holds the `context.configure(...)` call. */
  | {
      readonly kind: 'followed';
      readonly module: string;
      readonly file: string;
      readonly text: string;
      readonly line: number;
    }
  /** The module is not in the repository, or several hold a configure call: its settings cannot be read. */
  | { readonly kind: 'unknown'; readonly module: string; readonly line: number };

/**
 * env.py that never calls `context.configure(...)` itself but calls a function imported from another
 * module (`from fastapi_tenant.alembic.env import run_shared_migrations`, then
 * `run_shared_migrations()`): that module decides the version table. Followed one step into the
 * repository, where the module is found as Python would find it from Alembic's path; undefined when
 * env.py configures itself or calls nothing it imported.
 */
export function envHandover(envPy: string, config: ImportRoots): EnvHandover | undefined {
  if (!envPy.includes('import') || readEnvPy(envPy).calls.length > 0) return undefined;
  const lines = linesOf(envPy);
  // names bound by imports of non-standard modules, and the module each came from
  const bound = new Map<string, { module: string; line: number }>();
  for (const ll of lines) {
    const t = ll.tokens;
    if (t[0]?.text === 'from' && t[1]?.type === Tok.Name) {
      let k = 1;
      const parts: string[] = [];
      while (t[k]?.type === Tok.Name) {
        parts.push(t[k]!.text);
        if (t[k + 1]?.text !== '.') break;
        k += 2;
      }
      if (t[k + 1]?.text !== 'import' || isStdlibOrAlembic(parts[0]!)) continue;
      for (let j = k + 2; j < t.length; j++) {
        const x = t[j]!;
        if (x.type !== Tok.Name || x.text === 'as') continue;
        // `a as b` binds b
        if (t[j + 1]?.text === 'as') continue;
        bound.set(x.text, { module: parts.join('.'), line: ll.line });
      }
    } else if (t[0]?.text === 'import') {
      // `import a.b` binds a; `import a.b as c` binds c
      for (let j = 1; j < t.length; j++) {
        if (t[j]!.type !== Tok.Name || (j > 1 && t[j - 1]!.text !== ',')) continue;
        const module = moduleAt(t, j);
        let k = j + 2 * (module.split('.').length - 1);
        const name = t[k + 1]?.text === 'as' && t[k + 2]?.type === Tok.Name ? t[(k += 2)]!.text : t[j]!.text;
        if (!isStdlibOrAlembic(module.split('.')[0]!)) bound.set(name, { module, line: ll.line });
        j = k;
      }
    }
  }
  if (bound.size === 0) return undefined;
  // the imported names env.py calls (`run()`, `mod.run()`), in order
  const called: { module: string; line: number }[] = [];
  for (const ll of lines) {
    const t = ll.tokens;
    if (t[0]?.text === 'from' || t[0]?.text === 'import') continue;
    for (let i = 0; i < t.length; i++) {
      const x = t[i]!;
      if (x.type !== Tok.Name || t[i - 1]?.text === '.') continue;
      const b = bound.get(x.text);
      if (!b) continue;
      let k = i;
      while (t[k + 1]?.text === '.' && t[k + 2]?.type === Tok.Name) k += 2;
      if (t[k + 1]?.text === '(' && !called.some((c) => c.module === b.module))
        called.push({ module: b.module, line: ll.line });
    }
  }
  if (called.length === 0) return undefined;
  const roots = projectImportRoots(config);
  // the first called module of the repository that configures (env.py may read its settings from another first)
  for (const c of called) {
    const rel = c.module.split('.').join('/');
    const files = [
      ...new Set(roots.flatMap((r) => [path.join(r, `${rel}.py`), path.join(r, rel, '__init__.py')])),
    ].filter((f) => config.files.exists(f));
    const holders = files.flatMap((file) => {
      const text = readPythonText(config.files, file);
      return text !== undefined && readEnvPy(text).calls.length > 0 ? [{ file, text }] : [];
    });
    if (holders.length === 1)
      return {
        kind: 'followed',
        module: c.module,
        file: holders[0]!.file,
        text: holders[0]!.text,
        line: c.line,
      };
    if (holders.length > 1) return { kind: 'unknown', module: c.module, line: c.line };
  }
  return { kind: 'unknown', module: called[0]!.module, line: called[0]!.line };
}

/** The dotted module an `import a.b.c` names, from its first word. */
function moduleAt(t: readonly { text: string; type: Tok }[], j: number): string {
  const parts = [t[j]!.text];
  for (let k = j; t[k + 1]?.text === '.' && t[k + 2]?.type === Tok.Name; k += 2) parts.push(t[k + 2]!.text);
  return parts.join('.');
}
