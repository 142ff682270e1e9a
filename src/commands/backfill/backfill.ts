import { defineCommand } from '../command-spec.js';
import { EXIT_CODES } from '../exit-codes.js';
import {
  databaseArgs,
  databaseOptions,
  probeOption,
  projectArgs,
  projectOptions,
  TEXT_OR_JSON,
} from '../shared-options.js';

export const backfill = defineCommand({
  name: 'backfill',
  command: 'backfill',
  brief: 'Write proven placeholders for stamped-but-missing revisions',
  group: 'Repair',
  summary:
    'Write a no-op placeholder migration for each stamped-but-missing revision id, placed and proven (dry run unless --write).',
  usage: '$0 backfill [options]',
  examples: [
    ['$0 backfill', 'dry run: the placeholder for each row no file defines, its diff and the proof'],
    ['$0 backfill --after 1f2a3b4c5d6e --rewire --write', 'write it after that revision, children rewired'],
    ['heroku releases:output -a APP | $0 backfill --from-logs -', 'take the ids from a failed release'],
  ],
  exitCodes: EXIT_CODES.backfill,
  options: (y) =>
    probeOption(databaseOptions(projectOptions(y, TEXT_OR_JSON)))
      .option('revision', {
        type: 'string',
        array: true,
        describe: 'an id to backfill (repeatable); default: the rows of the database that resolve to nothing',
      })
      .option('from-logs', {
        type: 'string',
        describe: 'take the ids (and their parents) from a deploy log; - reads stdin',
      })
      .option('after', {
        type: 'string',
        array: true,
        describe: 'parent of the placeholder: REV, or ID=REV per id (repeatable)',
      })
      .option('rewire', {
        type: 'boolean',
        default: false,
        describe: "make the parent's children revise the placeholder (down_revision and Revises: lines)",
      })
      .option('write', {
        type: 'boolean',
        default: false,
        describe: 'write the files (default: print the diff)',
      })
      .option('git', {
        type: 'boolean',
        default: true,
        describe: 'search git history for where each id came from (--no-git to skip)',
      }),
  async run(args, ctx) {
    ctx.setFormat(args.format);
    const { backfillCommand } = await import('./backfill-command.js');
    ctx.report(
      await backfillCommand({
        ...projectArgs(args, ctx.build),
        ...databaseArgs(args),
        env: ctx.env,
        revisions: args.revision,
        fromLogs: args['from-logs'],
        after: args.after,
        rewire: args.rewire,
        write: args.write,
        git: args.git,
        schemaProbes: args['schema-probes'],
      }),
    );
  },
});
