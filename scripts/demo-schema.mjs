// The schema the bundled example's migrations leave on SQLite, statement for statement as Alembic
// emits it (test/integration/demo.test.ts holds it to real Alembic), so the demo's databases hold
// what their stamps claim without needing Python: made by the migrations, then stamped by hand, as
// production was in the incident.

/** Each revision of the example, oldest first, with the DDL its upgrade() runs on SQLite. */
export const REVISIONS = [
  {
    revision: '1f2a3b4c5d6e',
    statements: [
      'CREATE TABLE users (\n\tid INTEGER NOT NULL, \n\temail VARCHAR(255) NOT NULL, \n\tPRIMARY KEY (id), \n\tUNIQUE (email)\n)',
    ],
  },
  {
    revision: '2a3b4c5d6e7f',
    statements: [
      "CREATE TABLE guest_sessions (\n\tid INTEGER NOT NULL, \n\tuser_id INTEGER NOT NULL, \n\tfailed_attempts INTEGER DEFAULT '0' NOT NULL, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(user_id) REFERENCES users (id)\n)",
    ],
  },
];

const VERSION_TABLE =
  'CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)';

/**
 * Builds on an open better-sqlite3 database what `alembic upgrade <upTo>` leaves, then stamps it with
 * `rows` (by hand: the incident's `guest_lockout_001` is a row no migration wrote).
 */
export function migrateAndStamp(db, upTo, rows) {
  const last = REVISIONS.findIndex((r) => r.revision === upTo);
  if (last < 0) throw new Error(`the example has no revision ${upTo}`);
  db.exec(VERSION_TABLE);
  for (const r of REVISIONS.slice(0, last + 1)) for (const sql of r.statements) db.exec(sql);
  const insert = db.prepare('INSERT INTO alembic_version (version_num) VALUES (?)');
  for (const row of rows) insert.run(row);
}
