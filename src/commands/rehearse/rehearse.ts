import { redactSecrets } from '../../errors/redact.js';
import { terminalSafe } from '../../logger/terminal-safe.js';
import { defineCommand } from '../command-spec.js';
import { EXIT_CODES } from '../exit-codes.js';
import { databaseArgs, databaseOptions, projectArgs, projectOptions } from '../shared-options.js';

export const rehearse = defineCommand({
  name: 'rehearse',
  command: 'rehearse',
  brief: 'Run the real migrations up, down and up on a scratch database',
  group: 'Guard a release',
  summary:
    "Run the project's real migrations on a scratch database it creates and always removes: upgrade head, downgrade base, upgrade head (or --step: each revision up, down, up), checking that each downgrade gives back the schema from before its upgrade.",
  usage: '$0 rehearse [options]',
  examples: [
    ['$0 rehearse', 'upgrade head, downgrade base, upgrade head on a scratch database'],
    ['$0 rehearse --step', 'each revision up, down and up again'],
    [
      '$0 rehearse --idempotent --then "python seed.py"',
      'each upgrade() twice, then the seed script on the migrated database',
    ],
    ['$0 rehearse --scratch-url postgresql://ci@localhost/postgres', 'on a CI service container'],
  ],
  exitCodes: EXIT_CODES.rehearse,
  options: (y) =>
    databaseOptions(
      // GitHub annotations and Markdown too; SARIF is for findings, which rehearse has none of
      projectOptions(y, {
        choices: ['text', 'json', 'github', 'markdown'] as const,
        default: 'text' as const,
        describe: 'text, json, github (annotations) or markdown (a step summary)',
      }),
    )
      .option('step', {
        type: 'boolean',
        default: false,
        describe: 'each revision in turn: upgrade, downgrade to its parent, upgrade again',
      })
      .option('down-to', {
        type: 'string',
        describe:
          'the cycle downgrades to this revision instead of base (reached by an upgrade first); -1 goes one revision down from head, as `alembic downgrade -1`',
      })
      .option('drift', {
        type: 'boolean',
        default: true,
        describe:
          "after the final upgrade, compare env.py's target_metadata with the schema (Alembic's autogenerate comparison, in the app's Python); --no-drift skips it",
      })
      .option('idempotent', {
        type: 'boolean',
        default: false,
        describe:
          "first run each revision's upgrade() twice (stamped back to its parent, upgraded again) and name those that fail the second time",
      })
      .option('then', {
        type: 'string',
        describe:
          "a command (a seed script, a smoke test) run through the shell on the scratch database after the final upgrade, with the migrations' environment and fence; its failure fails the rehearsal",
      })
      .option('unfenced', {
        type: 'boolean',
        default: false,
        describe:
          'start a --then the tool cannot prove fenced to the scratch database anyway (another program, a here-document); the report says so',
      })
      .option('scratch-url', {
        type: 'string',
        describe:
          'a PostgreSQL server where a uniquely named database may be created and dropped (never production); default: a throwaway local cluster from the server binaries',
      })
      .option('scratch', {
        choices: ['auto', 'docker'] as const,
        default: 'auto' as const,
        describe:
          'docker: a PostgreSQL container (testcontainers) even when the server binaries are installed',
      })
      .option('step-minutes', {
        type: 'number',
        default: 10,
        describe: 'minutes each Alembic command may take',
      })
      .option('from-production', {
        type: 'boolean',
        default: false,
        describe:
          "copy the schema of the database --database-url / $DATABASE_URL names (read-only; no rows but the version table's) and run the pending upgrade on the copy",
      })
      .option('url-env', {
        type: 'string',
        array: true,
        describe:
          "another variable the app reads its database URL from (repeatable): set to the scratch database's URL, like DATABASE_URL",
      })
      .option('schema-copy', {
        choices: ['auto', 'pg_dump', 'catalog'] as const,
        default: 'auto' as const,
        describe:
          '--from-production: pg_dump --schema-only, the catalog (tables, keys, indexes, types, sequences, views; no functions or triggers), or pg_dump when installed (auto)',
      }),
  async run(args, ctx) {
    ctx.setFormat(args.format === 'json' ? 'json' : 'text');
    const { rehearseCommand } = await import('./rehearse-command.js');
    ctx.report(
      await rehearseCommand({
        ...projectArgs(args, ctx.build),
        ...databaseArgs(args),
        env: ctx.env,
        step: args.step,
        downTo: args['down-to'],
        drift: args.drift,
        idempotent: args.idempotent,
        then: args.then,
        unfenced: args.unfenced,
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
