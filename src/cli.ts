import { EXIT, PreflightError } from './errors/errors.js';
import { RULES } from './check/rules.js';

/**
 * The only place that sets the exit code. Everything below returns data or
 * throws a PreflightError; anything else is a bug and exits 70.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { default: yargs } = await import('yargs');
  let exitCode: number = EXIT.ok;
  let format: 'text' | 'json' = argv.includes('--format=json') || argv.join(' ').includes('--format json') ? 'json' : 'text';
  const parser = yargs([...argv])
    .scriptName('alembic-preflight')
    .usage('$0 <command> [options]')
    .strict()
    .help()
    .version()
    .fail((msg, err) => {
      throw err ?? new UsageErrorFromYargs(msg);
    })
    .command(
      'check',
      'Read the Alembic configuration and revision files statically and report what would make Alembic fail.',
      (y) =>
        y
          .option('config', { alias: 'c', type: 'string', describe: 'alembic.ini to read (default: ./alembic.ini, or $ALEMBIC_CONFIG)' })
          .option('name', { alias: 'n', type: 'string', describe: 'ini section (default: alembic)' })
          .option('versions', { type: 'string', array: true, describe: 'version folder(s), overriding version_locations (repeatable)' })
          .option('recursive', { type: 'boolean', describe: 'search version folders recursively (recursive_version_locations)' })
          .option('alembic-version', { type: 'string', describe: 'Alembic release to model (default: the pin in requirements.txt, else latest)' })
          .option('format', { choices: ['text', 'json'] as const, default: 'text' as const })
          .option('strict', { type: 'boolean', default: false, describe: 'warnings also block' })
          .option('ignore', { type: 'string', array: true, describe: 'suppress CODE or CODE:REVISION (repeatable)' })
          .option('rules', { type: 'boolean', describe: 'list the rules and exit' }),
      async (args) => {
        format = args.format;
        if (args.rules) {
          process.stdout.write(RULES.map((r) => `${r.code.padEnd(30)} ${r.severity.padEnd(8)} ${r.summary}`).join('\n') + '\n');
          return;
        }
        const { checkCommand } = await import('./commands/check-command.js');
        const out = await checkCommand({
          cwd: process.cwd(),
          config: args.config,
          name: args.name,
          versions: args.versions,
          recursive: args.recursive,
          alembicVersion: args['alembic-version'],
          format: args.format,
          strict: args.strict,
          ignore: args.ignore,
          env,
        });
        process.stdout.write(out.stdout);
        exitCode = out.exitCode;
      },
    )
    .demandCommand(1, 'Name a command: check');
  try {
    await parser.parseAsync();
    return exitCode;
  } catch (e) {
    return reportError(e, format);
  }
}

class UsageErrorFromYargs extends PreflightError {
  readonly exitCode = EXIT.usage;
  readonly kind = 'usage';
}

function reportError(e: unknown, format: 'text' | 'json'): number {
  if (e instanceof PreflightError) {
    if (format === 'json') {
      process.stdout.write(
        JSON.stringify({ schemaVersion: 1, ok: false, error: { kind: e.kind, message: e.message, hint: e.hint ?? null, alembicError: e.alembicError ?? null, path: e.path ?? null, line: e.line ?? null } }, null, 2) + '\n',
      );
    }
    const where = e.path ? `${e.path}${e.line ? `:${e.line}` : ''}: ` : '';
    process.stderr.write(`alembic-preflight: ${e.kind} error: ${where}${e.message}\n`);
    if (e.alembicError) process.stderr.write(`  Alembic prints: ${e.alembicError}\n`);
    if (e.hint) process.stderr.write(`  fix: ${e.hint}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  process.stderr.write(`alembic-preflight: internal error: ${err?.message ?? String(e)}\n  This is a bug; please report it with the command you ran. (ALEMBIC_PREFLIGHT_DEBUG=1 shows the stack.)\n`);
  if (process.env.ALEMBIC_PREFLIGHT_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
  return EXIT.internal;
}
