import { defineCommand } from '../command-spec.js';
import { EXIT_CODES } from '../exit-codes.js';
import {
  databaseArgs,
  databaseOptions,
  ledgerArgs,
  ledgerOptions,
  projectArgs,
  projectOptions,
  TEXT_OR_JSON,
} from '../shared-options.js';

export const ledger = defineCommand({
  name: 'ledger',
  command: 'ledger <action>',
  brief: "Record a database's revisions; show or hand over its owner",
  group: 'Repair',
  summary:
    "Record in the ledger (alembic_preflight_history) the revisions the database already holds, for a database older than the ledger or after an applied migration's file was edited; or show the app the database belongs to, and hand it to another (ledger owner --set). Dry run unless --yes.",
  usage: '$0 ledger record|owner [options]',
  examples: [
    ['$0 ledger record', 'dry run: the rows it would record, and whether it creates the table'],
    ['$0 ledger record --yes', 'write them, in one transaction'],
    ['$0 ledger owner', 'which app the database belongs to, and why'],
    [
      '$0 ledger owner --set my-app-staging --yes',
      'hand a copy (heroku pg:copy) to the app that now uses it',
    ],
  ],
  exitCodes: EXIT_CODES.ledger,
  options: (y) =>
    ledgerOptions(databaseOptions(projectOptions(y, TEXT_OR_JSON)))
      .positional('action', {
        choices: ['record', 'owner'] as const,
        describe:
          'record: put what the database already holds in the ledger; owner: show the app it belongs to (--set hands it to another)',
      })
      .option('set', {
        type: 'string',
        describe: 'ledger owner: hand the database to this app (dry run unless --yes)',
      })
      .option('yes', { type: 'boolean', default: false, describe: 'really write to the database' }),
  async run(args, ctx) {
    ctx.setFormat(args.format);
    const { ledgerOwnerCommand, ledgerRecordCommand } = await import('./ledger-command.js');
    const common = {
      ...projectArgs(args, ctx.build),
      ...databaseArgs(args),
      ...ledgerArgs(args),
      env: ctx.env,
      yes: args.yes,
    };
    ctx.report(
      args.action === 'owner'
        ? await ledgerOwnerCommand({ ...common, ...(args.set !== undefined ? { set: args.set } : {}) })
        : await ledgerRecordCommand(common),
    );
  },
});
