import { readFileSync } from 'node:fs';
import path from 'node:path';
import { declaredFor } from '../../alembic/import-resolver.js';
import { projectFolders } from '../../alembic/project-folders.js';
import type { LintContext } from './lint-context.js';

/** What the project shows of the database it migrates: PostgreSQL, certainly another one, or not known. */
export interface ProjectDialect {
  readonly dialect: 'postgresql' | 'other' | 'unknown';
  /** For 'other': what says so, for the finding's message. */
  readonly why?: string;
}

const PG_DRIVERS = ['psycopg2', 'psycopg2_binary', 'psycopg', 'psycopg_binary', 'asyncpg', 'pg8000', 'psycopg2cffi'];
/** env.py that builds the URL from the environment or the application's settings: production may be anything. */
const URL_FROM_ELSEWHERE = /\bos\.environ\b|\bgetenv\s*\(|\benviron\s*\[|\bsettings\b|\bget_settings\b|\bcurrent_app\b|\bconfig\s*\(|DATABASE_URL|set_main_option\s*\(\s*['"]sqlalchemy\.url/u;

/**
 * Only a project that shows no sign of PostgreSQL anywhere and names another
 * database plainly is 'other': alembic.ini's sqlalchemy.url is sqlite:,
 * mysql:, …; env.py takes the URL from there (not from the environment or
 * the application); no PostgreSQL driver is declared; no migration, env.py,
 * Procfile or app.json mentions PostgreSQL. Anything less certain is 'unknown',
 * and rules keep their PostgreSQL reasoning.
 */
export function projectDialect(lint: LintContext): ProjectDialect {
  const url = lint.iniOption('sqlalchemy.url');
  if (url && /^postgres/iu.test(url.value)) return { dialect: 'postgresql' };
  const env = lint.envPy();
  const envText = env ? env.py.of(env.py.top) : '';
  if (/postgres|psycopg|asyncpg|pg8000/iu.test(envText)) return { dialect: 'postgresql' };
  const declared = declaredFor(lint.model.config);
  if (PG_DRIVERS.some((d) => declared.has(d))) return { dialect: 'postgresql' };
  if (lint.files().some((f) => /postgres/iu.test(f.text))) return { dialect: 'postgresql' };
  for (const dir of projectFolders(lint.cwd)) {
    for (const name of ['Procfile', 'app.json']) {
      try {
        if (/postgres/iu.test(readFileSync(path.join(dir, name), 'utf8'))) return { dialect: 'postgresql' };
      } catch {
        // absent
      }
    }
  }
  const scheme = url ? /^(sqlite|mysql|mariadb|mssql|oracle)\b/iu.exec(url.value)?.[1] : undefined;
  if (!scheme || !env || URL_FROM_ELSEWHERE.test(envText)) return { dialect: 'unknown' };
  return {
    dialect: 'other',
    why: `${url!.path}:${url!.line} sets sqlalchemy.url to ${scheme.toLowerCase()}, ${env.path} uses it, and nothing in the project mentions PostgreSQL`,
  };
}
