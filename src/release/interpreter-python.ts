import { closeSync, openSync, readSync, realpathSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { DeclaredPython } from '../packaging/python-version.js';
import { onPath } from '../project/on-path.js';

/**
 * The Python that will run `alembic upgrade` here: the interpreter named in
 * the `alembic` script's shebang, else `python` or `python3` on PATH, asked
 * for its version. Null when there is none or it does not answer: in the
 * release dyno this is the truth a repository without runtime.txt or
 * .python-version cannot give.
 */
export function interpreterPython(env: Readonly<Record<string, string | undefined>>): DeclaredPython | null {
  const alembic = onPath('alembic', env);
  const interpreter = (alembic ? shebangPython(alembic) : undefined) ?? onPath('python', env) ?? onPath('python3', env);
  if (!interpreter) return null;
  // the binary behind `python` is usually named for its version (python3.12): no process to start
  let real = '';
  try {
    real = path.basename(realpathSync(interpreter));
  } catch {
    // a dangling link: ask it below, which fails the same way
  }
  const named = /^python3\.(\d+)$/u.exec(real);
  if (named) return { minor: Number(named[1]), text: `3.${named[1]}`, source: `\`${path.basename(interpreter)}\` in this dyno is ${real}` };
  const r = spawnSync(interpreter, ['--version'], { encoding: 'utf8', timeout: 5000, env: env as NodeJS.ProcessEnv });
  const m = /Python 3\.(\d+)\.(\d+)/u.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  return m ? { minor: Number(m[1]), text: `3.${m[1]}.${m[2]}`, source: `\`${path.basename(interpreter)} --version\` in this dyno` } : null;
}

/** The interpreter of a console script (`#!/app/.heroku/python/bin/python`), when its first lines name a Python. */
export function shebangPython(script: string): string | undefined {
  const buf = Buffer.alloc(256);
  let fd: number | undefined;
  try {
    fd = openSync(script, 'r');
    const head = buf.toString('utf8', 0, readSync(fd, buf, 0, 256, 0));
    // `#!/path/python`, or a shell script that execs one (pip's form for long paths: `'''exec' /path/python "$0" "$@"`)
    return /^#!\s*(\/\S*\/python[\d.]*)\s*$/mu.exec(head.split('\n')[0]!)?.[1] ?? /\bexec'?\s+(\/\S*\/python[\d.]*)\s/u.exec(head)?.[1];
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Whether the Python that `flask` runs under finds a top-level module, as flask's CLI imports the app:
 * the folder first on sys.path. `importlib.util.find_spec` locates without importing, so none of the
 * app's code runs. Undefined when no Python answers (nothing is claimed then).
 */
export function pythonFindsModule(name: string, cwd: string, env: Readonly<Record<string, string | undefined>>): boolean | undefined {
  const flask = onPath('flask', env);
  const interpreter = (flask ? shebangPython(flask) : undefined) ?? onPath('python', env) ?? onPath('python3', env);
  if (!interpreter) return undefined;
  const probe = 'import importlib.util, sys; sys.path.insert(0, ""); print("found" if importlib.util.find_spec(sys.argv[1]) else "absent")';
  const r = spawnSync(interpreter, ['-c', probe, name], { cwd, encoding: 'utf8', timeout: 10_000, env: env as NodeJS.ProcessEnv });
  const said = (r.stdout ?? '').trim();
  return said === 'found' ? true : said === 'absent' ? false : undefined;
}
