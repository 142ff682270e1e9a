import { upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';
import { clashError, clashWords, describeObject } from '../schema/describe-object.js';

/**
 * The version table has rows, yet an object a pending migration creates already exists: the schema
 * is ahead of its version table (stamped back by hand, or migrated by other means, or a type a
 * downgrade left behind), and the upgrade fails on "already exists".
 */
export const schemaAheadOfStamp: Rule = {
  code: 'schema-ahead-of-stamp',
  severity: 'error',
  title: 'what a pending step creates already exists',
  summary:
    'An object a pending migration creates already exists: the upgrade fails on "already exists" (the schema is ahead of alembic_version).',
  check({ database: db }) {
    const clash = db?.schema?.clash;
    // a partly applied first migration is migration-partly-applied's, with what is there and what is not
    if (
      !db ||
      !clash ||
      db.partly ||
      clash.problem !== 'exists' ||
      !db.state.exists ||
      db.state.rows.length === 0
    )
      return [];
    const rows = db.state.rows.map(String).join(', ');
    const what = describeObject(clash.obj);
    const says = clashWords(clash, db.state) ?? 'already exists';
    return [
      {
        code: 'schema-ahead-of-stamp',
        severity: 'error',
        title: `pending ${clash.revision} creates ${what}, which the database already has`,
        message: `The ${db.state.versionTable} table says ${rows}, but ${what}, which the pending migration ${clash.revision} creates (${clash.path}:${clash.line}), is already in the database. \`${upgradeCommand(db)}\` will fail there with "${says}" (the database was stamped back by hand, migrated by other means, or a downgrade left ${what} behind).`,
        hint: `First make sure this is the database you meant. If the schema already has everything up to a later revision, record that instead of running it: ${db.words.alembic('stamp', '<that revision>')} (verify names it when the catalog matches one). If only ${what} is left over from a downgrade, drop it, or make the migration tolerate it.`,
        path: clash.path,
        line: clash.line,
        revision: clash.revision,
        ...(clashError(clash, db.state) ? { alembicError: clashError(clash, db.state)! } : {}),
      },
    ];
  },
};
