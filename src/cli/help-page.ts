import { COMMAND_GROUPS, type CommandSpec } from '../commands/command-spec.js';

/**
 * `alembic-preflight --help`: what the tool is for, one short line per command in groups (guard a
 * release, inspect, repair), the global options, and where to read more. Each command's own --help
 * keeps the detail. Written here rather than by yargs, which would re-wrap the columns.
 */
export function helpPage(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const groups = COMMAND_GROUPS.flatMap((group) => [
    `${group}:`,
    ...commands.filter((c) => c.group === group).map((c) => `  ${c.name.padEnd(width)}  ${c.brief}`),
    '',
  ]);
  return [
    'alembic-preflight <command> [options]',
    '',
    'Checks Alembic migrations before they deploy. It reads the project and the',
    'version table (read-only), predicts what `alembic upgrade` will do, and blocks',
    'a release that would fail.',
    '',
    ...groups,
    'Options:',
    "  --help              this page; after a command, that command's detail",
    '  --version           show the version',
    '  --log-format FMT    stderr log lines: text (default), json (pino) or logfmt',
    '  --log-level LEVEL   debug, info, warn or error (default: warn; release: info)',
    '',
    'Read more: docs/cli.md (every command), docs/heroku.md (the release phase) and',
    'docs/findings/ (a page per finding; `alembic-preflight explain CODE` prints it).',
    'Exit codes: 0 fine, 1 blocked, 2 usage or configuration, 3 database;',
    'release adds 4, 5, 130 and 143 (`alembic-preflight release --help`).',
    '',
  ].join('\n');
}
