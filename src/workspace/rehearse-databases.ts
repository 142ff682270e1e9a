import type { ProjectConfig } from '../alembic/config/alembic-config.js';
import { readDatabaseUrlVariables } from '../alembic/env/env-database-url.js';
import { readEnvPyText } from '../alembic/reading/source-reader.js';
import { DEFAULT_URL_VARIABLE, parseDatabaseUrl, type DatabaseTarget } from '../database/database-url.js';
import {
  containerScratch,
  localClusterScratch,
  localServerBinaries,
  reapScratchFolders,
  serverScratch,
  sqliteScratch,
  type Scratch,
} from '../database/scratch-database.js';
import { DatabaseError, UsageError } from '../errors/errors.js';
import { chooseVersionTable } from './version-table-choice.js';
import { postgresOptions, readVersionTable } from './open-database.js';
import { urlSourceOf, type VerifyCommandOptions } from './command-options.js';

// The databases rehearse works with: production's version rows (read-only, as verify reads them), the
// scratch database it creates, and the variables env.py reads the URL from.

/** What choosing the scratch database reads of rehearse's options. */
export interface ScratchOptions extends VerifyCommandOptions {
  /** A PostgreSQL server where a uniquely named database may be created and dropped. */
  readonly scratchUrl?: string;
  /** `docker`: a container even when the server binaries are installed. */
  readonly scratch?: 'auto' | 'docker';
  /** One line per step as it ends (stderr in the CLI). */
  readonly progress?: (line: string) => void;
}

/** The variables env.py reads its URL from (DATABASE_URL when it names none); a configuration that takes it from the ini only is refused. */
export function urlVariables(config: ProjectConfig): string[] {
  if (config.flaskMigrate) return [DEFAULT_URL_VARIABLE];
  const envPy = readEnvPyText(config) ?? '';
  const names = [...new Set(readDatabaseUrlVariables(envPy).map((r) => r.name))];
  if (names.length === 0) {
    throw new UsageError(
      'env.py reads no database URL from the environment, so rehearse cannot point Alembic at a scratch database without changing your files.',
      {
        hint: 'Have env.py take the URL from an environment variable when it is set (config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"])), as Heroku apps do.',
      },
    );
  }
  return names.includes(DEFAULT_URL_VARIABLE) ? names : [...names, DEFAULT_URL_VARIABLE];
}

export interface Production {
  readonly target: DatabaseTarget;
  readonly rows: string[];
  readonly versionTable: string;
  /** The server's major version, to make the scratch cluster match it. */
  readonly major?: number;
}

/** Production's version rows and server version, read as verify reads them (read-only). */
export async function readProduction(config: ProjectConfig, opts: ScratchOptions): Promise<Production> {
  const { url: raw, variable: envName } = urlSourceOf(opts);
  if (!raw)
    throw new UsageError(
      `--from-production reads production's schema: pass --database-url, or set ${envName}.`,
      {
        hint: `DATABASE_URL=$(heroku config:get DATABASE_URL -a APP) alembic-preflight rehearse --from-production`,
      },
    );
  const target = parseDatabaseUrl(raw, opts.cwd, opts.env);
  const table = chooseVersionTable(config, opts, target.dialect);
  const state = await readVersionTable(
    target,
    { versionTable: table.versionTable, versionTableSchema: table.versionTableSchema },
    postgresOptions(opts),
  );
  const rows = state.rows.filter((r): r is string => typeof r === 'string');
  const major = state.server ? Number(/^(\d+)/u.exec(state.server.version)?.[1]) : undefined;
  return { target, rows, versionTable: table.versionTable, ...(major ? { major } : {}) };
}

/** --scratch-url, else a SQLite file for a SQLite project, else a local cluster from the server binaries (production's major when known). */
export async function makeScratch(
  config: ProjectConfig,
  opts: ScratchOptions,
  production: Production | undefined,
  major: number | undefined,
): Promise<Scratch> {
  // what runs killed with SIGKILL left (their watchdog also stops a cluster, this catches the rest)
  reapScratchFolders(() => localServerBinaries());
  if (production?.target.dialect === 'sqlite') return sqliteScratch();
  if (opts.scratchUrl) {
    const target = parseDatabaseUrl(opts.scratchUrl, opts.cwd, opts.env);
    if (target.dialect === 'mysql') {
      const { mysqlServerScratch } = await import('../database/mysql-scratch.js');
      return mysqlServerScratch(opts.scratchUrl, target, postgresOptions(opts));
    }
    if (production?.target.dialect === 'mysql')
      throw new UsageError(
        'A MySQL production is rehearsed on a MySQL server: --scratch-url names a PostgreSQL one.',
        {
          hint: 'Pass --scratch-url mysql+pymysql://USER:PASSWORD@HOST:3306/DB, a server where a database may be created and dropped (never production).',
        },
      );
    if (target.dialect !== 'postgresql')
      throw new UsageError('--scratch-url must name a PostgreSQL server.', {
        hint: 'A SQLite project rehearses on a temporary SQLite file without it.',
      });
    return serverScratch(opts.scratchUrl);
  }
  const ini = config.ini;
  const url =
    urlSourceOf(opts).url ??
    (ini?.hasOption(config.section, 'sqlalchemy.url')
      ? ini.get(config.section, 'sqlalchemy.url')
      : undefined);
  const sqlite = typeof url === 'string' && /^sqlite(?:\+\w+)?:/iu.test(url.trim());
  if (sqlite) return sqliteScratch();
  // a MySQL app's migrations are not rehearsed on PostgreSQL: what passes there proves nothing for it
  if (
    production?.target.dialect === 'mysql' ||
    (typeof url === 'string' && /^(?:mysql|mariadb)(?:\+\w+)?:/iu.test(url.trim()))
  )
    throw mysqlRehearseRefused();
  const binaries = (major !== undefined ? localServerBinaries(major) : undefined) ?? localServerBinaries();
  if (binaries && major !== undefined && binaries.major !== major)
    opts.progress?.(
      `rehearse: production runs PostgreSQL ${major}, and only PostgreSQL ${binaries.major} is installed here: the scratch cluster runs ${binaries.major}`,
    );
  if (binaries && opts.scratch !== 'docker') return localClusterScratch(binaries);
  const container = await containerScratch(major);
  if ('url' in container) return container;
  throw new DatabaseError(
    `No scratch PostgreSQL: ${opts.scratch === 'docker' ? '' : '--scratch-url is not given, the PostgreSQL server binaries (initdb, pg_ctl) are not installed here, and '}${container.unavailable}.`,
    {
      hint: "Pass --scratch-url with the URL of a PostgreSQL server where a database may be created and dropped (never production's), install the server binaries (apt-get install postgresql), or install the package @testcontainers/postgresql beside a running Docker engine.",
    },
  );
}

/** A MySQL app's migrations are not rehearsed on PostgreSQL: a MySQL server to rehearse on is asked for, before anything is created. */
function mysqlRehearseRefused(): UsageError {
  return new UsageError(
    'A MySQL or MariaDB app is rehearsed on a MySQL server, and --scratch-url names none.',
    {
      hint: 'Pass --scratch-url mysql+pymysql://USER:PASSWORD@HOST:3306/DB, a server where a database may be created and dropped (never production).',
    },
  );
}
