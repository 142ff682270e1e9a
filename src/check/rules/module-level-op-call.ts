import type { Rule } from '../rule.js';
import { findingsFromFileProblems } from '../rule-helpers.js';

/** `op.…()` in a migration's module-level code: only a migration run establishes the proxy. */
export const moduleLevelOpCall: Rule = {
  code: 'module-level-op-call',
  severity: 'warning',
  title: 'op is called at module level',
  summary:
    'A migration calls op.…() at module level: alembic heads, history and revision fail while loading it (upgrade still works).',
  check({ model }) {
    return findingsFromFileProblems(
      model,
      'module-level-op-call',
      'warning',
      () =>
        'Move the call into upgrade()/downgrade(), or into a function they call: def upgrade(): bind = op.get_bind(); …',
      (file, { method, more }) => {
        // Alembic's own text, from alembic.util.langhelpers.ModuleClsProxy
        const error = `NameError: Can't invoke function '${method}', as the proxy object has not yet been established for the Alembic 'Operations' class.  Try placing this code inside a callable.`;
        const others = more > 0 ? ` (and ${more} more op call${more > 1 ? 's' : ''} outside functions)` : '';
        return `${file.path}: calls op.${method}() outside upgrade() and downgrade()${others}, so it runs whenever Alembic loads the scripts. op only works during a migration run: \`alembic upgrade\`, \`downgrade\`, \`stamp\` and \`current\` still work, but \`alembic heads\`, \`history\` and \`revision\` fail with ${error}`;
      },
    );
  },
};
