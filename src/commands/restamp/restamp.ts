import { defineCommand } from '../command-spec.js';
import { EXIT_CODES } from '../exit-codes.js';
import {
  databaseArgs,
  databaseOptions,
  projectArgs,
  projectOptions,
  TEXT_OR_JSON,
} from '../shared-options.js';

export const restamp = defineCommand({
  name: 'restamp',
  command: 'restamp',
  brief: "Replace a renamed revision's id in the version table",
  group: 'Repair',
  summary:
    "Replace one version-table row (a renamed migration's old id) with its new id, in one transaction; dry run unless --yes.",
  usage: '$0 restamp --from OLD --to NEW [options]',
  examples: [
    [
      '$0 restamp --from 3c4d5e6f --to 7a8b9c0d',
      'dry run: the one-row UPDATE and what the upgrade then runs',
    ],
    ['$0 restamp --from 3c4d5e6f --to 7a8b9c0d --yes', 'write it, in one transaction'],
  ],
  exitCodes: EXIT_CODES.restamp,
  options: (y) =>
    databaseOptions(projectOptions(y, TEXT_OR_JSON))
      .option('from', { type: 'string', demandOption: true, describe: 'the id the database holds' })
      .option('to', {
        type: 'string',
        demandOption: true,
        describe: 'the id of the same migration in the code',
      })
      .option('yes', { type: 'boolean', default: false, describe: 'really write to the database' }),
  async run(args, ctx) {
    ctx.setFormat(args.format);
    const { restampCommand } = await import('./restamp-command.js');
    ctx.report(
      await restampCommand({
        ...projectArgs(args, ctx.build),
        ...databaseArgs(args),
        env: ctx.env,
        from: args.from,
        to: args.to,
        yes: args.yes,
      }),
    );
  },
});
