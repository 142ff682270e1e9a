import { DEFAULT_LOCK_SETTINGS, type LockSettings } from '../check/schema/pending-locks.js';
import { DEFAULT_DATA_SETTINGS, type DataSettings } from '../check/policy.js';
import type { Argv } from 'yargs';
import { UsageError } from '../errors/errors.js';
import { DEFAULT_URL_VARIABLE } from '../database/database-url.js';
import { packageVersion } from '../version.js';
import type { BuildInfo } from './build-info.js';

// The flags several commands share, and what they become as a command's options.

/** A command's --format: the formats it renders, and no other (yargs refuses the rest, naming these). */
export interface FormatOption<F extends string> {
  readonly choices: readonly F[];
  readonly default: F;
  readonly describe: string;
}

/** check's and verify's formats: text, JSON and the review formats. */
export const REVIEW_FORMATS: FormatOption<'text' | 'json' | 'github' | 'markdown' | 'sarif'> = {
  choices: ['text', 'json', 'github', 'markdown', 'sarif'],
  default: 'text',
  describe: 'text, json, github (annotations), markdown (a step summary) or sarif (SARIF 2.1.0)',
};

/** A command that prints text or a JSON document. */
export const TEXT_OR_JSON: FormatOption<'text' | 'json'> = {
  choices: ['text', 'json'],
  default: 'text',
  describe: 'text, or json (one document)',
};

/** The project flags every command but scan-logs and explain takes, with the command's own --format. */
export function projectOptions<F extends string = 'text' | 'json' | 'github' | 'markdown' | 'sarif'>(
  y: Argv,
  format: FormatOption<F> = REVIEW_FORMATS as unknown as FormatOption<F>,
) {
  return y
    .option('config', {
      alias: 'c',
      type: 'string',
      describe: 'alembic.ini to read (default: ./alembic.ini, or $ALEMBIC_CONFIG)',
    })
    .option('name', { alias: 'n', type: 'string', describe: 'ini section (default: alembic)' })
    .option('versions', {
      type: 'string',
      array: true,
      describe: 'version folder(s), overriding version_locations (repeatable)',
    })
    .option('recursive', {
      type: 'boolean',
      describe: 'search version folders recursively (recursive_version_locations)',
    })
    .option('alembic-version', {
      type: 'string',
      describe: 'Alembic release to model (default: the pin in requirements.txt, else latest)',
    })
    .option('python-version', {
      type: 'string',
      describe:
        'Python the app runs on, e.g. 3.12 (default: runtime.txt, .python-version or Pipfile.lock, as Heroku reads them)',
    })
    .option('format', { choices: format.choices, default: format.default, describe: format.describe })
    .option('strict', { type: 'boolean', default: false, describe: 'warnings also block' })
    .option('ignore', {
      type: 'string',
      array: true,
      describe: 'suppress CODE or CODE:REVISION (repeatable)',
    })
    .option('rules', { type: 'boolean', describe: 'list the rules and exit' })
    .option('cache-dir', {
      type: 'string',
      describe:
        "where to keep each revision file's reading between runs, or off (default: $ALEMBIC_PREFLIGHT_CACHE, else ~/.cache/alembic-preflight)",
    });
}

/** The database flags. */
export function databaseOptions<T>(y: Argv<T>) {
  return y
    .option('database-url', {
      type: 'string',
      describe: 'database URL (never printed); default: the variable named by --database-url-env',
    })
    .option('database-url-env', {
      type: 'string',
      default: DEFAULT_URL_VARIABLE,
      describe: 'environment variable that holds the URL',
    })
    .option('target', {
      type: 'string',
      describe:
        'upgrade target: head, heads, <label>@head or a revision (default: head; verify: what the Procfile release line runs, else head)',
    })
    .option('version-table', {
      type: 'string',
      describe: "version table name (default: env.py's version_table=, else alembic_version)",
    })
    .option('version-table-schema', {
      type: 'string',
      describe:
        "schema of the version table (default: env.py's version_table_schema=, else the default schema)",
    })
    .option('ssl', {
      type: 'string',
      choices: ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'],
      describe: 'PostgreSQL sslmode (default: the URL, else require for remote hosts, prefer for local)',
    })
    .option('ssl-ca', { type: 'string', describe: 'CA certificate (PEM) to verify the server with' })
    .option('connect-timeout', { type: 'number', default: 10, describe: 'seconds per connection attempt' })
    .option('connect-retries', {
      type: 'number',
      default: 3,
      describe: 'retries after transient connection failures',
    })
    .option('statement-timeout', {
      type: 'number',
      default: 5000,
      describe:
        'milliseconds for each query on our session (0: no server-side limit; our wait still ends after 10 minutes)',
    })
    .option('lint', {
      type: 'boolean',
      describe:
        "accepted as --no-lint, so a script can pass check's flags: this command never runs the migration lints (check does)",
    })
    .check((args) => {
      if (args.lint === true)
        throw new UsageError('--lint runs the migration lints, which only `check` runs.', {
          hint: 'Run `alembic-preflight check` for the lints; this command reads the database and runs none (--no-lint is accepted).',
        });
      return true;
    });
}

/** verify's and release's schema probes (read-only, on by default). */
export function probeOption<T>(y: Argv<T>) {
  return y.option('schema-probes', {
    type: 'boolean',
    default: true,
    describe:
      'compare the tables, columns, indexes, constraints and types the migrations name with the catalog (--no-schema-probes: skip)',
  });
}

/** verify's and release's lock grades: on PostgreSQL, each pending step's lock against the table's live size. */
export function lockOptions<T>(y: Argv<T>) {
  return y
    .option('locks', {
      choices: ['warn', 'block', 'off'] as const,
      default: 'warn' as const,
      describe:
        "grade each pending step's lock (PostgreSQL, MySQL, MariaDB) against the table's live size: warn, block (errors: release stops before Alembic starts) or off",
    })
    .option('locks-rows', {
      type: 'number',
      default: DEFAULT_LOCK_SETTINGS.rows,
      describe: 'a table this many rows or more is large for --locks',
    })
    .option('locks-mb', {
      type: 'number',
      default: DEFAULT_LOCK_SETTINGS.bytes / 1024 / 1024,
      describe: 'a table this many megabytes or more (with its indexes) is large for --locks',
    });
}

/** verify's and release's data probes: each pending step that depends on the rows, asked read-only. */
export function dataOptions<T>(y: Argv<T>) {
  return y
    .option('data', {
      choices: ['warn', 'block', 'off'] as const,
      default: DEFAULT_DATA_SETTINGS.mode,
      describe:
        'read the rows each pending step depends on (NULLs under a new NOT NULL, duplicates under a new unique key, orphans under a new foreign key, rows a new CHECK rejects), read-only and bounded: a step they make fail is an error; a probe that cannot finish is a warning (warn), an error (block), or nothing is read (off)',
    })
    .option('data-timeout', {
      type: 'number',
      default: DEFAULT_DATA_SETTINGS.timeoutMs,
      describe:
        'milliseconds each data probe may run; it waits for a lock half of that, at most 2 s (then data-not-checked names the lock)',
    })
    .option('show-values', {
      type: 'boolean',
      default: false,
      describe:
        "verify: print up to three of the offending values of each data finding (a duplicated key, an orphan's key, a value too long or not a number); off by default, since a report may reach others; release refuses it (its log goes to the platform's log drains)",
    })
    .option('data-budget', {
      type: 'number',
      default: DEFAULT_DATA_SETTINGS.budgetMs,
      describe:
        'milliseconds all data probes of a run may take together; a probe past it is not run (data-not-checked)',
    })
    .check((args) => {
      for (const flag of ['data-timeout', 'data-budget'] as const) {
        const v = args[flag];
        if (v !== undefined && (!Number.isFinite(v) || v <= 0))
          throw new UsageError(`--${flag} ${String(v)} is not a number of milliseconds above 0.`, {
            hint: `Give milliseconds, as --statement-timeout takes them: --${flag} ${flag === 'data-timeout' ? DEFAULT_DATA_SETTINGS.timeoutMs : DEFAULT_DATA_SETTINGS.budgetMs}; --data off reads no rows at all.`,
          });
      }
      return true;
    });
}

/** The data probes' settings from dataOptions' flags. */
export function dataArgs(args: {
  data?: 'warn' | 'block' | 'off';
  'data-timeout'?: number;
  'data-budget'?: number;
  'show-values'?: boolean;
}): { data: DataSettings } {
  return {
    data: {
      mode: args.data ?? DEFAULT_DATA_SETTINGS.mode,
      timeoutMs: args['data-timeout'] ?? DEFAULT_DATA_SETTINGS.timeoutMs,
      budgetMs: args['data-budget'] ?? DEFAULT_DATA_SETTINGS.budgetMs,
      ...(args['show-values'] ? { showValues: true } : {}),
    },
  };
}

/** The lock settings from lockOptions' flags. */
export function lockArgs(args: {
  locks?: 'warn' | 'block' | 'off';
  'locks-rows'?: number;
  'locks-mb'?: number;
}): { locks: LockSettings } {
  return {
    locks: {
      mode: args.locks ?? DEFAULT_LOCK_SETTINGS.mode,
      rows: args['locks-rows'] ?? DEFAULT_LOCK_SETTINGS.rows,
      bytes: (args['locks-mb'] ?? DEFAULT_LOCK_SETTINGS.bytes / 1024 / 1024) * 1024 * 1024,
    },
  };
}

/** The ledger's flags: verify and release read it, release writes it. */
export function ledgerOptions<T>(y: Argv<T>) {
  return y
    .option('ledger-table', {
      type: 'string',
      describe:
        'the ledger of what releases applied (default: ledger-table in the settings, else alembic_preflight_history)',
    })
    .option('ledger', {
      type: 'boolean',
      describe:
        'read the ledger, and (release) record what was applied (--no-ledger: neither; the setting ledger = false stops the recording)',
    })
    .check((args) => {
      const t = args['ledger-table'];
      if (t !== undefined && !/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/u.test(String(t)))
        throw new UsageError(`--ledger-table ${String(t)} is not a table name.`, {
          hint: 'Use letters, digits and underscores (at most 63 characters, not starting with a digit).',
        });
      return true;
    });
}

export function ledgerArgs(args: { 'ledger-table'?: string; ledger?: boolean }) {
  return { ledgerTable: args['ledger-table'], ledger: args.ledger };
}

export function databaseArgs(args: {
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
      void import('../logger/logger.js').then(({ getLogger }) =>
        getLogger().then((log) =>
          log.warn(
            { event: 'db.retry', ...info },
            `database connection failed (${info.kind}); retry ${info.attempt} in ${info.delayMs} ms`,
          ),
        ),
      );
    },
  };
}

export function projectArgs(
  args: {
    config?: string;
    name?: string;
    versions?: string[];
    recursive?: boolean;
    'alembic-version'?: string;
    'python-version'?: string;
    format: string;
    strict: boolean;
    ignore?: string[];
    'cache-dir'?: string;
  },
  build: BuildInfo,
) {
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
    ...(args.format === 'github' || args.format === 'markdown' || args.format === 'sarif'
      ? { review: args.format as 'github' | 'markdown' | 'sarif' }
      : {}),
    strict: args.strict,
    ignore: args.ignore,
    width: reportWidth(),
  };
}

/** The width text reports wrap at: the terminal's (at least 60 columns), else the reports' default of 100. */
export function reportWidth(): number | undefined {
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  return columns !== undefined && columns > 0 ? Math.max(60, columns) : undefined;
}

/** A fleet's shard as `--shard` writes it: `I/N`, 1 ≤ I ≤ N. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/u.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count)
    throw new UsageError(`--shard ${text} is not I/N with 1 <= I <= N.`, {
      hint: 'For the second of four shards: --shard 2/4.',
    });
  return { index, count };
}
