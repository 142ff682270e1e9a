import type { Rule } from '../rule.js';
import { POSTGRES_SCHEME_REFUSED, postgresSchemeFix } from '../rule-helpers.js';

/**
 * env.py hands a variable that holds postgres://… here to SQLAlchemy unchanged. The lint
 * postgres-url-scheme says the same from the source alone; this one knows the value, so it blocks
 * the release that would fail. verify only.
 */
export const postgresSchemeRefused: Rule = {
  code: 'postgres-scheme-refused',
  severity: 'error',
  title: 'SQLAlchemy gets a postgres:// URL it refuses',
  summary:
    'env.py hands a database URL that starts with postgres:// here to SQLAlchemy unchanged; SQLAlchemy 1.4 and later refuse it.',
  check({ database }) {
    const v = database?.urlVariables;
    if (!v?.schemeRefused) return [];
    return v.reads
      .filter((r) => r.postgresScheme === true)
      .map((r) => ({
        code: 'postgres-scheme-refused',
        severity: 'error' as const,
        title: `SQLAlchemy refuses the postgres:// URL in $${r.name}`,
        message: `env.py hands $${r.name} to SQLAlchemy as it is, and ${
          r.here === 'unset'
            ? `$${r.name} is not set here, so this verdict takes it to hold the URL given with --database-url, which starts with postgres:// (Heroku Postgres's scheme, as \`heroku config:get DATABASE_URL\` prints it)`
            : `here $${r.name} starts with postgres:// (Heroku Postgres's scheme)`
        }. SQLAlchemy 1.4 and later refuse that scheme: \`alembic upgrade\` fails before it reads the version table, whatever state the database is in.`,
        hint: postgresSchemeFix(r.name),
        path: v.envPy,
        line: r.line,
        alembicError: POSTGRES_SCHEME_REFUSED,
      }));
  },
};
