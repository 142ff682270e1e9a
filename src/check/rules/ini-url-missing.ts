import path from 'node:path';
import type { ProjectFiles } from '../../project/project-files.js';
import { iniUrlConnection } from '../../alembic/env/env-database-url.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import {
  envPySource,
  envPyText,
  URL_ABSENT_ERROR,
  URL_EMPTY_ERROR,
  URL_NONE_ERROR,
} from '../rule-helpers.js';

const FIX =
  'Read the URL in env.py, after config = context.config: config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1).replace("%", "%%")) (and import os)';

/**
 * env.py connects only with the ini's sqlalchemy.url (Alembic's templates:
 * engine_from_config(config.get_section(config.config_ini_section, {}))), and
 * there is none: no alembic.ini, no such option, or an empty one. Every command
 * that connects fails, whatever the database. A project configured in
 * pyproject.toml is where this happens: Alembic never reads sqlalchemy.url
 * from [tool.alembic]. verify reports an ini that exists through
 * ini-url-differs, which compares the URL with the database; this rule covers
 * check, and verify when there is no ini to compare.
 */
export const iniUrlMissing: Rule = {
  code: 'ini-url-missing',
  severity: 'error',
  title: 'env.py connects with an ini URL that is not set',
  summary:
    "env.py connects only with the ini's sqlalchemy.url, and the ini has none (pyproject.toml's is never read).",
  check({ model, database, files }) {
    if (database?.iniUrl) return [];
    const env = envPySource(model);
    const text = envPyText(model);
    const connection = text?.includes('config') ? iniUrlConnection(text) : null;
    if (!connection) return [];
    const { ini, iniPath, section, cwd } = model.config;
    let value: string | undefined;
    try {
      value =
        ini && iniPath && ini.hasOption(section, 'sqlalchemy.url')
          ? ini.get(section, 'sqlalchemy.url')
          : undefined;
    } catch {
      // an interpolation error: url-percent-not-escaped and the configuration read report it
      return [];
    }
    if (value !== undefined && value.trim() !== '') return [];
    const how =
      connection.via === 'create_engine'
        ? 'create_engine(config.get_main_option("sqlalchemy.url"))'
        : 'engine_from_config(config.get_section(...))';
    const iniRel = iniPath ? path.relative(cwd, iniPath) || iniPath : undefined;
    const what = !iniRel
      ? 'there is no alembic.ini'
      : value === undefined
        ? `[${section}] in ${iniRel} has no sqlalchemy.url`
        : `[${section}] sqlalchemy.url in ${iniRel} is empty`;
    const alembicError =
      value !== undefined
        ? URL_EMPTY_ERROR
        : connection.via === 'create_engine'
          ? URL_NONE_ERROR
          : URL_ABSENT_ERROR;
    const toml = model.config.tomlPath ? tomlUrlLine(model.config.tomlPath, files) : undefined;
    const tomlNote =
      toml !== undefined
        ? ` pyproject.toml sets sqlalchemy.url in [tool.alembic] (line ${toml}), which Alembic never reads: get_section and get_main_option read the ini only.`
        : '';
    const finding: Finding = {
      code: this.code,
      severity: this.severity,
      title: `env.py connects with the ini's URL, and ${what}`,
      message: `${env.rel}:${connection.line}: env.py connects with the ini's URL (${how}) and sets none of its own, and ${what}.${tomlNote} Every command that connects (upgrade, downgrade, stamp, current) fails with ${alembicError}, whatever the database; on Heroku that is a failed release.`,
      hint: `${FIX}.${toml !== undefined ? ' Then delete sqlalchemy.url from pyproject.toml.' : ''}`,
      path: env.rel,
      line: connection.line,
      alembicError,
    };
    return [finding];
  },
};

/** The line of a sqlalchemy.url key in [tool.alembic] (`sqlalchemy.url = …`, a dotted key, or quoted), if any. */
function tomlUrlLine(file: string, files: ProjectFiles): number | undefined {
  const text = files.text(file);
  if (text === undefined) return undefined;
  let inAlembic = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const header = /^\s*\[([^\]]*)\]/.exec(lines[i]!);
    if (header) inAlembic = header[1]!.replace(/\s+/g, '') === 'tool.alembic';
    else if (
      inAlembic &&
      /^\s*(?:"sqlalchemy\.url"|'sqlalchemy\.url'|sqlalchemy\s*\.\s*url)\s*=/.test(lines[i]!)
    )
      return i + 1;
  }
  return undefined;
}
