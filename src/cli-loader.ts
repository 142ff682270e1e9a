/**
 * Loads the bundled CLI (dist/cli.bundle.cjs) with Node's compile cache, so that a run does not
 * compile the same 1.8 MB of JavaScript again.
 *
 * Why: the tool runs in every deploy, CI job and pre-commit hook, on projects of a few hundred
 * revisions, where start-up is most of a run. Node keeps the compiled code itself
 * (`module.enableCompileCache`, from Node 22.8): it checks each entry against the source's hash, its
 * own version and V8's flags, and writes it when the process exits. Python does the same for
 * Alembic's own modules with its __pycache__ files.
 *
 * The cache holds compiled bytecode, so the tool hands Node a folder only when it is certainly the
 * user's: made by this run where missing, one folder at a time (Node's own recursive mkdir spins
 * without end under /proc), owned by the user and writable by nobody else (on POSIX), and not inside
 * the current folder, where a repository could supply it (HOME=/app on a Heroku dyno). Anything else
 * means compiling as before; the cache never changes what a run prints or returns.
 * `ALEMBIC_PREFLIGHT_CODE_CACHE=off` turns it off, a path moves it.
 */
import { readFileSync, statSync } from 'node:fs';
import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from './errors/errors.js';
import { isInside, makeDirs, ownedAndPrivate, pruneFolder, toolCacheDir } from './project/private-file.js';
import { COMMAND_NAMES } from './commands/command-names.js';

/** What the bundle exports: the CLI's entry, which returns the exit code. */
interface CliBundle {
  main(argv: string[], env: NodeJS.ProcessEnv, build: { key: string; dir: string }): Promise<number>;
}

/** Node's built-in modules, loaded only when a run needs them (node:crypto: most runs hash nothing). */
const requireBuiltin = createRequire(import.meta.url);
/** Commands, to tell `release` (whose exit code is the migration's) from the rest. */
const COMMANDS = new Set<string>(COMMAND_NAMES);

/** node:module's compile cache, from Node 22.8 (the type declarations this project builds with predate it). */
interface CompileCacheApi {
  enableCompileCache?: (dir: string) => { status: number };
  constants?: { compileCacheStatus: { ENABLED: number; ALREADY_ENABLED: number } };
}

/** Where the cache lives, or null when it is turned off (or there is no home folder to keep it in). */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  // '' resolves a relative setting from the current folder, asked for only then: it may be gone
  return toolCacheDir(env['ALEMBIC_PREFLIGHT_CODE_CACHE'], '', env);
}

/**
 * Turns Node's compile cache on in `dir` when that folder is certainly this user's (see above);
 * returns whether it is on. Never throws: a cache that cannot be used is only a slower start.
 */
export function enableCodeCache(dir: string | null, cwd: () => string = process.cwd): boolean {
  const { enableCompileCache, constants } = requireBuiltin('node:module') as CompileCacheApi;
  if (dir === null || enableCompileCache === undefined || constants === undefined) return false;
  try {
    if (isInside(dir, cwd())) return false;
    makeDirs(dir, 0o700);
    if (!ownedAndPrivate(statSync(dir))) return false;
    // the hand-made cache of earlier versions: files of its own format, which nothing reads now
    pruneFolder(dir, (name) => name.startsWith('cli-') && /\.(?:v8|tmp)$/u.test(name));
    const { status } = enableCompileCache(dir);
    const { ENABLED, ALREADY_ENABLED } = constants.compileCacheStatus;
    return status === ENABLED || status === ALREADY_ENABLED;
  } catch {
    return false;
  }
}

/** The bundle's key as its build wrote it (`<16 hex digits of its SHA-1> <length in bytes>`), when it is there and still fits the bundle. */
export function builtSourceKey(bundlePath: string, keyFile = `${bundlePath}.key`): string | undefined {
  try {
    const [key, length] = readFileSync(keyFile, 'latin1').trim().split(' ');
    return key !== undefined && /^[0-9a-f]{16}$/u.test(key) && Number(length) === statSync(bundlePath).size
      ? key
      : undefined;
  } catch {
    return undefined;
  }
}

/** 16 hex digits of the bundle's SHA-1: what the build writes beside it (scripts/bundle.mjs). */
export function sourceHash(bundlePath: string): string {
  const { createHash } = requireBuiltin('node:crypto') as typeof Crypto;
  return createHash('sha1').update(readFileSync(bundlePath)).digest('hex').slice(0, 16);
}

/** Runs the bundled CLI with argv and returns its exit code. */
export async function runBundledCli(
  argv: string[],
  bundlePath = defaultBundle(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const output = watchOutput(argv.find((a) => COMMANDS.has(a)) === 'release');
  enableCodeCache(cacheDirOrNull(env));
  const bundle = createRequire(bundlePath)(bundlePath) as CliBundle;
  // the bundle's key tells results one build cached from another's (a build that wrote none is hashed here)
  const code = await bundle.main(argv, env, {
    key: builtSourceKey(bundlePath) ?? sourceHash(bundlePath),
    dir: path.dirname(bundlePath),
  });
  return code === EXIT.ok && output.lost ? EXIT.output : code;
}

/**
 * A reader that stops early (`check --format json | head`) closes the pipe, and Node raises the
 * failed write as an unhandled error: a stack trace and exit 1, which reads as "blocking findings".
 * That is ignored, and the run keeps its exit code: its result does not depend on who read it, and a
 * release must not stop halfway because its log reader went away. Any other failure on stdout (a
 * full disk under `> report.json`) lost the report: it is said on stderr, and an exit code of 0
 * becomes 74, except for release, whose code is the migration's. Failures on stderr are ignored:
 * there is nowhere left to say them.
 */
function watchOutput(release: boolean): { lost: boolean } {
  const state = { lost: false };
  process.stderr.on('error', () => undefined);
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || state.lost) return;
    state.lost = !release;
    process.stderr.write(
      `alembic-preflight: could not write to standard output (${e.code ?? e.message}); the report is incomplete.\n`,
    );
    // the run may already have returned its code to the bin
    if (state.lost && (process.exitCode === undefined || process.exitCode === EXIT.ok))
      process.exitCode = EXIT.output;
  });
  return state;
}

function cacheDirOrNull(env: NodeJS.ProcessEnv): string | null {
  try {
    return codeCacheDir(env);
  } catch {
    // a relative cache setting in a current folder that is gone: run without a cache (main says what happened)
    return null;
  }
}

function defaultBundle(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'cli.bundle.cjs');
}
