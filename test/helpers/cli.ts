import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { REPO } from './oracle.js';

/** The built CLI, as users and the Procfile run it. */
export const BIN = path.join(REPO, 'bin', 'alembic-preflight.js');

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI in a child process with a minimal environment (PATH, HOME and
 * `env`), so nothing from the developer's shell leaks into a test.
 */
export function runCli(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
  opts: { input?: string; node?: readonly string[] } = {},
): CliRun {
  const r = spawnSync(process.execPath, [...(opts.node ?? []), BIN, ...args], {
    cwd,
    encoding: 'utf8',
    input: opts.input,
    // the suite's folder for the result cache (setup.ts), unless the test names its own
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(process.env.ALEMBIC_PREFLIGHT_CACHE
        ? { ALEMBIC_PREFLIGHT_CACHE: process.env.ALEMBIC_PREFLIGHT_CACHE }
        : {}),
      ...env,
    },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A text report with each wrapped line joined back to the one it continues (a wrapped line goes on
 * four spaces further in), so a test can look for a sentence wherever the width broke it.
 */
export function unwrapped(report: string): string {
  // a first sentence too long for the first line goes on after an ellipsis, on the next labelled line
  return report.replace(/…\n {2}(?:why: )?…/gu, ' ').replace(/\n {4,}(?=\S)/gu, ' ');
}
