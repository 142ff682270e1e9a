import path from 'node:path';
import type { IniFile } from '../alembic/config/ini-parser.js';
import {
  iniUrlConnection,
  passesUrlUnchanged,
  readDatabaseUrlVariables,
  rewritesPostgresScheme,
} from '../alembic/env/env-database-url.js';
import { multiDatabaseSetup, urlsOnlyFromIni } from '../alembic/env/env-setup-facts.js';
import { interpolationErrorAt } from '../alembic/env/env-url-options.js';
import { sameDatabase, TEMPLATE_URL } from './database-url.js';

/**
 * How the URL verify read compares with the URLs Alembic will connect with: the variables env.py
 * reads, alembic.ini's sqlalchemy.url, the other databases a multidb env.py migrates. Pure: the
 * project's texts and settings in, facts out (no value of a URL is kept in them).
 */

/** What the comparisons need of the project: its places, alembic.ini as read, env.py's text. */
export interface UrlProject {
  readonly cwd: string;
  readonly scriptDir: string;
  readonly iniPath?: string;
  readonly ini?: IniFile;
  readonly section: string;
  /** env.py as Python decodes it; '' when there is none. */
  readonly envPy: string;
  /** The project pins a SQLAlchemy before 1.4, which still takes postgres:// as PostgreSQL. */
  readonly sqlalchemyBefore14: boolean;
}

/** The URL verify read: its value, where it came from ($NAME or --database-url), the variable when one, the environment. */
export interface UrlGiven {
  readonly url: string;
  readonly source: string;
  readonly variable: string | null;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Every comparison, as the URL rules take them. */
export function compareUrls(
  project: UrlProject,
  given: UrlGiven,
): { urlBarePercent: boolean; urlVariables: UrlVariables; iniUrl?: IniUrl; otherDatabases?: OtherDatabases } {
  const urlVariables = compareUrlVariables(project, given.variable, given.url, given.env);
  const iniUrl = compareIniUrl(project, given.url, given.source);
  const otherDatabases = compareOtherDatabases(project, given.url, given.source);
  return {
    urlBarePercent: interpolationErrorAt(given.url) >= 0,
    urlVariables,
    ...(iniUrl ? { iniUrl } : {}),
    ...(otherDatabases ? { otherDatabases } : {}),
  };
}

export interface OtherDatabases {
  /** env.py, relative to the working folder, and the line that runs the migrations per database. */
  readonly envPy: string;
  readonly envPyLine: number;
  /** Where env.py takes the databases' names: alembic.ini's `databases` (Alembic's multidb template), the app's binds (Flask-Migrate's), or elsewhere. */
  readonly names: 'ini' | 'binds' | 'unknown';
  /**
   * alembic.ini's `databases` names, each with its section's line and how its sqlalchemy.url compares
   * with the URL verify read ('unknown' too when env.py may connect otherwise than with the ini's URLs).
   */
  readonly listed?: {
    readonly ini: string;
    readonly line: number;
    readonly databases: readonly {
      readonly name: string;
      readonly line?: number;
      readonly here: 'same' | 'different' | 'unknown';
    }[];
  };
  /** Where our URL came from: $NAME or --database-url. */
  readonly source: string;
}

export interface IniUrl {
  /**
   * same: names the database we read; different: another one; unknown: not a URL we can compare;
   * placeholder: the template's driver://…; empty: the option is blank; absent: there is none;
   * postgres-scheme: postgres://…, which the project's SQLAlchemy refuses.
   */
  readonly state: 'same' | 'different' | 'unknown' | 'placeholder' | 'empty' | 'absent' | 'postgres-scheme';
  /** Where our URL came from: $NAME or --database-url. */
  readonly source: string;
  /** env.py, relative to the working folder, and the line of its engine_from_config (or create_engine) call. */
  readonly envPy: string;
  readonly envPyLine: number;
  /** How env.py builds its engine from the ini: Alembic's template, or create_engine(config.get_main_option("sqlalchemy.url")). */
  readonly via: 'engine_from_config' | 'create_engine';
  /** alembic.ini, relative to the working folder, and the option's line (the section's when absent). */
  readonly ini: string;
  readonly line: number;
  readonly section: string;
}

export interface UrlVariables {
  /** The variable the URL came from; null when it was given with --database-url. */
  readonly used: string | null;
  readonly reads: readonly {
    readonly name: string;
    readonly line: number;
    readonly here: 'same' | 'different' | 'unset';
    /** The value starts with postgres:// and reaches SQLAlchemy as it is (unset here: the --database-url value stands in for it). */
    readonly postgresScheme?: boolean;
  }[];
  /**
   * Whether a postgres:// value read here reaches SQLAlchemy as it is: env.py does nothing to the
   * scheme, and the project's SQLAlchemy (1.4 and later) refuses it.
   */
  readonly schemeRefused?: boolean;
  /** env.py, relative to the working folder. */
  readonly envPy: string;
}

/**
 * Which database-URL variables env.py reads, and whether each names here the database we read:
 * a variable of another name can point Alembic at another database than the one we judged.
 */
function compareUrlVariables(
  config: UrlProject,
  used: string | null,
  url: string,
  env: Readonly<Record<string, string | undefined>>,
): UrlVariables {
  const source = config.envPy;
  const found = readDatabaseUrlVariables(source);
  // --database-url with none of env.py's variables set here (`verify --database-url "$(heroku config:get
  // DATABASE_URL)"`): the verdict already takes it that the variable names this database where Alembic
  // runs, so it takes its scheme to be the one given too; Heroku's DATABASE_URL is postgres://
  const assumed = used === null && found.every((r) => !env[r.name]);
  const reads = found.map((r): UrlVariables['reads'][number] => {
    const value = env[r.name] || undefined;
    const held = value ?? (assumed ? url : undefined);
    const postgresScheme =
      held !== undefined && POSTGRES_SCHEME.test(held) && passesUrlUnchanged(source, r.name);
    // a value we cannot read as a URL is no proof of another database: only a different one blocks
    const here =
      value === undefined
        ? 'unset'
        : sameDatabase(value, url, config.cwd) === 'different'
          ? 'different'
          : 'same';
    return { ...r, here, postgresScheme };
  });
  const schemeRefused =
    reads.some((r) => r.postgresScheme === true) &&
    !rewritesPostgresScheme(source) &&
    !config.sqlalchemyBefore14;
  return {
    used,
    reads,
    envPy: shown(config, path.join(config.scriptDir, 'env.py')),
    ...(schemeRefused ? { schemeRefused } : {}),
  };
}

/** A project file as findings name it: relative to the working folder. */
function shown(config: UrlProject, file: string): string {
  return path.relative(config.cwd, file) || file;
}

/** Heroku Postgres's scheme, which SQLAlchemy 1.4 and later no longer take as postgresql://. */
const POSTGRES_SCHEME = /^\s*postgres:\/\//iu;

/**
 * When env.py connects with alembic.ini's sqlalchemy.url (Alembic's templates, unchanged), how that
 * URL compares with the one we read; undefined when env.py may take its URL elsewhere or the ini
 * cannot be read (the configuration's own errors are reported elsewhere).
 */
function compareIniUrl(config: UrlProject, url: string, source: string): IniUrl | undefined {
  const envPy = config.envPy;
  const ini = config.ini;
  if (envPy === '' || !config.iniPath || !ini) return undefined;
  const connection = iniUrlConnection(envPy);
  if (connection === null) return undefined;
  let value: string | undefined;
  try {
    // get_section(config_ini_section) holds the DEFAULT section's options too
    value = ini.hasOption(config.section, 'sqlalchemy.url')
      ? ini.get(config.section, 'sqlalchemy.url')
      : undefined;
  } catch {
    return undefined;
  }
  const line = ini.optionLine(config.section, 'sqlalchemy.url') ?? ini.sectionLines.get(config.section) ?? 1;
  const state: IniUrl['state'] =
    value === undefined
      ? 'absent'
      : value.trim() === ''
        ? 'empty'
        : value.trim() === TEMPLATE_URL
          ? 'placeholder'
          : POSTGRES_SCHEME.test(value) && !config.sqlalchemyBefore14
            ? 'postgres-scheme'
            : sameDatabase(value, url, config.cwd);
  return {
    state,
    source,
    envPy: shown(config, path.join(config.scriptDir, 'env.py')),
    envPyLine: connection.line,
    via: connection.via,
    ini: shown(config, config.iniPath),
    line,
    section: config.section,
  };
}

/**
 * When env.py migrates several databases (a multidb template), which of them verify read: each keeps
 * its own version table, and `alembic upgrade` fails if any one of them cannot be upgraded. Undefined
 * for a single database, and for alembic.ini's `databases` list of one name whose URL is ours or unknown.
 */
function compareOtherDatabases(config: UrlProject, url: string, source: string): OtherDatabases | undefined {
  const envPy = config.envPy;
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
          const u =
            fromIni && ini.hasOption(name, 'sqlalchemy.url') ? ini.get(name, 'sqlalchemy.url') : undefined;
          if (u !== undefined) here = sameDatabase(u, url, config.cwd);
        } catch {
          here = 'unknown';
        }
        const line = ini.sectionLines.get(name);
        return { name, here, ...(line !== undefined ? { line } : {}) };
      });
      listed = {
        ini: shown(config, config.iniPath),
        line: ini.optionLine(config.section, 'databases') ?? 1,
        databases,
      };
      if (databases.length === 1 && databases[0]!.here !== 'different') return undefined;
    }
  }
  return {
    envPy: envPyShown,
    envPyLine: setup.line,
    names: setup.names,
    ...(listed ? { listed } : {}),
    source,
  };
}
