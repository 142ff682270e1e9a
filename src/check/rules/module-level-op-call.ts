import type { Rule } from '../rule.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/** `op.…()` in a migration's module-level code: only a migration run establishes the proxy. */
export const moduleLevelOpCall: Rule = {
  code: 'module-level-op-call',
  severity: 'warning',
  summary: 'A migration calls op.…() at module level: alembic heads, history and revision fail while loading it (upgrade still works).',
  check({ model }) {
    return findingsFromFileProblems(
      model,
      'module-level-op-call',
      'warning',
      () => 'Move the call into upgrade()/downgrade(), or into a function they call: def upgrade(): bind = op.get_bind(); …',
    );
  },
};
