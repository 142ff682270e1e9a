import type { Rule } from '../rule.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/** `revision` without `down_revision`: Alembic's attribute access raises. */
export const noDownRevisionVariable: Rule = {
  code: 'no-down-revision-variable',
  severity: 'error',
  title: 'a revision file has no down_revision',
  summary: 'A revision file has no down_revision variable.',
  check({ model }) {
    return findingsFromFileProblems(
      model,
      'no-down-revision-variable',
      'error',
      () => 'Add down_revision = "<parent id>" (or None for a first revision) at module level.',
      (file, p) =>
        `${file.path}: the file sets revision but never down_revision. Alembic crashes with ${p.message}.`,
    );
  },
};
