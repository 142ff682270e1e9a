import type { ProjectConfig } from '../alembic/config/alembic-config.js';
import { sqlalchemyBefore14 } from '../alembic/config/detect-alembic-version.js';
import { loadProjectConfig } from '../alembic/config/alembic-config.js';
import { modelFromConfigAlongside, type ProjectModel } from '../alembic/loading/project-model.js';
import type { UrlFacts } from '../check/rule.js';
import { parseDatabaseUrl, sqlalchemyDialect, type DatabaseTarget } from '../database/database-url.js';
import type { PostgresOptions } from '../database/pg-connect.js';
import type { VersionTableRequest, VersionTableState } from '../database/version-table.js';
import { compareUrls, type UrlProject } from '../database/url-comparisons.js';
import { DEFAULT_LEDGER_TABLE } from '../database/ledger.js';
import { appSqliteVersion } from '../project/programs.js';
import { investigateMissing } from '../history/git-history.js';
import { missingIds } from '../check/run-verify.js';
import { schemaOps as readSchemaOps, type SchemaOp } from '../check/schema/schema-ops.js';
import type { LintConfig } from '../check/lint/lint-config.js';
import type { RowReader } from '../database/data-probe.js';
import { DEFAULT_DATA_SETTINGS, type DataSettings } from '../check/policy.js';
import { UsageError } from '../errors/errors.js';
import type { ResultCache } from '../project/result-cache.js';
import { urlSourceOf, withFiles, type UrlSource, type VerifyCommandOptions } from './command-options.js';
import { configOptions, projectLintConfig, syntaxOracle } from './open-project.js';
import { readingCache, saveReadingCache } from './reading-cache.js';
import { chooseVersionTable, envPyText, type TableChoice } from './version-table-choice.js';

/** The project and the live version table, as every database command starts. */
export interface ProjectAndDatabase {
  readonly config: ProjectConfig;
  readonly table: TableChoice;
  readonly db: DatabaseTarget;
  readonly state: VersionTableState;
  readonly model: ProjectModel;
  /** Where the URL came from: the flag or the variable (its `label`, --database-url or $NAME, for the report). */
  readonly urlSource: UrlSource;
  /** How our URL compares with what Alembic will connect with (url-percent-not-escaped, url-variable-differs, ini-url-differs). */
  readonly url: UrlFacts;
  /** The project's settings (the ledger's among them). */
  readonly settings: LintConfig;
  /** The ledger's table, unless --no-ledger or the settings turn it off. */
  readonly ledgerTable?: string;
  /** Each revision file's steps for the schema probes, by path (unless --no-schema-probes). */
  readonly schemaOps?: ReadonlyMap<string, readonly SchemaOp[]>;
  /** The connection settings (TLS, timeouts, retries) every later read or write of this run uses. */
  readonly connection: PostgresOptions;
  /** The data probes' reader, bound to this database and the run's --data bounds. */
  readonly readRows: RowReader;
}

/**
 * Resolves the URL (flag, else the environment variable), reads the
 * configuration, then the database and, while its round trips are under way,
 * the revision files; then builds the model.
 */
export async function openProjectAndDatabase(
  given: VerifyCommandOptions,
  missingUrlHint: string,
): Promise<ProjectAndDatabase> {
  const opts = withFiles(given);
  const from = urlSourceOf(opts);
  const raw = from.url;
  if (!raw)
    throw new UsageError(`No database URL: --database-url is not given and $${from.variable} is not set.`, {
      hint: missingUrlHint,
    });
  const db = parseDatabaseUrl(raw, opts.cwd, opts.env);
  const connection = postgresOptions(opts);
  const loadOptions = { ...configOptions(opts), dialect: sqlalchemyDialect(db) };
  const config = await loadProjectConfig(loadOptions);
  const envPy = envPyText(config);
  const table = chooseVersionTable(config, opts, db.dialect, envPy);
  const settings = await projectLintConfig(config);
  const ledgerTable = ledgerTableOf(opts, settings);
  if (ledgerTable !== undefined && ledgerTable === table.versionTable) {
    throw new UsageError(
      `The ledger table '${ledgerTable}' is the version table: the ledger keeps its own rows beside Alembic's.`,
      {
        hint: `Give the ledger a table of its own: --ledger-table alembic_preflight_history (or ledger-table in the settings), or --no-ledger.`,
      },
    );
  }
  // the database is read while the files are: a remote database's round trips cost as much as the
  // reading, and its failure still ends the run as soon as it is known
  const reading = readVersionTable(
    db,
    {
      ...table,
      ...(ledgerTable !== undefined ? { ledgerTable } : {}),
      ...(opts.schemaProbes === false
        ? {}
        : { catalog: true, liveFacts: (opts.locks?.mode ?? 'warn') !== 'off' }),
    },
    connection,
  );
  let settled = false;
  let failed: { error: unknown } | undefined;
  reading.then(
    () => (settled = true),
    (error: unknown) => {
      settled = true;
      failed = { error };
    },
  );
  const cache = readingCache(opts, config);
  const schemaOps = opts.schemaProbes === false ? undefined : new Map<string, readonly SchemaOp[]>();
  const model = await modelFromConfigAlongside(
    config,
    loadOptions.alembicVersion,
    {
      waiting: () => !settled,
      abandon: () => {
        if (failed) throw failed.error;
      },
    },
    // the probes' steps are read from each file as the model reads it (the text is not kept)
    {
      cache,
      ...syntaxOracle(opts, config),
      ...(schemaOps
        ? {
            onText: (file: string, text: string, digest: string | undefined) =>
              void schemaOps.set(file, cachedSchemaOps(cache, text, digest)),
          }
        : {}),
    },
  );
  await saveReadingCache(cache);
  const read = await reading;
  // SQLite has DROP COLUMN from 3.35: the app's Python is asked for its SQLite only when a file drops one outside batch mode
  const drops = [...(schemaOps?.values() ?? [])].some((ops) =>
    ops.some((o) => o.op === 'drop' && o.obj.kind === 'column' && !o.batch),
  );
  const appSqlite =
    read.dialect === 'sqlite' && drops
      ? appSqliteVersion(opts.env, opts.cwd, config.flaskMigrate === true)
      : undefined;
  const state = appSqlite !== undefined ? { ...read, appSqliteVersion: appSqlite } : read;
  const url = compareUrls(urlProject(config, envPy), {
    url: raw,
    source: from.label,
    variable: from.fromFlag ? null : from.variable,
    env: opts.env,
  });
  return {
    config,
    table,
    db,
    state,
    model,
    urlSource: from,
    url,
    settings,
    ...(ledgerTable !== undefined ? { ledgerTable } : {}),
    ...(schemaOps ? { schemaOps } : {}),
    connection,
    readRows: rowReader(db, state, opts.data ?? DEFAULT_DATA_SETTINGS, connection),
  };
}

/** The schema probes' steps of one file: from the result cache when the same bytes were read before. */
function cachedSchemaOps(
  cache: ResultCache | undefined,
  text: string,
  digest: string | undefined,
): readonly SchemaOp[] {
  if (!cache) return readSchemaOps(text);
  // a file the reader's fast path read has no digest yet: its text's serves (hashing costs a tenth of reading the steps)
  const key = digest ?? cache.digest(Buffer.from(text, 'utf8'));
  const kept = cache.get(key, SCHEMA_OPS_KIND) as readonly SchemaOp[] | undefined;
  if (kept) return kept;
  const ops = readSchemaOps(text);
  cache.set(key, ops, SCHEMA_OPS_KIND);
  return ops;
}

/** The result cache's kind for a file's schema-probe steps. */
const SCHEMA_OPS_KIND = 'schema-ops';

/** What the URL comparisons need of the project: its files' places, alembic.ini as read, env.py's text. */
function urlProject(config: ProjectConfig, envPy: string): UrlProject {
  return {
    cwd: config.cwd,
    scriptDir: config.scriptDir,
    iniPath: config.iniPath,
    ini: config.ini,
    section: config.section,
    envPy,
    sqlalchemyBefore14: sqlalchemyBefore14(config.files, config.cwd),
  };
}

export async function readVersionTable(
  db: DatabaseTarget,
  table: VersionTableRequest,
  connection: PostgresOptions,
): Promise<VersionTableState> {
  if (db.dialect === 'sqlite') {
    const { readSqliteVersionTable } = await import('../database/read-sqlite.js');
    return readSqliteVersionTable(db, table);
  }
  if (db.dialect === 'mysql') {
    const { readMysqlVersionTable } = await import('../database/read-mysql.js');
    return readMysqlVersionTable(db, table, connection);
  }
  const { readPostgresVersionTable } = await import('../database/read-postgres.js');
  return readPostgresVersionTable(db, table, connection);
}

/**
 * The data probes' reader for this run: the database read, its connection settings, the bounds of
 * --data-timeout and --data-budget, and whether MySQL's session is strict (else a NOT NULL over NULLs
 * rewrites them). It runs under --no-schema-probes too: the rows are not the catalog's business.
 */
function rowReader(
  db: DatabaseTarget,
  state: VersionTableState,
  data: DataSettings,
  connect: PostgresOptions,
): RowReader {
  // --data off is the policy's: verifyWithSqlGrades asks nothing then
  return async (probes) => {
    const { runDataProbes } = await import('../database/run-data-probes.js');
    return runDataProbes(
      db,
      probes,
      {
        timeoutMs: data.timeoutMs,
        budgetMs: data.budgetMs,
        ...(data.showValues ? { showValues: true } : {}),
        ...(state.mysql ? { strict: state.mysql.strict } : {}),
      },
      connect,
    );
  };
}

/** The connection settings every command shares. */
export function postgresOptions(opts: VerifyCommandOptions): PostgresOptions {
  return {
    ssl: opts.ssl,
    sslCa: opts.sslCa,
    connectTimeoutMs: (opts.connectTimeout ?? 10) * 1000,
    retries: opts.connectRetries ?? 3,
    statementTimeoutMs: opts.statementTimeout ?? 5000,
    lockTimeoutMs: 2000,
    env: opts.env,
    onRetry: opts.onRetry,
  };
}

/**
 * What git says of each version-table row no file defines (deleted, renamed, on another branch, never
 * there; or that there is no git, as in a slug), for verify and release alike; undefined when every row
 * is defined or --no-git.
 */
export function missingForensics(
  model: ProjectModel,
  state: VersionTableState,
  git: boolean | undefined,
): ReturnType<typeof investigateMissing> | undefined {
  const missing = model.failure ? [] : missingIds(model, state);
  if (missing.length === 0 || git === false) return undefined;
  const config = model.config;
  return investigateMissing(
    config.files,
    missing,
    config.cwd,
    config.versionLocations.map((l) => l.absPath),
  );
}

/** The ledger's table: --ledger-table, else the settings', else the default; none with --no-ledger. */
export function ledgerTableOf(
  opts: Pick<VerifyCommandOptions, 'ledger' | 'ledgerTable'>,
  settings: { readonly ledgerTable?: string },
): string | undefined {
  return opts.ledger === false
    ? undefined
    : (opts.ledgerTable ?? settings.ledgerTable ?? DEFAULT_LEDGER_TABLE);
}
