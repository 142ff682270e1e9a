import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { appliedByText } from '../ledger-view.js';
import {
  alembicOutput,
  consequenceOf,
  graphProblems,
  revLocation,
  unparsedDeclaring,
} from '../rule-helpers.js';

/** down_revision names an id that no file declares: every Alembic command dies with KeyError. */
export const missingDownRevision: Rule = {
  code: 'missing-down-revision',
  severity: 'error',
  title: 'down_revision names a revision no file declares',
  summary: 'down_revision names a revision that no file declares.',
  check({ model, database }) {
    const known = database?.ledger.known ?? new Map<string, never>();
    return graphProblems(model, 'missing-down-revision').map((p) => {
      const missing = p.ids[0]!;
      // a non-str value is keyed as NUL + its repr: show the repr, as Python would
      const bare = missing.startsWith('\u0000') ? missing.slice(1) : missing;
      const shown = bare === missing ? `'${missing}'` : bare;
      const close = model.map.revisions
        .filter((r) => r.id.startsWith(missing) || missing.startsWith(r.id))
        .map((r) => r.id);
      // without git (a slug), the ledger still says who applied the lost revision, and from which file
      const recorded = known.get(missing);
      const ledger = recorded
        ? ` The ledger ${database!.state.ledger!.table} shows ${appliedByText(recorded)} applied ${shown} from ${recorded.path}, which this code no longer has.`
        : '';
      const finding: Finding = {
        code: 'missing-down-revision',
        severity: 'error',
        title: p.warning
          ? `down_revision ${shown} names no revision file`
          : `down_revision ${shown} is not a string`,
        message: p.warning
          ? `${p.rev!.file.path}: down_revision refers to ${shown}, which no revision file declares. Alembic warns "${p.warning}" and then crashes with ${p.failure!.message} on every command, \`alembic heads\` included.${ledger}`
          : `${p.rev!.file.path}: down_revision holds ${shown}, which is not a string, so no revision can match it. Alembic crashes with ${p.failure!.message} while it writes the "is not present" warning, on every command, \`alembic heads\` included.`,
        hint: !p.warning
          ? `Quote the id: down_revision = "…" names revisions by their string ids.`
          : close.length
            ? `down_revision must be an exact id; did you mean ${close.map((c) => `'${c}'`).join(' or ')}?`
            : recorded
              ? `Restore ${recorded.path} (SHA-256 ${recorded.sha256.slice(0, 12)}… as applied), or point down_revision at the revision this one really follows.`
              : `Restore the file that declared ${shown} (git log --all -S"${bare}" finds it), or point down_revision at the revision this one really follows.`,
        ...revLocation(p.rev),
        line: p.rev!.script.downLine,
        alembicError: alembicOutput(p.failure),
      };
      const cause = unparsedDeclaring(model, missing);
      return cause
        ? consequenceOf(finding, cause, `${p.rev!.file.path}: down_revision refers to ${shown}`)
        : finding;
    });
  },
};
