import type { Rule } from '../rule.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/** '@', '-', '+' (and ':' since Alembic 1.17.1) are not allowed in revision ids. */
export const illegalRevisionCharacters: Rule = {
  code: 'illegal-revision-characters',
  severity: 'error',
  title: 'a revision id has characters Alembic refuses',
  summary: "A revision id contains '@', '-', '+' or (Alembic ≥ 1.17.1) ':'.",
  check({ model }) {
    return findingsFromFileProblems(
      model,
      'illegal-revision-characters',
      'error',
      () =>
        'Use letters, digits and underscores only (for example replace - with _), and update the children that name it.',
      (file, p) => `${file.path}: ${p.message}. Alembic rejects the whole graph.`,
    );
  },
};
