import { EXIT, PreflightError, UsageError } from './errors/errors.js';
import { useBaselineTierForSmallProjects } from './python/compiler-tier.js';
import { packageVersion } from './version.js';
import type { BuildInfo } from './commands/build-info.js';
import type { RunContext } from './commands/command-spec.js';
import { COMMAND_NAMES } from './commands/command-names.js';
import { COMMAND_TABLE } from './cli/command-table.js';
import { EXIT_CODES } from './commands/exit-codes.js';
import { helpPage } from './cli/help-page.js';
import { checkFlagValues } from './cli/flag-checks.js';
import { reportError, writeReport } from './cli/report-output.js';
import { skipHelpCache } from './cli/skip-help-cache.js';

export type { BuildInfo } from './commands/build-info.js';

/**
 * The only place that sets the exit code. Everything below returns data or
 * throws a PreflightError; anything else is a bug and exits 70. The commands
 * come from the table (src/cli/command-table.ts): each declares its flags, help
 * and run there.
 */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  build: BuildInfo = {},
): Promise<number> {
  let exitCode: number = EXIT.ok;
  let format: 'text' | 'json' =
    argv.includes('--format=json') || argv.join(' ').includes('--format json') ? 'json' : 'text';
  const ctx: RunContext = {
    env,
    build,
    setFormat: (f) => void (format = f),
    report: (out) => {
      writeReport(out.stdout, format, out.document);
      exitCode = out.exitCode;
    },
    write: (text) => writeReport(text, format),
    reportError: (e) => reportError(e, format, env),
    setExitCode: (code) => void (exitCode = code),
  };
  // the top-level help is a page of its own: short lines in groups, not yargs' wrapped command list
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    writeReport(helpPage(COMMAND_TABLE), 'text');
    return EXIT.ok;
  }
  const cwdError = currentFolderError();
  if (cwdError) return reportError(cwdError, format, env);
  // a process of its own: a small project's files are read faster without V8's optimising compiler
  useBaselineTierForSmallProjects(process.execArgv, env['NODE_OPTIONS'] ?? '');
  const { default: yargs } = await import('yargs');
  let parser = yargs([...argv])
    .scriptName('alembic-preflight')
    .usage('$0 <command> [options]')
    .wrap(helpWidth())
    .epilogue(EXIT_CODES.common)
    .strict()
    .help()
    .version(packageVersion())
    .parserConfiguration({ 'populate--': true })
    .check(checkFlagValues)
    .option('log-format', {
      choices: ['text', 'json', 'logfmt'] as const,
      default: 'text' as const,
      describe:
        'stderr log lines: text (colour only on a TTY or FORCE_COLOR; NO_COLOR honoured), json (pino) or logfmt',
    })
    .option('log-level', {
      choices: ['debug', 'info', 'warn', 'error'] as const,
      describe: 'default: warn (info for release)',
    })
    .middleware(async (args) => {
      const { configureLogger } = await import('./logger/logger.js');
      configureLogger({ format: args['log-format'], level: args['log-level'], env });
    })
    .fail((msg, err) => {
      throw err ?? new UsageErrorFromYargs(msg);
    });
  for (const spec of COMMAND_TABLE) {
    // listed by the help page's groups, not yargs' own Commands section
    parser = parser.command(
      spec.command,
      false,
      (y) => {
        // a command's help: its real usage line, a few examples and its exit codes
        let out = spec.options(skipHelpCache(y)).usage(`${spec.usage}\n\n${spec.summary}`);
        for (const [command, description] of spec.examples) out = out.example(command, description);
        return out.epilogue(spec.exitCodes);
      },
      (args) => spec.run(args as Record<string, unknown>, ctx),
    );
  }
  parser = parser.demandCommand(
    1,
    `Name a command: ${COMMAND_NAMES.slice(0, -1).join(', ')} or ${COMMAND_NAMES.at(-1)!}`,
  );
  try {
    await parser.parseAsync();
    return exitCode;
  } catch (e) {
    return reportError(e, format, env);
  }
}

/** Every path is relative to the current folder, and yargs asks for it as it loads. */
function currentFolderError(): UsageError | null {
  try {
    process.cwd();
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    return new UsageError(
      `The current folder cannot be read (${code}): it was deleted or moved after this shell entered it, or its permissions changed.`,
      {
        hint: 'cd into the project folder again (cd "$PWD" re-enters a folder recreated under the same path), then run the command again.',
      },
    );
  }
}

/** Help text's width: the terminal's (within reason), 80 when the output is not a terminal. */
function helpWidth(): number {
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  return columns && columns > 0 ? Math.max(60, Math.min(columns, 160)) : 80;
}

class UsageErrorFromYargs extends PreflightError {
  readonly exitCode = EXIT.usage;
  readonly kind = 'usage';
}
