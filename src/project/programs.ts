import type * as ChildProcess from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// Programs on this machine: found on PATH, their interpreter read from their first line, run to
// completion. A child that runs for a whole command, with its output streamed, is release/run-child.ts.

type Env = Readonly<Record<string, string | undefined>>;

// node:child_process loads net, dgram and streams with it (about 7 ms): loaded when a program is run
const requireBuiltin = createRequire(import.meta.url);

/** Finds an executable on PATH (what the shell would run). */
export function onPath(name: string, env: Env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether a process with this pid runs on this machine (one of another user's counts). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The file a link leads to; undefined when it cannot be followed (a dangling link, a missing file). */
export function realPath(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

/** The first bytes of a file (a script's first line is in them); undefined when it cannot be read. */
export function fileHead(file: string, bytes: number, encoding: BufferEncoding): string | undefined {
  const buf = Buffer.alloc(bytes);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    return buf.toString(encoding, 0, readSync(fd, buf, 0, bytes, 0));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The interpreter of a console script (`#!/app/.heroku/python/bin/python`), when its first lines name a Python. */
export function shebangPython(script: string): string | undefined {
  const head = fileHead(script, 256, 'utf8');
  if (head === undefined) return undefined;
  // `#!/path/python`, or a shell script that execs one (pip's form for long paths: `'''exec' /path/python "$0" "$@"`)
  return (
    /^#!\s*(\/\S*\/python[\d.]*)\s*$/mu.exec(head.split('\n')[0]!)?.[1] ??
    /\bexec'?\s+(\/\S*\/python[\d.]*)\s/u.exec(head)?.[1]
  );
}

export interface ProgramRun {
  /** The exit status; null when a signal or the timeout ended it, or it could not start. */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ProgramOptions {
  readonly cwd?: string;
  /** The child's whole environment, unless overProcessEnv lays it over this process's. */
  readonly env: Env;
  readonly overProcessEnv?: boolean;
  readonly input?: string;
  readonly timeout?: number;
  readonly maxBuffer?: number;
  /** Output thrown away rather than kept. */
  readonly quiet?: boolean;
}

/** Runs a program to completion, its output kept as text (or discarded with `quiet`). */
export function runProgram(file: string, args: readonly string[], opts: ProgramOptions): ProgramRun {
  const env = (opts.overProcessEnv ? { ...process.env, ...opts.env } : opts.env) as NodeJS.ProcessEnv;
  const r = (requireBuiltin('node:child_process') as typeof ChildProcess).spawnSync(file, [...args], {
    cwd: opts.cwd,
    env,
    encoding: 'utf8',
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
    ...(opts.maxBuffer !== undefined ? { maxBuffer: opts.maxBuffer } : {}),
    ...(opts.quiet ? { stdio: 'ignore' as const } : {}),
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * The SQLite version the app's Python links (`sqlite3.sqlite_version`): the Python `alembic`'s (or
 * `flask`'s) script names, else python or python3 on PATH. Undefined when there is none, or it cannot
 * say within a few seconds. Not better-sqlite3's: the migrations run on the app's.
 */
export function appSqliteVersion(env: Env, cwd: string, flask: boolean): string | undefined {
  const script = onPath(flask ? 'flask' : 'alembic', env);
  const python =
    (script ? shebangPython(script) : undefined) ?? onPath('python', env) ?? onPath('python3', env);
  if (!python) return undefined;
  const r = runProgram(python, ['-I', '-c', 'import sqlite3; print(sqlite3.sqlite_version)'], {
    cwd,
    env,
    timeout: 10_000,
  });
  const version = r.status === 0 ? r.stdout.trim() : '';
  return /^\d+\.\d+\.\d+$/u.test(version) ? version : undefined;
}
