/**
 * The command words, in the order `--help` lists them. The bin's loader reads this list (it names each
 * command's code cache) without loading the table, which would bring yargs and every command's flags.
 */
export const COMMAND_NAMES = [
  'check',
  'verify',
  'backfill',
  'fix',
  'scan-logs',
  'restamp',
  'release',
  'ledger',
  'graph',
  'rehearse',
  'fleet',
  'hook-job',
  'explain',
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];
