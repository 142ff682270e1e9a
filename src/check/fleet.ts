import type { ProjectModel } from '../alembic/loading/project-model.js';
import type { UpgradeStep } from '../alembic/graph/upgrade-plan.js';
import type { TenantState } from '../database/read-tenants.js';
import type { MysqlFacts, VersionTableState } from '../database/version-table.js';
import type { Finding } from './finding.js';
import { sha256Hex } from '../project/sha256.js';
import { EXIT } from '../errors/errors.js';
import type { CheckOptions } from './run-check.js';
import { runVerify } from './run-verify.js';
import type { SchemaOp } from './schema/schema-object.js';

/** Tenants whose version rows, ledger and catalog are the same: one verify answers for all of them. */
export interface TenantGroup {
  /** The version rows, sorted (empty: no row, or no version table). */
  readonly rows: readonly string[];
  readonly exists: boolean;
  readonly schemas: readonly string[];
  /** `alembic upgrade` succeeds on them, as predicted. */
  readonly willSucceed: boolean;
  /** Migrations the upgrade applies. */
  readonly pending: number;
  /** Alembic's error when it fails. */
  readonly alembicError?: string;
  /** What verify reports for one of them (the same for all). */
  readonly findings: readonly Finding[];
  readonly ok: boolean;
  /** A database that could not be read (--databases): why, without its URL's credentials. */
  readonly unreachable?: string;
  /** --tenants: the migrations the upgrade applies and the tenants' ledger, for the ledger `release --tenants` writes. */
  readonly applies?: {
    readonly steps: readonly UpgradeStep[];
    readonly ledger: { readonly exists: boolean; readonly hasSteps: boolean } | undefined;
  };
}

export interface FleetResult {
  readonly total: number;
  /** Most tenants first. */
  readonly groups: readonly TenantGroup[];
  /** The tenants whose upgrade fails or who are reported on, in groups apart from the largest healthy one. */
  readonly outliers: readonly TenantGroup[];
  readonly ok: boolean;
}

/** Where the fleet is: host and database (no credentials), the version table every tenant schema has. */
export interface FleetPlace {
  readonly host: string | null;
  readonly database: string;
  readonly versionTable: string;
  readonly server: VersionTableState['server'];
  /** MySQL and MariaDB: a tenant is a database; the server's kind, SQL mode and the URL's driver. */
  readonly mysql?: Omit<MysqlFacts, 'collation' | 'dataType' | 'versionKey'>;
}

/**
 * The tenants sorted into groups as they are read, keeping one tenant's facts per group: what a fleet
 * costs in memory is its distinct tenants, not its size.
 */
export class TenantGroups {
  private readonly groups = new Map<string, { tenant: TenantState; schemas: string[] }>();
  total = 0;

  add(t: TenantState): void {
    this.total++;
    const key = tenantKey(t);
    const g = this.groups.get(key);
    if (g) g.schemas.push(t.schema);
    else this.groups.set(key, { tenant: t, schemas: [t.schema] });
  }

  entries(): readonly { readonly tenant: TenantState; readonly schemas: readonly string[] }[] {
    return [...this.groups.values()];
  }
}

/**
 * Verifies every tenant with the one model, one verify per group (the same rows, ledger and catalog
 * give the same answer), and sorts the fleet: the histogram, and the outliers.
 */
export function verifyFleet(
  model: ProjectModel,
  place: FleetPlace,
  tenants: TenantGroups,
  target: string,
  opts: CheckOptions,
  schemaOps?: ReadonlyMap<string, readonly SchemaOp[]>,
): FleetResult {
  const verified: TenantGroup[] = tenants.entries().map(({ tenant, schemas }) => {
    const result = runVerify(model, stateOf(place, tenant), target, opts, { schemaOps });
    const p = result.database.prediction;
    return {
      rows: [...tenant.rows].sort(),
      exists: tenant.exists,
      schemas,
      willSucceed: p.willSucceed,
      pending: p.steps.length,
      ...(!p.willSucceed && p.cliOutput ? { alembicError: p.cliOutput } : {}),
      findings: result.findings,
      ok: result.ok,
      applies: {
        steps: p.steps,
        ledger: tenant.ledger
          ? { exists: tenant.ledger.exists, hasSteps: tenant.ledger.hasSteps === true }
          : undefined,
      },
    };
  });
  verified.sort(
    (a, b) => b.schemas.length - a.schemas.length || a.rows.join(' ').localeCompare(b.rows.join(' ')),
  );
  const quiet = (g: TenantGroup): boolean => g.ok && g.findings.every((f) => f.severity === 'info');
  // the fleet's main body: the largest group that is healthy; every other group is an outlier
  const main = verified.find(quiet);
  const outliers = verified.filter((g) => g !== main);
  return { total: tenants.total, groups: verified, outliers, ok: verified.every((g) => g.ok) };
}

/** The tenant as verify reads a database: its schema's version table, ledger and catalog. */
function stateOf(place: FleetPlace, t: TenantState): VersionTableState {
  return {
    dialect: place.mysql ? 'mysql' : 'postgresql',
    host: place.host,
    database: place.mysql ? t.schema : place.database,
    versionTable: place.versionTable,
    versionTableSchema: t.schema,
    foundInSchema: t.exists ? t.schema : null,
    exists: t.exists,
    rows: t.rows,
    columnLength: t.mysql?.length ?? null,
    ...(place.mysql
      ? {
          mysql: {
            ...place.mysql,
            collation: t.mysql?.collation ?? null,
            versionKey: t.mysql?.versionKey === true,
          },
        }
      : {}),
    server: place.server,
    tables: t.tables,
    tls: null,
    ...(t.ledger ? { ledger: t.ledger } : {}),
    catalog: t.catalog,
  };
}

/** What decides a tenant's verdict, as one key: its rows, its ledger and its catalog, in a stable order. */
function tenantKey(t: TenantState): string {
  const sorted = (xs: readonly (readonly string[])[]): string[] => xs.map((x) => x.join('\u001f')).sort();
  const c = t.catalog;
  // whether the ledger exists and has the steps column decide how release --tenants writes it
  const ledger = t.ledger
    ? [
        t.ledger.exists,
        t.ledger.hasSteps === true,
        t.ledger.rows.map((r) => [r.revision, r.sha256, r.downRevisions.join(' ')]),
      ]
    : null;
  const facts = [
    t.exists,
    [...t.rows].sort(),
    ledger,
    [...t.tables].sort(),
    sorted(c.columns),
    sorted(c.indexes),
    sorted(c.constraints ?? []),
    [...(c.types ?? [])].sort(),
    sorted(c.enumLabels ?? []),
    sorted(c.enumColumns ?? []),
    t.mysql ?? null,
  ];
  return sha256Hex(Buffer.from(JSON.stringify(facts)));
}

/** A stable slice of the tenants: the ones whose name hashes to shard `index` (1-based) of `count`; the same on every machine. */
/**
 * A fleet with no tenant verified nothing: that is a failure (a typo in the pattern, an empty list), not
 * an all-clear, unless --allow-empty says no tenant exists yet. The commands exit 2 on it.
 */
export function emptyFails(
  result: FleetResult,
  allowEmpty: boolean | undefined,
  shard?: unknown,
): FleetResult {
  // a shard may hold no tenant of a small fleet: fleet merge judges the whole
  return result.total === 0 ? { ...result, ok: allowEmpty === true || shard !== undefined } : result;
}

/**
 * The exit code of a fleet's verdict: 2 when nothing matched (and that was not allowed) or when what
 * blocks is a configuration only the user can fix (as verify exits), 1 when it blocks.
 */
export function fleetExit(result: FleetResult): number {
  if (result.ok) return EXIT.ok;
  const configuration = result.groups.some(
    (g) => !g.ok && g.findings.some((f) => f.configuration === true && f.severity === 'error'),
  );
  return result.total === 0 || configuration ? EXIT.usage : EXIT.blocked;
}

export function inShard(schema: string, index: number, count: number): boolean {
  return parseInt(sha256Hex(Buffer.from(schema)).slice(0, 8), 16) % count === index - 1;
}

/** One database of `verify --databases`: its label (never its URL's credentials), and what verify read or why it could not. */
export type DatabaseTenant =
  | { readonly label: string; readonly state: VersionTableState }
  | { readonly label: string; readonly error: string };

/**
 * `verify --databases`: each database verified with the one model, the databases with the same
 * verdict grouped (their rows, the prediction and the findings), a database that could not be read a
 * group of its own that fails.
 */
export function verifyDatabases(
  model: ProjectModel,
  databases: readonly DatabaseTenant[],
  target: string,
  opts: CheckOptions,
): FleetResult {
  const groups = new Map<string, TenantGroup & { schemas: string[] }>();
  for (const d of databases) {
    let group: TenantGroup;
    if ('error' in d)
      group = {
        rows: [],
        exists: false,
        schemas: [],
        willSucceed: false,
        pending: 0,
        findings: [],
        ok: false,
        unreachable: d.error,
      };
    else {
      const result = runVerify(model, d.state, target, opts);
      const p = result.database.prediction;
      group = {
        rows: d.state.rows.map(String).sort(),
        exists: d.state.exists,
        schemas: [],
        willSucceed: p.willSucceed,
        pending: p.steps.length,
        ...(!p.willSucceed && p.cliOutput ? { alembicError: p.cliOutput } : {}),
        findings: result.findings,
        ok: result.ok,
      };
    }
    const key = JSON.stringify([
      group.rows,
      group.exists,
      group.willSucceed,
      group.pending,
      group.alembicError,
      group.ok,
      group.unreachable,
      group.findings.map((f) => [f.code, f.message]),
    ]);
    const have = groups.get(key);
    if (have) have.schemas.push(d.label);
    else groups.set(key, { ...group, schemas: [d.label] });
  }
  // sorted as a merge of shards sorts them, so that the shards merged print as the whole run does
  for (const g of groups.values()) g.schemas.sort();
  const verified = [...groups.values()].sort(
    (a, b) => b.schemas.length - a.schemas.length || a.rows.join(' ').localeCompare(b.rows.join(' ')),
  );
  const main = verified.find((g) => g.ok && g.findings.every((f) => f.severity === 'info'));
  return {
    total: databases.length,
    groups: verified,
    outliers: verified.filter((g) => g !== main),
    ok: verified.every((g) => g.ok),
  };
}
