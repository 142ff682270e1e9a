import path from 'node:path';
import { LATEST_ALEMBIC, type AlembicVersion } from '../alembic/config/alembic-version.js';
import { FLASK_OPTIONS_WITH_VALUE, releaseUpgrade, type ReleaseCommandProblem } from './alembic-argv.js';
import { commandArgs, decidedAtRunTime } from './shell-words.js';

/** What keeps an upgrade from migrating, as a deploy target carries it. */
export type UpgradeProblem = Omit<ReleaseCommandProblem, 'at' | 'via'>;

/**
 * `alembic-preflight release …`: the target its own --target gives (null when not a literal), else the
 * command after `--` it wraps, else head; undefined for any other command.
 */
export function preflightRelease(
  words: readonly string[],
): { target: string | null } | { wrapped: readonly string[] } | undefined {
  const preflight = toolAt(words, 'alembic-preflight');
  if (preflight < 0 || words[preflight + 1] !== 'release') return undefined;
  const dash = words.indexOf('--', preflight);
  // a --target after `--` belongs to the wrapped command
  const end = dash < 0 ? words.length : dash;
  const i = words.findIndex(
    (w, k) => k > preflight && k < end && (w === '--target' || w.startsWith('--target=')),
  );
  if (i >= 0)
    return { target: literal(words[i]!.includes('=') ? words[i]!.slice('--target='.length) : words[i + 1]) };
  return dash < 0 ? { target: 'head' } : { wrapped: words.slice(dash + 1) };
}

/** Index of a tool's word in a command (`alembic`, `./node_modules/.bin/alembic-preflight`), or -1. */
export function toolAt(words: readonly string[], name: string): number {
  return words.findIndex((x) => x === name || x.endsWith(`/${name}`));
}

/**
 * Index of the `db` word of `flask [OPTIONS] db`, after Flask's own options (`flask --app app db
 * upgrade`, Flask ≥ 2.2's spelling; `-e .env`, `--debug`); -1 when the command is not Flask-Migrate's.
 */
export function flaskDbAt(words: readonly string[]): number {
  let i = toolAt(words, 'flask');
  if (i < 0) return -1;
  for (i++; i < words.length && words[i]!.startsWith('-'); i++) {
    if (FLASK_OPTIONS_WITH_VALUE.includes(words[i]!)) i++;
  }
  return words[i] === 'db' ? i : -1;
}

/** Index of the command's own word, after `VAR=value` assignments and `exec`; -1 when there is none. */
export function commandStart(words: readonly string[]): number {
  let i = 0;
  while (i < words.length && /^[A-Za-z_]\w*=/u.test(words[i]!)) i++;
  if (words[i] === 'exec' || words[i] === 'then' || words[i] === 'do' || words[i] === 'else') i++;
  return i < words.length ? i : -1;
}

/**
 * `release -- alembic …` starts alembic itself, with no shell between: its words are argv exactly (a
 * value may hold a blank or a quote), read as Alembic's argparse reads them. 'shell' for any other
 * command, which is read as the shell line it may be (`sh -c "…"`, a script).
 */
export function directUpgrade(argv: readonly string[]): Upgrade | 'unread' | 'shell' | undefined {
  if (argv.length === 0 || toolAt([argv[0]!], 'alembic') !== 0) return 'shell';
  const args = argv.slice(1);
  const read = releaseUpgrade(args, LATEST_ALEMBIC);
  return read === undefined || read === 'unread' ? read : upgradeOf(read, args);
}

/** What Alembic's argparse made of an upgrade's words, as the release's reading takes it. */
export function upgradeOf(
  read: Exclude<ReturnType<typeof releaseUpgrade>, 'unread' | undefined>,
  args: readonly string[],
): Upgrade {
  const target = literal(read.revision);
  const problem = read.problem ? problemOf(read.problem, args) : undefined;
  return {
    target,
    ...(read.config !== undefined ? { config: read.config } : {}),
    ...(read.name !== undefined ? { name: read.name } : {}),
    ...(problem ? { problem } : {}),
  };
}

export interface Upgrade {
  /** null when the target is decided at run time (a variable, a relative step) or not read. */
  readonly target: string | null;
  readonly config?: string;
  readonly name?: string;
  readonly problem?: UpgradeProblem;
}

/**
 * The upgrade an `alembic … upgrade` or `flask db upgrade` command runs: its target, -c and -n, read as
 * Alembic's argparse reads them, or what keeps it from migrating; undefined when it is not a migration.
 */
export function upgradeTarget(words: readonly string[], version: AlembicVersion): Upgrade | undefined {
  const alembic = toolAt(words, 'alembic');
  const flask = flaskDbAt(words);
  const isFlask = flask >= 0;
  if (alembic < 0 && !isFlask) return undefined;
  if (!isFlask) {
    const args = commandArgs(words.slice(alembic + 1));
    const read = args ? releaseUpgrade(args, version) : 'unread';
    if (read === undefined) return undefined;
    if (read !== 'unread') return upgradeOf(read, args!);
  }
  const from = isFlask ? flask + 1 : alembic + 1;
  const up = words.findIndex((w, k) => k >= from && w === 'upgrade');
  if (up < 0) return undefined;
  const config = optionOf(words, '-c', '--config');
  const name = optionOf(words, '-n', '--name');
  const project = { ...(config !== undefined ? { config } : {}), ...(name !== undefined ? { name } : {}) };
  // a command line the shell still rewrites: options of upgrade (--sql, --tag X, -x k=v) would shift the target, so not followed
  const next = words[up + 1];
  if (next === undefined) return { target: isFlask ? 'head' : null, ...project };
  if (next.startsWith('-')) return { target: null, ...project };
  return { target: literal(next), ...project };
}

/** What keeps the upgrade from migrating, with the command lines written as `alembic …`. */
function problemOf(
  p: { kind: ReleaseCommandProblem['kind']; detail: string; fixed?: readonly string[] },
  args: readonly string[],
): UpgradeProblem {
  return {
    kind: p.kind,
    detail: p.detail,
    command: ['alembic', ...args].join(' '),
    ...(p.fixed ? { fixed: ['alembic', ...p.fixed].join(' ') } : {}),
  };
}

/** A -c value as the release phase reads it: absolute, or as written when the shell decides it. */
export function configPath(dir: string, written: string | undefined): string | undefined {
  return written === undefined || decidedAtRunTime(written) ? written : path.resolve(dir, written);
}

/** The value of one of the migration tool's own options (`-c X`, `--config X`, `--config=X`); `sh -c alembic …`'s -c is the shell's. */
export function optionOf(words: readonly string[], short: string, long: string): string | undefined {
  const tool = words.findIndex((x) => /(?:^|\/)(?:alembic|alembic-preflight|flask)$/u.test(x));
  for (let i = Math.max(tool, 0); i < words.length; i++) {
    const w = words[i]!;
    if (w === short || w === long) return words[i + 1];
    if (w.startsWith(`${long}=`)) return w.slice(long.length + 1);
  }
  return undefined;
}

export function literal(t: string | undefined): string | null {
  if (t === undefined || t === '') return null;
  // a variable, a quote or a relative step is decided at run time
  if (/[$`'"]/u.test(t) || /^(?:(.+?)@)?(\w+)?[+-]\d+/u.test(t)) return null;
  return t;
}
