#!/usr/bin/env node
// Copies a versions folder keeping only each file's docstring and its module-level revision variables
// (Python's own ast), so real Alembic can load migrations that import application code not installed here.
// Used by compare-real.mjs --strip, and for the local real-project run of test/integration/upgrade-differential.test.ts:
//
//   node scripts/strip-migrations.mjs SRC_VERSIONS DST_VERSIONS
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CODE = `
import ast, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
for root, dirs, files in os.walk(src):
    target = os.path.join(dst, os.path.relpath(root, src)); os.makedirs(target, exist_ok=True)
    for f in files:
        p = os.path.join(root, f)
        if not f.endswith('.py'):
            shutil.copy(p, target); continue
        try:
            tree = ast.parse(open(p, 'rb').read())
        except SyntaxError:
            shutil.copy(p, target); continue
        keep = [n for i, n in enumerate(tree.body)
                if (i == 0 and isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
                or (isinstance(n, (ast.Assign, ast.AnnAssign)) and any(isinstance(x, ast.Name) and x.id in ('revision', 'down_revision', 'branch_labels', 'depends_on') for x in (n.targets if isinstance(n, ast.Assign) else [n.target])))]
        # annotations run at import (Union without its typing import is a NameError); the values are what matter
        keep = [ast.Assign(targets=[n.target], value=n.value, lineno=n.lineno) if isinstance(n, ast.AnnAssign) else n
                for n in keep if not (isinstance(n, ast.AnnAssign) and n.value is None)]
        open(os.path.join(target, f), 'w').write(ast.unparse(ast.Module(body=keep, type_ignores=[])) + '\\n')
`;

/** Writes the stripped copy of `src` into `dst` and returns `dst`; throws with Python's error when it cannot. */
export function stripMigrations(src, dst, python = process.env.PYTHON ?? '/usr/bin/python3') {
  mkdirSync(dst, { recursive: true });
  const r = spawnSync(python, ['-c', CODE, src, dst], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not strip ${src}:\n${r.stderr}`);
  return dst;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [src, dst] = process.argv.slice(2);
  if (!src || !dst) {
    console.error('usage: strip-migrations.mjs SRC_VERSIONS DST_VERSIONS');
    process.exit(2);
  }
  try {
    console.log(stripMigrations(path.resolve(src), path.resolve(dst)));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
}
