import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { attachLocalCluster, pgExec, startLocalCluster, type PgServer } from './pg-cluster.js';

/**
 * One PostgreSQL cluster per vitest worker, kept for the whole run. A worker runs one test file at a
 * time, so the file that takes the worker's cluster has it to itself. The worker's first file starts it
 * (in the run's folder, which test/helpers/global-setup.ts makes, and stops and removes at the end);
 * every later file gets it back as initdb left it: no database but postgres and the templates, no role
 * but the superuser, an empty public schema, no setting changed, no other session. The server log is the
 * cluster's: a test reads what was logged after its own starting offset, as it always did.
 */
let held = 0;

/** Called when a test file ends (setup.ts): the next file resets the cluster, whatever this one left held. */
export function releaseWorkerCluster(): void {
  held = 0;
}

export async function workerCluster(runDir: string): Promise<PgServer> {
  const dir = path.join(runDir, `pg-${process.env.VITEST_POOL_ID ?? '0'}`);
  const saved = path.join(dir, 'server.json');
  let server: PgServer;
  if (existsSync(saved)) {
    server = attachLocalCluster(dir, (JSON.parse(readFileSync(saved, 'utf8')) as { port: number }).port);
    // a suite inside another that holds the cluster shares it as it is
    if (held === 0) await reset(server);
  } else {
    server = await startLocalCluster({ dir });
    writeFileSync(saved, JSON.stringify({ port: server.port }));
  }
  held++;
  return {
    ...server,
    // the run's end stops it
    stop: async () => {
      held = Math.max(0, held - 1);
    },
  };
}

/** Puts the cluster back as initdb left it, with an empty log. */
async function reset(server: PgServer): Promise<void> {
  const names = async (sql: string): Promise<string[]> =>
    (await pgExec(server.url, sql)).map(([n]) => String(n));
  await pgExec(
    server.url,
    "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE pid <> pg_catalog.pg_backend_pid() AND backend_type = 'client backend'",
  );
  const databases = await names(
    "SELECT pg_catalog.quote_ident(datname) FROM pg_catalog.pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')",
  );
  const schemas = await names(
    "SELECT pg_catalog.quote_ident(nspname) FROM pg_catalog.pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%'",
  );
  const roles = await names(
    "SELECT pg_catalog.quote_ident(rolname) FROM pg_catalog.pg_roles WHERE rolname <> current_user AND rolname NOT LIKE 'pg\\_%'",
  );
  await pgExec(server.url, [
    ...databases.map((d) => `DROP DATABASE ${d} WITH (FORCE)`),
    ...schemas.map((s) => `DROP SCHEMA ${s} CASCADE`),
    'CREATE SCHEMA public AUTHORIZATION pg_database_owner',
    'GRANT USAGE ON SCHEMA public TO PUBLIC',
    "COMMENT ON SCHEMA public IS 'standard public schema'",
    ...roles.flatMap((r) => [`DROP OWNED BY ${r}`, `DROP ROLE ${r}`]),
    'ALTER ROLE CURRENT_USER RESET ALL',
    'ALTER DATABASE postgres RESET ALL',
  ]);
  // the server appends to its log: emptied, it holds what this file's tests make, as a new cluster's would
  truncateSync(server.logFile!, 0);
}
