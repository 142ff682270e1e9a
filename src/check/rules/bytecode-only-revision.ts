import type { Rule } from '../rule.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/** sourceless = true makes stale .pyc files live revisions we cannot read. */
export const bytecodeOnlyRevision: Rule = {
  code: 'bytecode-only-revision',
  severity: 'error',
  title: 'a revision exists only as compiled bytecode',
  summary: 'With sourceless = true, a .pyc/.pyo without source is a revision that cannot be read statically.',
  check({ model }) {
    return findingsFromFileProblems(
      model,
      'bytecode-only-revision',
      'error',
      () =>
        'Delete stale bytecode (find . -name __pycache__ -prune -exec rm -rf {} +) or commit the source; sourceless = true turns the bytecode of deleted migrations into live revisions.',
      (file) =>
        `${file.path}: ${file.fileName} is compiled bytecode with no source beside it; with sourceless = true Alembic executes it, but it cannot be read statically.`,
    );
  },
};
