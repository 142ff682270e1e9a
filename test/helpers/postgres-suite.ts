import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type PgServer } from './pg-cluster.js';

/**
 * A throwaway cluster for the enclosing describe: started (then `setup`) before its tests, stopped
 * after them. Call inside describe(); the getter answers once the tests run.
 */
export function postgresForSuite(setup?: (pg: PgServer) => Promise<void>): () => PgServer {
  let pg: PgServer | undefined;
  beforeAll(async () => {
    pg = await startPostgres();
    await setup?.(pg);
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });
  return () => pg!;
}
