import { releasingOf } from '../../workspace/releasing.js';
import path from 'node:path';
import { loadProjectConfig } from '../../alembic/config/alembic-config.js';
import { modelFromConfig } from '../../alembic/loading/project-model.js';
import { codeFingerprint } from '../../check/code-fingerprint.js';
import {
  emptyFails,
  fleetExit,
  inShard,
  verifyDatabases,
  type DatabaseTenant,
  type FleetResult,
} from '../../check/fleet.js';
import { describeTarget, parseDatabaseUrl } from '../../database/database-url.js';
import { PreflightError, UsageError } from '../../errors/errors.js';
import { redactSecrets } from '../../errors/redact.js';
import { readMachineText } from '../../project/machine-files.js';
import { fleetGithub, fleetJson, fleetMarkdown, fleetText } from '../../report/fleet-report.js';
import {
  policyOf,
  withFiles,
  type CommandOutput,
  type VerifyCommandOptions,
} from '../../workspace/command-options.js';
import { ledgerTableOf, postgresOptions, readVersionTable } from '../../workspace/open-database.js';
import { configOptions, projectLintConfig } from '../../workspace/open-project.js';
import { chooseVersionTable } from '../../workspace/version-table-choice.js';

export interface VerifyDatabasesOptions extends VerifyCommandOptions {
  /** A file with one database per line: a URL, or the name of the variable that holds one. */
  readonly databasesFile: string;
  /** Databases read at once (default 8). */
  readonly concurrency?: number;
  /** `--shard I/N`: only the databases whose line hashes to shard I of N (a URL's, with its secrets hidden). */
  readonly shard?: { readonly index: number; readonly count: number };
  /** --allow-empty: a list with no database is expected (a first deploy), not a mistake. */
  readonly allowEmpty?: boolean;
}

/** One database of the list: how it is named in the report, its URL or why there is none, and what its shard is chosen by. */
export interface DatabaseEntry {
  readonly label: string;
  readonly url?: string;
  readonly error?: string;
  /** The variable's name, or the URL without its credentials: a rotated password does not move a database to another shard. */
  readonly shardKey: string;
}

/** One line of the list: a URL, or a variable's name; blank lines and # comments are skipped. */
export function databaseList(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): DatabaseEntry[] {
  const out: DatabaseEntry[] = [];
  for (const raw of text.split(/\r?\n/u)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^[A-Za-z_][A-Za-z0-9_]*$/u.test(line)) {
      const url = env[line];
      out.push(
        url
          ? { label: `$${line}`, url, shardKey: line }
          : { label: `$${line}`, error: `$${line} is not set`, shardKey: line },
      );
    } else out.push({ label: '', url: line, shardKey: redactSecrets(line) });
  }
  return out;
}

/**
 * `verify --databases FILE`: a database per tenant, each read as verify reads one (read-only, with
 * the connect and statement timeouts given), a bounded number at once; one that cannot be read is that
 * tenant's result, never the run's end. No URL is printed with its credentials.
 */
export async function verifyDatabasesCommand(
  given: VerifyDatabasesOptions,
): Promise<CommandOutput & { result: FleetResult }> {
  const opts = withFiles(given);
  let text: string;
  try {
    text = readMachineText(path.resolve(opts.cwd, opts.databasesFile));
  } catch (e) {
    throw new UsageError(`Cannot read ${opts.databasesFile}: ${(e as Error).message}.`, {
      hint: 'Give a file with one database URL, or the name of a variable that holds one, per line.',
    });
  }
  const { shard } = opts;
  const list = databaseList(text, opts.env).filter(
    (e) => !shard || inShard(e.shardKey, shard.index, shard.count),
  );
  const loadOptions = configOptions(opts);
  const config = await loadProjectConfig(loadOptions);
  const settings = await projectLintConfig(config);
  const ledgerTable = ledgerTableOf(opts, settings);
  const model = modelFromConfig(config, loadOptions.alembicVersion);
  const tenants: DatabaseTenant[] = new Array(list.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const i = next++;
      tenants[i] = await readOne(list[i]!, config, opts, ledgerTable);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 8, list.length)) }, worker),
  );
  const target = opts.target ?? 'head';
  const result = emptyFails(
    verifyDatabases(model, tenants, target, {
      policy: policyOf({ strict: opts.strict, ignore: opts.ignore }),
      releasing: releasingOf(opts.env, settings),
    }),
    opts.allowEmpty,
    opts.shard,
  );
  const context = {
    pattern: opts.databasesFile,
    host: null,
    database: '',
    target,
    databases: true as const,
    code: codeFingerprint(model, target),
    ...(shard ? { shard } : {}),
    ...(opts.allowEmpty ? { allowEmpty: true as const } : {}),
  };
  const document = opts.format === 'json' ? fleetJson(result, context) : undefined;
  return {
    stdout: document
      ? JSON.stringify(document, null, 2) + '\n'
      : opts.review === 'github'
        ? fleetGithub(result, context)
        : opts.review === 'markdown'
          ? fleetMarkdown(result, context)
          : fleetText(result, context),
    exitCode: fleetExit(result),
    document,
    result,
  };
}

async function readOne(
  entry: DatabaseEntry,
  config: Awaited<ReturnType<typeof loadProjectConfig>>,
  opts: VerifyDatabasesOptions,
  ledgerTable: string | undefined,
): Promise<DatabaseTenant> {
  if (entry.error !== undefined || entry.url === undefined)
    return { label: entry.label, error: entry.error ?? 'no URL' };
  let label = entry.label;
  try {
    const db = parseDatabaseUrl(entry.url, opts.cwd, opts.env);
    const where = describeTarget(db);
    label =
      `${entry.label === '' ? '' : `${entry.label} `}${where.host ? `${where.host}/` : ''}${where.database}`.trim();
    const table = chooseVersionTable(config, opts, db.dialect);
    const state = await readVersionTable(
      db,
      {
        ...table,
        ...(ledgerTable !== undefined ? { ledgerTable } : {}),
        ...(opts.schemaProbes === false ? {} : { catalog: true }),
      },
      postgresOptions(opts),
    );
    return { label, state };
  } catch (e) {
    // the URL is not in the label; the message is redacted all the same
    return {
      label: label === '' ? '(a line that is not a URL)' : label,
      error: redactSecrets(e instanceof PreflightError ? e.message : String(e)),
    };
  }
}
