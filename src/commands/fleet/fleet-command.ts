import path from 'node:path';
import type { FleetResult, TenantGroup } from '../../check/fleet.js';
import type { Finding, FindingCode, Severity } from '../../check/finding.js';
import { mergeFleet, type FleetDocument } from '../../check/fleet-merge.js';
import { UsageError } from '../../errors/errors.js';
import { readMachineText } from '../../project/machine-files.js';
import { fleetText } from '../../report/fleet-report.js';
import { githubMatrix, k8sIndexedJob } from '../../report/fleet-plan.js';
import type { CommandOutput } from '../../workspace/command-options.js';

export interface FleetCommandOptions {
  readonly action: 'plan' | 'merge';
  readonly cwd: string;
  readonly format: 'text' | 'json' | 'github-matrix' | 'k8s-indexed-job';
  readonly shards?: number;
  readonly tenants?: string;
  /** plan: the file that lists the databases, for a database per tenant. */
  readonly databases?: string;
  readonly image?: string;
  readonly secret?: string;
  readonly parallelism?: number;
  /** merge: the shards' documents. */
  readonly files?: readonly string[];
}

/** `fleet plan`: the matrix or the Job that runs the shards; `fleet merge`: the shards' documents as one report. */
export function fleetCommand(opts: FleetCommandOptions): CommandOutput {
  return opts.action === 'plan' ? plan(opts) : merge(opts);
}

function plan(opts: FleetCommandOptions): CommandOutput {
  if ((opts.tenants === undefined) === (opts.databases === undefined))
    throw new UsageError(
      'fleet plan needs one of --tenants (the schema pattern each shard reads) or --databases (the file that lists the databases).',
      { hint: "alembic-preflight fleet plan --tenants 'tenant_*' --shards 8 --format github-matrix" },
    );
  const shards = opts.shards ?? 0;
  if (!Number.isInteger(shards) || shards < 1)
    throw new UsageError('fleet plan needs --shards N, a whole number of at least 1.', {
      hint: 'Pick N so that each shard reads a few thousand tenants.',
    });
  const o = {
    shards,
    fleet: opts.tenants !== undefined ? { tenants: opts.tenants } : { databases: opts.databases! },
    ...(opts.image ? { image: opts.image } : {}),
    ...(opts.secret ? { secret: opts.secret } : {}),
    ...(opts.parallelism ? { parallelism: opts.parallelism } : {}),
  };
  if (opts.format === 'github-matrix') return { stdout: githubMatrix(o), exitCode: 0 };
  if (opts.format === 'k8s-indexed-job') return { stdout: k8sIndexedJob(o), exitCode: 0 };
  throw new UsageError(`fleet plan writes --format github-matrix or k8s-indexed-job, not ${opts.format}.`, {
    hint: 'alembic-preflight fleet plan --format github-matrix …',
  });
}

function merge(opts: FleetCommandOptions): CommandOutput {
  const docs = (opts.files ?? []).map((name) => {
    let text: string;
    try {
      text = readMachineText(path.resolve(opts.cwd, name));
    } catch (e) {
      throw new UsageError(`Cannot read ${name}: ${(e as Error).message}.`, {
        hint: "Give the paths of the shards' JSON documents.",
      });
    }
    try {
      return { name, doc: JSON.parse(text) as unknown };
    } catch {
      throw new UsageError(`${name} is not JSON.`, {
        hint: 'Each shard writes its document with --format json.',
      });
    }
  });
  const merged = mergeFleet(docs);
  if (opts.format === 'json')
    return {
      stdout: JSON.stringify(merged, null, 2) + '\n',
      exitCode: merged.ok ? 0 : merged.total === 0 ? 2 : 1,
      document: merged,
    };
  if (opts.format !== 'text')
    throw new UsageError(`fleet merge writes text or json, not ${opts.format}.`, {
      hint: 'alembic-preflight fleet merge --format json shard-*.json',
    });
  return {
    stdout: fleetText(resultOf(merged), {
      pattern: merged.pattern,
      host: merged.host,
      database: merged.database,
      target: merged.target,
      code: merged.code,
      ...(merged.allowEmpty ? { allowEmpty: true as const } : {}),
      ...(merged.command === 'verify --databases' ? { databases: true as const } : {}),
    }),
    exitCode: merged.ok ? 0 : merged.total === 0 ? 2 : 1,
  };
}

/** The merged document as the report renders a fleet. */
function resultOf(d: FleetDocument): FleetResult {
  const groups: TenantGroup[] = d.groups.map((g) => ({
    rows: g.at,
    exists: g.versionTable,
    schemas: g.schemas,
    willSucceed: g.willSucceed,
    pending: g.pending,
    ...(g.alembicError !== null ? { alembicError: g.alembicError } : {}),
    ...(g.unreachable !== null ? { unreachable: g.unreachable } : {}),
    findings: g.findings.map((f): Finding => ({
      code: f.code as FindingCode,
      severity: f.severity as Severity,
      title: f.title,
      message: f.message,
      ...(typeof f.fix === 'string' ? { fix: f.fix } : {}),
      hint: f.hint,
      ...(f.path !== null ? { path: f.path } : {}),
      ...(f.line !== null ? { line: f.line } : {}),
      ...(f.revision !== null ? { revision: f.revision } : {}),
    })),
    ok: g.ok,
  }));
  return { total: d.total, groups, outliers: groups.filter((_, i) => d.groups[i]!.outlier), ok: d.ok };
}
