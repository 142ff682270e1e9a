import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The project's corpus generator (test/oracle/corpus.py). */
export const CORPUS = path.join(REPO, 'test/oracle/corpus.py');
export const PYTHON = '/usr/bin/python3';
/**
 * `python3` for the tests' own questions to real Alembic (`-m alembic …`, the oracle scripts of
 * test/oracle/): the run's fork server answers them (test/oracle/zygote.py, started by global-setup.ts),
 * which saves importing Alembic and SQLAlchemy for each; where it cannot answer as a new interpreter would
 * (another PYTHONPATH, say), /usr/bin/python3 does. Never for what the product itself starts.
 */
export const ORACLE_PYTHON = path.join(REPO, 'test/oracle/zygote_client.py');

/**
 * A bare environment (`env` alone, as a release dyno gives Alembic) for a question to ORACLE_PYTHON, plus
 * what lets the fork server answer it: its socket, and what a new interpreter reads as it starts (the
 * locale, HOME for the user site) as this process has them. Without these every such question started
 * and imported Alembic afresh (about 0.6 s of CPU each).
 */
export function oracleEnv(env: Record<string, string>): Record<string, string> {
  const carried = ['PREFLIGHT_PYTHON_ZYGOTE', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE'].flatMap((k) => {
    const v = process.env[k];
    return v === undefined ? [] : [[k, v] as const];
  });
  return { ...Object.fromEntries(carried), ...env };
}

export interface OracleGraph {
  alembic: string;
  ok: boolean;
  heads?: string[];
  realHeads?: string[];
  bases?: string[];
  realBases?: string[];
  revisions?: {
    revision: string;
    downRevisions: string[];
    dependsOn: string[];
    labels: string[];
    path: string;
  }[];
  error?: { class: string; message: string };
  warnings: string[];
}

/** The Alembic sources to compare against: Debian's 1.8.1 always, the newest when ALEMBIC_LATEST_SRC is set. */
export function alembicTargets(): { name: string; version: string; env: Record<string, string> }[] {
  const out = [{ name: 'system', version: '1.8.1', env: {} as Record<string, string> }];
  const latest = process.env.ALEMBIC_LATEST_SRC;
  if (latest && existsSync(path.join(latest, 'alembic')))
    out.push({ name: 'latest', version: 'latest', env: { PYTHONPATH: latest } });
  return out;
}

/** Runs real `alembic ARGS` in `cwd` (the target's env added): its exit status and the last line it printed (stdout, then stderr: a traceback's exception). */
export function alembicCommand(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): { status: number | null; last: string } {
  const r = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
  });
  return { status: r.status, last: `${r.stdout}\n${r.stderr}`.trim().split('\n').at(-1) ?? '' };
}

/** Makes `alembic` on PATH in `dir` run Debian's Alembic (what a shell line calls by name); returns `dir`. */
export function alembicOnPath(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'alembic'), `#!/bin/sh\nexec ${PYTHON} -m alembic "$@"\n`, { mode: 0o755 });
  return dir;
}

export function oracleGraph(
  cwd: string,
  opts: { ini?: string; env?: Record<string, string> } = {},
): OracleGraph {
  const args = [path.join(REPO, 'test/oracle/alembic_graph.py'), '--cwd', cwd];
  if (opts.ini) args.push('--ini', opts.ini);
  // the fork server answers unless opts.env starts Python differently (PYTHONPATH, PYTHONHASHSEED)
  const out = execFileSync(ORACLE_PYTHON, args, {
    cwd,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...(opts.env ?? {}) },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out) as OracleGraph;
}

/** What CPython's `compile()` says of a source: null when it compiles, else the SyntaxError's message and line, and its subclass (IndentationError, TabError) when it is one. */
export type CompileOutcome = { msg: string; line: number; exc?: string } | null;

/** The tokenizer's error in the shape of CompileOutcome. */
export function outcomeOf(
  e: { message: string; line: number; exception?: string } | undefined,
): CompileOutcome {
  if (!e) return null;
  return e.exception === 'IndentationError' || e.exception === 'TabError'
    ? { msg: e.message, line: e.line, exc: e.exception }
    : { msg: e.message, line: e.line };
}

/**
 * CPython's verdict on each source, in one Python process. A null byte gives
 * a ValueError (msg 'ValueError', line 0), which no SyntaxError case matches.
 */
export function cpythonCompile(sources: readonly string[]): CompileOutcome[] {
  const script = [
    'import json, sys, warnings',
    "warnings.simplefilter('ignore')",
    'out = []',
    'for src in json.load(sys.stdin):',
    '    try:',
    "        compile(src, 'migration.py', 'exec'); out.append(None)",
    '    except SyntaxError as e:',
    "        out.append({'msg': e.msg, 'line': e.lineno, **({} if type(e) is SyntaxError else {'exc': type(e).__name__})})",
    '    except ValueError as e:',
    "        out.append({'msg': 'ValueError', 'line': 0})",
    'print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(
    execFileSync(PYTHON, ['-c', script], {
      input: JSON.stringify(sources),
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    }),
  ) as CompileOutcome[];
}

/**
 * CPython's verdict on each source as a file's bytes, the way import reads them: a coding
 * declaration counts (compile() of a str ignores it). One Python process for all.
 */
export function cpythonCompileBytes(sources: readonly string[]): CompileOutcome[] {
  const script = [
    'import base64, json, sys, warnings',
    "warnings.simplefilter('ignore')",
    'out = []',
    'for src in json.load(sys.stdin):',
    '    try:',
    "        compile(base64.b64decode(src), 'migration.py', 'exec'); out.append(None)",
    '    except SyntaxError as e:',
    "        out.append({'msg': e.msg, 'line': e.lineno, **({} if type(e) is SyntaxError else {'exc': type(e).__name__})})",
    '    except ValueError as e:',
    "        out.append({'msg': 'ValueError', 'line': 0})",
    'print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(
    execFileSync(PYTHON, ['-c', script], {
      input: JSON.stringify(sources.map((s) => Buffer.from(s).toString('base64'))),
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    }),
  ) as CompileOutcome[];
}
