import type { Rule } from '../rule.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/** A .py file without `revision` (e.g. helpers.py) in a versions folder breaks every command. */
export const noRevisionVariable: Rule = {
  code: 'no-revision-variable',
  severity: 'error',
  title: 'a file in a versions folder has no revision',
  summary: 'A .py file in a versions folder has no revision variable.',
  check({ model }) {
    return findingsFromFileProblems(
      model,
      'no-revision-variable',
      'error',
      (file) =>
        `Move ${file.fileName} out of the versions folder (Alembic treats every .py file there as a migration), or add revision = "<id>" if it is one.`,
      // Alembic's own words
      (file, p) => `${file.path}: ${p.message}`,
    );
  },
};
