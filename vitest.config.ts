import { defineConfig } from 'vitest/config';

// Two projects: `unit` reads strings and temporary files only (no database, Python, git or child
// process) and is the inner loop (`npm run test:unit`); `integration` runs real PostgreSQL, SQLite,
// Alembic, CPython, git, the built CLI and the slow regular-expression audit. `npm test` runs both.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    setupFiles: ['test/helpers/setup.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'] } },
    ],
  },
});
