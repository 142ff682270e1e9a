import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import {
  alembicOutput,
  consequenceOf,
  graphProblems,
  revLocation,
  unparsedDeclaring,
} from '../rule-helpers.js';

/** depends_on names an unknown id or label (partial ids are not accepted here). */
export const missingDependency: Rule = {
  code: 'missing-dependency',
  severity: 'error',
  title: 'depends_on names a revision that does not exist',
  summary: 'depends_on names a revision or branch label that does not exist.',
  check({ model }) {
    return graphProblems(model, 'missing-dependency').map((p) => {
      const finding: Finding = {
        code: 'missing-dependency',
        severity: 'error',
        message: `${p.rev!.file.path}: depends_on refers to '${p.ids[0]}', which is neither a revision id nor a branch label. Alembic crashes with ${p.failure!.message} on every command.`,
        hint: `Use the full revision id or an existing branch label in depends_on (partial ids are not matched there), or remove the dependency.`,
        ...revLocation(p.rev),
        line: p.rev!.script.dependsOnLine,
        alembicError: alembicOutput(p.failure),
      };
      const cause = unparsedDeclaring(model, p.ids[0]!);
      return cause
        ? consequenceOf(finding, cause, `${p.rev!.file.path}: depends_on refers to '${p.ids[0]}'`)
        : finding;
    });
  },
};
