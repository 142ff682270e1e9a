import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunnerTestFile } from 'vitest';
import type { Reporter } from 'vitest/reporters';

/**
 * Writes what each test file cost its worker (preparing, collecting, setting up, running) and the run's
 * wall time to .cache/test-timings.json; `npm run test:timings` turns the last full run into the table in
 * CONTRIBUTING.md and the order test/slowest-first.ts starts files in.
 */
export default class TimingReporter implements Reporter {
  private started = 0;

  onInit(): void {
    this.started = performance.now();
  }

  onFinished(files: RunnerTestFile[] = []): void {
    const root = path.resolve(import.meta.dirname, '..', '..');
    const rows = files.map((f) => ({
      file: path.relative(root, f.filepath),
      tests: countTests(f),
      ms: Math.round(
        (f.prepareDuration ?? 0) +
          (f.collectDuration ?? 0) +
          (f.setupDuration ?? 0) +
          (f.result?.duration ?? 0),
      ),
      passed: f.result?.state === 'pass',
    }));
    const out = path.join(root, '.cache', 'test-timings.json');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(
      out,
      JSON.stringify({ wallMs: Math.round(performance.now() - this.started), files: rows }, null, 2) + '\n',
    );
  }
}

function countTests(task: { type: string; tasks?: unknown[] }): number {
  if (task.type === 'test') return 1;
  return (task.tasks ?? []).reduce<number>(
    (n, t) => n + countTests(t as { type: string; tasks?: unknown[] }),
    0,
  );
}
