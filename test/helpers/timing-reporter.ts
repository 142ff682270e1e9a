import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

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

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const root = path.resolve(import.meta.dirname, '..', '..');
    const rows = modules.map((m) => {
      const d = m.diagnostic();
      return {
        file: path.relative(root, m.moduleId),
        tests: [...m.children.allTests()].length,
        ms: Math.round(d.prepareDuration + d.collectDuration + d.setupDuration + d.duration),
        passed: m.state() === 'passed',
      };
    });
    const out = path.join(root, '.cache', 'test-timings.json');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(
      out,
      JSON.stringify({ wallMs: Math.round(performance.now() - this.started), files: rows }, null, 2) + '\n',
    );
  }
}
