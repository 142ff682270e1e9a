import type { Rule } from '../rule.js';
import { alembicOutput, graphProblems } from '../rule-helpers.js';

/** down_revision plus depends_on links form a loop. */
export const dependencyCycle: Rule = {
  code: 'dependency-cycle',
  severity: 'error',
  title: 'depends_on and down_revision form a cycle',
  summary: 'depends_on and down_revision together form a cycle.',
  check({ model }) {
    return graphProblems(model, 'dependency-cycle').map((p) => {
      const first = p.others[0];
      return {
        code: 'dependency-cycle',
        severity: 'error',
        message: `Counting depends_on, the revisions ${p.ids.join(', ')} depend on each other in a loop. Alembic fails: ${p.failure!.message}.`,
        hint: `Remove the depends_on entry that points forward in history (a revision cannot depend on its own descendant). An empty string in depends_on also causes this: use None.`,
        path: first?.file.path,
        line: first?.script.dependsOnLine,
        revision: p.ids.join(', '),
        alembicError: alembicOutput(p.failure),
      };
    });
  },
};
