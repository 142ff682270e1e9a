import { cpus } from 'node:os';
import { defineConfig } from 'vitest/config';
import SlowestFirst from './test/helpers/slowest-first.js';

// Two projects: `unit` reads strings and temporary files only (no database, Python, git or child
// process) and is the inner loop (`npm run test:unit`); `integration` runs real PostgreSQL, SQLite,
// Alembic, CPython, git, the built CLI and the slow regular-expression audit. `npm test` runs both.
//
// Files run WORKERS at a time: most of a file's time is spent waiting for the processes it starts
// (Python, PostgreSQL, the CLI), so on the 2 cores CI has, three at once keep both busy. Each worker
// has a PostgreSQL cluster of its own for the run (test/helpers/worker-cluster.ts); the longest files
// start first (test/timings.json, kept by npm run test:timings).
const WORKERS = Math.max(2, Math.min(4, cpus().length + 1));

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: WORKERS,
    setupFiles: ['test/helpers/setup.ts'],
    sequence: { sequencer: SlowestFirst },
    reporters: ['default', './test/helpers/timing-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
    ],
  },
});
