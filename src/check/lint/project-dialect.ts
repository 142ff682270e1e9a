import path from 'node:path';
import type { ProjectFiles } from '../../project/project-files.js';
import { declaredFor } from '../../alembic/reading/import-resolver.js';
import { projectFolders } from '../../packaging/project-folders.js';
import type { LintContext } from './lint-context.js';

/** What the project shows of the database it migrates: PostgreSQL, certainly another one, or not known. */
export interface ProjectDialect {
  readonly dialect: 'postgresql' | 'other' | 'unknown';
  /** For 'other': what says so, for the finding's message. */
  readonly why?: string;
  /** For 'other': the databases named (SQLite, MySQL, …), for rules whose hazard some of them share. */
  readonly databases?: readonly string[];
}

const PG_DRIVERS = [
  'psycopg2',
  'psycopg2_binary',
  'psycopg',
  'psycopg_binary',
  'asyncpg',
  'pg8000',
  'psycopg2cffi',
];
/** Drivers of databases without transactional DDL or a poisoned-transaction state, by the import name declared. */
const OTHER_DRIVERS: readonly [string, string][] = [
  ['pymysql', 'MySQL'],
  ['mysqlclient', 'MySQL'],
  ['mysqldb', 'MySQL'],
  ['mysql_connector', 'MySQL'],
  ['mysql_connector_python', 'MySQL'],
  ['aiomysql', 'MySQL'],
  ['asyncmy', 'MySQL'],
  ['mariadb', 'MariaDB'],
  ['pymssql', 'SQL Server'],
  ['cx_oracle', 'Oracle'],
  ['oracledb', 'Oracle'],
  // SQLite's own driver ships with Python: only the async one is declared (SoloRing, a local-first app)
  ['aiosqlite', 'SQLite'],
];
const SCHEME_DATABASES: Record<string, string> = {
  sqlite: 'SQLite',
  mysql: 'MySQL',
  mariadb: 'MariaDB',
  mssql: 'SQL Server',
  oracle: 'Oracle',
};
/** Where a project names its database besides alembic.ini and env.py: manifests and container set-ups. */
const MANIFESTS = [
  'requirements.txt',
  'pyproject.toml',
  'setup.cfg',
  'setup.py',
  'Pipfile',
  'Dockerfile',
  'compose.yml',
  'compose.yaml',
  'docker-compose.yml',
  'docker-compose.yaml',
  'heroku.yml',
  '.env.example',
];
/** env.py that builds the URL from the environment or the application's settings: production may be anything. */
const URL_FROM_ELSEWHERE =
  /\bos\.environ\b|\bgetenv\s*\(|\benviron\s*\[|\bsettings\b|\bget_settings\b|\bcurrent_app\b|\bconfig\s*\(|DATABASE_URL|set_main_option\s*\(\s*['"]sqlalchemy\.url/u;

/**
 * Only a project that shows no sign of PostgreSQL anywhere and names another
 * database plainly is 'other': alembic.ini's sqlalchemy.url is sqlite:,
 * mysql:, … and env.py takes the URL from there (not from the environment or
 * the application), or the project declares only another database's driver
 * and its manifests and container set-ups do not mention PostgreSQL either; in
 * both cases no PostgreSQL driver is declared and no migration, env.py,
 * Procfile or app.json mentions PostgreSQL. Anything less certain is 'unknown',
 * and rules keep their PostgreSQL reasoning. Read once per lint run, however
 * many rules ask.
 */
export function projectDialect(lint: LintContext): ProjectDialect {
  let d = byLint.get(lint);
  if (!d) {
    d = readDialect(lint);
    byLint.set(lint, d);
  }
  return d;
}

const byLint = new WeakMap<LintContext, ProjectDialect>();
const PG_WORDS = /postgres|psycopg|asyncpg|pg8000/iu;

function readDialect(lint: LintContext): ProjectDialect {
  const url = lint.iniOption('sqlalchemy.url');
  if (url && /^postgres/iu.test(url.value)) return { dialect: 'postgresql' };
  const env = lint.envPy();
  const envText = env ? env.py.of(env.py.top) : '';
  if (PG_WORDS.test(envText)) return { dialect: 'postgresql' };
  const declared = declaredFor(lint.model.config);
  if (PG_DRIVERS.some((d) => declared.has(d))) return { dialect: 'postgresql' };
  if (lint.files().some((f) => /postgres/iu.test(f.text))) return { dialect: 'postgresql' };
  const files = lint.model.config.files;
  if (anyFileMentions(files, lint.cwd, () => ['Procfile', 'app.json'], /postgres/iu))
    return { dialect: 'postgresql' };
  const scheme = url ? /^(sqlite|mysql|mariadb|mssql|oracle)\b/iu.exec(url.value)?.[1] : undefined;
  if (scheme && env && !URL_FROM_ELSEWHERE.test(envText)) {
    return {
      dialect: 'other',
      why: `${url!.path}:${url!.line} sets sqlalchemy.url to ${scheme.toLowerCase()}, ${env.path} uses it, and nothing in the project mentions PostgreSQL`,
      databases: [SCHEME_DATABASES[scheme.toLowerCase()]!],
    };
  }
  // the URL comes from elsewhere (Anubis: the Flask app's config), but the project declares only another database's
  // driver, and neither its manifests nor its container set-up mention PostgreSQL (an extra such as
  // sqlalchemy[postgresql] names no driver package)
  const drivers = OTHER_DRIVERS.filter(([d]) => declared.has(d));
  if (drivers.length === 0 || anyFileMentions(files, lint.cwd, (dir) => manifestsIn(files, dir), PG_WORDS))
    return { dialect: 'unknown' };
  const databases = [...new Set(drivers.map(([, db]) => db))];
  return {
    dialect: 'other',
    why: `the project declares ${drivers.map(([d]) => d).join(', ')} (${databases.join(' and ')}) and no PostgreSQL driver, and nothing in the project mentions PostgreSQL`,
    databases,
  };
}

/** Some file `namesIn(dir)` lists, in a folder from cwd up to the repository root, matches `pattern`. */
function anyFileMentions(
  files: ProjectFiles,
  cwd: string,
  namesIn: (dir: string) => string[],
  pattern: RegExp,
): boolean {
  for (const dir of projectFolders(files, cwd)) {
    for (const name of namesIn(dir)) {
      const text = files.text(path.join(dir, name));
      if (text !== undefined && pattern.test(text)) return true;
    }
  }
  return false;
}

/** The manifests and container set-ups of a folder, with its requirements files and requirements/ folder. */
function manifestsIn(files: ProjectFiles, dir: string): string[] {
  const names = [...MANIFESTS];
  // no requirements folder, or an unreadable one: nothing to add
  for (const { name: f } of files.entries(path.join(dir, 'requirements')) ?? [])
    if (f.endsWith('.txt') || f.endsWith('.in')) names.push(path.join('requirements', f));
  for (const { name: f } of files.entries(dir) ?? [])
    if (f.includes('requirements') && (f.endsWith('.txt') || f.endsWith('.in'))) names.push(f);
  return names;
}
