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
  brief: 'Record the revisions a database holds in the ledger',
  group: 'Repair',
  summary:
    "Record in the ledger (alembic_preflight_history) the revisions the database already holds, for a database older than the ledger or after an applied migration's file was edited; dry run unless --yes.",
  usage: '$0 ledger record [options]',
  examples: [
    ['$0 ledger record', 'dry run: the rows it would record, and whether it creates the table'],
    ['$0 ledger record --yes', 'write them, in one transaction'],
  ],
  exitCodes: EXIT_CODES.ledger,
  options: (y) =>
    ledgerOptions(databaseOptions(projectOptions(y, TEXT_OR_JSON)))
      .positional('action', {
        choices: ['record'] as const,
        describe: 'record: put what the database already holds in the ledger',
      })
      .option('yes', { type: 'boolean', default: false, describe: 'really write to the database' }),
  async run(args, ctx) {
    ctx.setFormat(args.format);
    const { ledgerRecordCommand } = await import('../../commands/ledger-command.js');
    ctx.report(
      await ledgerRecordCommand({
        ...projectArgs(args, ctx.build),
        ...databaseArgs(args),
        ...ledgerArgs(args),
        env: ctx.env,
        yes: args.yes,
      }),
    );
  },
});
