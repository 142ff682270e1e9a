import { DEFAULT_URL_VARIABLE, TEMPLATE_URL } from '../../database/database-url.js';
import type { Finding } from '../finding.js';
import type { IniUrl, Rule } from '../rule.js';
import {
  POSTGRES_SCHEME_REFUSED,
  URL_ABSENT_ERROR,
  URL_EMPTY_ERROR,
  URL_NONE_ERROR,
} from '../rule-helpers.js';

/** SQLAlchemy's and Python's words for each URL `engine_from_config` cannot connect with (SQLAlchemy 2's, where 1.4 words them otherwise). */
const FAILS: Partial<Record<IniUrl['state'], { what: string; alembicError: string }>> = {
  placeholder: {
    what: `is still Alembic's template value ${TEMPLATE_URL}`,
    alembicError: "sqlalchemy.exc.NoSuchModuleError: Can't load plugin: sqlalchemy.dialects:driver",
  },
  // SQLAlchemy 1.4 ends this one "from string ''"
  empty: { what: 'is empty', alembicError: URL_EMPTY_ERROR },
  absent: { what: 'is not set', alembicError: URL_ABSENT_ERROR },
  'postgres-scheme': {
    what: 'starts with postgres://, which SQLAlchemy 1.4 and later refuse (postgresql:// is the name they know)',
    alembicError: POSTGRES_SCHEME_REFUSED,
  },
};

const NONE_URL = { what: 'is not set', alembicError: URL_NONE_ERROR };

/**
 * env.py is Alembic's template: it connects with alembic.ini's sqlalchemy.url, not with the URL
 * verify read. verify only; the URLs are compared by the command, so none reaches this rule.
 */
export const iniUrlDiffers: Rule = {
  code: 'ini-url-differs',
  severity: 'error',
  title: "env.py connects to alembic.ini's database",
  summary:
    "env.py connects with alembic.ini's sqlalchemy.url, which names another database than the one verify read, or none at all.",
  check({ database }) {
    const u = database?.iniUrl;
    if (!u || u.state === 'same') return [];
    const variable = u.source.startsWith('$') ? u.source.slice(1) : DEFAULT_URL_VARIABLE;
    const fix = `Have env.py connect to the database the release is given: config.set_main_option("sqlalchemy.url", os.environ["${variable}"].replace("postgres://", "postgresql://", 1).replace("%", "%%")) after config = context.config (and import os).`;
    const how =
      u.via === 'create_engine'
        ? 'create_engine(config.get_main_option("sqlalchemy.url"))'
        : 'engine_from_config';
    const connects = `env.py builds its engine from alembic.ini (${how}, ${u.envPy}:${u.envPyLine}) and sets no URL of its own`;
    const failure = u.via === 'create_engine' && u.state === 'absent' ? NONE_URL : FAILS[u.state];
    if (failure) {
      return [
        finding(
          'error',
          u,
          `env.py connects with alembic.ini's URL, which ${failure.what}`,
          `[${u.section}] sqlalchemy.url ${failure.what}, and ${connects}: \`alembic upgrade\` fails before it reads the version table, whatever state ${u.source} is in.`,
          fix,
          failure.alembicError,
        ),
      ];
    }
    if (u.state === 'different') {
      return [
        finding(
          'error',
          u,
          `env.py connects to alembic.ini's database, not to ${u.source}`,
          `${connects}, so \`alembic upgrade\` connects to the database [${u.section}] sqlalchemy.url names; here that is another database than ${u.source}, which is what this verdict is about and which Alembic will not touch.`,
          `${fix} Or check the database alembic.ini names with --database-url.`,
        ),
      ];
    }
    return [
      finding(
        'warning',
        u,
        `env.py connects to alembic.ini's database, which may not be ${u.source}`,
        `${connects}, so \`alembic upgrade\` connects to the database [${u.section}] sqlalchemy.url names, which is not a PostgreSQL or SQLite URL verify can compare with ${u.source}. This verdict holds only if both name the same database.`,
        fix,
      ),
    ];
  },
};

function finding(
  severity: 'error' | 'warning',
  u: IniUrl,
  title: string,
  message: string,
  hint: string,
  alembicError?: string,
): Finding {
  return {
    code: 'ini-url-differs',
    severity,
    title,
    message,
    hint,
    path: u.ini,
    line: u.line,
    ...(alembicError ? { alembicError } : {}),
  };
}
