import { UsageError } from '../errors/errors.js';

/** Flags that take one value; given twice, which one was meant is a guess (argparse keeps the last). */
const SINGLE = [
  'downgrade',
  'ledger-table',
  'on-ahead',
  'cache-dir',
  'config',
  'name',
  'alembic-version',
  'python-version',
  'target',
  'lint-changed-since',
  'from-logs',
  'from',
  'to',
  'database-url',
  'database-url-env',
  'version-table',
  'version-table-schema',
  'ssl-ca',
  'connect-timeout',
  'connect-retries',
  'statement-timeout',
  'deadline',
  'locks',
  'locks-rows',
  'locks-mb',
];
/** Flags whose empty value (`--versions "$UNSET"`) is a mistake in a script: taken as "not given", another project would be checked. */
const NOT_EMPTY = [
  'ledger-table',
  'cache-dir',
  'config',
  'name',
  'versions',
  'database-url',
  'alembic-version',
  'python-version',
  'database-url-env',
  'version-table',
  'version-table-schema',
  'ssl-ca',
  'from',
  'to',
  'revision',
  'after',
  'ignore',
  'lint-since',
  'from-logs',
];
/** Number flags: yargs turns `abc` into NaN, and a negative timeout or deadline would end every run at once. */
/** Each has a ceiling: Node's timers fire at once past 2^31 - 1 ms (24.8 days), which would end every run. */
const NUMBERS: Record<
  string,
  { unit: string; above?: number; from?: number; integer?: boolean; upTo: number }
> = {
  'connect-timeout': { unit: 'seconds', above: 0, upTo: 3600 },
  'connect-retries': { unit: 'a count', from: 0, integer: true, upTo: 100 },
  'statement-timeout': {
    unit: 'milliseconds; 0 for no server-side limit',
    from: 0,
    integer: true,
    upTo: 86_400_000,
  },
  deadline: { unit: 'minutes', above: 0, upTo: 1440 },
  'locks-rows': { unit: 'rows', from: 0, integer: true, upTo: 1e15 },
  'locks-mb': { unit: 'megabytes', from: 0, upTo: 1e12 },
};

/** yargs .check: what yargs' own types let through. Throws a UsageError (exit 2), which .fail passes on unchanged. */
export function checkFlagValues(args: Record<string, unknown>): true {
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
    if (
      (Array.isArray(v) ? (v.length === 0 ? [''] : v) : [v]).some(
        (x) => typeof x === 'string' && x.trim() === '',
      )
    ) {
      throw new UsageError(`--${flag} was given an empty value.`, {
        hint: `Give --${flag} a value, or leave it out for its default (a shell variable that is not set expands to nothing).`,
      });
    }
  }
  for (const [flag, want] of Object.entries(NUMBERS)) {
    const n = args[flag];
    if (n === undefined) continue;
    const ok =
      typeof n === 'number' &&
      Number.isFinite(n) &&
      (want.above === undefined || n > want.above) &&
      (want.from === undefined || n >= want.from) &&
      (!want.integer || Number.isInteger(n)) &&
      n <= want.upTo;
    if (!ok) {
      const range = `${want.integer ? 'a whole number' : 'a number'} ${want.above !== undefined ? `above ${want.above}` : `from ${want.from ?? 0}`} up to ${want.upTo.toLocaleString('en-US')}`;
      throw new UsageError(
        `--${flag} takes ${range} (${want.unit}), not ${Number.isNaN(n) ? 'a word' : String(n)}.`,
        {
          hint: `Pass a value such as --${flag} ${want.above !== undefined ? want.above + 1 : (want.from ?? 0)}, or leave it out for the default.`,
        },
      );
    }
  }
  return true;
}
