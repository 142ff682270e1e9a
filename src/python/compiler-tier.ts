/**
 * Reads a small project's revision files without V8's optimising compiler (TurboFan).
 *
 * Why: the tokenizer is one large state machine, and optimising it costs V8 several hundred
 * milliseconds of compiler work. On a long run that pays back many times (10,000 revisions: 1.35 s
 * with TurboFan, 3.1 s without). On a project of a few hundred revisions, the size most real ones
 * have, the run is over before the optimised code arrives, and the compiler's work slows it down:
 * `check --no-lint` at 300 revisions took 340 ms with TurboFan and 206 ms without, at 1,000 about
 * 500 against 400, at 2,000 about 640 against 730 (docs/performance.md). So below BASELINE_BELOW
 * revision files, reading them and building the graph run on V8's interpreter and baseline compilers,
 * and TurboFan is back for what follows (the lints' parser needs it; V8 in Node 24 keeps the functions
 * that got hot during the reading at its Maglev tier). Results are the same either way; only the time
 * differs. Measured again on Node 24 with its compile cache and the lexer that replaced the state
 * machine: `check --no-lint` at 300 revisions takes 0.92 of the time it takes with TurboFan throughout
 * (paired, 20 rounds), and 0.87 where every file is off the fast path.
 *
 * V8's flags belong to the whole process, so only the CLI turns this on (a program that imports the
 * library keeps its own), and not when the user set V8's compiler flags (a `--jitless` or `--no-opt`
 * must not be switched back on afterwards).
 */
import { createRequire } from 'node:module';
import type * as V8 from 'node:v8';

/** From this many revision files on, the optimising compiler stays on (the crossover measured on 2 cores). */
export const BASELINE_BELOW = 1500;

/** Flags that say the user chose V8's compilers, in node's arguments or NODE_OPTIONS. */
const COMPILER_FLAGS =
  /(?:^|\s)--(?:no-)?(?:opt|turbofan|jitless|max-opt|maglev|sparkplug|always-opt|always-turbofan|freeze-flags-after-init)(?:[=\s]|$)/u;

let enabled = false;
// node:v8 costs a run about 5 ms to load: loaded when there is a file to read
const requireBuiltin = createRequire(import.meta.url);
const setV8Flags = (flags: string): void =>
  (requireBuiltin('node:v8') as typeof V8).setFlagsFromString(flags);

/** Turns the baseline tier on for this process, unless the user set V8's compiler flags; returns whether it is on. */
export function useBaselineTierForSmallProjects(execArgv: readonly string[], nodeOptions: string): boolean {
  enabled = !COMPILER_FLAGS.test(` ${execArgv.join(' ')} `) && !COMPILER_FLAGS.test(` ${nodeOptions} `);
  return enabled;
}

/** Runs `read` (the reading of `files` revision files) without TurboFan when that is faster and allowed. */
export function withBaselineTier<T>(files: number, read: () => T): T {
  if (!enabled || files === 0 || files >= BASELINE_BELOW) return read();
  setV8Flags('--no-turbofan');
  try {
    return read();
  } finally {
    setV8Flags('--turbofan');
  }
}

/** withBaselineTier for a reading that pauses for the event loop (modelFromConfigAlongside): what runs in the pauses is short. */
export async function withBaselineTierAsync<T>(files: number, read: () => Promise<T>): Promise<T> {
  if (!enabled || files === 0 || files >= BASELINE_BELOW) return read();
  setV8Flags('--no-turbofan');
  try {
    return await read();
  } finally {
    setV8Flags('--turbofan');
  }
}
