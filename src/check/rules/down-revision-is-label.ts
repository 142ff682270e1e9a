import type { Rule } from '../rule.js';
import { alembicOutput, graphProblems, revLocation } from '../rule-helpers.js';

/** down_revision names a branch label; Alembic accepts that only in depends_on. */
export const downRevisionIsLabel: Rule = {
  code: 'down-revision-is-label',
  severity: 'error',
  title: 'down_revision names a branch label, not a revision',
  summary: 'down_revision names a branch label instead of a revision id.',
  check({ model }) {
    return graphProblems(model, 'down-revision-is-label').map((p) => {
      const owner = p.others[0];
      return {
        code: 'down-revision-is-label',
        severity: 'error',
        message: `${p.rev!.file.path}: down_revision is '${p.ids[0]}', a branch label${owner ? ` of ${owner.id}` : ''}, not a revision id. Alembic accepts labels only in depends_on and crashes with ${p.failure!.message}.`,
        hint: owner
          ? `Write down_revision = '${owner.id}' (the revision that carries the label).`
          : 'Use the revision id in down_revision.',
        ...revLocation(p.rev),
        line: p.rev!.script.downLine,
        alembicError: alembicOutput(p.failure),
      };
    });
  },
};
