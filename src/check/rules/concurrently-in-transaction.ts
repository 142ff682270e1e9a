import { upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';

/**
 * A pending step PostgreSQL refuses inside a transaction block (CREATE INDEX CONCURRENTLY, its DROP, a
 * VACUUM), outside `autocommit_block()`: Alembic runs each migration in a transaction on PostgreSQL, so
 * the upgrade fails there on every database, an empty one too.
 */
export const concurrentlyInTransaction: Rule = {
  code: 'concurrently-in-transaction',
  severity: 'error',
  title: 'a pending step cannot run inside the migration transaction',
  summary:
    'A pending step PostgreSQL refuses inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM) runs outside autocommit_block(): the upgrade fails there.',
  check({ database: db }) {
    const s = db?.inTransaction;
    if (!db || !s) return [];
    const how = s.call ? `op.${s.call}(…, postgresql_concurrently=True)` : `SQL (${s.statement})`;
    return [
      {
        code: 'concurrently-in-transaction',
        severity: 'error',
        title: `pending ${s.revision} runs ${s.statement} inside a transaction`,
        message: `Its step at ${s.path}:${s.line} (${how}) is not in autocommit_block(), and Alembic runs each migration in a transaction on PostgreSQL, which refuses it: \`${upgradeCommand(db)}\` fails there, whatever the table holds.`,
        hint: `Run the step in an autocommit block: with op.get_context().autocommit_block(): followed by the step, indented (Alembic commits what came before it first). Or drop CONCURRENTLY where the table is small enough to lock.`,
        path: s.path,
        line: s.line,
        revision: s.revision,
        alembicError: `sqlalchemy.exc.InternalError: (psycopg2.errors.ActiveSqlTransaction) ${s.statement} cannot run inside a transaction block`,
      },
    ];
  },
};
