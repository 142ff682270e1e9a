import type { Rule } from '../rule.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/**
 * A revision file without a module-level upgrade() (a typo such as `def upgrde():`): Alembic loads it and
 * lists it, but fails with AttributeError when it runs it. An error where the upgrade will run it (check:
 * every new database does); a warning when verify finds the database already past it.
 */
export const noUpgradeFunction: Rule = {
  code: 'no-upgrade-function',
  severity: 'error',
  title: 'a revision defines no upgrade()',
  summary:
    'A revision file defines no upgrade(): Alembic fails with AttributeError when it runs that revision.',
  check({ model, database }) {
    const pending = database ? new Set(database.prediction.steps.map((s) => s.revision)) : undefined;
    return findingsFromFileProblems(
      model,
      'no-upgrade-function',
      'error',
      () =>
        'Define upgrade() in the file (check the spelling: def upgrade():), even as `pass` for a revision with nothing to do.',
      (file, { module }) =>
        `${file.path}: defines no upgrade() at module level, so Alembic fails when it runs this revision: AttributeError: module '${module}' has no attribute 'upgrade'`,
      () => 'no upgrade() at module level: Alembic fails when it runs this revision',
    ).map((f) =>
      pending && database?.prediction.willSucceed && (f.revision === undefined || !pending.has(f.revision))
        ? {
            ...f,
            severity: 'warning' as const,
            message: `${f.message}. This database is past it, so this upgrade does not run it; every new database (CI, a review app) does.`,
          }
        : f,
    );
  },
};
