import { releasingOf } from './releasing.js';
import { loadProjectConfig } from '../alembic/config/alembic-config.js';
import { modelFromConfig, type ProjectModel } from '../alembic/loading/project-model.js';
import { codeFingerprint } from '../check/code-fingerprint.js';
import { emptyFails, inShard, TenantGroups, verifyFleet, type FleetResult } from '../check/fleet.js';
import {
  describeTarget,
  parseDatabaseUrl,
  type MysqlTarget,
  type PostgresTarget,
} from '../database/database-url.js';
import { readTenants, type TenantState } from '../database/read-tenants.js';
import { readMysqlTenants } from '../database/read-mysql-tenants.js';
import { UsageError } from '../errors/errors.js';
import type { FleetContext } from '../report/fleet-report.js';
import { policyOf, urlSourceOf, withFiles, type VerifyCommandOptions } from './command-options.js';
import { configOptions, projectLintConfig } from './open-project.js';
import { ledgerTableOf, postgresOptions } from './open-database.js';
import { chooseVersionTable } from './version-table-choice.js';

export interface FleetOptions extends VerifyCommandOptions {
  /** Schemas to read, as a shell pattern (`tenant_*`). */
  readonly tenants: string;
  /** `--shard I/N`: only the tenants whose name hashes to shard I of N. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** --allow-empty: no tenant at all is expected (a first deploy), not a mistake. */
  readonly allowEmpty?: boolean;
}

/** What openFleet read and made: the verdicts, how to report them, and what release needs to migrate and record. */
export interface OpenedFleet {
  readonly result: FleetResult;
  readonly context: FleetContext;
  /** The URL as given (with its credentials: for the child's environment only, never printed). */
  readonly url: string;
  /** The variable that names the database (--database-url-env, DATABASE_URL by default): the child's to read. */
  readonly urlVariable: string;
  readonly db: PostgresTarget | MysqlTarget;
  readonly model: ProjectModel;
  /** The ledger table release writes in each tenant schema; undefined when the ledger is off. */
  readonly ledgerTable?: string;
}

/**
 * Every schema matching the pattern as a tenant (verify --tenants, release --tenants): its version
 * table, ledger and catalog read in batches on one connection, the tenants with the same facts grouped
 * as they arrive, each group verified once with the one model.
 */
export async function openFleet(given: FleetOptions): Promise<OpenedFleet> {
  const opts = withFiles(given);
  const { url: raw, variable: envName } = urlSourceOf(opts);
  if (!raw)
    throw new UsageError(`No database URL: --database-url is not given and $${envName} is not set.`, {
      hint: `Pass --database-url, or set ${envName}.`,
    });
  const db = parseDatabaseUrl(raw, opts.cwd, opts.env);
  if (db.dialect === 'sqlite')
    throw new UsageError(
      '--tenants reads a schema (PostgreSQL) or a database (MySQL) per tenant, and SQLite has neither.',
      {
        hint: 'Point --database-url at the PostgreSQL database that holds the tenant schemas, or at the MySQL server that holds the tenant databases.',
      },
    );
  const loadOptions = configOptions(opts);
  const config = await loadProjectConfig(loadOptions);
  // each tenant's schema is the version table's: env.py's own choice (-x tenant=…) is not read for it
  const { versionTable } = chooseVersionTable(
    config,
    { ...(opts.versionTable ? { versionTable: opts.versionTable } : {}), versionTableSchema: opts.tenants },
    'postgresql',
  );
  const settings = await projectLintConfig(config);
  const ledgerTable = ledgerTableOf(opts, settings);
  const model = modelFromConfig(config, loadOptions.alembicVersion);
  const groups = new TenantGroups();
  const { shard } = opts;
  const keep = (schema: string): boolean => !shard || inShard(schema, shard.index, shard.count);
  const add = (batch: readonly TenantState[]): void => batch.forEach((t) => groups.add(t));
  const read =
    db.dialect === 'mysql'
      ? await readMysqlTenants(db, opts.tenants, versionTable, ledgerTable, postgresOptions(opts), add, keep)
      : await readTenants(db, opts.tenants, versionTable, ledgerTable, postgresOptions(opts), add, keep);
  const where = describeTarget(db);
  const target = opts.target ?? 'head';
  const result = emptyFails(
    verifyFleet(
      model,
      {
        host: where.host,
        database: where.database,
        versionTable,
        server: read.server,
        ...('sqlMode' in read && db.dialect === 'mysql'
          ? {
              mysql: {
                flavor: /mariadb/iu.test(read.server.version) ? ('MariaDB' as const) : ('MySQL' as const),
                sqlMode: String(read.sqlMode),
                strict: /STRICT_(TRANS|ALL)_TABLES/iu.test(String(read.sqlMode)),
                driver: db.driver,
              },
            }
          : {}),
      },
      groups,
      target,
      {
        policy: policyOf({ strict: opts.strict, ignore: opts.ignore }),
        releasing: releasingOf(opts.env, settings),
      },
    ),
    opts.allowEmpty,
    opts.shard,
  );
  const context = {
    pattern: opts.tenants,
    host: where.host,
    database: where.database,
    target,
    code: codeFingerprint(model, target),
    ...(db.dialect === 'mysql' ? { tenantDatabases: true as const } : {}),
    ...(opts.shard ? { shard: opts.shard } : {}),
    ...(opts.allowEmpty ? { allowEmpty: true as const } : {}),
  };
  return {
    result,
    context,
    url: raw,
    urlVariable: envName,
    db,
    model,
    ...(ledgerTable !== undefined && settings.ledger ? { ledgerTable } : {}),
  };
}
