import { upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';
import { clashError } from '../schema/describe-object.js';

/**
 * A pending migration adds a value to an enum (`ALTER TYPE t ADD VALUE 'x'`) and then, in the same
 * transaction, writes that value to a column of the type. PostgreSQL refuses a new enum value until the
 * transaction that added it commits ("unsafe use of new value"), so the upgrade fails there, on every
 * database that did not have the value yet.
 */
export const enumValueUsedBeforeCommit: Rule = {
  code: 'enum-value-used-before-commit',
  severity: 'error',
  title: 'a pending step writes a new enum value before it commits',
  summary:
    'A pending migration adds an enum value and writes it in the same transaction: PostgreSQL refuses it ("unsafe use of new value").',
  check({ database: db }) {
    const clash = db?.schema?.clash?.problem === 'uncommitted' ? db.schema.clash : undefined;
    if (!db || !clash) return [];
    const { table: type, name: value } = clash.obj;
    const error = clashError(clash, db.state);
    return [
      {
        code: 'enum-value-used-before-commit',
        severity: 'error',
        title: `pending ${clash.revision} uses the enum value '${value}' before it is committed`,
        message: `The pending migration ${clash.revision} adds the value '${value}' to the enum ${type} and writes it at ${clash.path}:${clash.line}, in the same transaction. PostgreSQL refuses a new enum value until the transaction that added it commits: \`${upgradeCommand(db)}\` fails there with "unsafe use of new value" on this database, which does not have '${value}' yet.`,
        hint: `Add the value in its own transaction: put the ALTER TYPE … ADD VALUE inside \`with op.get_context().autocommit_block():\`, or move the statements that use '${value}' to a later migration run with transaction_per_migration=True in env.py's context.configure().`,
        path: clash.path,
        line: clash.line,
        revision: clash.revision,
        ...(error ? { alembicError: error } : { failsUpgrade: true as const }),
      },
    ];
  },
};
