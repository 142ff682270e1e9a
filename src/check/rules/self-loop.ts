import type { Rule } from '../rule.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/** A revision names itself in down_revision or depends_on. */
export const selfLoop: Rule = {
  code: 'self-loop',
  severity: 'error',
  title: 'a revision lists itself as its parent',
  summary: 'A revision lists itself in down_revision or depends_on.',
  check({ model }) {
    return findingsFromFileProblems(
      model,
      'self-loop',
      'error',
      () =>
        'Point down_revision at the previous revision (copy-paste from the file before it is the usual cause).',
      (file, p) => `${file.path}: the revision refers to itself. Alembic fails: ${p.message}.`,
    );
  },
};
