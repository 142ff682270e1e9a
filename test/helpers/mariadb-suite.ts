import { afterAll, beforeAll } from 'vitest';
import { startMariadb, type MariaServer } from './mariadb-server.js';

/**
 * A throwaway MariaDB server for the enclosing describe (with the server options given), started before
 * its tests and stopped after them. Call inside describe(); the getter answers once the tests run.
 */
export function mariadbForSuite(args: readonly string[] = []): () => MariaServer {
  let maria: MariaServer | undefined;
  beforeAll(async () => {
    maria = await startMariadb(args);
  }, 60_000);
  afterAll(async () => {
    await maria?.stop();
  });
  return () => maria!;
}
