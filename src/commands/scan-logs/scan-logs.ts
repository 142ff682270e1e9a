import { defineCommand } from '../command-spec.js';
import { EXIT_CODES } from '../exit-codes.js';

export const scanLogs = defineCommand({
  name: 'scan-logs',
  command: 'scan-logs [file]',
  brief: 'Find every Alembic failure in a deploy log',
  group: 'Inspect',
  summary:
    'Find every Alembic failure in a deploy log (heroku releases:output, heroku logs, CI logs); - or no file reads stdin.',
  usage: '$0 scan-logs [file] [options]',
  examples: [
    ['heroku releases:output -a APP | $0 scan-logs -', 'every Alembic failure in a release log'],
    ['$0 scan-logs ci.log --format json', 'a CI log, as JSON'],
  ],
  exitCodes: EXIT_CODES.scanLogs,
  options: (y) =>
    y
      .positional('file', { type: 'string', default: '-', describe: 'log file, or - for stdin' })
      .option('format', { choices: ['text', 'json'] as const, default: 'text' as const }),
  async run(args, ctx) {
    ctx.setFormat(args.format);
    const { scanLogsCommand } = await import('./scan-logs-command.js');
    ctx.report(await scanLogsCommand({ cwd: process.cwd(), file: args.file ?? '-', format: args.format }));
  },
});
