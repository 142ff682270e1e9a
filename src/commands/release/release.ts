import { UsageError } from '../../errors/errors.js';
import { defineCommand } from '../command-spec.js';
import { EXIT_CODES } from '../exit-codes.js';
import {
  databaseArgs,
  databaseOptions,
  ledgerArgs,
  ledgerOptions,
  dataArgs,
  dataOptions,
  lockArgs,
  lockOptions,
  probeOption,
  projectArgs,
  projectOptions,
  TEXT_OR_JSON,
} from '../shared-options.js';

export const release = defineCommand({
  name: 'release',
  command: 'release',
  brief: 'Verify, run the upgrade only if it will work, check the result',
  group: 'Guard a release',
  summary:
    'Heroku release phase: verify, then run `alembic upgrade <target>` (or the command after --) only if it will succeed, verify the result, print one verdict.',
  usage: '$0 release [options] [-- COMMAND…]',
  examples: [
    ['$0 release', 'verify, then `alembic upgrade head` (or `flask db upgrade`) when it will succeed'],
    ['$0 release -c db/alembic.ini --target heads', 'another ini, and `upgrade heads`'],
    ['$0 release -- ./bin/migrate.sh', 'run your own command instead, after the same verification'],
    [
      "$0 release --tenants 'tenant_*' -- ./bin/migrate-tenants.sh",
      'a schema per tenant: gate the loop on the whole fleet',
    ],
  ],
  exitCodes: EXIT_CODES.release,
  options: (y) =>
    dataOptions(lockOptions(probeOption(ledgerOptions(databaseOptions(projectOptions(y, TEXT_OR_JSON))))))
      .option('on-ahead', {
        choices: ['allow', 'block'] as const,
        describe:
          'when the database is ahead of this code (a rollback, per the ledger): exit 0 without migrating (allow, the default) or stop (block)',
      })
      .option('always-run', {
        type: 'boolean',
        default: false,
        describe: 'run the command even when the database is already at the target',
      })
      .option('share-database', {
        type: 'boolean',
        default: false,
        describe:
          'this release may migrate a database another app owns, per its ledger (apps that always share one: shared-with in the settings)',
      })
      .option('unfenced', {
        type: 'boolean',
        default: false,
        describe:
          'start a command after -- that the tool cannot prove fenced to the database verified (another program, a here-document) anyway; the verdict line and the ledger record it',
      })
      .option('cosmetic', {
        type: 'boolean',
        default: false,
        describe:
          'also print the findings about how the code reads (docstrings, file names), left out of the release log by default',
      })
      .option('tenants', {
        type: 'string',
        describe:
          'a schema per tenant: verify every schema matching this pattern, run the command after -- (your loop over the tenants) only if none would fail, and check that all reached the target',
      })
      .option('allow-empty', {
        type: 'boolean',
        default: false,
        describe:
          'with --tenants: no schema matching is expected (a first deploy with no tenant yet); without it, that stops the release with exit 2',
      })
      .option('deadline', {
        type: 'number',
        default: 50,
        describe: 'minutes before the command is stopped (Heroku ends a release after 60)',
      }),
  async run(args, ctx) {
    ctx.setFormat(args.format);
    const { releaseCommand } = await import('./release-command.js');
    const { getLogger } = await import('../../logger/logger.js');
    const log = await getLogger('info');
    const textLog = ((args as { 'log-format'?: string })['log-format'] ?? 'text') === 'text';
    const rest = ((args['--'] as unknown[] | undefined) ?? []).map(String);
    if (args['show-values'])
      throw new UsageError(
        "release never prints a row's values: its log goes to the platform's log drains.",
        {
          hint: 'Run `alembic-preflight verify --show-values` yourself against the database to see up to three offending values; release reports counts and integer or UUID keys.',
        },
      );
    if (args['allow-empty'] && args.tenants === undefined)
      throw new UsageError('--allow-empty is for a fleet: it goes with --tenants.', {
        hint: "alembic-preflight release --tenants 'tenant_*' --allow-empty -- ./bin/migrate-tenants.sh",
      });
    if (args.tenants !== undefined) {
      // a schema per tenant: the team's loop, gated on the whole fleet
      const { releaseFleetCommand } = await import('./release-fleet-command.js');
      ctx.setExitCode(
        await releaseFleetCommand({
          ...projectArgs(args, ctx.build),
          ...databaseArgs(args),
          ...ledgerArgs(args),
          env: ctx.env,
          tenants: args.tenants,
          allowEmpty: args['allow-empty'],
          ...(rest.length > 0 ? { command: rest } : {}),
          alwaysRun: args['always-run'],
          unfenced: args.unfenced,
          deadlineMinutes: args.deadline,
          out: (t) => ctx.write(t),
          report: (e) => ctx.reportError(e),
        }),
      );
      return;
    }
    ctx.setExitCode(
      await releaseCommand({
        ...projectArgs(args, ctx.build),
        ...databaseArgs(args),
        ...ledgerArgs(args),
        schemaProbes: args['schema-probes'],
        ...lockArgs(args),
        ...dataArgs(args),
        onAhead: args['on-ahead'],
        env: ctx.env,
        command: rest.length > 0 ? rest : undefined,
        alwaysRun: args['always-run'],
        unfenced: args.unfenced,
        cosmetic: args.cosmetic,
        shareDatabase: args['share-database'],
        deadlineMinutes: args.deadline,
        out: (t) => ctx.write(t),
        // in the text log the release's own line is the verdict; JSON and logfmt keep the event
        event: (level, event, fields, msg) =>
          event === 'release.verdict' && textLog ? undefined : log[level]({ event, ...fields }, msg),
        report: (e) => ctx.reportError(e),
      }),
    );
  },
});
