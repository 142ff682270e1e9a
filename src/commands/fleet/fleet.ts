import { defineCommand } from '../command-spec.js';
import { EXIT_CODES } from '../exit-codes.js';

export const fleet = defineCommand({
  name: 'fleet',
  command: 'fleet <action> [files..]',
  brief: 'Plan the shards of a fleet check, or merge their reports',
  group: 'Guard a release',
  summary:
    "Plan the shards of `verify --tenants` or `verify --databases` for an engine that runs jobs (a GitHub Actions matrix, a Kubernetes Indexed Job), or merge the shards' JSON documents into one report.",
  usage:
    "$0 fleet plan --tenants PATTERN|--databases FILE --shards N --format github-matrix|k8s-indexed-job\n$0 fleet merge [--format json] [FILES..] (the shards' JSON documents)",
  examples: [
    ["$0 fleet plan --tenants 'tenant_*' --shards 8 --format github-matrix", 'the matrix: one job per shard'],
    [
      "$0 fleet plan --tenants 'tenant_*' --shards 40 --format k8s-indexed-job --image registry/app:v42 > job.yaml",
      'a Job whose pods take their shard from JOB_COMPLETION_INDEX',
    ],
    [
      '$0 fleet plan --databases tenants.txt --shards 4 --format k8s-indexed-job --secret tenant-urls',
      'a database per tenant: every key of the Secret is a variable the list may name',
    ],
    ['$0 fleet merge shard-*.json', 'the whole fleet from its shards'],
  ],
  exitCodes: EXIT_CODES.fleet,
  options: (y) =>
    y
      .positional('action', {
        choices: ['plan', 'merge'] as const,
        describe: "plan: the shards for an engine; merge: the shards' documents as one report",
      })
      .positional('files', {
        type: 'string',
        array: true,
        describe:
          "merge: the shards' documents (verify --tenants or --databases with --shard I/N --format json)",
      })
      .option('format', {
        choices: ['text', 'json', 'github-matrix', 'k8s-indexed-job'] as const,
        default: 'text' as const,
        describe: 'plan: github-matrix or k8s-indexed-job; merge: text or json',
      })
      .option('tenants', { type: 'string', describe: 'plan: the schema pattern each shard reads' })
      .option('databases', {
        type: 'string',
        describe: 'plan: the file listing the databases each shard slices (a database per tenant)',
      })
      .option('shards', {
        type: 'number',
        describe: 'plan: how many shards (GitHub runs at most 256 jobs from a matrix)',
      })
      .option('image', {
        type: 'string',
        describe: 'k8s-indexed-job: the image with the app and alembic-preflight',
      })
      .option('secret', {
        type: 'string',
        describe:
          'k8s-indexed-job: the Secret the pods read: its DATABASE_URL key, or with --databases every key as a variable (default: database)',
      })
      .option('parallelism', {
        type: 'number',
        describe: 'k8s-indexed-job: pods at once (default: every shard)',
      }),
  async run(args, ctx) {
    ctx.setFormat(args.format === 'json' ? 'json' : 'text');
    const { fleetCommand } = await import('./fleet-command.js');
    ctx.report(
      fleetCommand({
        action: args.action === 'merge' ? 'merge' : 'plan',
        cwd: process.cwd(),
        format: args.format,
        ...(args.shards !== undefined ? { shards: args.shards } : {}),
        ...(args.tenants !== undefined ? { tenants: args.tenants } : {}),
        ...(args.databases !== undefined ? { databases: args.databases } : {}),
        ...(args.image !== undefined ? { image: args.image } : {}),
        ...(args.secret !== undefined ? { secret: args.secret } : {}),
        ...(args.parallelism !== undefined ? { parallelism: args.parallelism } : {}),
        files: args.files ?? [],
      }),
    );
  },
});
