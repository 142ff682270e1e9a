import { PreflightError } from '../errors/errors.js';
import { verdictLine, verdictLineText, type VerdictLine } from '../report/verdict-line.js';

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
  starts: 'alembic' | 'command',
  steps: (started: number, markRunning: () => void) => Promise<number>,
): Promise<number> {
  const started = Date.now();
  let running = false;
  try {
    return await steps(started, () => (running = true));
  } catch (e) {
    if (!(e instanceof PreflightError) || !opts.report) throw e;
    const code = opts.report(e);
    const line: VerdictLine = running
      ? verdictLine('FAILED', `${e.kind} error, see above`, 'after-start')
      : verdictLine(
          'STOPPED',
          `${e.kind} error, see above`,
          starts === 'alembic' ? 'alembic-not-started' : 'command-not-started',
        );
    opts.out(releaseLogLine(line, started, code));
    return code;
  }
}

/**
 * A release log's last line: the verdict line, framed as every line of the log is (the program's name
 * first) and followed by how long the release took and its exit code.
 */
export function releaseLogLine(line: VerdictLine, started: number, code: number): string {
  return `alembic-preflight release: ${verdictLineText(line)} (${((Date.now() - started) / 1000).toFixed(1)} s, exit ${code})\n`;
}
