import type { Rule } from '../rule.js';
import { alembicOutput, graphProblems, revLocation } from '../rule-helpers.js';

/** A branch label is used twice, or equals a revision id. */
export const duplicateBranchLabel: Rule = {
  code: 'duplicate-branch-label',
  severity: 'error',
  title: 'a branch label is declared twice',
  summary: 'A branch label is declared twice or equals a revision id.',
  check({ model }) {
    return graphProblems(model, 'duplicate-branch-label').map((p) => {
      const other = p.others[0]!;
      const isId = other.id === p.ids[0];
      return {
        code: 'duplicate-branch-label',
        severity: 'error',
        message: `${p.rev!.file.path}: branch label '${p.ids[0]}' is already ${isId ? 'a revision id' : `used by revision ${other.id} (${other.file.path})`}. Alembic fails: ${p.failure!.message} (it may name the two revisions the other way round; it iterates a set).`,
        hint: `Rename one of the labels; labels and revision ids share one namespace.`,
        ...revLocation(p.rev),
        line: p.rev!.script.branchLabelsLine,
        alembicError: alembicOutput(p.failure),
      };
    });
  },
};
