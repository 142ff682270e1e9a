import { defineCommand } from '../command-spec.js';
import { EXIT_CODES } from '../exit-codes.js';
import {
  databaseArgs,
  databaseOptions,
  lockArgs,
  projectArgs,
  projectOptions,
  TEXT_OR_JSON,
} from '../shared-options.js';
import { DEFAULT_LOCK_SETTINGS } from '../../check/schema/lock-types.js';

export const fix = defineCommand({
  name: 'fix',
  command: 'fix [revision_id..]',
  brief: "Rewrite heavy migration steps into forms that don't block writes",
  group: 'Repair',
  summary:
    "Rewrite each heavy step of the named revisions (with a database and no id: every pending one) into its safe form. PostgreSQL: indexes built CONCURRENTLY, constraints added NOT VALID then validated, NOT NULL by a validated check, a lock_timeout before ACCESS EXCLUSIVE. MySQL and MariaDB: index builds with ALGORITHM=INPLACE, LOCK=NONE, and the online copy's command for a step that copies the table. A dry run (a diff) unless --write.",
  usage: '$0 fix [REVISION_ID…] [options]',
  examples: [
    [
      '$0 fix 1f2a3b4c5d6e',
      'dry run: the diff that makes its heavy steps light (every table taken as large)',
    ],
    [
      '$0 fix --database-url "$DATABASE_URL"',
      'every pending revision, only the steps heavy on the live sizes',
    ],
    ['$0 fix 1f2a3b4c5d6e --write', 'rewrite the file in place'],
  ],
  exitCodes: EXIT_CODES.fix,
  options: (y) =>
    databaseOptions(projectOptions(y, TEXT_OR_JSON))
      .positional('revision_id', {
        type: 'string',
        array: true,
        describe: 'revision ids, as alembic takes them (a prefix of 4+ characters, a branch label, head)',
      })
      .option('dialect', {
        type: 'string',
        choices: ['postgresql', 'mysql', 'mariadb'] as const,
        default: 'postgresql',
        describe: 'without a database: the server the steps run on (with one, the server says)',
      })
      .option('write', {
        type: 'boolean',
        default: false,
        describe: 'rewrite the files (default: print the diff)',
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'with --write: rewrite a file that has uncommitted changes in its git work tree',
      })
      .option('locks-rows', {
        type: 'number',
        default: DEFAULT_LOCK_SETTINGS.rows,
        describe: 'with a database: a table this many rows or more is large',
      })
      .option('locks-mb', {
        type: 'number',
        default: DEFAULT_LOCK_SETTINGS.bytes / 1024 / 1024,
        describe: 'with a database: a table this many megabytes or more (with its indexes) is large',
      }),
  async run(args, ctx) {
    ctx.setFormat(args.format);
    const { fixCommand } = await import('./fix-command.js');
    ctx.report(
      await fixCommand({
        ...projectArgs(args, ctx.build),
        ...databaseArgs(args),
        ...lockArgs({ locks: 'block', 'locks-rows': args['locks-rows'], 'locks-mb': args['locks-mb'] }),
        env: ctx.env,
        revisions: (args.revision_id ?? []).map(String),
        write: args.write,
        force: args.force,
        dialect: args.dialect as 'postgresql' | 'mysql' | 'mariadb',
      }),
    );
  },
});
