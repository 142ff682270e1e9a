import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dir.js';
import { releaseWorkerCluster } from './worker-cluster.js';

// throwaway projects and databases go with the test file that made them (runs after its own hooks)
afterAll(() => {
  removeTempDirs();
  releaseWorkerCluster();
});

// the CLI keeps each revision file's reading between runs (~/.cache by default): the tests' thousands of
// throwaway projects keep theirs in one folder of the temp dir instead (result-cache.test sets its own)
process.env.ALEMBIC_PREFLIGHT_CACHE ??= path.join(os.tmpdir(), 'alembic-preflight-test-results');
