import { rowText, tableName } from '../db-helpers.js';
import type { Rule } from '../rule.js';

/** A row holding a branch label, `head`, `heads`, `base`, `label@…` or NULL: Alembic interprets it instead of reading it as an id. */
export const stampIsSymbolic: Rule = {
  code: 'stamp-is-symbolic',
  severity: 'warning',
  title: 'a stamped row is a label or keyword, not an id',
  summary:
    'A version-table row holds a label, head, heads, base or NULL, which Alembic interprets symbolically.',
  check({ database: db }) {
    if (!db) return [];
    return db.stamps
      .filter((s) => s.how === 'label' || s.how === 'symbolic' || s.how === 'base')
      .map((s) => {
        const resolved =
          s.revisions.length > 0
            ? `resolves to ${s.revisions.join(', ')}`
            : 'counts as no revision at all, so Alembic runs every migration from base and adds a row beside it';
        const fix =
          s.revisions.length === 1
            ? `UPDATE ${tableName(db)} SET version_num = '${s.revisions[0]}' WHERE version_num = ${rowText(s.value)};`
            : `DELETE FROM ${tableName(db)} WHERE version_num ${s.value === null ? 'IS NULL' : `= ${rowText(s.value)}`};`;
        return {
          code: 'stamp-is-symbolic',
          severity: 'warning' as const,
          message: `The ${db.state.versionTable} row ${rowText(s.value)} is ${s.how === 'label' ? 'a branch label' : 'a symbol'}, not a revision id; it ${resolved}. Its meaning changes as the graph grows.`,
          hint: `Store the revision id itself: ${fix}`,
          revision: s.revisions.join(', ') || undefined,
        };
      });
  },
};
