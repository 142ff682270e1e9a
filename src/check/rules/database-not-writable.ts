import { upgradeCommand } from '../db-helpers.js';
import type { DatabaseContext, Rule } from '../rule.js';

/**
 * The upgrade has work to do, but this database or role cannot write it: a hot standby, a session that
 * is read-only by default, a version_table_schema that does not exist, a role without CREATE on the
 * schema the table must be created in, without the privileges the version-table changes need, or a
 * version relation that cannot take them (a view, a foreign table, DO INSTEAD NOTHING, row security).
 * Alembic then fails on its first write, after migrations may have run.
 */
export const databaseNotWritable: Rule = {
  code: 'database-not-writable',
  severity: 'error',
  title: 'the upgrade must write, and it cannot',
  summary:
    'The upgrade must write, but the database or role cannot: a standby, a read-only default, a missing schema, missing privileges, or a version relation that refuses the write.',
  check({ database: db }) {
    const w = db?.state.writable;
    if (!db || !w || !db.prediction.willSucceed || db.prediction.steps.length === 0) return [];
    const problem = whyNot(db, w);
    if (!problem) return [];
    return [
      {
        code: 'database-not-writable',
        severity: 'error',
        title: `${db.prediction.steps.length} migration${db.prediction.steps.length === 1 ? '' : 's'} to apply, and this connection cannot write them`,
        message: `\`${upgradeCommand(db)}\` has ${db.prediction.steps.length} migration${db.prediction.steps.length === 1 ? '' : 's'} to apply, but ${problem.why}.`,
        hint: problem.fix,
        ...(problem.alembic ? { alembicError: problem.alembic } : {}),
      },
    ];
  },
};

function whyNot(
  db: DatabaseContext,
  w: NonNullable<DatabaseContext['state']['writable']>,
): { why: string; fix: string; alembic?: string } | undefined {
  if (db.state.dialect === 'mysql') return mysqlWhyNot(db, w);
  // Alembic creates a missing version table first; otherwise its first write is the first migration's
  // own first statement, which cannot be named without running it
  const readOnly = db.state.exists
    ? {
        at: ` (Alembic fails on the first statement ${db.prediction.steps[0]!.revision} runs: "cannot execute … in a read-only transaction")`,
      }
    : {
        at: '',
        alembic:
          'sqlalchemy.exc.InternalError: (psycopg2.errors.ReadOnlySqlTransaction) cannot execute CREATE TABLE in a read-only transaction',
      };
  if (w.recovery) {
    return {
      why: `the database is a hot standby (in recovery), which takes no writes${readOnly.at}`,
      fix: 'Point the URL at the primary: a read replica or follower cannot be migrated.',
      ...(readOnly.alembic ? { alembic: readOnly.alembic } : {}),
    };
  }
  if (w.readOnly) {
    return {
      why: `default_transaction_read_only is on for this connection (set on the database or the role), so every transaction Alembic opens is read-only${readOnly.at}`,
      fix: 'Use a credential whose sessions can write, or turn the setting off where it was set: ALTER ROLE … SET default_transaction_read_only = off (or ALTER DATABASE …).',
      ...(readOnly.alembic ? { alembic: readOnly.alembic } : {}),
    };
  }
  if (!db.state.exists) {
    if (!w.schemaExists || w.schema === null) {
      const schema = w.schema ?? '(none: no schema on the search_path exists)';
      return {
        why: `the schema the version table would be created in, ${schema}, does not exist`,
        fix: `Create it first (CREATE SCHEMA ${w.schema ?? '…'}), or correct version_table_schema / --version-table-schema.`,
        alembic: `sqlalchemy.exc.ProgrammingError: (psycopg2.errors.InvalidSchemaName) schema "${w.schema ?? ''}" does not exist`,
      };
    }
    if (!w.canCreate) {
      return {
        why: `the version table must be created in schema ${w.schema}, and this role has no CREATE privilege there (PostgreSQL 15 no longer grants it on public to every role)`,
        fix: `GRANT CREATE ON SCHEMA ${w.schema} TO <this role>, or migrate with the schema owner's credential.`,
        alembic: `sqlalchemy.exc.ProgrammingError: (psycopg2.errors.InsufficientPrivilege) permission denied for schema ${w.schema}`,
      };
    }
    return undefined;
  }
  return db.versionWrites?.blocked;
}

/**
 * MySQL and MariaDB: a server running read_only (a replica, or a primary set read-only) refuses every
 * write of a user without SUPER or READ ONLY ADMIN with the same error, whichever statement comes first;
 * otherwise the user's grants decide the version table's writes (mysqlDenied).
 */
function mysqlWhyNot(
  db: DatabaseContext,
  w: NonNullable<DatabaseContext['state']['writable']>,
): { why: string; fix: string; alembic?: string } | undefined {
  const facts = db.state.mysql;
  if (!w.readOnly) return mysqlDenied(db);
  const module = facts?.driver === 'mysqldb' ? 'MySQLdb._exceptions' : 'pymysql.err';
  return {
    why: `the ${facts?.flavor ?? 'MySQL'} server runs with read_only on (a replica, or a primary set read-only), and this user has neither SUPER nor READ ONLY ADMIN, so its first write fails`,
    fix: 'Point the URL at the primary: a replica cannot be migrated (or SET GLOBAL read_only = OFF where the server was set read-only by mistake).',
    alembic: `sqlalchemy.exc.OperationalError: (${module}.OperationalError) (1290, 'The ${facts?.flavor ?? 'MySQL'} server is running with the --read-only option so it cannot execute this statement')`,
  };
}

/**
 * MySQL and MariaDB: a version-table write this user's grants do not allow. A missing table's CREATE
 * fails before any migration runs; an INSERT, UPDATE or DELETE fails after its migration's DDL committed,
 * which leaves that migration half-applied for the next release.
 */
function mysqlDenied(db: DatabaseContext): { why: string; fix: string; alembic?: string } | undefined {
  const facts = db.state.mysql;
  const granted = facts?.privileges;
  if (!facts || !granted) return undefined;
  const database = db.state.versionTableSchema ?? db.state.database;
  const table = db.state.versionTable;
  const commandOf = (op: string): string => op.split(' ', 1)[0]!;
  const step = db.prediction.steps.find((s) => s.versionOps.some((o) => !granted.includes(commandOf(o))));
  const cmd =
    !db.state.exists && !granted.includes('CREATE')
      ? 'CREATE'
      : step?.versionOps.map(commandOf).find((c) => !granted.includes(c));
  if (!cmd) return undefined;
  const module = facts.driver === 'mysqldb' ? 'MySQLdb._exceptions' : 'pymysql.err';
  const when =
    cmd === 'CREATE'
      ? 'Alembic creates the version table first, and fails there before any migration runs'
      : `Alembic fails on it after ${step!.revision}'s DDL ran, and that DDL stays (${facts.flavor} commits each DDL statement): the next release finds ${step!.revision} half-applied`;
  return {
    why: `this user has no ${cmd} privilege on ${database}.${table}: ${when}`,
    fix: `GRANT SELECT, INSERT, UPDATE, DELETE, CREATE ON \`${database}\`.* TO ${facts.login ?? '<this user>'}, or migrate with a user that has them.`,
    // MariaDB's words, checked against a server; MySQL 8 names the table otherwise
    ...(facts.flavor === 'MariaDB'
      ? {
          alembic: `sqlalchemy.exc.OperationalError: (${module}.OperationalError) (1142, "${cmd} command denied to user ${facts.login ?? ''} for table \`${database}\`.\`${table}\`")`,
        }
      : {}),
  };
}
