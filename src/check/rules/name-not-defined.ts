import type { Rule } from '../rule.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/**
 * Module-level code in a revision file reads a name nothing has bound (`TABLE = tabel_name`): Python
 * raises NameError while Alembic imports the file, so every command that loads the scripts fails.
 */
export const nameNotDefined: Rule = {
  code: 'name-not-defined',
  severity: 'error',
  summary: 'Module-level code reads a name nothing binds: NameError whenever Alembic loads the file.',
  check({ model }) {
    return findingsFromFileProblems(model, 'name-not-defined', 'error', (_file, problem) => problem.hint ?? 'Define the name before this line, import it, or correct its spelling.');
  },
};
