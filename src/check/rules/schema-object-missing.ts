import { pendingClash, upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';
import { clashError, describeObject } from '../schema/describe-object.js';

/**
 * A pending migration drops, alters, renames or adds to an object that is not in the database (a
 * column on a table that is missing, an UPDATE of one): dropped by hand, never created (stamped past
 * the revision that makes it), or renamed outside the migrations. The upgrade fails on "does not
 * exist". A step under if, for or try may not run: then a warning.
 */
export const schemaObjectMissing: Rule = {
  code: 'schema-object-missing',
  severity: 'error',
  title: 'a pending step needs an object that is missing',
  summary:
    'A pending migration works on a table, column, index or constraint that is not in the database: the upgrade fails on "does not exist".',
  check({ model, database: db }) {
    // a step under if, for or try fails only if it runs: a warning, unless a certain failure comes first
    const found = pendingClash(db, 'missing');
    // a partly applied first migration is migration-partly-applied's
    if (!db || !found || db.partly) return [];
    const { clash, certain } = found;
    const what = describeObject(clash.obj);
    const maker = db.schema?.behind.find(
      (m) => m.expected === 'present' && (m.obj.name === clash.obj.name || m.obj.name === clash.obj.table),
    );
    const parent = maker ? model.map.byKey.get(maker.by.revision)?.versionedDown : undefined;
    const back = parent?.length === 1 ? parent[0]! : parent?.length === 0 ? 'base' : undefined;
    const error = clashError(clash, db.state);
    if (!certain) {
      return [
        {
          code: 'schema-object-missing',
          severity: 'warning',
          title: `pending ${clash.revision} may fail: the database lacks ${what}`,
          message: `The pending migration ${clash.revision} (${clash.path}:${clash.line}) ${clash.does} ${what} in a step under if, for or try, and ${what} is not in the database: if that step runs, \`${upgradeCommand(db)}\` fails there with "does not exist"${error ? ` (${error})` : ''}.`,
          hint: `Check the condition around ${clash.path}:${clash.line}: if it holds on this database, restore ${what} or change the migration so it does not need it.`,
          path: clash.path,
          line: clash.line,
          revision: clash.revision,
        },
      ];
    }
    return [
      {
        code: 'schema-object-missing',
        severity: 'error',
        title: `pending ${clash.revision} needs ${what}, which the database lacks`,
        message: `The pending migration ${clash.revision} (${clash.path}:${clash.line}) ${clash.does} ${what}, which is not in the database: \`${upgradeCommand(db)}\` will fail there${error ? '' : db.state.dialect === 'sqlite' && clash.batch ? ' (its exact error depends on what else the batch block does: not quoted)' : ' with "does not exist"'}.${maker ? ` ${maker.by.revision} (${maker.path}:${maker.by.line}) creates it and is recorded as applied, so it was stamped without running, or the object was dropped since.` : ''}`,
        hint:
          maker && back
            ? `If ${maker.by.revision} never ran, move the stamp back and run it: ${db.words.alembic('stamp', back)}, then ${upgradeCommand(db)}. If ${what} was removed on purpose, a migration should say so.`
            : `Find out where ${what} went (a manual change, another app sharing the database); restore it, or change the migration so it does not need it.`,
        path: clash.path,
        line: clash.line,
        revision: clash.revision,
        ...(error ? { alembicError: error } : { failsUpgrade: true as const }),
      },
    ];
  },
};
