import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { downRevisionAt, generations, redundantParent } from '../redundant-parent.js';

/**
 * A merge of three or more parents lists one that another of them already
 * descends from. Harmless for the order of migrations, but Alembic's
 * version-table bookkeeping removes every listed parent's row at the merge,
 * and the redundant one's row is already gone (KeyError).
 */
export const redundantMergeParent: Rule = {
  code: 'redundant-merge-parent',
  severity: 'warning',
  title: 'a merge lists a parent it already descends from',
  summary:
    'A merge of three or more parents lists one that another already descends from: Alembic’s version-table bookkeeping can raise KeyError there.',
  check({ model }) {
    if (model.failure) return [];
    const map = model.map;
    // merges as written (a dependency is not something to drop from down_revision), with three or more
    // parents counting dependencies: with two, a redundant parent is untidy but harmless (Open Event Server
    // has one), so it is not reported
    const merges = map.revisions.filter((r) => new Set(r.versionedDown).size > 1 && r.allDown.length > 2);
    if (merges.length === 0) return [];
    const gen = generations(map);
    const out: Finding[] = [];
    for (const m of merges) {
      for (const parent of new Set(m.versionedDown)) {
        const found = redundantParent(map, parent, m.versionedDown, gen);
        if (!found) continue;
        const { via, throughDependency } = found;
        const { line, where } = downRevisionAt(m);
        out.push({
          code: 'redundant-merge-parent',
          severity: 'warning',
          title: `merge ${m.id} lists ${parent}, which its parent ${via} already descends from`,
          message:
            `${m.file.path}: merge revision ${m.id} lists ${parent} as a down revision, but ${via}, another of its parents, already descends from it${throughDependency ? ' (through depends_on)' : ''}. ` +
            `The extra parent does not change the order of migrations, but with ${m.allDown.length} parents Alembic's version-table bookkeeping can raise KeyError: '${parent}' when an upgrade reaches ${m.id} (verify predicts whether it does for a given database; \`alembic upgrade heads\` on a new one often does).`,
          hint: `Remove ${parent} from down_revision in ${m.id} (${where}): ${via} already brings it in.`,
          path: m.file.path,
          line,
          revision: m.id,
        });
      }
    }
    return out;
  },
};
