import { upgradeCommand } from '../db-helpers.js';
import type { Rule } from '../rule.js';

/** What Python raises when input() meets the end of its stdin, as Alembic's run ends with it. */
const EOF_ERROR = 'EOFError: EOF when reading a line';

/**
 * A pending upgrade() reads a line from its terminal (`input()`, `sys.stdin`), to ask a person to
 * confirm. A release phase, a CI job or a container entrypoint has no one there and no terminal:
 * stdin is empty, input() raises EOFError and the upgrade fails. Under if, for or while it may not run:
 * then a warning.
 */
export const migrationWaitsForInput: Rule = {
  code: 'migration-waits-for-input',
  severity: 'error',
  title: 'a pending migration asks its terminal for input',
  summary:
    'A pending upgrade() reads a line from its terminal (input()): run unattended (a release phase, CI), it fails with EOFError.',
  check({ database: db }) {
    const read = db?.inputRead;
    if (!db || !read || !db.prediction.willSucceed) return [];
    const where = `${read.path}:${read.line}`;
    const hint = `Run this upgrade by hand, in a terminal where someone can answer (${upgradeCommand(db)}), before the deploy; or take the prompt out of the migration.`;
    const fails = `run without a terminal (a release phase, CI, a container's entrypoint) it gets no line and fails with "${EOF_ERROR}"`;
    if (read.conditional)
      return [
        {
          code: 'migration-waits-for-input',
          severity: 'warning',
          title: `pending ${read.revision} may ask its terminal for input (${where})`,
          message: `The pending migration ${read.revision} reads a line from its terminal at ${where}, under if, for or while: if that line runs, ${fails}.`,
          hint,
          path: read.path,
          line: read.line,
          revision: read.revision,
        },
      ];
    return [
      {
        code: 'migration-waits-for-input',
        severity: 'error',
        title: `pending ${read.revision} asks its terminal for input (${where})`,
        message: `The pending migration ${read.revision} reads a line from its terminal at ${where} (input(), to have a person confirm): ${fails}, and \`${upgradeCommand(db)}\` stops there.`,
        hint,
        path: read.path,
        line: read.line,
        revision: read.revision,
        alembicError: EOF_ERROR,
      },
    ];
  },
};
