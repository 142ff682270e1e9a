import type { Rule } from '../rule.js';

/** No version table: an uninitialised database. Alembic creates the table and runs everything. */
export const versionTableMissing: Rule = {
  code: 'version-table-missing',
  severity: 'info',
  title: 'no version table: Alembic treats it as new',
  summary: 'The database has no version table: Alembic will create it and run every migration from base.',
  check({ database: db }) {
    if (!db || db.state.exists) return [];
    const where = db.state.versionTableSchema
      ? `${db.state.versionTableSchema}.${db.state.versionTable}`
      : db.state.versionTable;
    const n = db.prediction.steps.length;
    return [
      {
        code: 'version-table-missing',
        severity: 'info',
        title: `no ${where} table: Alembic treats the database as new`,
        // a failing prediction has no steps: do not call that "0 migrations"
        message: db.prediction.willSucceed
          ? `The database has no ${where} table, so Alembic treats it as new: it will create the table and apply ${n} migration${n === 1 ? '' : 's'} from base.`
          : `The database has no ${where} table, so Alembic treats it as new: it will create the table and run the migrations from base (${db.prediction.unpredictable ? 'the upgrade could not be predicted' : 'the upgrade is predicted to fail'}: see the error).`,
        hint: `Expected for a new database. If this database already has your schema, Alembic will try to create it again and fail: check the URL, --version-table and --version-table-schema, or stamp it: ${db.words.alembic('stamp', '<revision>')}.`,
      },
    ];
  },
};
