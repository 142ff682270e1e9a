import { upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';

/**
 * A pending step SQLite cannot run as Alembic emits it outside batch_alter_table: an alter_column that
 * changes a type, nullability or default (SQLite has no ALTER COLUMN: a syntax error), or a constraint
 * added or dropped (Alembic's SQLite dialect raises NotImplementedError). The upgrade fails there.
 */
export const sqliteNeedsBatch: Rule = {
  code: 'sqlite-needs-batch',
  severity: 'error',
  title: 'SQLite cannot run a step outside batch mode',
  summary:
    'A pending step SQLite cannot run outside batch_alter_table (ALTER COLUMN, a constraint added or dropped, a key, UNIQUE or indexed column dropped): the upgrade fails there.',
  check({ database: db }) {
    const step = db?.sqliteRefused;
    // PostgreSQL-only SQL is sqlite-refuses-postgres-sql's: batch mode does not help there
    if (!db || !step || step.postgresOnly) return [];
    if (step.inBatch)
      return [
        {
          code: 'sqlite-needs-batch',
          severity: 'error',
          title: `pending ${step.revision} adds an unnamed constraint, which batch mode refuses`,
          message: `At ${step.path}:${step.line} it ${step.what}: Alembic's batch mode copies the table and needs every constraint's name, so \`${upgradeCommand(db)}\` fails there.`,
          hint: 'Name the constraint in the call (batch_op.create_foreign_key("fk_child_parent", …)), or give the MetaData env.py passes as target_metadata a naming_convention.',
          path: step.path,
          line: step.line,
          revision: step.revision,
          alembicError: step.alembicError,
        },
      ];
    return [
      {
        code: 'sqlite-needs-batch',
        severity: 'error',
        title: `pending ${step.revision} runs a step SQLite cannot run outside batch_alter_table`,
        message: `The pending migration ${step.revision} (${step.path}:${step.line}) ${step.what}, outside batch_alter_table, which SQLite cannot do in place, so \`${upgradeCommand(db)}\` fails there.`,
        hint: 'Run the step inside `with op.batch_alter_table("TABLE") as batch_op:` (Alembic then copies the table with the change), or guard it so it runs on PostgreSQL only.',
        path: step.path,
        line: step.line,
        revision: step.revision,
        alembicError: step.alembicError,
      },
    ];
  },
};
