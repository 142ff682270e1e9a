import path from 'node:path';
import { iniUrlConnection, interpolationErrorAt, multiDatabaseSetup, passesUrlUnchanged, readDatabaseUrlVariables, readEnvPy, rewritesPostgresScheme, searchPathSetting, urlsOnlyFromIni, type EnvSetting } from '../alembic/env-py.js';
import { sqlalchemyBefore14 } from '../alembic/detect-alembic-version.js';
import { envHandover } from '../alembic/env-handover.js';
import { loadProjectConfig, type ProjectConfig } from '../alembic/alembic-config.js';
import { readEnvPyText } from '../alembic/source-reader.js';
import { modelFromConfigAlongside, type ProjectModel } from '../alembic/project-model.js';
import { investigateMissing } from '../history/git-history.js';
import type { IniUrl, OtherDatabases, UrlFacts, UrlVariables } from '../check/rule.js';
import { missingIds, runVerify, type VerifyResult } from '../check/run-verify.js';
import { parseDatabaseUrl, sameDatabase, TEMPLATE_URL, type DatabaseTarget } from '../database/database-url.js';
import type { PostgresOptions } from '../database/read-postgres.js';
import type { VersionTableRequest, VersionTableState } from '../database/version-table.js';
import { schemaOps as readSchemaOps, type SchemaOp } from '../check/schema/schema-ops.js';
import { ConfigError, UsageError } from '../errors/errors.js';
import { verifyJson } from '../report/json-report.js';
import { verifyText } from '../report/text-report.js';
import { deployOrigin, procfileTarget, releaseGenerates, releaseProblem } from '../deploy/procfile-target.js';
import { configOptions, projectLintConfig, reviewOr, sarifOf, syntaxOracle, withFiles, type CheckCommandOptions, type CommandOutput } from './check-command.js';
import { DEFAULT_LEDGER_TABLE } from '../database/ledger.js';
import { predictDowngrade } from '../alembic/downgrade-plan.js';
import { featuresOf } from '../alembic/alembic-version.js';
import { alembicOutput } from '../check/rule-helpers.js';
import { downgradeJson, downgradeText, type DowngradeReport } from '../report/downgrade-report.js';
import { databaseMarks } from '../report/graph-render.js';
import type { LintConfig } from '../check/lint/lint-config.js';
import { readingCache, saveReadingCache } from './reading-cache.js';
import type { ResultCache } from '../project/result-cache.js';

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
}

/** Where the version table settings came from, for the diagnosis. */
export interface TableChoice extends VersionTableRequest {
  readonly notes: readonly string[];
}

/** The project and the live version table, as every database command starts. */
export interface ProjectAndDatabase {
  readonly config: ProjectConfig;
  readonly table: TableChoice;
  readonly db: DatabaseTarget;
  readonly state: VersionTableState;
  readonly model: ProjectModel;
  /** Where the URL came from, for the report: --database-url or $NAME. */
  readonly source: string;
  /** How our URL compares with what Alembic will connect with (url-percent-not-escaped, url-variable-differs, ini-url-differs). */
  readonly url: UrlFacts;
  /** The project's settings (the ledger's among them). */
  readonly settings: LintConfig;
  /** The ledger's table, unless --no-ledger or the settings turn it off. */
  readonly ledgerTable?: string;
  /** Each revision file's steps for the schema probes, by path (unless --no-schema-probes). */
  readonly schemaOps?: ReadonlyMap<string, readonly SchemaOp[]>;
}

/**
 * Resolves the URL (flag, else the environment variable), reads the
 * configuration, then the database and, while its round trips are under way,
 * the revision files; then builds the model.
 */
export async function openProjectAndDatabase(given: VerifyCommandOptions, missingUrlHint: string): Promise<ProjectAndDatabase> {
  const opts = withFiles(given);
  const envName = opts.databaseUrlEnv ?? 'DATABASE_URL';
  const raw = opts.databaseUrl ?? opts.env[envName];
  if (!raw) throw new UsageError(`No database URL: --database-url is not given and $${envName} is not set.`, { hint: missingUrlHint });
  const db = parseDatabaseUrl(raw, opts.cwd, opts.env);
  const loadOptions = configOptions(opts);
  const config = await loadProjectConfig(loadOptions);
  const envPy = envPyText(config);
  const table = chooseVersionTable(config, opts, db.dialect, envPy);
  const settings = await projectLintConfig(config);
  const ledgerTable = opts.ledger === false ? undefined : (opts.ledgerTable ?? settings.ledgerTable ?? DEFAULT_LEDGER_TABLE);
  if (ledgerTable !== undefined && ledgerTable === table.versionTable) {
    throw new UsageError(`The ledger table '${ledgerTable}' is the version table: the ledger keeps its own rows beside Alembic's.`, {
      hint: `Give the ledger a table of its own: --ledger-table alembic_preflight_history (or ledger-table in the settings), or --no-ledger.`,
    });
  }
  // the database is read while the files are: a remote database's round trips cost as much as the
  // reading, and its failure still ends the run as soon as it is known
  const reading = readVersionTable(db, { ...table, ...(ledgerTable !== undefined ? { ledgerTable } : {}), ...(opts.schemaProbes === false ? {} : { catalog: true }) }, opts);
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
    { cache, ...syntaxOracle(opts, config), ...(schemaOps ? { onText: (file: string, text: string, digest: string | undefined) => void schemaOps.set(file, cachedSchemaOps(cache, text, digest)) } : {}) },
  );
  await saveReadingCache(cache);
  const state = await reading;
  const source = opts.databaseUrl ? '--database-url' : `$${envName}`;
  const urlVariables = compareUrlVariables(config, envPy, opts.databaseUrl ? null : envName, raw, opts.env);
  const iniUrl = compareIniUrl(config, envPy, raw, source);
  const otherDatabases = compareOtherDatabases(config, envPy, raw, source);
  const url: UrlFacts = { urlBarePercent: interpolationErrorAt(raw) >= 0, urlVariables, ...(iniUrl ? { iniUrl } : {}), ...(otherDatabases ? { otherDatabases } : {}) };
  return { config, table, db, state, model, source, url, settings, ...(ledgerTable !== undefined ? { ledgerTable } : {}), ...(schemaOps ? { schemaOps } : {}) };
}

/** The schema probes' steps of one file: from the result cache when the same bytes were read before. */
function cachedSchemaOps(cache: ResultCache | undefined, text: string, digest: string | undefined): readonly SchemaOp[] {
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

/** The script location's env.py as Python decodes it, or '' when there is none (Alembic would fail to run at all; check reports the configuration). */
function envPyText(config: ProjectConfig): string {
  return readEnvPyText(config) ?? '';
}

/**
 * Which database-URL variables env.py reads, and whether each names here the database we read:
 * a variable of another name can point Alembic at another database than the one we judged.
 */
function compareUrlVariables(config: ProjectConfig, source: string, used: string | null, url: string, env: NodeJS.ProcessEnv): UrlVariables {
  const found = readDatabaseUrlVariables(source);
  // --database-url with none of env.py's variables set here (`verify --database-url "$(heroku config:get
  // DATABASE_URL)"`): the verdict already takes it that the variable names this database where Alembic
  // runs, so it takes its scheme to be the one given too; Heroku's DATABASE_URL is postgres://
  const assumed = used === null && found.every((r) => !env[r.name]);
  const reads = found.map((r): UrlVariables['reads'][number] => {
    const value = env[r.name] || undefined;
    const held = value ?? (assumed ? url : undefined);
    const postgresScheme = held !== undefined && POSTGRES_SCHEME.test(held) && passesUrlUnchanged(source, r.name);
    // a value we cannot read as a URL is no proof of another database: only a different one blocks
    const here = value === undefined ? 'unset' : sameDatabase(value, url, config.cwd) === 'different' ? 'different' : 'same';
    return { ...r, here, postgresScheme };
  });
  const schemeRefused = reads.some((r) => r.postgresScheme === true) && !rewritesPostgresScheme(source) && !sqlalchemyBefore14(config.files, config.cwd);
  return { used, reads, envPy: shown(config, path.join(config.scriptDir, 'env.py')), ...(schemeRefused ? { schemeRefused } : {}) };
}

/** A project file as findings name it: relative to the working folder. */
function shown(config: ProjectConfig, file: string): string {
  return path.relative(config.cwd, file) || file;
}

/** Heroku Postgres's scheme, which SQLAlchemy 1.4 and later no longer take as postgresql://. */
const POSTGRES_SCHEME = /^\s*postgres:\/\//iu;

/**
 * When env.py connects with alembic.ini's sqlalchemy.url (Alembic's templates, unchanged), how that
 * URL compares with the one we read; undefined when env.py may take its URL elsewhere or the ini
 * cannot be read (the configuration's own errors are reported elsewhere).
 */
function compareIniUrl(config: ProjectConfig, envPy: string, url: string, source: string): IniUrl | undefined {
  const ini = config.ini;
  if (envPy === '' || !config.iniPath || !ini) return undefined;
  const connection = iniUrlConnection(envPy);
  if (connection === null) return undefined;
  let value: string | undefined;
  try {
    // get_section(config_ini_section) holds the DEFAULT section's options too
    value = ini.hasOption(config.section, 'sqlalchemy.url') ? ini.get(config.section, 'sqlalchemy.url') : undefined;
  } catch {
    return undefined;
  }
  const line = ini.optionLine(config.section, 'sqlalchemy.url') ?? ini.sectionLines.get(config.section) ?? 1;
  const state: IniUrl['state'] =
    value === undefined ? 'absent'
    : value.trim() === '' ? 'empty'
    : value.trim() === TEMPLATE_URL ? 'placeholder'
    : POSTGRES_SCHEME.test(value) && !sqlalchemyBefore14(config.files, config.cwd) ? 'postgres-scheme'
    : sameDatabase(value, url, config.cwd);
  return { state, source, envPy: shown(config, path.join(config.scriptDir, 'env.py')), envPyLine: connection.line, via: connection.via, ini: shown(config, config.iniPath), line, section: config.section };
}

/**
 * When env.py migrates several databases (a multidb template), which of them verify read: each keeps
 * its own version table, and `alembic upgrade` fails if any one of them cannot be upgraded. Undefined
 * for a single database, and for alembic.ini's `databases` list of one name whose URL is ours or unknown.
 */
function compareOtherDatabases(config: ProjectConfig, envPy: string, url: string, source: string): OtherDatabases | undefined {
  const setup = envPy === '' ? null : multiDatabaseSetup(envPy);
  if (!setup) return undefined;
  const envPyShown = shown(config, path.join(config.scriptDir, 'env.py'));
  const ini = config.ini;
  let listed: OtherDatabases['listed'];
  if (setup.names === 'ini' && ini && config.iniPath && ini.hasOption(config.section, 'databases')) {
    let value: string | undefined;
    try {
      value = ini.get(config.section, 'databases');
    } catch {
      value = undefined;
    }
    if (value !== undefined) {
      const fromIni = urlsOnlyFromIni(envPy);
      // the template's own split: re.split(r",\s*", db_names)
      const databases = value.split(/,\s*/u).map((name) => {
        let here: 'same' | 'different' | 'unknown' = 'unknown';
        try {
          const u = fromIni && ini.hasOption(name, 'sqlalchemy.url') ? ini.get(name, 'sqlalchemy.url') : undefined;
          if (u !== undefined) here = sameDatabase(u, url, config.cwd);
        } catch {
          here = 'unknown';
        }
        const line = ini.sectionLines.get(name);
        return { name, here, ...(line !== undefined ? { line } : {}) };
      });
      listed = { ini: shown(config, config.iniPath), line: ini.optionLine(config.section, 'databases') ?? 1, databases };
      if (databases.length === 1 && databases[0]!.here !== 'different') return undefined;
    }
  }
  return { envPy: envPyShown, envPyLine: setup.line, names: setup.names, ...(listed ? { listed } : {}), source };
}

/** `verify --downgrade TARGET`: the steps `alembic downgrade TARGET` runs, the rows after each, or its error. */
export async function verifyDowngradeCommand(opts: VerifyCommandOptions & { readonly downgrade: string }): Promise<CommandOutput> {
  if (opts.downgrade.trim() === '') throw new UsageError('--downgrade needs a target.', { hint: 'Name a revision, base, -1, REV-1 or label@-1.' });
  if (opts.review) throw new UsageError(`--format ${opts.review} is for verify's findings, not --downgrade.`, { hint: 'Use --format text or --format json with --downgrade.' });
  const envName = opts.databaseUrlEnv ?? 'DATABASE_URL';
  const { state, model, source } = await openProjectAndDatabase({ ...opts, ledger: false, schemaProbes: false }, `Pass --database-url, or set ${envName}.`);
  const f = model.failure ? alembicOutput(model.failure.failure) : undefined;
  const prediction = predictDowngrade(model.map, opts.downgrade, state.rows, featuresOf(model.alembicVersion), state.versionTable);
  const dbName = state.dialect === 'sqlite' ? `sqlite ${state.database}` : `postgresql ${state.host}/${state.database}`;
  const report: DowngradeReport = {
    command: model.config.flaskMigrate ? `flask db downgrade ${opts.downgrade}` : `alembic downgrade ${opts.downgrade}`,
    database: `${dbName} (from ${source})`,
    versionTable: state.versionTableSchema ? `${state.versionTableSchema}.${state.versionTable}` : state.versionTable,
    rows: state.rows,
    prediction,
    ...(f ? { loadFailure: f } : {}),
  };
  const ok = !f && prediction.willSucceed;
  const document = opts.format === 'json' ? downgradeJson(report) : undefined;
  return { stdout: document ? JSON.stringify(document, null, 2) + '\n' : downgradeText(report), exitCode: ok ? 0 : 1, document };
}

export async function verifyCommand(opts: VerifyCommandOptions): Promise<CommandOutput & { result: VerifyResult }> {
  const envName = opts.databaseUrlEnv ?? 'DATABASE_URL';
  const { config, table, state, model, source, url, schemaOps } = await openProjectAndDatabase(
    opts,
    `Pass --database-url, or set ${envName} (on Heroku: DATABASE_URL=$(heroku config:get DATABASE_URL -a APP) alembic-preflight verify).`,
  );
  // no --target: predict what the deploy runs, when the Procfile release line says so plainly
  const deploy = opts.target === undefined ? procfileTarget(config.files, opts.cwd, config.iniPath, model.alembicVersion) : undefined;
  const target = opts.target ?? deploy?.target ?? 'head';
  const missing = model.failure ? [] : missingIds(model, state);
  const forensics = missing.length > 0 && opts.git !== false ? investigateMissing(config.files, missing, config.cwd, config.versionLocations.map((l) => l.absPath)) : undefined;
  const result = runVerify(model, state, target, { ignore: opts.ignore, strict: opts.strict, ...(deploy ? { ...deployOrigin(deploy), release: releaseProblem(deploy) } : {}), releaseGenerates: releaseGenerates(config.files, opts.cwd) }, forensics, url, schemaOps);
  const document = opts.review === 'sarif' ? sarifOf(result, opts.toolVersion) : opts.format === 'json' ? verifyJson(result, table.notes, source) : undefined;
  const stdout = document ? JSON.stringify(document, null, 2) + '\n' : reviewOr('verify', result, verifyText(result, table.notes, source, opts.width), opts.review, databaseMarks(result.database.stamps, result.database.prediction.steps));
  return { stdout, exitCode: result.ok ? 0 : 1, result, document };
}

export async function readVersionTable(db: DatabaseTarget, table: VersionTableRequest, opts: VerifyCommandOptions): Promise<VersionTableState> {
  if (db.dialect === 'sqlite') {
    const { readSqliteVersionTable } = await import('../database/read-sqlite.js');
    return readSqliteVersionTable(db, table);
  }
  const { readPostgresVersionTable } = await import('../database/read-postgres.js');
  return readPostgresVersionTable(db, table, postgresOptions(opts));
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
 * `version_table` / `version_table_schema` exist only as `context.configure()`
 * arguments in env.py. Flags win; literal values in env.py come next; a value
 * we cannot read statically stops us rather than reading the wrong table.
 */
export function chooseVersionTable(
  config: ProjectConfig,
  opts: { versionTable?: string; versionTableSchema?: string },
  dialect: DatabaseTarget['dialect'],
  envPy = envPyText(config),
): TableChoice {
  const notes: string[] = [];
  const envPath = path.join(config.scriptDir, 'env.py');
  let rel = path.relative(config.cwd, envPath);
  // env.py that hands the run to another module's code: that module's context.configure() decides
  const handover = envHandover(envPy, config);
  if (handover?.kind === 'followed') {
    const via = rel;
    envPy = handover.text;
    rel = path.relative(config.cwd, handover.file);
    notes.push(`${via}:${handover.line} hands over to ${handover.module}, whose context.configure() is read (${rel})`);
  } else if (handover && opts.versionTable === undefined) {
    throw new ConfigError(`env.py never calls context.configure() itself but hands over to ${handover.module} here, which is not a module of this repository that configures one, so the version table it uses cannot be known statically.`, {
      path: rel,
      line: handover.line,
      hint: 'Pass the table with --version-table (alembic_version if that code keeps the default) and its schema with --version-table-schema if it sets one.',
    });
  }
  const facts = readEnvPy(envPy);
  const pick = (flag: string | undefined, settings: EnvSetting[], name: string, flagName: string, dflt: string | null): string | null => {
    const literal = settings.filter((s) => s.value !== undefined);
    const dynamic = settings.find((s) => s.value === undefined);
    const distinct = [...new Set(literal.map((s) => s.value))];
    if (flag !== undefined) {
      if (settings.length > 0 && !(distinct.length === 1 && distinct[0] === flag && !dynamic)) {
        const said = dynamic ? dynamic.expression! : `'${String(distinct[0])}'`;
        notes.push(`${flagName} ${flag} overrides ${name}=${said} in ${rel}:${(dynamic ?? literal[0])!.line}`);
      }
      return flag;
    }
    if (dynamic) {
      throw new ConfigError(`${name} in ${rel} is not a literal (${dynamic.expression}), so the version table cannot be known statically.`, {
        path: rel,
        line: dynamic.line,
        hint: `Pass the value with ${flagName}.`,
      });
    }
    if (distinct.length > 1) {
      throw new ConfigError(`${rel} passes different ${name} values (${distinct.map((d) => `'${String(d)}'`).join(', ')}) to context.configure().`, {
        path: rel,
        line: literal[1]!.line,
        hint: `Pass the one the online migration uses with ${flagName}.`,
      });
    }
    if (distinct.length === 1) {
      notes.push(`${name}=${distinct[0] === null ? 'None' : `'${distinct[0]}'`} from ${rel}:${literal[0]!.line}`);
      return distinct[0] ?? dflt;
    }
    return dflt;
  };
  const tables = facts.calls.flatMap((c) => (c.versionTable ? [c.versionTable] : []));
  const schemas = facts.calls.flatMap((c) => (c.versionTableSchema ? [c.versionTableSchema] : []));
  const versionTable = pick(opts.versionTable, tables, 'version_table', '--version-table', 'alembic_version') ?? 'alembic_version';
  let versionTableSchema = pick(opts.versionTableSchema, schemas, 'version_table_schema', '--version-table-schema', null);
  // the migrations' unqualified objects are where env.py's own search_path puts them; the probes read that schema
  const pathSet = dialect === 'postgresql' ? searchPathSetting(envPy) : undefined;
  const objectsSchema: TableChoice['objectsSchema'] = !pathSet
    ? undefined
    : pathSet.schema !== undefined
      ? { schema: pathSet.schema }
      : { unknown: `${rel}:${pathSet.line} sets the search_path (${pathSet.expression}), so which schema holds the migrations' tables is not known statically` };
  // an unqualified table is the one env.py's own search_path finds (the cookbook's schema-per-tenant recipe)
  const searchPath = opts.versionTableSchema === undefined && schemas.length === 0 ? pathSet : undefined;
  if (searchPath?.schema !== undefined) {
    versionTableSchema = searchPath.schema;
    notes.push(`version_table_schema='${searchPath.schema}' from the search_path set at ${rel}:${searchPath.line}`);
  } else if (searchPath) {
    throw new ConfigError(
      `${rel} sets PostgreSQL's search_path itself (${searchPath.expression}), so which schema's ${versionTable} Alembic reads and writes cannot be known statically.`,
      {
        path: rel,
        line: searchPath.line,
        hint: 'Pass the schema env.py selects with --version-table-schema NAME (with one schema per tenant, run verify once for each).',
      },
    );
  }
  // `**kwargs` may carry either setting (Flask-Migrate's Migrate(app, db, version_table=...) does): say what was assumed
  const unpacked = facts.calls.find((c) => c.unpacked)?.unpacked;
  if (unpacked && opts.versionTable === undefined && tables.length === 0) {
    notes.push(
      `version_table='${versionTable}' assumed: ${rel}:${unpacked.line} passes ${unpacked.expression} to context.configure(), which may set another table; pass --version-table if it does`,
    );
  }
  return { versionTable, versionTableSchema, notes, ...(objectsSchema ? { objectsSchema } : {}) };
}
