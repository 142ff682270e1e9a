import { upgradeCommand } from '../db-helpers.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { catalogHas, mayRemove, type ProbedTable } from '../schema-probe.js';

/**
 * The version table has rows, yet tables that the pending migrations create already exist: the
 * schema is ahead of its version table (stamped back by hand, or migrated by other means), and the
 * upgrade fails on the first CREATE TABLE.
 */
export const schemaAheadOfStamp: Rule = {
  code: 'schema-ahead-of-stamp',
  severity: 'error',
  summary: 'Tables the pending migrations create already exist: the upgrade fails on "already exists" (the schema is ahead of alembic_version).',
  check({ model, database: db }) {
    if (!db?.createdTables || !db.state.tables || !db.state.exists || db.state.rows.length === 0 || !db.prediction.willSucceed) return [];
    const has = catalogHas(db);
    const steps = db.prediction.steps.map((s) => s.revision);
    const clashes: ProbedTable[] = [];
    steps.forEach((revision, i) => {
      const created = db.createdTables!.get(revision);
      for (const t of created?.tables ?? []) {
        // a table an earlier pending step (or this one) may drop or rename first is not a certain clash
        if (has(t.name) && !steps.slice(0, i + 1).some((r) => mayRemove(model, r, t.name))) clashes.push({ ...t, revision, path: created!.path });
      }
    });
    if (clashes.length === 0) return [];
    const first = clashes[0]!;
    const listed = clashes.slice(0, 5).map((c) => `${c.name} (${c.revision}, ${c.path}:${c.line})`).join(', ') + (clashes.length > 5 ? ` and ${clashes.length - 5} more` : '');
    const rows = db.state.rows.map(String).join(', ');
    const sqlite = db.state.dialect === 'sqlite';
    const finding: Finding = {
      code: 'schema-ahead-of-stamp',
      severity: 'error',
      message: `The ${db.state.versionTable} table says ${rows}, but tables the pending migrations create are already in the database: ${listed}. \`${upgradeCommand(db)}\` will fail on the first of them (the database was stamped back by hand, or migrated by other means).`,
      hint: `First make sure this is the database you meant. If the schema already has everything up to a later revision, record that instead of running it: alembic stamp <that revision> (the last one whose tables and columns are all there); compare the columns before stamping, since the probe looks at table names only.`,
      path: first.path,
      line: first.line,
      revision: first.revision,
      alembicError: sqlite ? `sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) table ${first.name} already exists` : `sqlalchemy.exc.ProgrammingError: (psycopg2.errors.DuplicateTable) relation "${first.name}" already exists`,
    };
    return [finding];
  },
};
