import path from 'node:path';
import { DEFAULT_URL_VARIABLE, type DatabaseTarget } from '../database/database-url.js';
import type { AppUrlReads } from '../deploy/app-url-reads.js';
import { ConfigError } from '../errors/errors.js';
import { FENCE_PYTHON } from './fence-python.js';
import { makeTempDir, readMachineText, removeTree, writeOwnFile } from '../project/machine-files.js';
import { fileHead, runProgram, shebangPython } from '../project/programs.js';

/** A database a fenced child may connect to. */
export type FenceTarget =
  | { readonly dialect: 'postgresql'; readonly host: string; readonly port: number; readonly dbname: string }
  | { readonly dialect: 'sqlite'; readonly path: string }
  | {
      readonly dialect: 'mysql';
      readonly host: string;
      readonly port: number;
      readonly socket?: string;
      readonly dbname: string;
    };

/** A connection the fence refused, as the child recorded it (never with credentials). */
export interface FenceRefusal {
  readonly driver: string;
  /** What the app tried to reach: a PostgreSQL host, port and database, a SQLite file, or only a dialect; `process`: a Python it started with -I, -E or -S (`driver` names it). */
  readonly target: {
    readonly dialect: string;
    readonly host?: string;
    readonly port?: number;
    readonly dbname?: string;
    readonly path?: string;
  };
  /** Environment variables whose value named that database when the app connected. */
  readonly holding: readonly string[];
  /** Variables the tool set that the app's code changed before it connected (a .env loaded with override=True). */
  readonly changed: readonly string[];
}

/** The fence around one command's Python children: the environment to lay over theirs, and what they did. */
export interface Fence {
  /** PYTHONPATH with the fence first, and the fence's settings. */
  readonly env: Readonly<Record<string, string>>;
  /** How many Python processes have loaded the fence so far. */
  loaded(): number;
  /** The connections refused so far. */
  refused(): FenceRefusal[];
  /** Removes the fence's folder; safe to call twice. */
  remove(): void;
}

/** The fence's view of a database the tool parsed: where the driver ends up connecting. */
export function fenceTarget(t: DatabaseTarget): FenceTarget {
  if (t.dialect === 'sqlite') return { dialect: 'sqlite', path: t.file };
  if (t.dialect === 'mysql')
    return {
      dialect: 'mysql',
      host: t.host,
      port: t.port,
      ...(t.socket ? { socket: t.socket } : {}),
      dbname: t.database,
    };
  return { dialect: 'postgresql', host: t.host, port: t.port, dbname: t.database };
}

/**
 * Writes the fence (a sitecustomize module) into a private temporary folder. `set`: the variables the
 * tool points at the allowed database, so a refusal can say which of them the app's code replaced.
 */
export function makeFence(
  allow: readonly FenceTarget[],
  set: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Fence {
  const dir = makeTempDir('alembic-preflight-fence-');
  writeOwnFile(path.join(dir, 'sitecustomize.py'), FENCE_PYTHON, 0o600);
  // whose it is: a run killed with SIGKILL leaves it, and the next rehearse removes it
  writeOwnFile(path.join(dir, 'owner'), `${process.pid}\n`);
  const loadedFile = path.join(dir, 'loaded');
  const reportFile = path.join(dir, 'refused');
  const spec = { allow, set, loaded: loadedFile, report: reportFile };
  // no password file: an empty one of its own, since libpq warns on every connection without a password
  // that /dev/null "is not a plain file"
  const passfile = path.join(dir, 'pgpass');
  writeOwnFile(passfile, '', 0o600);
  const pythonPath = [dir, ...(env.PYTHONPATH ? [env.PYTHONPATH] : [])].join(path.delimiter);
  const lines = (file: string): string[] => {
    try {
      return readMachineText(file).split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  return {
    env: { PYTHONPATH: pythonPath, ALEMBIC_PREFLIGHT_FENCE: JSON.stringify(spec), PGPASSFILE: passfile },
    loaded: () => lines(loadedFile).length,
    refused: () =>
      lines(reportFile).flatMap((l) => {
        try {
          const r = JSON.parse(l) as FenceRefusal;
          return [{ driver: r.driver, target: r.target, holding: r.holding ?? [], changed: r.changed ?? [] }];
        } catch {
          return [];
        }
      }),
    remove: () => removeTree(dir),
  };
}

/** A refused target in words, without credentials. */
export function describeRefused(t: FenceRefusal['target']): string {
  if (t.dialect === 'sqlite')
    return t.path === ':memory:' ? 'an in-memory SQLite database' : `the SQLite file ${t.path}`;
  if (t.dialect === 'postgresql')
    return `the PostgreSQL database '${t.dbname}' on ${t.host || 'the local socket'}:${t.port}`;
  if (t.dialect === 'mysql')
    return `the MySQL database '${t.dbname}' on ${t.host?.startsWith('/') ? `the socket ${t.host}` : `${t.host}:${t.port}`}`;
  return `a ${t.dialect} database, which this fence cannot check`;
}

/**
 * Whether the Python behind a command loads the fence: that Python (the command itself, or the one a
 * console script's first line names, with that line's flags such as -I) run once with the fenced
 * environment. Undefined when the command's Python cannot be told from here (a shell wrapper): the
 * steps' own count then decides.
 */
export function fenceLoadsIn(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  fence: Fence,
): boolean | undefined {
  const python = argv[0] ? pythonBehind(argv[0]) : undefined;
  if (!python) return undefined;
  const before = fence.loaded();
  runProgram(python[0]!, [...python.slice(1), '-c', 'pass'], {
    cwd,
    env,
    overProcessEnv: true,
    quiet: true,
    timeout: 30_000,
  });
  return fence.loaded() > before;
}

const PYTHON_NAME = /^python[\d.]*$/u;

/** The interpreter and its flags that run an executable: itself when it is a Python, else its shebang's. */
function pythonBehind(exe: string): string[] | undefined {
  if (PYTHON_NAME.test(path.basename(exe))) return [exe];
  const head = fileHead(exe, 256, 'latin1');
  if (head === undefined) return undefined;
  const first = head.split('\n')[0] ?? '';
  const words = first.startsWith('#!') ? first.slice(2).trim().split(/\s+/u) : [];
  // `#!/usr/bin/env python3 -I`: the program env runs, and its flags
  const at =
    words[0] && path.basename(words[0]) === 'env'
      ? words.findIndex((w, i) => i > 0 && !w.startsWith('-'))
      : 0;
  const program = at >= 0 ? words[at] : undefined;
  if (program && PYTHON_NAME.test(path.basename(program))) return [program, ...words.slice(at + 1)];
  const exec = shebangPython(exe);
  return exec ? [exec] : undefined;
}

/** Who was fenced: rehearse (which can point more variables at its scratch) or release (the database verify read). */
export interface FencedRun {
  /** The command that connected, for the message: "`alembic upgrade head`". */
  readonly what: string;
  readonly tool: 'rehearse' | 'release';
  /** The variables the tool set, or read, for the allowed database. */
  readonly set: readonly string[];
  readonly reads: AppUrlReads;
}

/**
 * The error for a refused connection: which database the app reached for, which setting led it there
 * (a variable the app's code replaced, one that holds that URL, or the code that builds it), and the
 * one change that points it at the allowed database.
 */
export function refusalError(r: FenceRefusal, run: FencedRun): ConfigError {
  // a Python it started with -I, -E or -S (the fence cannot load there): stopped before it ran
  if (r.target.dialect === 'process') {
    // `python -I` (its flag), or the shape that drops the fence's variables (`env -i`, `PYTHONPATH=.`)
    const flag = /^python (.*)$/u.exec(r.driver)?.[1];
    return new ConfigError(
      `${run.what} started \`${r.driver}\`, which ${flag ? 'runs without its site module or environment' : 'drops the environment the fence travels in'}, so the connection fence cannot load in it; it was stopped before it ran.`,
      {
        hint: `Start ${flag ? `that Python without ${flag}` : `it without ${r.driver}`}, then ${run.tool === 'rehearse' ? 'run rehearse again' : 'release again'}.`,
      },
    );
  }
  const list = (xs: readonly string[]): string => xs.join(', ');
  const allowed =
    run.tool === 'rehearse'
      ? 'the scratch database'
      : `the database verify read${run.set[0] ? ` ($${run.set[0]})` : ''}`;
  const rerun = run.tool === 'rehearse' ? 'run rehearse again' : 'release again';
  const point = (name: string): string =>
    run.tool === 'rehearse'
      ? `point it at the scratch database: alembic-preflight rehearse --url-env ${name}`
      : `have the app read ${run.set[0] ?? 'the URL verify read'} instead of ${name}, then ${rerun}`;
  const others = run.reads.variables.filter((v) => !run.set.includes(v.name));
  let why: string;
  let hint: string;
  if (r.changed.length > 0) {
    const o = run.reads.dotenvOverride;
    why = `The app's code replaced ${list(r.changed)}${o ? ` (load_dotenv(override=True) at ${o.path}:${o.line} loads .env over the environment)` : ''}.`;
    hint = o
      ? `${o.path}:${o.line} calls load_dotenv(override=True), so .env wins over the environment: drop override=True (the environment then wins, as Heroku's config vars do), then ${rerun}.`
      : `Have the app keep the environment's ${r.changed[0]} when it is set, then ${rerun}.`;
  } else if (r.holding.length > 0) {
    why = `${list(r.holding)} ${r.holding.length === 1 ? 'holds' : 'hold'} that database's URL, and the app read it.`;
    hint = `${point(r.holding[0]!).replace(/^./u, (c) => c.toUpperCase())}`;
  } else if (others.length > 0) {
    why =
      "No environment variable holds that URL: the app's code falls back to it when the variable it reads is unset.";
    hint = `The app's code reads ${list(others.map((v) => `${v.name} (${v.path}:${v.line})`))}; ${point(others[0]!.name)}`;
  } else {
    why = "No environment variable holds that URL: the app's code builds it.";
    hint =
      run.tool === 'rehearse'
        ? 'Have the app take its database URL from an environment variable when it is set, and name it: alembic-preflight rehearse --url-env NAME'
        : `Have the app take its database URL from ${run.set[0] ?? DEFAULT_URL_VARIABLE}, then ${rerun}.`;
  }
  return new ConfigError(
    `${run.what} connected to ${describeRefused(r.target)}, not ${allowed}; the connection was closed before its first statement. ${why}`,
    { hint },
  );
}
