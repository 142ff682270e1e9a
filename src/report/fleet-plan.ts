import { UsageError } from '../errors/errors.js';

/** GitHub Actions runs at most this many jobs from one matrix. */
export const GITHUB_MATRIX_LIMIT = 256;

/** What each shard's job runs. */
export interface PlanOptions {
  readonly shards: number;
  /** The fleet each shard slices: a schema pattern (--tenants), or the file that lists the databases (--databases). */
  readonly fleet: { readonly tenants: string } | { readonly databases: string };
  /** Kubernetes: the image that has the app and alembic-preflight. */
  readonly image?: string;
  /** Kubernetes: the Secret the pods read: its DATABASE_URL key (--tenants), or every key as a variable (--databases). */
  readonly secret?: string;
  /** Kubernetes: pods at once (default: all shards). */
  readonly parallelism?: number;
}

function shardCommand(o: PlanOptions, shard: string): string {
  const quoted = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
  const fleet =
    'tenants' in o.fleet
      ? `--tenants ${quoted(o.fleet.tenants)}`
      : `--databases ${quoted(o.fleet.databases)}`;
  return `alembic-preflight verify ${fleet} --shard ${shard} --format json`;
}

/** `fleet plan --format github-matrix`: the matrix strategy's JSON, one entry per shard, with the command it runs. */
export function githubMatrix(o: PlanOptions): string {
  if (o.shards > GITHUB_MATRIX_LIMIT)
    throw new UsageError(
      `GitHub Actions runs at most ${GITHUB_MATRIX_LIMIT} jobs from one matrix, and ${o.shards} shards were asked for.`,
      { hint: `Use --shards ${GITHUB_MATRIX_LIMIT} or fewer (each job then reads more tenants).` },
    );
  const include = Array.from({ length: o.shards }, (_, i) => ({
    shard: `${i + 1}/${o.shards}`,
    command: shardCommand(o, `${i + 1}/${o.shards}`),
  }));
  return JSON.stringify({ include }) + '\n';
}

/**
 * `fleet plan --format k8s-indexed-job`: a batch/v1 Job in Indexed completion mode, one completion per
 * shard; each pod takes its shard from JOB_COMPLETION_INDEX (0-based). Strings are written as JSON
 * strings, which YAML reads as they are.
 */
export function k8sIndexedJob(o: PlanOptions): string {
  const q = (s: string): string => JSON.stringify(s);
  const command = `${shardCommand(o, `$((JOB_COMPLETION_INDEX + 1))/${o.shards}`)}`;
  return [
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata:',
    '  name: alembic-preflight-fleet',
    'spec:',
    '  completionMode: Indexed',
    `  completions: ${o.shards}`,
    `  parallelism: ${Math.min(o.parallelism ?? o.shards, o.shards)}`,
    '  backoffLimit: 0',
    '  template:',
    '    spec:',
    '      restartPolicy: Never',
    '      containers:',
    '        - name: verify',
    `          image: ${q(o.image ?? 'IMAGE')}`,
    `          command: [${q('sh')}, ${q('-c')}, ${q(command)}]`,
    ...secretLines(o),
    '',
  ].join('\n');
}

/** A schema fleet reads the one DATABASE_URL; a database fleet's list names variables, so every key of the Secret becomes one. */
function secretLines(o: PlanOptions): string[] {
  const name = `name: ${JSON.stringify(o.secret ?? 'database')}`;
  if (!('tenants' in o.fleet))
    return ['          envFrom:', '            - secretRef:', `                ${name}`];
  return [
    '          env:',
    '            - name: DATABASE_URL',
    '              valueFrom:',
    '                secretKeyRef:',
    `                  ${name}`,
    '                  key: DATABASE_URL',
  ];
}
