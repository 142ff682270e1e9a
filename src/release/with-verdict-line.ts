import { PreflightError } from '../errors/errors.js';

/** Where a release prints, and how the CLI reports an error (returning its exit code). */
export interface VerdictOutput {
  readonly out: (text: string) => void;
  readonly report?: (e: PreflightError) => number;
}

/**
 * Runs a release's steps so that its log always ends with a verdict line: an error the CLI reports
 * (exits 2 and 3) is printed, then the line says whether it struck before `starts` started or after.
 */
export async function withVerdictLine(
  opts: VerdictOutput,
  starts: string,
  steps: (started: number, markRunning: () => void) => Promise<number>,
): Promise<number> {
  const started = Date.now();
  let running = false;
  try {
    return await steps(started, () => (running = true));
  } catch (e) {
    if (!(e instanceof PreflightError) || !opts.report) throw e;
    const code = opts.report(e);
    const what = running ? 'FAILED after the command started' : `STOPPED before ${starts} started`;
    opts.out(
      `alembic-preflight release: ${what}: ${e.kind} error, see above (${((Date.now() - started) / 1000).toFixed(1)} s, exit ${code})\n`,
    );
    return code;
  }
}
