import type { Rule } from '../finding.js';
import { alembicOutput, graphProblems } from '../rule-helpers.js';

/** down_revision links form a loop (or leave no base or head at all). */
export const revisionCycle: Rule = {
  code: 'revision-cycle',
  severity: 'error',
  summary: 'down_revision links form a cycle.',
  check({ model }) {
    return graphProblems(model, 'revision-cycle').map((p) => {
      const first = p.others[0];
      return {
        code: 'revision-cycle',
        severity: 'error',
        message: `The down_revision links of ${p.ids.join(', ')} form a cycle (or cut those revisions off from every base and head). Alembic fails: ${p.failure!.message}.`,
        hint: `Open the files of ${p.ids.join(', ')} and make one of them point at the revision it really follows; each chain must end at a base with down_revision = None.`,
        path: first?.file.path,
        line: first?.script.downLine,
        revision: p.ids.join(', '),
        alembicError: alembicOutput(p.failure),
      };
    });
  },
};
