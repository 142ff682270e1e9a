import type { LockSettings } from '../check/schema/pending-locks.js';
import type { DataSettings } from '../check/policy.js';
import { DEFAULT_POLICY, type Policy } from '../check/policy.js';
import type { OnAhead } from '../check/lint/lint-config.js';
import { diskFiles, type ProjectFiles } from '../project/project-files.js';
import type { DeclaredPython } from '../packaging/python-version.js';
import type { CacheOptions } from './reading-cache.js';
import { DEFAULT_URL_VARIABLE } from '../database/database-url.js';

/** The project flags every command takes (check's); the database commands add verify's. */
export interface CheckCommandOptions extends CacheOptions {
  readonly cwd: string;
  readonly config?: string;
  readonly name?: string;
  readonly versions?: readonly string[];
  readonly recursive?: boolean;
  readonly alembicVersion?: string;
  /** --python-version: the Python the project runs on, over runtime.txt and .python-version. */
  readonly pythonVersion?: string;
  /** Where to find the Python when neither --python-version nor a file declares one (release: the dyno's interpreter). */
  readonly pythonFallback?: () => DeclaredPython | null;
  readonly format: 'text' | 'json';
  /** The tool's version, for reports that name it (SARIF). */
  readonly toolVersion?: string;
  /** --format github, markdown or sarif (check and verify): annotations, a step summary or a SARIF log instead of the report. */
  readonly review?: 'github' | 'markdown' | 'sarif';
  /** The width text reports wrap at (the CLI passes the terminal's; 100 otherwise). */
  readonly width?: number;
  readonly strict?: boolean;
  readonly ignore?: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** false: --no-lint. */
  readonly lint?: boolean;
  readonly lintOnly?: boolean;
  /** --lint-since: replaces the configured lint-since. */
  readonly lintSince?: readonly string[];
  /** --target: the upgrade target the deploy runs (default head). */
  readonly target?: string;
  /** --lint-changed-since: lint only revision files changed since this git ref. */
  readonly lintChangedSince?: string;
  /** The run's reader of the project (a library caller or a test may hand one in); the disk, read once, when absent. */
  readonly files?: ProjectFiles;
}

/** The options with the run's reader of the project settled: every step of one run reads through the same one. */
export function withFiles<T extends { readonly files?: ProjectFiles }>(
  opts: T,
): T & { readonly files: ProjectFiles } {
  return opts.files ? (opts as T & { readonly files: ProjectFiles }) : { ...opts, files: diskFiles() };
}

export interface CommandOutput {
  readonly stdout: string;
  readonly exitCode: number;
  /** With --format json: the document stdout holds, so the entry redacts it without parsing stdout again. */
  readonly document?: unknown;
}

/** Where a run's database URL comes from, resolved once: --database-url, else the variable. */
export interface UrlSource {
  /** The URL, where either gave one. */
  readonly url: string | undefined;
  /** The variable --database-url-env names (DATABASE_URL unless it names another): read unless --database-url gave the URL. */
  readonly variable: string;
  /** --database-url gave the URL: no variable was read. */
  readonly fromFlag: boolean;
  /** For the report: `--database-url` or `$NAME`. */
  readonly label: string;
}

/** The one place the URL flags and the environment are read for a database URL. */
export function urlSourceOf(
  opts: Pick<VerifyCommandOptions, 'databaseUrl' | 'databaseUrlEnv' | 'env'>,
): UrlSource {
  const variable = opts.databaseUrlEnv ?? DEFAULT_URL_VARIABLE;
  const fromFlag = opts.databaseUrl !== undefined;
  return {
    url: opts.databaseUrl ?? opts.env[variable],
    variable,
    fromFlag,
    label: fromFlag ? '--database-url' : `$${variable}`,
  };
}

/**
 * The one place the judging flags are read: --strict, --ignore, --locks, and for release --on-ahead
 * (else the settings' on-ahead) and --cosmetic.
 */
export function policyOf(
  opts: Pick<VerifyCommandOptions, 'strict' | 'ignore' | 'locks' | 'data'> & {
    readonly onAhead?: OnAhead;
    readonly cosmetic?: boolean;
  },
  release?: { readonly onAhead: OnAhead },
): Policy {
  return {
    strict: opts.strict === true,
    ignore: opts.ignore ?? [],
    locks: opts.locks ?? DEFAULT_POLICY.locks,
    ...(opts.data ? { data: opts.data.mode } : {}),
    ...(release ? { onAhead: opts.onAhead ?? release.onAhead, cosmetic: opts.cosmetic === true } : {}),
  };
}

/** The database flags verify, release, rehearse, backfill and the others share. */
export interface VerifyCommandOptions extends CheckCommandOptions {
  readonly databaseUrl?: string;
  readonly databaseUrlEnv?: string;
  readonly target?: string;
  readonly versionTable?: string;
  readonly versionTableSchema?: string;
  readonly ssl?: string;
  readonly sslCa?: string;
  /** Seconds. */
  readonly connectTimeout?: number;
  readonly connectRetries?: number;
  /** Milliseconds. */
  readonly statementTimeout?: number;
  readonly onRetry?: (info: { attempt: number; delayMs: number; kind: string; message: string }) => void;
  /** Search git history for missing ids (default true). */
  readonly git?: boolean;
  /** --ledger-table: the ledger's table (else the settings', else alembic_preflight_history). */
  readonly ledgerTable?: string;
  /** --no-ledger: neither read nor (release) write it. */
  readonly ledger?: boolean;
  /** --downgrade TARGET: predict `alembic downgrade TARGET` instead of the upgrade. */
  readonly downgrade?: string;
  /** --no-schema-probes: do not read the schema's catalog nor compare it with the migrations. */
  readonly schemaProbes?: boolean;
  /** --locks and its thresholds (the lock grades ride on the schema probes' catalog). */
  readonly locks?: LockSettings;
  /** --data, --data-timeout, --data-budget: the data probes. */
  readonly data?: DataSettings;
}
