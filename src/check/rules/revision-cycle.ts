import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { alembicOutput, consequenceOf, graphProblems, unparsedDeclaring } from '../rule-helpers.js';

/** down_revision links form a loop (or leave no base or head at all). */
export const revisionCycle: Rule = {
  code: 'revision-cycle',
  severity: 'error',
  title: 'down_revision links form a cycle',
  summary: 'down_revision links form a cycle.',
  check({ model }) {
    return graphProblems(model, 'revision-cycle').map((p) => {
      const first = p.others[0];
      const finding: Finding = {
        code: 'revision-cycle',
        severity: 'error',
        message: `The down_revision links of ${p.ids.join(', ')} form a cycle (or cut those revisions off from every base and head). Alembic fails: ${p.failure!.message}.`,
        hint: `Open the files of ${p.ids.join(', ')} and make one of them point at the revision it really follows; each chain must end at a base with down_revision = None.`,
        path: first?.file.path,
        line: first?.script.downLine,
        revision: p.ids.join(', '),
        alembicError: alembicOutput(p.failure),
      };
      // cut off from every base only because the file of a parent cannot be parsed
      for (const rev of p.others) {
        for (const parent of [
          ...rev.script.versionedDown,
          ...rev.script.resolvedDependsOn.flatMap((d) => (d.t === 'str' ? [d.v] : [])),
        ]) {
          const cause = unparsedDeclaring(model, parent);
          if (cause)
            return consequenceOf(
              finding,
              cause,
              `${p.ids.join(', ')} are cut off from every base: ${rev.id} follows ${parent}`,
            );
        }
      }
      return finding;
    });
  },
};
