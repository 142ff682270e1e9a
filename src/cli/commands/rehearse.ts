import { redactSecrets } from '../../errors/redact.js';
import { terminalSafe } from '../../logger/terminal-safe.js';
import { defineCommand } from '../command-spec.js';
import { EXIT_CODES } from '../exit-codes.js';
import { databaseArgs, databaseOptions, projectArgs, projectOptions, textOrJson } from '../shared-options.js';

export const rehearse = defineCommand({
  name: 'rehearse',
  command: 'rehearse',
  summary:
    "Run the project's real migrations on a scratch database it creates and always removes: upgrade head, downgrade base, upgrade head (or --step: each revision up, down, up), checking that each downgrade gives back the schema from before its upgrade.",
  usage: '$0 rehearse [options]',
  examples: [
    ['$0 rehearse', 'upgrade head, downgrade base, upgrade head on a scratch database'],
    ['$0 rehearse --step', 'each revision up, down and up again'],
    ['$0 rehearse --scratch-url postgresql://ci@localhost/postgres', 'on a CI service container'],
  ],
  exitCodes: EXIT_CODES.rehearse,
  options: (y) =>
    databaseOptions(projectOptions(y))
      .option('step', { type: 'boolean', default: false, describe: 'each revision in turn: upgrade, downgrade to its parent, upgrade again' })
      .option('down-to', { type: 'string', describe: 'the cycle downgrades to this revision instead of base (reached by an upgrade first)' })
      .option('scratch-url', { type: 'string', describe: 'a PostgreSQL server where a uniquely named database may be created and dropped (never production); default: a throwaway local cluster from the server binaries' })
      .option('scratch', { choices: ['auto', 'docker'] as const, default: 'auto' as const, describe: 'docker: a PostgreSQL container (testcontainers) even when the server binaries are installed' })
      .option('step-minutes', { type: 'number', default: 10, describe: 'minutes each Alembic command may take' })
      .option('from-production', { type: 'boolean', default: false, describe: "copy the schema of the database --database-url / $DATABASE_URL names (read-only; no rows but the version table's) and run the pending upgrade on the copy" })
      .option('url-env', { type: 'string', array: true, describe: "another variable the app reads its database URL from (repeatable): set to the scratch database's URL, like DATABASE_URL" })
      .option('schema-copy', { choices: ['auto', 'pg_dump', 'catalog'] as const, default: 'auto' as const, describe: '--from-production: pg_dump --schema-only, the catalog (tables, keys, indexes, types, sequences, views; no functions or triggers), or pg_dump when installed (auto)' }),
  async run(args, ctx) {
    ctx.setFormat(textOrJson(args.format, 'rehearse'));
    const { rehearseCommand } = await import('../../commands/rehearse-command.js');
    ctx.report(
      await rehearseCommand({
        ...projectArgs(args, ctx.build),
        ...databaseArgs(args),
        env: ctx.env,
        step: args.step,
        downTo: args['down-to'],
        scratchUrl: args['scratch-url'],
        urlEnv: args['url-env'],
        scratch: args.scratch,
        stepMinutes: args['step-minutes'],
        fromProduction: args['from-production'],
        schemaCopy: args['schema-copy'],
        // nothing in a progress line holds a URL; redacted all the same, as every other output is
        progress: (line) => process.stderr.write(`${terminalSafe(redactSecrets(line))}\n`),
      }),
    );
  },
});
