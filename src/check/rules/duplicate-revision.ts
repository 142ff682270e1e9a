import type { Rule } from '../rule.js';
import { graphProblems } from '../rule-helpers.js';

/** Two files declare the same revision id: the last loaded wins and the other stays a phantom head. */
export const duplicateRevision: Rule = {
  code: 'duplicate-revision',
  severity: 'error',
  title: 'two files declare the same revision id',
  summary: 'Two files declare the same revision id.',
  check({ model }) {
    return graphProblems(model, 'duplicate-revision').map((p) => {
      const winner = p.rev!;
      const loser = p.others[0]!;
      return {
        code: 'duplicate-revision',
        severity: 'error',
        title: `two files declare revision ${winner.id}`,
        message: `Revision ${winner.id} is declared by both ${loser.file.path}:${loser.script.line ?? '?'} and ${winner.file.path}:${winner.script.line ?? '?'}. Alembic warns "${p.warning}", keeps ${winner.file.path} (loaded last) and still counts the other as a head, so \`alembic upgrade head\` fails with MultipleHeads.`,
        hint: `Delete the stale copy, or give one of them a new id (alembic revision --rev-id <new-id> creates a fresh file) and point its children's down_revision at it.`,
        path: winner.file.path,
        line: winner.script.line,
        revision: winner.id,
      };
    });
  },
};
