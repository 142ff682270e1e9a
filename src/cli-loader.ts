/**
 * Loads the bundled CLI (dist/cli.bundle.cjs) with a V8 code cache, so that a
 * run does not compile the same 800 KB of JavaScript again.
 *
 * Why: the tool runs in every deploy, CI job and pre-commit hook, on projects
 * of a few hundred revisions, where start-up is most of a run. Compiling the
 * bundle and the functions a command calls costs about 50 ms of a 200 ms run
 * on an empty project and 80 ms of a 500 ms run at 300 revisions (see
 * docs/performance.md). Python does the same for Alembic's own modules with
 * its __pycache__ files.
 *
 * The cache holds compiled bytecode, so it is only used when it is certainly
 * ours and intact: one file per bundle path and content (a SHA-1 of the
 * source, which the build writes beside the bundle: V8 itself checks only the
 * source's length), Node version, architecture and command; a CRC-32 over the
 * payload against corruption; and, on POSIX, a folder and file owned
 * by the user and writable by nobody else. Anything else (missing, corrupt,
 * rejected by V8, an unusable folder) means compiling as before, and any
 * failure to write is silent: the cache never changes what a run prints or
 * returns. `ALEMBIC_PREFLIGHT_CODE_CACHE=off` turns it off, a path moves it.
 */
import { readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { EXIT } from './errors/errors.js';
import { fnv1a, readPrivateFile, toolCacheDir, writePrivateFile } from './project/private-file.js';
import { COMMAND_NAMES } from './commands/command-names.js';

/** What the bundle exports: the CLI's entry, which returns the exit code. */
interface CliBundle {
  main(argv: string[], env: NodeJS.ProcessEnv, build: { key: string; dir: string }): Promise<number>;
  warmCodeCache(): Promise<void>;
}

/** A cache file: MAGIC, the payload's CRC-32 (4 bytes), its length (4 bytes, little-endian), the payload. */
const MAGIC = Buffer.from('APCC0002', 'latin1');
/** node:crypto, loaded only when a run needs it: most runs hash nothing. */
const requireBuiltin = createRequire(import.meta.url);
/** Commands get a cache each (each compiles its own code paths); anything else shares one. */
const COMMANDS = new Set<string>(COMMAND_NAMES);

/** Where the cache lives, or null when it is turned off (or there is no home folder to keep it in). */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  // '' resolves a relative setting from the current folder, asked for only then: it may be gone
  return toolCacheDir(env['ALEMBIC_PREFLIGHT_CODE_CACHE'], '', env);
}

/**
 * The cache file's name for this bundle (where it is and what it holds), this Node and this command.
 * The path is part of it because V8 restores the script's name from the cache: another copy of the
 * same bundle would name the first one's file in its stack traces.
 */
export function codeCacheName(
  source: string,
  argv: readonly string[],
  bundlePath: string,
  sourceKey: string = sourceHash(source),
): string {
  // the first known command word (an option's value may come before it); a wrong guess only costs a cache miss
  const command = argv.find((a) => COMMANDS.has(a)) ?? 'other';
  return `cli-${fnv1a(path.resolve(bundlePath))}-${sourceKey}-${process.version}-${process.arch}-${command}.v8`;
}

/** The bundle's key as its build wrote it (`<16 hex digits of its SHA-1> <length>`), when it is there and still fits the source. */
export function builtSourceKey(source: string, keyFile: string): string | undefined {
  try {
    const [key, length] = readFileSync(keyFile, 'latin1').trim().split(' ');
    return key !== undefined && /^[0-9a-f]{16}$/u.test(key) && Number(length) === source.length
      ? key
      : undefined;
  } catch {
    return undefined;
  }
}

/** 16 hex digits of the source's SHA-1: what the build writes beside the bundle (scripts/bundle.mjs). */
export function sourceHash(source: string): string {
  const { createHash } = requireBuiltin('node:crypto') as typeof Crypto;
  return createHash('sha1').update(source).digest('hex').slice(0, 16);
}

/** Runs the bundled CLI with argv and returns its exit code. */
export async function runBundledCli(
  argv: string[],
  bundlePath = defaultBundle(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const output = watchOutput(argv.find((a) => COMMANDS.has(a)) === 'release');
  const source = readFileSync(bundlePath, 'utf8');
  const built = builtSourceKey(source, `${bundlePath}.key`);
  const file = cacheFileFor(source, argv, bundlePath, env, built);
  const cachedData = file === null ? undefined : readCache(file);
  // one line, so that line numbers in stack traces stay the bundle's own
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundlePath,
    cachedData,
  });
  const mod = { exports: {} as CliBundle };
  const load = script.runInThisContext() as (
    e: object,
    r: NodeJS.Require,
    m: object,
    f: string,
    d: string,
  ) => void;
  load(mod.exports, createRequire(bundlePath), mod, bundlePath, path.dirname(bundlePath));
  // the bundle's key tells results one build cached from another's (a build that wrote none is hashed here)
  const code = await mod.exports.main(argv, env, {
    key: built ?? sourceHash(source),
    dir: path.dirname(bundlePath),
  });
  // written after the run, so that it holds every function this command compiled; not after a usage or
  // configuration error (exit 2), which stops before the command's work and would leave a thin cache
  if (file !== null && code !== 2 && (cachedData === undefined || script.cachedDataRejected === true)) {
    try {
      await mod.exports.warmCodeCache();
    } catch {
      // the cache is then only thinner
    }
    writeCache(file, script.createCachedData());
  }
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

function cacheFileFor(
  source: string,
  argv: readonly string[],
  bundlePath: string,
  env: NodeJS.ProcessEnv,
  key: string | undefined,
): string | null {
  try {
    const dir = codeCacheDir(env);
    return dir === null
      ? null
      : path.join(dir, codeCacheName(source, argv, bundlePath, key ?? sourceHash(source)));
  } catch {
    // a relative cache setting in a current folder that is gone: run without a cache (main says what happened)
    return null;
  }
}

function defaultBundle(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'cli.bundle.cjs');
}

/** The payload of an intact cache file that only this user can have written; undefined for anything else. */
export function readCache(file: string): Buffer | undefined {
  return readPrivateFile(file, MAGIC);
}

/**
 * Writes the cache atomically (a private temporary file renamed over it) and drops the caches of
 * other bundles: at once for an older build in the same place, after a day for another install
 * (two installs in turn then cost one miss a day, and a removed one's files do not stay); never throws.
 */
export function writeCache(file: string, payload: Buffer): void {
  if (!writePrivateFile(file, MAGIC, payload)) return;
  try {
    const dir = path.dirname(file);
    const place = path.basename(file).slice(0, 'cli-'.length + 9);
    const bundle = path.basename(file).slice(0, place.length + 16);
    const hourAgo = Date.now() - 3_600_000;
    const dayAgo = Date.now() - 86_400_000;
    for (const name of readdirSync(dir)) {
      if (!name.startsWith('cli-') || name.startsWith(bundle)) continue;
      const other = path.join(dir, name);
      // another version's caches; a temporary file only a killed run leaves behind
      const stale = name.endsWith('.v8')
        ? name.startsWith(place) || statSync(other).mtimeMs < dayAgo
        : name.endsWith('.tmp') && statSync(other).mtimeMs < hourAgo;
      if (stale) unlinkSync(other);
    }
  } catch {
    // a race with another run: the next write tidies up
  }
}
