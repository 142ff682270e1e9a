import path from 'node:path';
import type { DeclaredPython } from '../packaging/python-version.js';
import { onPath, realPath, runProgram, shebangPython } from '../project/programs.js';

/**
 * The Python that will run `alembic upgrade` here: the interpreter named in
 * the `alembic` script's shebang, else `python` or `python3` on PATH, asked
 * for its version. Null when there is none or it does not answer: in the
 * release dyno this is the truth a repository without runtime.txt or
 * .python-version cannot give.
 */
export function interpreterPython(env: Readonly<Record<string, string | undefined>>): DeclaredPython | null {
  const alembic = onPath('alembic', env);
  const interpreter =
    (alembic ? shebangPython(alembic) : undefined) ?? onPath('python', env) ?? onPath('python3', env);
  if (!interpreter) return null;
  // the binary behind `python` is usually named for its version (python3.12): no process to start
  const target = realPath(interpreter);
  // a dangling link: asked below, it fails the same way
  const real = target === undefined ? '' : path.basename(target);
  const named = /^python3\.(\d+)$/u.exec(real);
  if (named)
    return {
      minor: Number(named[1]),
      text: `3.${named[1]}`,
      source: `\`${path.basename(interpreter)}\` in this dyno is ${real}`,
    };
  const r = runProgram(interpreter, ['--version'], { timeout: 5000, env });
  const m = /Python 3\.(\d+)\.(\d+)/u.exec(`${r.stdout}${r.stderr}`);
  return m
    ? {
        minor: Number(m[1]),
        text: `3.${m[1]}.${m[2]}`,
        source: `\`${path.basename(interpreter)} --version\` in this dyno`,
      }
    : null;
}

/**
 * Whether the Python that `flask` runs under finds a top-level module, as flask's CLI imports the app:
 * the folder first on sys.path. `importlib.util.find_spec` locates without importing, so none of the
 * app's code runs. Undefined when no Python answers (nothing is claimed then).
 */
export function pythonFindsModule(
  name: string,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): boolean | undefined {
  const flask = onPath('flask', env);
  const interpreter =
    (flask ? shebangPython(flask) : undefined) ?? onPath('python', env) ?? onPath('python3', env);
  if (!interpreter) return undefined;
  const probe =
    'import importlib.util, sys; sys.path.insert(0, ""); print("found" if importlib.util.find_spec(sys.argv[1]) else "absent")';
  const r = runProgram(interpreter, ['-c', probe, name], { cwd, timeout: 10_000, env });
  const said = r.stdout.trim();
  return said === 'found' ? true : said === 'absent' ? false : undefined;
}
