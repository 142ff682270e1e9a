import { loadProjectConfig } from '../alembic/config/alembic-config.js';
import { modelFromConfig } from '../alembic/loading/project-model.js';
import { inShard, TenantGroups, verifyFleet, type FleetResult } from '../check/fleet.js';
import { describeTarget, parseDatabaseUrl } from '../database/database-url.js';
import { readTenants } from '../database/read-tenants.js';
import { DEFAULT_LEDGER_TABLE } from '../database/ledger.js';
import { UsageError } from '../errors/errors.js';
import { fleetJson, fleetText } from '../report/fleet-report.js';
import type { CommandOutput, VerifyCommandOptions } from '../workspace/command-options.js';
import { configOptions, projectLintConfig } from '../workspace/open-project.js';
import { postgresOptions } from '../workspace/open-database.js';
import { withFiles } from '../workspace/command-options.js';
import { chooseVersionTable } from '../workspace/version-table-choice.js';

export interface VerifyTenantsOptions extends VerifyCommandOptions {
  /** Schemas to read, as a shell pattern (`tenant_*`). */
  readonly tenants: string;
  /** `--shard I/N`: only the tenants whose name hashes to shard I of N. */
  readonly shard?: { readonly index: number; readonly count: number };
}

/** A fleet's shard as `--shard` writes it: `I/N`, 1 ≤ I ≤ N. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/u.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard ${text} is not I/N with 1 <= I <= N.`, { hint: 'For the second of four shards: --shard 2/4.' });
  return { index, count };
}

/**
 * `verify --tenants PATTERN`: every schema matching the pattern, its version table and ledger and
 * catalog read in one read-only transaction on one connection, each tenant predicted with the one
 * model; the fleet as a histogram, and the tenants apart from it with their findings.
 */
export async function verifyTenantsCommand(given: VerifyTenantsOptions): Promise<CommandOutput & { result: FleetResult }> {
  const opts = withFiles(given);
  const envName = opts.databaseUrlEnv ?? 'DATABASE_URL';
  const raw = opts.databaseUrl ?? opts.env[envName];
  if (!raw) throw new UsageError(`No database URL: --database-url is not given and $${envName} is not set.`, { hint: `Pass --database-url, or set ${envName}.` });
  const db = parseDatabaseUrl(raw, opts.cwd, opts.env);
  if (db.dialect !== 'postgresql') throw new UsageError('--tenants reads schemas, which only PostgreSQL has.', { hint: 'Point --database-url at the PostgreSQL database that holds the tenant schemas.' });
  const loadOptions = configOptions(opts);
  const config = await loadProjectConfig(loadOptions);
  // each tenant's schema is the version table's: env.py's own choice (-x tenant=…) is not read for it
  const { versionTable } = chooseVersionTable(config, { ...(opts.versionTable ? { versionTable: opts.versionTable } : {}), versionTableSchema: opts.tenants }, 'postgresql');
  const settings = await projectLintConfig(config);
  const ledgerTable = opts.ledger === false ? undefined : (opts.ledgerTable ?? settings.ledgerTable ?? DEFAULT_LEDGER_TABLE);
  const model = modelFromConfig(config, loadOptions.alembicVersion);
  const groups = new TenantGroups();
  const { shard } = opts;
  const read = await readTenants(
    db,
    opts.tenants,
    versionTable,
    ledgerTable,
    postgresOptions(opts),
    (batch) => batch.forEach((t) => groups.add(t)),
    (schema) => !shard || inShard(schema, shard.index, shard.count),
  );
  const where = describeTarget(db);
  const result = verifyFleet(model, { host: where.host, database: where.database, versionTable, server: read.server }, groups, opts.target ?? 'head', { ignore: opts.ignore, strict: opts.strict });
  const context = { pattern: opts.tenants, host: where.host, database: where.database, target: opts.target ?? 'head', ...(opts.shard ? { shard: opts.shard } : {}) };
  const document = opts.format === 'json' ? fleetJson(result, context) : undefined;
  return { stdout: document ? JSON.stringify(document, null, 2) + '\n' : fleetText(result, context), exitCode: result.ok ? 0 : 1, document, result };
}
