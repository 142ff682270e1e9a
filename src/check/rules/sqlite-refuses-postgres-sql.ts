import { upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';

/**
 * A pending migration runs, on SQLite, literal SQL only PostgreSQL has (`ALTER TYPE … ADD VALUE`,
 * `CREATE EXTENSION`): SQLite's parser stops at the word it does not know, a syntax error, and the
 * upgrade fails there. Under a dialect check (`if bind.dialect.name == "postgresql":`) it does not run.
 */
export const sqliteRefusesPostgresSql: Rule = {
  code: 'sqlite-refuses-postgres-sql',
  severity: 'error',
  title: "a pending step runs PostgreSQL's SQL on SQLite",
  summary:
    'A pending migration runs SQL only PostgreSQL has (ALTER TYPE, CREATE EXTENSION) on SQLite: a syntax error, and the upgrade fails there.',
  check({ database: db }) {
    const step = db?.sqliteRefused;
    if (!db || !step?.postgresOnly) return [];
    return [
      {
        code: 'sqlite-refuses-postgres-sql',
        severity: 'error',
        title: `pending ${step.revision} runs ${step.postgresOnly} on SQLite`,
        message: `The pending migration ${step.revision} (${step.path}:${step.line}) ${step.what}, which SQLite does not have: its parser stops with a syntax error, so \`${upgradeCommand(db)}\` fails there.`,
        hint: 'Guard the statement so that it runs on PostgreSQL only (`if op.get_bind().dialect.name == "postgresql":`), or run this app on PostgreSQL, as its migrations expect.',
        path: step.path,
        line: step.line,
        revision: step.revision,
        alembicError: step.alembicError,
      },
    ];
  },
};
