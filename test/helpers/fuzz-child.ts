import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { tempDir } from './temp-dir.js';

/** Where a fuzz test writes its inputs: `keep` (a folder named by the test's environment variable, kept for a look at a failure), else a temp folder removed after the test file. */
export function fuzzFolder(prefix: string, keep: string | undefined): string {
  return keep ?? tempDir(prefix);
}

/**
 * Runs `child` (an ES module's source) in a Node child with `payload` (as JSON) for its argument and a
 * deadline, and asserts that it started each of `expected` in order (a `START <item>` line each), threw
 * on none (a `THROW …` line) and finished (`END`). A hang fails the test, naming the item it hung on,
 * instead of hanging the run.
 */
export function expectChildRunsClean(child: string, payload: unknown, expected: readonly string[]): void {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', child, JSON.stringify(payload)], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 1 << 26,
  });
  const lines = run.stdout.split('\n');
  const started = lines.filter((l) => l.startsWith('START ')).map((l) => l.slice(6));
  expect(run.signal, `hung on ${started.at(-1)}`).toBeNull();
  expect(lines.filter((l) => l.startsWith('THROW ')).join('\n'), run.stderr).toBe('');
  expect(lines).toContain('END');
  expect(started).toEqual(expected);
}
