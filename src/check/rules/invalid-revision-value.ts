import type { Rule } from '../rule.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/** revision is an int, None, bytes or a tuple instead of a string (or, before Alembic 1.12.1, down_revision an int). */
export const invalidRevisionValue: Rule = {
  code: 'invalid-revision-value',
  severity: 'error',
  summary: 'revision is not a non-empty string (an int, None, bytes, a tuple, ""), or down_revision is an int or a bool.',
  check({ model }) {
    return findingsFromFileProblems(model, 'invalid-revision-value', 'error', (_f, p) =>
      p.message.startsWith('down_revision') ? 'Quote the id: down_revision = "abc123".' : 'Quote the id: revision = "abc123".',
    );
  },
};
