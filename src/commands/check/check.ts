import { defineCommand } from '../command-spec.js';
import { EXIT_CODES } from '../exit-codes.js';
import { listRules } from '../list-rules.js';
import { projectArgs, projectOptions } from '../shared-options.js';

export const check = defineCommand({
  name: 'check',
  command: 'check',
  brief: 'Read the config and revision files for what breaks Alembic',
  group: 'Guard a release',
  summary:
    'Read the Alembic configuration and revision files statically and report what would make Alembic fail.',
  usage: '$0 check [options]',
  examples: [
    ['$0 check', 'the graph, the configuration and the migration lints'],
    ['$0 check --no-lint --format json', 'the graph only, as JSON (CI)'],
    ['$0 check --lint-changed-since origin/main', 'lint only the migrations of a pull request'],
  ],
  exitCodes: EXIT_CODES.check,
  options: (y) =>
    projectOptions(y)
      .option('lint', {
        type: 'boolean',
        default: true,
        describe: 'run the migration lints (--no-lint: only the graph, faster)',
      })
      .option('lint-only', { type: 'boolean', default: false, describe: 'run only the migration lints' })
      .option('target', {
        type: 'string',
        describe:
          'the upgrade target the deploy runs: head (default), heads, <label>@head or a revision; graded like verify',
      })
      .option('lint-changed-since', {
        type: 'string',
        describe:
          'lint only revision files changed since the merge base with this git ref, such as origin/main (a pull request)',
      })
      .option('lint-since', {
        type: 'string',
        array: true,
        describe:
          'lint only revisions newer than REV: not REV or its ancestors (repeatable; replaces lint-since in the settings)',
      }),
  async run(args, ctx) {
    const format = args.format === 'json' || args.format === 'sarif' ? 'json' : 'text';
    ctx.setFormat(format);
    if (args.rules) return listRules(args.config, format, ctx.env);
    const { checkCommand } = await import('./check-command.js');
    ctx.report(
      await checkCommand({
        ...projectArgs(args, ctx.build),
        env: ctx.env,
        lint: args.lint,
        lintOnly: args['lint-only'],
        lintSince: args['lint-since'],
        lintChangedSince: args['lint-changed-since'],
        target: args.target,
      }),
    );
  },
});
