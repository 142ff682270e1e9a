import type { Rule } from '../finding.js';

/** No version table: an uninitialised database. Alembic creates the table and runs everything. */
export const versionTableMissing: Rule = {
  code: 'version-table-missing',
  severity: 'info',
  summary: 'The database has no version table: Alembic will create it and run every migration from base.',
  check({ database: db }) {
    if (!db || db.state.exists) return [];
    const where = db.state.versionTableSchema ? `${db.state.versionTableSchema}.${db.state.versionTable}` : db.state.versionTable;
    const n = db.prediction.steps.length;
    return [
      {
        code: 'version-table-missing',
        severity: 'info',
        message: `The database has no ${where} table, so Alembic treats it as new: it will create the table and apply ${n} migration${n === 1 ? '' : 's'} from base.`,
        hint: 'Expected for a new database. If this database already has your schema, Alembic will try to create it again and fail: check the URL, --version-table and --version-table-schema, or stamp it: alembic stamp <revision>.',
      },
    ];
  },
};
