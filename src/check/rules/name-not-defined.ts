import type { Rule } from '../rule.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/**
 * Module-level code in a revision file reads a name nothing has bound (`TABLE = tabel_name`): Python
 * raises NameError while Alembic imports the file, so every command that loads the scripts fails.
 */
export const nameNotDefined: Rule = {
  code: 'name-not-defined',
  severity: 'error',
  title: 'module-level code reads an unbound name',
  summary: 'Module-level code reads a name nothing binds: NameError whenever Alembic loads the file.',
  check({ model }) {
    return findingsFromFileProblems(
      model,
      'name-not-defined',
      'error',
      (_file, { name, line }) =>
        `Define ${name} before line ${line}, import it, or correct its spelling. What a migration needs from the application is safer imported inside upgrade().`,
      (file, { name, line, annotation }) => {
        const where = annotation
          ? `in an annotation, which Python ${annotation.python} (${annotation.source}) evaluates when it runs the file,`
          : 'at module level';
        return `${file.path}: reads ${name} ${where} (line ${line}) before anything binds it, so Python raises NameError: name '${name}' is not defined whenever Alembic loads the file: every command fails`;
      },
      (_file, { name }) => `${name} is read before anything binds it: NameError on load`,
    );
  },
};
