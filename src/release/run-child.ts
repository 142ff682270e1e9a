import { spawn } from 'node:child_process';
import path from 'node:path';
import { onPath, shebangPython } from '../project/programs.js';

/** `alembic upgrade <target>` (or `downgrade`): `alembic` from PATH, else `python -m alembic`; undefined when neither exists. */
export function alembicCommand(
  target: string,
  env: Readonly<Record<string, string | undefined>>,
  project: { config?: string; name?: string } = {},
  command: 'upgrade' | 'downgrade' | 'stamp' = 'upgrade',
): string[] | undefined {
  // the same configuration we verified: -c and -n go to Alembic too
  const args = [
    ...(project.config ? ['-c', project.config] : []),
    ...(project.name ? ['-n', project.name] : []),
    command,
    target,
  ];
  const alembic = onPath('alembic', env);
  if (alembic) return [alembic, ...args];
  const python = onPath('python', env) ?? onPath('python3', env);
  if (python) return [python, '-m', 'alembic', ...args];
  return undefined;
}

/**
 * `flask db upgrade` (or `downgrade`) as Flask-Migrate runs it for a project whose script folder `flask db` sets: the
 * folder we graded goes to `-d`, so the upgrade reads the same revisions whatever the app's
 * Migrate(directory=) says. `flask` from PATH, else `python -m flask`; undefined when neither exists.
 */
export function flaskCommand(
  target: string,
  directory: string,
  env: Readonly<Record<string, string | undefined>>,
  command: 'upgrade' | 'downgrade' | 'stamp' = 'upgrade',
): string[] | undefined {
  const args = [
    'db',
    command,
    '-d',
    directory,
    ...(target === 'head' && command === 'upgrade' ? [] : [target]),
  ];
  const flask = onPath('flask', env);
  if (flask) return [flask, ...args];
  const python = onPath('python', env) ?? onPath('python3', env);
  if (python) return [python, '-m', 'flask', ...args];
  return undefined;
}

/** The Python the migrations run under: the interpreter `alembic`'s (or `flask`'s) script names, else python or python3 on PATH. */
export function appPython(
  env: Readonly<Record<string, string | undefined>>,
  flask: boolean,
): string | undefined {
  const script = onPath(flask ? 'flask' : 'alembic', env);
  return (script ? shebangPython(script) : undefined) ?? onPath('python', env) ?? onPath('python3', env);
}

/**
 * Why `flask` cannot find the app from here, or undefined when it can: FLASK_APP (from the
 * environment, else .flaskenv or .env), else wsgi.py or app.py in the folder. A FLASK_APP module is
 * looked for as flask's CLI imports it, with the folder first on sys.path: a file or package here,
 * else wherever `findModule` (Python's find_spec, which runs none of the app's code) says.
 */
export function flaskAppMissing(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
  exists: (file: string) => boolean,
  read: (file: string) => string | undefined,
  findModule?: (name: string) => boolean | undefined,
): string | undefined {
  const fromFile = (['.flaskenv', '.env'] as const)
    .map((file) => ({ file, value: assignedIn(read(path.join(cwd, file)) ?? '', 'FLASK_APP') }))
    .find((x) => x.value !== undefined);
  const value = env.FLASK_APP || fromFile?.value;
  if (value) {
    const where = env.FLASK_APP ? 'FLASK_APP' : `FLASK_APP in ${fromFile!.file}`;
    return appModuleMissing(value, where, cwd, exists, findModule);
  }
  if (exists(path.join(cwd, 'wsgi.py')) || exists(path.join(cwd, 'app.py'))) return undefined;
  return 'FLASK_APP is not set, and there is no wsgi.py or app.py here (nor FLASK_APP in .flaskenv or .env)';
}

/** The value a dotenv-style file assigns to a name (`NAME=value`, `export NAME="value"`), or undefined. */
function assignedIn(text: string, name: string): string | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.trim().replace(/^export\s+/u, '');
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length).trimStart();
    if (!rest.startsWith('=')) continue;
    return rest
      .slice(1)
      .trim()
      .replace(/^(['"])(.*)\1$/u, '$2');
  }
  return undefined;
}

/**
 * Flask's `prepare_import` and `locate_app`, up to the import: `module[:app]` or `path/file.py[:app]`.
 * Undefined when the module is found (it may still fail while importing: flask reports that).
 */
function appModuleMissing(
  value: string,
  where: string,
  cwd: string,
  exists: (file: string) => boolean,
  findModule?: (name: string) => boolean | undefined,
): string | undefined {
  const colon = value.indexOf(':');
  const target = (colon < 0 ? value : value.slice(0, colon)).trim();
  if (target === '') return `${where} is ${JSON.stringify(value)}, which names no module`;
  if (target.endsWith('.py') || target.includes('/')) {
    const file = path.resolve(cwd, target.endsWith('.py') ? target : `${target}.py`);
    const found = exists(file) || exists(path.join(path.resolve(cwd, target), '__init__.py'));
    return found
      ? undefined
      : `${where} is ${JSON.stringify(value)}, and there is no ${path.relative(cwd, file) || target} here`;
  }
  const top = target.split('.')[0]!;
  if (
    exists(path.join(cwd, `${top}.py`)) ||
    exists(path.join(cwd, top, '__init__.py')) ||
    exists(path.join(cwd, top))
  )
    return undefined;
  if (findModule?.(top) === false)
    return `${where} is ${JSON.stringify(value)}, and Python finds no module ${top} (no ${top}.py or ${top}/ here, nor an installed one)`;
  return undefined;
}

export interface ChildOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The signal we forwarded (SIGTERM/SIGINT from Heroku or a user), if any. */
  readonly forwarded?: NodeJS.Signals;
  readonly deadlineHit: boolean;
  readonly ms: number;
  /** With `capture`: what the command wrote to stdout and stderr, interleaved (its last 256 KiB). */
  readonly output?: string;
}

/** How much of a captured command's output is kept: its end, where the traceback is. */
const CAPTURE_LIMIT = 256 * 1024;

/**
 * Runs the command with our stdio (its output reaches the release log
 * unchanged), forwards SIGTERM/SIGINT to its whole process group, and stops
 * the group at the deadline (SIGTERM, then SIGKILL after the grace period). `env` is laid over this
 * process's environment, which the command inherits.
 */
export function runChild(
  argv: readonly string[],
  opts: {
    cwd: string;
    env: Readonly<Record<string, string | undefined>>;
    deadlineMs: number;
    graceMs?: number;
    capture?: boolean;
  },
): Promise<ChildOutcome> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let forwarded: NodeJS.Signals | undefined;
    let deadlineHit = false;
    let killer: NodeJS.Timeout | undefined;
    // set once the command is spawned; a signal before that is recorded and forwarded right after
    const group: { pid?: number } = {};
    const signalGroup = (signal: NodeJS.Signals): void => {
      if (group.pid === undefined) return;
      try {
        process.kill(-group.pid, signal);
      } catch {
        // the group is gone already
      }
    };
    const stop = (signal: NodeJS.Signals): void => {
      signalGroup(signal);
      killer ??= setTimeout(() => signalGroup('SIGKILL'), opts.graceMs ?? 20_000);
    };
    const onSignal = (signal: NodeJS.Signals) => () => {
      forwarded ??= signal;
      stop(signal);
    };
    // listening before the spawn: a signal that lands in between would otherwise end us by default and
    // leave the command running
    const onTerm = onSignal('SIGTERM');
    const onInt = onSignal('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    // a process group of its own: `-- sh -c …` or a script starts Alembic as a grandchild, which a signal
    // to the shell alone would leave running after we report it stopped
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: opts.capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      detached: true,
    });
    group.pid = child.pid;
    let output = '';
    const keep = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > 2 * CAPTURE_LIMIT) output = output.slice(-CAPTURE_LIMIT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    if (forwarded) stop(forwarded);
    const deadline = setTimeout(() => {
      deadlineHit = true;
      stop('SIGTERM');
    }, opts.deadlineMs);
    const done = (): void => {
      clearTimeout(deadline);
      if (killer) clearTimeout(killer);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    };
    child.once('error', (e) => {
      done();
      reject(e);
    });
    child.once('exit', (code, signal) => {
      done();
      // stopped: what the command left behind in its group goes with it
      if (forwarded || deadlineHit) signalGroup('SIGKILL');
      const result = { code, signal, forwarded, deadlineHit, ms: Date.now() - started };
      if (!opts.capture) return resolve(result);
      // the pipes may still hold the last of the output when the process has exited
      let open = [child.stdout, child.stderr].filter((s) => s && !s.readableEnded).length;
      const finish = (): void => resolve({ ...result, output: output.slice(-CAPTURE_LIMIT) });
      if (open === 0) return finish();
      for (const s of [child.stdout, child.stderr]) s?.once('end', () => --open === 0 && finish());
    });
  });
}
