import type { Argv } from 'yargs';
import { EXIT, PreflightError, UsageError } from './errors/errors.js';
import { redactDeep, redactSecrets } from './errors/redact.js';
import { RULES } from './check/rules.js';
import { useBaselineTierForSmallProjects } from './python/compiler-tier.js';
import { terminalSafe } from './logger/terminal-safe.js';
import { findingPage, packageVersion } from './version.js';

/** What the bundle's loader knows of the build: its key (results cached by one build are not another's). */
export interface BuildInfo {
  readonly key?: string;
  /** The folder the bundle is installed in (its result cache's secret is kept there). */
  readonly dir?: string;
}

/**
 * The only place that sets the exit code. Everything below returns data or
 * throws a PreflightError; anything else is a bug and exits 70.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, build: BuildInfo = {}): Promise<number> {
  let exitCode: number = EXIT.ok;
  let format: 'text' | 'json' = argv.includes('--format=json') || argv.join(' ').includes('--format json') ? 'json' : 'text';
  /** A command's output on stdout, in the format chosen, and its exit code as the run's. */
  const report = (out: { stdout: string; exitCode: number; document?: unknown }): void => {
    writeReport(out.stdout, format, out.document);
    exitCode = out.exitCode;
  };
  const cwdError = currentFolderError();
  if (cwdError) return reportError(cwdError, format);
  // a process of its own: a small project's files are read faster without V8's optimising compiler
  useBaselineTierForSmallProjects(process.execArgv, env['NODE_OPTIONS'] ?? '');
  const { default: yargs } = await import('yargs');
  const parser = yargs([...argv])
    .scriptName('alembic-preflight')
    .usage('$0 <command> [options]')
    .wrap(helpWidth())
    .example('$0 check', 'read the Alembic project here and report what would make `alembic upgrade` fail')
    .example('DATABASE_URL=$(heroku config:get DATABASE_URL -a APP) $0 verify', 'predict the upgrade against production (read-only)')
    .example('release: ./node_modules/.bin/alembic-preflight release', 'the Procfile line: verify, then upgrade only when it will succeed')
    .epilogue(EXIT_CODES.common)
    .strict()
    .help()
    .version(packageVersion())
    .parserConfiguration({ 'populate--': true })
    .check(checkFlagValues)
    .option('log-format', { choices: ['text', 'json', 'logfmt'] as const, default: 'text' as const, describe: 'stderr log lines: text (colour only on a TTY or FORCE_COLOR; NO_COLOR honoured), json (pino) or logfmt' })
    .option('log-level', { choices: ['debug', 'info', 'warn', 'error'] as const, describe: 'default: warn (info for release)' })
    .middleware(async (args) => {
      const { configureLogger } = await import('./logger/logger.js');
      configureLogger({ format: args['log-format'], level: args['log-level'] });
    })
    .fail((msg, err) => {
      throw err ?? new UsageErrorFromYargs(msg);
    })
    .command(
      'check',
      ABOUT.check,
      (y) =>
        withHelp(projectOptions(y)
          .option('lint', { type: 'boolean', default: true, describe: 'run the migration lints (--no-lint: only the graph, faster)' })
          .option('lint-only', { type: 'boolean', default: false, describe: 'run only the migration lints' })
          .option('target', { type: 'string', describe: 'the upgrade target the deploy runs: head (default), heads, <label>@head or a revision; graded like verify' })
          .option('lint-changed-since', { type: 'string', describe: 'lint only revision files changed since the merge base with this git ref, such as origin/main (a pull request)' })
          .option('lint-since', { type: 'string', array: true, describe: 'lint only revisions newer than REV: not REV or its ancestors (repeatable; replaces lint-since in the settings)' }), `$0 check [options]\n\n${ABOUT.check}`, [["$0 check", "the graph, the configuration and the migration lints"], ["$0 check --no-lint --format json", "the graph only, as JSON (CI)"], ["$0 check --lint-changed-since origin/main", "lint only the migrations of a pull request"]], EXIT_CODES.check),
      async (args) => {
        format = args.format === 'json' || args.format === 'sarif' ? 'json' : 'text';
        if (args.rules) return listRules(args.config, format, env);
        const { checkCommand } = await import('./commands/check-command.js');
        const out = await checkCommand({ ...projectArgs(args, build), env, lint: args.lint, lintOnly: args['lint-only'], lintSince: args['lint-since'], lintChangedSince: args['lint-changed-since'], target: args.target });
        report(out);
      },
    )
    .command(
      'verify',
      ABOUT.verify,
      (y) =>
        withHelp(probeOption(ledgerOptions(databaseOptions(projectOptions(y)))).option('git', { type: 'boolean', default: true, describe: 'search git history for where a missing id came from (--no-git to skip)' }).option('downgrade', { type: 'string', describe: 'predict `alembic downgrade TARGET` instead (base, a revision, -1, REV-1, label@-1): each step and the rows after it, or the exact error' }), `$0 verify [options]\n\n${ABOUT.verify}`, [["$0 verify", "read $DATABASE_URL (read-only) and predict `alembic upgrade head`"], ["$0 verify --database-url-env AUDIT_DATABASE_URL", "another database"], ["$0 verify --target heads --format json", "predict `upgrade heads`, as JSON"]], EXIT_CODES.database),
      async (args) => {
        format = args.format === 'json' || args.format === 'sarif' ? 'json' : 'text';
        if (args.rules) return listRules(args.config, format, env);
        if (args.downgrade !== undefined) {
          const { verifyDowngradeCommand } = await import('./commands/verify-downgrade-command.js');
          const out = await verifyDowngradeCommand({ ...projectArgs(args, build), ...databaseArgs(args), env, downgrade: args.downgrade });
          report(out);
          return;
        }
        const { verifyCommand } = await import('./commands/verify-command.js');
        const out = await verifyCommand({ ...projectArgs(args, build), ...databaseArgs(args), ...ledgerArgs(args), schemaProbes: args['schema-probes'], env, git: args.git });
        report(out);
      },
    )
    .command(
      'backfill',
      ABOUT.backfill,
      (y) =>
        withHelp(probeOption(databaseOptions(projectOptions(y)))
          .option('revision', { type: 'string', array: true, describe: 'an id to backfill (repeatable); default: the rows of the database that resolve to nothing' })
          .option('from-logs', { type: 'string', describe: 'take the ids (and their parents) from a deploy log; - reads stdin' })
          .option('after', { type: 'string', array: true, describe: 'parent of the placeholder: REV, or ID=REV per id (repeatable)' })
          .option('rewire', { type: 'boolean', default: false, describe: "make the parent's children revise the placeholder (down_revision and Revises: lines)" })
          .option('write', { type: 'boolean', default: false, describe: 'write the files (default: print the diff)' })
          .option('git', { type: 'boolean', default: true, describe: 'search git history for where each id came from (--no-git to skip)' }), `$0 backfill [options]\n\n${ABOUT.backfill}`, [["$0 backfill", "dry run: the placeholder for each row no file defines, its diff and the proof"], ["$0 backfill --after 1f2a3b4c5d6e --rewire --write", "write it after that revision, children rewired"], ["heroku releases:output -a APP | $0 backfill --from-logs -", "take the ids from a failed release"]], EXIT_CODES.backfill),
      async (args) => {
        format = textOrJson(args.format, 'backfill');
        const { backfillCommand } = await import('./commands/backfill-command.js');
        const out = await backfillCommand({
          ...projectArgs(args, build),
          ...databaseArgs(args),
          env,
          revisions: args.revision,
          fromLogs: args['from-logs'],
          after: args.after,
          rewire: args.rewire,
          write: args.write,
          git: args.git,
          schemaProbes: args['schema-probes'],
        });
        report(out);
      },
    )
    .command(
      'scan-logs [file]',
      ABOUT.scanLogs,
      (y) =>
        withHelp(y
          .positional('file', { type: 'string', default: '-', describe: 'log file, or - for stdin' })
          .option('format', { choices: ['text', 'json'] as const, default: 'text' as const }), `$0 scan-logs [file] [options]\n\n${ABOUT.scanLogs}`, [["heroku releases:output -a APP | $0 scan-logs -", "every Alembic failure in a release log"], ["$0 scan-logs ci.log --format json", "a CI log, as JSON"]], EXIT_CODES.scanLogs),
      async (args) => {
        format = args.format;
        const { scanLogsCommand } = await import('./commands/scan-logs-command.js');
        const out = await scanLogsCommand({ cwd: process.cwd(), file: args.file ?? '-', format: args.format });
        report(out);
      },
    )
    .command(
      'restamp',
      ABOUT.restamp,
      (y) =>
        withHelp(databaseOptions(projectOptions(y))
          .option('from', { type: 'string', demandOption: true, describe: 'the id the database holds' })
          .option('to', { type: 'string', demandOption: true, describe: 'the id of the same migration in the code' })
          .option('yes', { type: 'boolean', default: false, describe: 'really write to the database' }), `$0 restamp --from OLD --to NEW [options]\n\n${ABOUT.restamp}`, [["$0 restamp --from 3c4d5e6f --to 7a8b9c0d", "dry run: the one-row UPDATE and what the upgrade then runs"], ["$0 restamp --from 3c4d5e6f --to 7a8b9c0d --yes", "write it, in one transaction"]], EXIT_CODES.restamp),
      async (args) => {
        format = textOrJson(args.format, 'restamp');
        const { restampCommand } = await import('./commands/restamp-command.js');
        const out = await restampCommand({ ...projectArgs(args, build), ...databaseArgs(args), env, from: args.from, to: args.to, yes: args.yes });
        report(out);
      },
    )
    .command(
      'release',
      ABOUT.release,
      (y) =>
        withHelp(probeOption(ledgerOptions(databaseOptions(projectOptions(y))))
          .option('on-ahead', { choices: ['allow', 'block'] as const, describe: 'when the database is ahead of this code (a rollback, per the ledger): exit 0 without migrating (allow, the default) or stop (block)' })
          .option('always-run', { type: 'boolean', default: false, describe: 'run the command even when the database is already at the target' })
          .option('cosmetic', { type: 'boolean', default: false, describe: 'also print the findings about how the code reads (docstrings, file names), left out of the release log by default' })
          .option('deadline', { type: 'number', default: 50, describe: "minutes before the command is stopped (Heroku ends a release after 60)" }), `$0 release [options] [-- COMMAND…]\n\n${ABOUT.release}`, [["$0 release", "verify, then `alembic upgrade head` (or `flask db upgrade`) when it will succeed"], ["$0 release -c db/alembic.ini --target heads", "another ini, and `upgrade heads`"], ["$0 release -- ./bin/migrate.sh", "run your own command instead, after the same verification"]], EXIT_CODES.release),
      async (args) => {
        format = textOrJson(args.format, 'release');
        const { releaseCommand } = await import('./commands/release-command.js');
        const { getLogger } = await import('./logger/logger.js');
        const log = await getLogger('info');
        const rest = ((args['--'] as unknown[] | undefined) ?? []).map(String);
        exitCode = await releaseCommand({
          ...projectArgs(args, build),
          ...databaseArgs(args),
          ...ledgerArgs(args),
          schemaProbes: args['schema-probes'],
          onAhead: args['on-ahead'],
          env,
          command: rest.length > 0 ? rest : undefined,
          alwaysRun: args['always-run'],
          cosmetic: args.cosmetic,
          deadlineMinutes: args.deadline,
          out: (t) => writeReport(t, format),
          event: (level, event, fields, msg) => log[level]({ event, ...fields }, msg),
          report: (e) => reportError(e, format),
        });
      },
    )
    .command(
      'ledger <action>',
      ABOUT.ledger,
      (y) =>
        withHelp(ledgerOptions(databaseOptions(projectOptions(y)))
          .positional('action', { choices: ['record'] as const, describe: 'record: put what the database already holds in the ledger' })
          .option('yes', { type: 'boolean', default: false, describe: 'really write to the database' }), `$0 ledger record [options]\n\n${ABOUT.ledger}`, [["$0 ledger record", "dry run: the rows it would record, and whether it creates the table"], ["$0 ledger record --yes", "write them, in one transaction"]], EXIT_CODES.ledger),
      async (args) => {
        format = textOrJson(args.format, 'ledger');
        const { ledgerRecordCommand } = await import('./commands/ledger-command.js');
        const out = await ledgerRecordCommand({ ...projectArgs(args, build), ...databaseArgs(args), ...ledgerArgs(args), env, yes: args.yes });
        report(out);
      },
    )
    .command(
      'graph',
      ABOUT.graph,
      (y) =>
        withHelp(databaseOptions(projectOptions(y))
          .option('format', { choices: ['mermaid', 'dot', 'text'] as const, default: 'mermaid' as const, describe: 'mermaid (a flowchart), dot (Graphviz) or text (the lines `alembic history` prints)' })
          .option('full', { type: 'boolean', default: false, describe: 'draw every revision (otherwise a straight run of more than 4 shows its ends and a count)' }), `$0 graph [options]\n\n${ABOUT.graph}`, [["$0 graph > graph.mmd", "the history as a Mermaid flowchart"], ["DATABASE_URL=… $0 graph --format dot | dot -Tsvg > graph.svg", "with the database's rows, pending revisions and stray ids marked"]], EXIT_CODES.graph),
      async (args) => {
        format = 'text';
        const { graphCommand } = await import('./commands/graph-command.js');
        const out = await graphCommand({ ...projectArgs({ ...args, format: 'text' }, build), ...databaseArgs(args), env, graphFormat: args.format, full: args.full });
        report(out);
      },
    )
    .command(
      'rehearse',
      ABOUT.rehearse,
      (y) =>
        withHelp(databaseOptions(projectOptions(y))
          .option('step', { type: 'boolean', default: false, describe: 'each revision in turn: upgrade, downgrade to its parent, upgrade again' })
          .option('down-to', { type: 'string', describe: 'the cycle downgrades to this revision instead of base (reached by an upgrade first)' })
          .option('scratch-url', { type: 'string', describe: 'a PostgreSQL server where a uniquely named database may be created and dropped (never production); default: a throwaway local cluster from the server binaries' })
          .option('scratch', { choices: ['auto', 'docker'] as const, default: 'auto' as const, describe: 'docker: a PostgreSQL container (testcontainers) even when the server binaries are installed' })
          .option('step-minutes', { type: 'number', default: 10, describe: 'minutes each Alembic command may take' })
          .option('from-production', { type: 'boolean', default: false, describe: "copy the schema of the database --database-url / $DATABASE_URL names (read-only; no rows but the version table's) and run the pending upgrade on the copy" })
          .option('url-env', { type: 'string', array: true, describe: "another variable the app reads its database URL from (repeatable): set to the scratch database's URL, like DATABASE_URL" })
          .option('schema-copy', { choices: ['auto', 'pg_dump', 'catalog'] as const, default: 'auto' as const, describe: "--from-production: pg_dump --schema-only, the catalog (tables, keys, indexes, types, sequences, views; no functions or triggers), or pg_dump when installed (auto)" }), `$0 rehearse [options]\n\n${ABOUT.rehearse}`, [["$0 rehearse", "upgrade head, downgrade base, upgrade head on a scratch database"], ["$0 rehearse --step", "each revision up, down and up again"], ["$0 rehearse --scratch-url postgresql://ci@localhost/postgres", "on a CI service container"]], EXIT_CODES.rehearse),
      async (args) => {
        format = textOrJson(args.format, 'rehearse');
        const { rehearseCommand } = await import('./commands/rehearse-command.js');
        const out = await rehearseCommand({
          ...projectArgs(args, build),
          ...databaseArgs(args),
          env,
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
        });
        report(out);
      },
    )
    .command(
      'explain <code>',
      ABOUT.explain,
      (y) =>
        withHelp(y
          .positional('code', { type: 'string', describe: 'a finding code, as reports print it in brackets' })
          .option('format', { choices: ['text', 'json'] as const, default: 'text' as const }), `$0 explain CODE\n\n${ABOUT.explain}`, [["$0 explain stamped-revision-missing", "the guest_lockout_001 finding: problem, example, fix"]], EXIT_CODES.explain),
      (args) => {
        format = args.format;
        const out = explain(String(args.code), args.format);
        writeReport(out, format);
      },
    )
    .demandCommand(1, 'Name a command: check, verify, backfill, scan-logs, restamp, release, ledger, graph, rehearse or explain');
  try {
    await parser.parseAsync();
    return exitCode;
  } catch (e) {
    return reportError(e, format);
  }
}

/** For the bin's loader (src/cli-loader.ts), before it writes its code cache: compiles the reader by running it once. */
export async function warmCodeCache(): Promise<void> {
  const { warmCodeCache: warm } = await import('./commands/warm-code-cache.js');
  warm();
}

/** What each command does: its line in the command list and the head of its own help. */
const ABOUT = {
  check: 'Read the Alembic configuration and revision files statically and report what would make Alembic fail.',
  verify: 'Read the live version table (read-only) and predict whether `alembic upgrade <target>` will succeed.',
  backfill: 'Write a no-op placeholder migration for each stamped-but-missing revision id, placed and proven (dry run unless --write).',
  scanLogs: 'Find every Alembic failure in a deploy log (heroku releases:output, heroku logs, CI logs); - or no file reads stdin.',
  restamp: 'Replace one version-table row (a renamed migration\'s old id) with its new id, in one transaction; dry run unless --yes.',
  ledger: "Record in the ledger (alembic_preflight_history) the revisions the database already holds, for a database older than the ledger or after an applied migration's file was edited; dry run unless --yes.",
  rehearse: "Run the project's real migrations on a scratch database it creates and always removes: upgrade head, downgrade base, upgrade head (or --step: each revision up, down, up), checking that each downgrade gives back the schema from before its upgrade.",
  graph: 'Draw the revision graph (Mermaid, DOT, or the text of `alembic history`), with a database\'s rows, pending revisions and stray ids marked.',
  explain: "Print a finding's page: what the problem is, an example, and the fix (the page under docs/findings/).",
  release: 'Heroku release phase: verify, then run `alembic upgrade <target>` (or the command after --) only if it will succeed, verify the result, print one verdict.',
};

type Yargs = Argv;

/** Help text's width: the terminal's (within reason), 80 when the output is not a terminal. */
function helpWidth(): number {
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  return columns && columns > 0 ? Math.max(60, Math.min(columns, 160)) : 80;
}

const CODES = {
  ok: '0  nothing blocks',
  usage: '2  usage or configuration error (the message names the fix)',
  database: '3  the database could not be read (unreachable, password, TLS, permission)',
  bug: '70 internal error (a bug; please report it)',
};

/** Each command's exit codes, the last part of its help. */
const EXIT_CODES = {
  common: `Exit codes: 0 fine, 1 blocking findings, 2 usage or configuration error, 3 database error, 4 and 5 release's command failed or left the database elsewhere, 130/143 release stopped by a signal, 70 a bug. See \`<command> --help\`.`,
  check: ['Exit codes:', CODES.ok, '1  blocking findings (errors; warnings too with --strict)', CODES.usage, CODES.bug].join('\n  '),
  database: ['Exit codes:', CODES.ok, '1  the upgrade would fail, or cannot be predicted (blocking findings)', CODES.usage, CODES.database, CODES.bug].join('\n  '),
  backfill: ['Exit codes:', '0  the placeholders are proven (dry run), or written and proven again on disk', '1  an id could not be placed, or the proof failed: nothing was written', CODES.usage, CODES.database, '73 --write could not write (another run, permissions, a file changed meanwhile): nothing was written', CODES.bug].join('\n  '),
  restamp: ['Exit codes:', '0  the UPDATE is proven (dry run), or written', '1  refused (the row or the revision is not what the command says)', CODES.usage, CODES.database, CODES.bug].join('\n  '),
  ledger: ['Exit codes:', '0  the rows are shown (dry run), or written', '1  a row names no revision of this code: nothing was written', CODES.usage, CODES.database, CODES.bug].join('\n  '),
  graph: ['Exit codes:', '0  the graph is printed', CODES.usage, CODES.database, CODES.bug].join('\n  '),
  rehearse: ['Exit codes:', '0  every step ran, and every downgrade gave back the schema from before its upgrade', '1  a step failed, or a downgrade left the schema different', CODES.usage, '3  no scratch database could be made', '130/143 stopped by a signal (the scratch database is removed)', CODES.bug].join('\n  '),
  explain: ['Exit codes:', '0  the page is printed', '2  no finding has that code (the message lists close ones)', CODES.bug].join('\n  '),
  scanLogs: ['Exit codes:', '0  no Alembic failure in the log', '1  failures found', CODES.usage, CODES.bug].join('\n  '),
  release: [
    'Exit codes:',
    '0  OK: applied, or nothing to run',
    '1  BLOCKED before Alembic started',
    CODES.usage,
    CODES.database,
    '4  the command failed, or ran past --deadline',
    '5  the command succeeded, but the database is not where the prediction said',
    '130/143  stopped by SIGINT/SIGTERM (forwarded to the command)',
    CODES.bug,
  ].join('\n  '),
};

/** A command's help: its real usage line, a few examples and its exit codes. */
function withHelp<T>(y: Argv<T>, usage: string, examples: readonly [string, string][], exitCodes: string): Argv<T> {
  let out = y.usage(usage);
  for (const [command, description] of examples) out = out.example(command, description);
  return out.epilogue(exitCodes);
}

/** Every rule with its state here: the severity it reports at (after pyproject.toml / alembic.ini), or off. */
async function listRules(configFlag: string | undefined, format: 'text' | 'json', env: NodeJS.ProcessEnv): Promise<void> {
  const path = await import('node:path');
  const { loadLintConfig } = await import('./check/lint/lint-config.js');
  const { ruleSetting } = await import('./check/run-check.js');
  const { diskFiles } = await import('./project/project-files.js');
  const files = diskFiles();
  const ini = path.resolve(configFlag ?? env.ALEMBIC_CONFIG ?? 'alembic.ini');
  const config = await loadLintConfig(files, process.cwd(), files.exists(ini) ? ini : undefined, new Set(RULES.map((r) => r.code)));
  const rows = RULES.map((r) => ({ code: r.code, kind: r.kind ?? 'graph', state: ruleSetting(r, config), default: r.enabledByDefault === false ? 'off' : r.severity, summary: r.summary }));
  if (format === 'json') {
    process.stdout.write(JSON.stringify({ schemaVersion: 1, command: 'rules', configuredIn: config.sources, lint: config.lint, lintSince: config.lintSince?.names ?? null, rules: rows }, null, 2) + '\n');
    return;
  }
  const lines = rows.map((r) => `${r.code.padEnd(32)} ${r.kind.padEnd(6)} ${String(r.state).padEnd(8)} ${r.summary}`);
  const where = config.sources.length > 0 ? `settings from ${config.sources.join(' and ')}` : 'defaults (no [tool.alembic-preflight] or [alembic-preflight] settings found)';
  process.stdout.write(`${'code'.padEnd(32)} ${'kind'.padEnd(6)} ${'state'.padEnd(8)} summary\n${lines.join('\n')}\n\n${where}; lints ${config.lint ? 'on' : 'off'} by default${config.lintSince ? `; lint-since ${config.lintSince.names.join(', ')}` : ''}\n`);
}

function projectOptions(y: Yargs) {
  return y
    .option('config', { alias: 'c', type: 'string', describe: 'alembic.ini to read (default: ./alembic.ini, or $ALEMBIC_CONFIG)' })
    .option('name', { alias: 'n', type: 'string', describe: 'ini section (default: alembic)' })
    .option('versions', { type: 'string', array: true, describe: 'version folder(s), overriding version_locations (repeatable)' })
    .option('recursive', { type: 'boolean', describe: 'search version folders recursively (recursive_version_locations)' })
    .option('alembic-version', { type: 'string', describe: 'Alembic release to model (default: the pin in requirements.txt, else latest)' })
    .option('python-version', { type: 'string', describe: 'Python the app runs on, e.g. 3.12 (default: runtime.txt, .python-version or Pipfile.lock, as Heroku reads them)' })
    .option('format', { choices: ['text', 'json', 'github', 'markdown', 'sarif'] as const, default: 'text' as const, describe: 'text, json, or for check and verify github (annotations), markdown (a step summary) or sarif (SARIF 2.1.0)' })
    .option('strict', { type: 'boolean', default: false, describe: 'warnings also block' })
    .option('ignore', { type: 'string', array: true, describe: 'suppress CODE or CODE:REVISION (repeatable)' })
    .option('rules', { type: 'boolean', describe: 'list the rules and exit' })
    .option('cache-dir', { type: 'string', describe: 'where to keep each revision file\'s reading between runs, or off (default: $ALEMBIC_PREFLIGHT_CACHE, else ~/.cache/alembic-preflight)' });
}

function databaseOptions<T>(y: Argv<T>) {
  return y
    .option('database-url', { type: 'string', describe: 'database URL (never printed); default: the variable named by --database-url-env' })
    .option('database-url-env', { type: 'string', default: 'DATABASE_URL', describe: 'environment variable that holds the URL' })
    .option('target', { type: 'string', describe: 'upgrade target: head, heads, <label>@head or a revision (default: head; verify: what the Procfile release line runs, else head)' })
    .option('version-table', { type: 'string', describe: "version table name (default: env.py's version_table=, else alembic_version)" })
    .option('version-table-schema', { type: 'string', describe: "schema of the version table (default: env.py's version_table_schema=, else the default schema)" })
    .option('ssl', { type: 'string', choices: ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'], describe: 'PostgreSQL sslmode (default: the URL, else require for remote hosts, prefer for local)' })
    .option('ssl-ca', { type: 'string', describe: 'CA certificate (PEM) to verify the server with' })
    .option('connect-timeout', { type: 'number', default: 10, describe: 'seconds per connection attempt' })
    .option('connect-retries', { type: 'number', default: 3, describe: 'retries after transient connection failures' })
    .option('statement-timeout', { type: 'number', default: 5000, describe: 'milliseconds for each query on our session (0: no server-side limit; our wait still ends after 10 minutes)' })
    .option('lint', { type: 'boolean', describe: 'accepted as --no-lint, so a script can pass check\'s flags: this command never runs the migration lints (check does)' })
    .check((args) => {
      if (args.lint === true) throw new UsageError('--lint runs the migration lints, which only `check` runs.', { hint: 'Run `alembic-preflight check` for the lints; this command reads the database and runs none (--no-lint is accepted).' });
      return true;
    });
}

/** `explain CODE`: the finding's page, or its summary and page as JSON. */
function explain(code: string, format: 'text' | 'json'): string {
  const rule = RULES.find((r) => r.code === code);
  const page = rule ? findingPage(code) : undefined;
  if (!rule || page === undefined) {
    const words = code.split(/[^a-z0-9]+/u).filter((w) => w.length > 2);
    // the codes that share the most words with what was typed
    const score = (c: string): number => words.filter((w) => c.includes(w)).length;
    const close = RULES.map((r) => r.code).filter((c) => score(c) > 0).sort((a, b) => score(b) - score(a));
    throw new UsageError(`No finding has the code '${code}'.`, { hint: close.length > 0 ? `Did you mean ${close.slice(0, 5).join(', ')}?` : 'alembic-preflight check --rules lists every code.' });
  }
  if (format === 'json') return JSON.stringify({ schemaVersion: 1, command: 'explain', code, severity: rule.severity, kind: rule.kind ?? 'graph', summary: rule.summary, page: `docs/findings/${code}.md`, text: page }, null, 2) + '\n';
  return page.endsWith('\n') ? page : page + '\n';
}

/** --format for a command that prints only text or JSON: github and markdown are check's and verify's. */
function textOrJson(given: 'text' | 'json' | 'github' | 'markdown' | 'sarif', command: string): 'text' | 'json' {
  if (given === 'github' || given === 'markdown' || given === 'sarif') throw new UsageError(`--format ${given} is for check and verify, not ${command}.`, { hint: 'Use --format text or --format json here.' });
  return given;
}

/** verify's and release's schema probes (read-only, on by default). */
function probeOption<T>(y: Argv<T>) {
  return y.option('schema-probes', { type: 'boolean', default: true, describe: 'compare the tables, columns, indexes, constraints and types the migrations name with the catalog (--no-schema-probes: skip)' });
}

/** The ledger's flags: verify and release read it, release writes it. */
function ledgerOptions<T>(y: Argv<T>) {
  return y
    .option('ledger-table', { type: 'string', describe: 'the ledger of what releases applied (default: ledger-table in the settings, else alembic_preflight_history)' })
    .option('ledger', { type: 'boolean', describe: 'read the ledger, and (release) record what was applied (--no-ledger: neither; the setting ledger = false stops the recording)' })
    .check((args) => {
      const t = args['ledger-table'];
      if (t !== undefined && !/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/u.test(String(t))) throw new UsageError(`--ledger-table ${String(t)} is not a table name.`, { hint: 'Use letters, digits and underscores (at most 63 characters, not starting with a digit).' });
      return true;
    });
}

function ledgerArgs(args: { 'ledger-table'?: string; ledger?: boolean }) {
  return { ledgerTable: args['ledger-table'], ledger: args.ledger };
}

/** Flags that take one value; given twice, which one was meant is a guess (argparse keeps the last). */
const SINGLE = ['downgrade', 'ledger-table', 'on-ahead', 'cache-dir', 'config', 'name', 'alembic-version', 'python-version', 'target', 'lint-changed-since', 'from-logs', 'from', 'to', 'database-url', 'database-url-env', 'version-table', 'version-table-schema', 'ssl-ca', 'connect-timeout', 'connect-retries', 'statement-timeout', 'deadline'];
/** Flags whose empty value (`--versions "$UNSET"`) is a mistake in a script: taken as "not given", another project would be checked. */
const NOT_EMPTY = ['ledger-table', 'cache-dir', 'config', 'name', 'versions', 'database-url', 'alembic-version', 'python-version', 'database-url-env', 'version-table', 'version-table-schema', 'ssl-ca', 'from', 'to', 'revision', 'after', 'ignore', 'lint-since', 'from-logs'];
/** Number flags: yargs turns `abc` into NaN, and a negative timeout or deadline would end every run at once. */
/** Each has a ceiling: Node's timers fire at once past 2^31 - 1 ms (24.8 days), which would end every run. */
const NUMBERS: Record<string, { unit: string; above?: number; from?: number; integer?: boolean; upTo: number }> = {
  'connect-timeout': { unit: 'seconds', above: 0, upTo: 3600 },
  'connect-retries': { unit: 'a count', from: 0, integer: true, upTo: 100 },
  'statement-timeout': { unit: 'milliseconds; 0 for no server-side limit', from: 0, integer: true, upTo: 86_400_000 },
  deadline: { unit: 'minutes', above: 0, upTo: 1440 },
};

/** yargs .check: what yargs' own types let through. Throws a UsageError (exit 2), which .fail passes on unchanged. */
function checkFlagValues(args: Record<string, unknown>): true {
  for (const flag of SINGLE) {
    const v = args[flag];
    if (!Array.isArray(v)) continue;
    // a database URL is never printed, not even redacted
    const values = flag === 'database-url' ? '' : ` (${v.map((x) => JSON.stringify(String(x))).join(', ')})`;
    throw new UsageError(`--${flag} was given ${v.length} times${values}.`, { hint: `Give --${flag} once.` });
  }
  for (const flag of NOT_EMPTY) {
    const v = args[flag];
    // `--versions=` arrives as an empty list, `--versions ''` as a list holding ''
    if ((Array.isArray(v) ? (v.length === 0 ? [''] : v) : [v]).some((x) => typeof x === 'string' && x.trim() === '')) {
      throw new UsageError(`--${flag} was given an empty value.`, { hint: `Give --${flag} a value, or leave it out for its default (a shell variable that is not set expands to nothing).` });
    }
  }
  for (const [flag, want] of Object.entries(NUMBERS)) {
    const n = args[flag];
    if (n === undefined) continue;
    const ok = typeof n === 'number' && Number.isFinite(n) && (want.above === undefined || n > want.above) && (want.from === undefined || n >= want.from) && (!want.integer || Number.isInteger(n)) && n <= want.upTo;
    if (!ok) {
      const range = `${want.integer ? 'a whole number' : 'a number'} ${want.above !== undefined ? `above ${want.above}` : `from ${want.from ?? 0}`} up to ${want.upTo.toLocaleString('en-US')}`;
      throw new UsageError(`--${flag} takes ${range} (${want.unit}), not ${Number.isNaN(n) ? 'a word' : String(n)}.`, { hint: `Pass a value such as --${flag} ${want.above !== undefined ? want.above + 1 : want.from ?? 0}, or leave it out for the default.` });
    }
  }
  return true;
}

function databaseArgs(args: {
  'database-url'?: string;
  'database-url-env': string;
  target?: string;
  'version-table'?: string;
  'version-table-schema'?: string;
  ssl?: string;
  'ssl-ca'?: string;
  'connect-timeout': number;
  'connect-retries': number;
  'statement-timeout': number;
}) {
  return {
    databaseUrl: args['database-url'],
    databaseUrlEnv: args['database-url-env'],
    target: args.target,
    versionTable: args['version-table'],
    versionTableSchema: args['version-table-schema'],
    ssl: args.ssl,
    sslCa: args['ssl-ca'],
    connectTimeout: args['connect-timeout'],
    connectRetries: args['connect-retries'],
    statementTimeout: args['statement-timeout'],
    onRetry: (info: { attempt: number; delayMs: number; kind: string; message: string }) => {
      void import('./logger/logger.js').then(({ getLogger }) =>
        getLogger().then((log) => log.warn({ event: 'db.retry', ...info }, `database connection failed (${info.kind}); retry ${info.attempt} in ${info.delayMs} ms`)),
      );
    },
  };
}

function projectArgs(args: {
  config?: string;
  name?: string;
  versions?: string[];
  recursive?: boolean;
  'alembic-version'?: string;
  'python-version'?: string;
  format: 'text' | 'json' | 'github' | 'markdown' | 'sarif';
  strict: boolean;
  ignore?: string[];
  'cache-dir'?: string;
}, build: BuildInfo) {
  return {
    cwd: process.cwd(),
    cacheDir: args['cache-dir'],
    buildKey: build.key,
    installDir: build.dir,
    config: args.config,
    name: args.name,
    versions: args.versions,
    recursive: args.recursive,
    alembicVersion: args['alembic-version'],
    pythonVersion: args['python-version'],
    toolVersion: packageVersion(),
    format: args.format === 'json' ? ('json' as const) : ('text' as const),
    ...(args.format === 'github' || args.format === 'markdown' || args.format === 'sarif' ? { review: args.format } : {}),
    strict: args.strict,
    ignore: args.ignore,
    width: reportWidth(),
  };
}

/** The width text reports wrap at: the terminal's (at least 60 columns), else the reports' default of 100. */
function reportWidth(): number | undefined {
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  return columns !== undefined && columns > 0 ? Math.max(60, columns) : undefined;
}

/** Every path is relative to the current folder, and yargs asks for it as it loads. */
function currentFolderError(): UsageError | null {
  try {
    process.cwd();
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    return new UsageError(`The current folder cannot be read (${code}): it was deleted or moved after this shell entered it, or its permissions changed.`, {
      hint: 'cd into the project folder again (cd "$PWD" re-enters a folder recreated under the same path), then run the command again.',
    });
  }
}

class UsageErrorFromYargs extends PreflightError {
  readonly exitCode = EXIT.usage;
  readonly kind = 'usage';
}

/**
 * A command's report on stdout: human text with its control characters made visible, JSON as it is (JSON
 * escapes them). Credentials are hidden by where they stand (a URL's password, password=…): a report
 * quotes argv, Procfile lines and log lines, any of which can carry one.
 */
function writeReport(text: string, format: 'text' | 'json', document?: unknown): void {
  process.stdout.write(format === 'text' ? terminalSafe(redactSecrets(text)) : redactJson(text, document));
}

/** A JSON document with every string redacted; the same bytes when none held a credential. `document`: what `text` holds, when the command kept it. */
function redactJson(text: string, document?: unknown): string {
  let doc: unknown = document;
  try {
    doc ??= JSON.parse(text);
  } catch {
    return redactSecrets(text);
  }
  const clean = redactDeep(doc);
  return clean === doc ? text : JSON.stringify(clean, null, 2) + (text.endsWith('\n') ? '\n' : '');
}

function reportError(e: unknown, format: 'text' | 'json'): number {
  const out = (text: string): string => redactSecrets(text);
  // human text on stderr: control characters from the project shown as text, as on stdout
  const say = (text: string): void => void process.stderr.write(terminalSafe(text));
  if (e instanceof PreflightError) {
    const message = out(e.message);
    const hint = e.hint === undefined ? undefined : out(e.hint);
    const alembicError = e.alembicError === undefined ? undefined : out(e.alembicError);
    if (format === 'json') {
      process.stdout.write(
        JSON.stringify({ schemaVersion: 1, ok: false, error: { kind: e.kind, message, hint: hint ?? null, alembicError: alembicError ?? null, path: e.path ?? null, line: e.line ?? null } }, null, 2) + '\n',
      );
    }
    const where = e.path ? `${e.path}${e.line ? `:${e.line}` : ''}: ` : '';
    say(`alembic-preflight: ${e.kind} error: ${where}${message}\n`);
    if (alembicError) say(`  Alembic prints: ${alembicError}\n`);
    if (hint) say(`  fix: ${hint}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  say(`alembic-preflight: internal error: ${out(err?.message ?? String(e))}\n  This is a bug; please report it with the command you ran. (ALEMBIC_PREFLIGHT_DEBUG=1 shows the stack.)\n`);
  if (process.env.ALEMBIC_PREFLIGHT_DEBUG) process.stderr.write(`${out(err?.stack ?? '')}\n`);
  return EXIT.internal;
}
