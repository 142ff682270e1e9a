import type { Rule } from '../finding.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/** A module-level import in a migration that may not exist where Alembic runs. */
export const unresolvedImport: Rule = {
  code: 'unresolved-import',
  severity: 'warning',
  summary: 'A migration imports a module that is not in the repository, the standard library or the declared requirements.',
  check({ model }) {
    return findingsFromFileProblems(
      model,
      'unresolved-import',
      'warning',
      (_file, problem) =>
        problem.hint ??
        'Declare the package in requirements.txt (or pyproject.toml), or move the import inside upgrade()/downgrade() so it only runs when that migration does. Migrations that import application code break when that code changes later.',
    );
  },
};
