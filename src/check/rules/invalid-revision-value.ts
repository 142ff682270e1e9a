import type { Rule } from '../finding.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/** revision is an int, None, bytes or a tuple instead of a string. */
export const invalidRevisionValue: Rule = {
  code: 'invalid-revision-value',
  severity: 'error',
  summary: 'revision is not a string (an int, None, bytes or a tuple).',
  check({ model }) {
    return findingsFromFileProblems(model, 'invalid-revision-value', 'error', () => 'Quote the id: revision = "abc123".');
  },
};
