import { UsageError } from '../../errors/errors.js';
import { defineCommand } from '../command-spec.js';
import { EXIT_CODES } from '../exit-codes.js';
import { listRules } from '../list-rules.js';
import {
  databaseArgs,
  databaseOptions,
  ledgerArgs,
  ledgerOptions,
  dataArgs,
  dataOptions,
  lockArgs,
  lockOptions,
  parseShard,
  probeOption,
  projectArgs,
  projectOptions,
} from '../shared-options.js';

export const verify = defineCommand({
  name: 'verify',
  command: 'verify',
  brief: 'Predict `alembic upgrade` against the live version table',
  group: 'Guard a release',
  summary:
    'Read the live version table (read-only) and predict whether `alembic upgrade <target>` will succeed.',
  usage: '$0 verify [options]',
  examples: [
    ['$0 verify', 'read $DATABASE_URL (read-only) and predict `alembic upgrade head`'],
    ['$0 verify --database-url-env AUDIT_DATABASE_URL', 'another database'],
    ['$0 verify --target heads --format json', 'predict `upgrade heads`, as JSON'],
    [
      "$0 verify --tenants 'tenant_*'",
      "every tenant schema's version table in one pass: the fleet's histogram and its outliers",
    ],
  ],
  exitCodes: EXIT_CODES.database,
  options: (y) =>
    dataOptions(lockOptions(probeOption(ledgerOptions(databaseOptions(projectOptions(y))))))
      .option('git', {
        type: 'boolean',
        default: true,
        describe: 'search git history for where a missing id came from (--no-git to skip)',
      })
      .option('tenants', {
        type: 'string',
        describe:
          "PostgreSQL: read every schema matching this pattern (* and ?) as a tenant with its own version table, in one read-only pass, and predict each one's upgrade",
      })
      .option('databases', {
        type: 'string',
        describe:
          "a database per tenant: read every database this file lists (a URL, or the name of a variable holding one, per line), a few at once, and predict each one's upgrade",
      })
      .option('concurrency', {
        type: 'number',
        default: 8,
        describe: 'with --databases: databases read at once',
      })
      .option('shard', {
        type: 'string',
        describe:
          'with --tenants or --databases: only shard I of N (I/N), a stable slice by the hash of each schema name or database line',
      })
      .option('allow-empty', {
        type: 'boolean',
        default: false,
        describe:
          'with --tenants or --databases: no tenant at all is expected (a first deploy); without it, a pattern that matches nothing or an empty list exits 2',
      })
      .option('downgrade', {
        type: 'string',
        describe:
          'predict `alembic downgrade TARGET` instead (base, a revision, -1, REV-1, label@-1): each step and the rows after it, or the exact error',
      }),
  async run(args, ctx) {
    const format = args.format === 'json' || args.format === 'sarif' ? 'json' : 'text';
    ctx.setFormat(format);
    if (args.rules) return listRules(args.config, format, ctx.env);
    if (args.downgrade !== undefined) {
      const { verifyDowngradeCommand } = await import('./verify-downgrade-command.js');
      ctx.report(
        await verifyDowngradeCommand({
          ...projectArgs(args, ctx.build),
          ...databaseArgs(args),
          env: ctx.env,
          downgrade: args.downgrade,
        }),
      );
      return;
    }
    if (args['allow-empty'] && args.tenants === undefined && args.databases === undefined)
      throw new UsageError('--allow-empty is for a fleet: it goes with --tenants or --databases.', {
        hint: "alembic-preflight verify --tenants 'tenant_*' --allow-empty",
      });
    if (args.shard !== undefined && args.tenants === undefined && args.databases === undefined)
      throw new UsageError('--shard slices the tenants of --tenants or --databases.', {
        hint: "Add --tenants 'PATTERN' or --databases FILE, or drop --shard.",
      });
    if (args.databases !== undefined) {
      if (args.tenants !== undefined)
        throw new UsageError('--databases and --tenants are two kinds of fleet: give one.', {
          hint: '--tenants for a schema per tenant, --databases for a database per tenant.',
        });
      const { verifyDatabasesCommand } = await import('./verify-databases-command.js');
      if (args.format === 'sarif')
        throw new UsageError('--format sarif is not made for --databases.', {
          hint: 'Use --format text, json, github or markdown with --databases.',
        });
      ctx.report(
        await verifyDatabasesCommand({
          ...projectArgs(args, ctx.build),
          ...databaseArgs(args),
          ...ledgerArgs(args),
          env: ctx.env,
          databasesFile: args.databases,
          concurrency: args.concurrency,
          allowEmpty: args['allow-empty'],
          ...(args.shard !== undefined ? { shard: parseShard(args.shard) } : {}),
        }),
      );
      return;
    }
    if (args.tenants !== undefined) {
      const { verifyTenantsCommand } = await import('./verify-tenants-command.js');
      if (args.format === 'sarif')
        throw new UsageError('--format sarif is not made for --tenants.', {
          hint: 'Use --format text, json, github or markdown with --tenants.',
        });
      ctx.report(
        await verifyTenantsCommand({
          ...projectArgs(args, ctx.build),
          ...databaseArgs(args),
          ...ledgerArgs(args),
          env: ctx.env,
          tenants: args.tenants,
          allowEmpty: args['allow-empty'],
          ...(args.shard !== undefined ? { shard: parseShard(args.shard) } : {}),
        }),
      );
      return;
    }
    const { verifyCommand } = await import('./verify-command.js');
    ctx.report(
      await verifyCommand({
        ...projectArgs(args, ctx.build),
        ...databaseArgs(args),
        ...ledgerArgs(args),
        schemaProbes: args['schema-probes'],
        ...lockArgs(args),
        ...dataArgs(args),
        env: ctx.env,
        git: args.git,
      }),
    );
  },
});
