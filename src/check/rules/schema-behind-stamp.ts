import type { Rule } from '../rule.js';
import { catalogHas, mayRemove, type ProbedTable } from '../schema-probe.js';

/**
 * A version-table row says a revision ran, but tables its upgrade() creates are not in the database:
 * stamped without running it, or the tables were dropped since. The upgrade will not create them.
 */
export const schemaBehindStamp: Rule = {
  code: 'schema-behind-stamp',
  severity: 'warning',
  summary: 'Tables the stamped revision creates are missing from the database: it was stamped without running (or they were dropped).',
  check({ model, database: db }) {
    if (!db?.createdTables || !db.state.tables || !db.state.exists) return [];
    const has = catalogHas(db);
    const missing: ProbedTable[] = [];
    for (const s of db.stamps) {
      if (s.how === 'failed') continue;
      for (const id of s.revisions) {
        const created = db.createdTables.get(id);
        for (const t of created?.tables ?? []) if (!has(t.name) && !mayRemove(model, id, t.name)) missing.push({ ...t, revision: id, path: created!.path });
      }
    }
    return missing.map((t) => {
      const parent = model.map.byKey.get(t.revision)?.versionedDown;
      const back = parent && parent.length === 1 ? parent[0]! : parent && parent.length === 0 ? 'base' : undefined;
      return {
        code: 'schema-behind-stamp' as const,
        severity: 'warning' as const,
        message: `${t.path}:${t.line}: the ${db.state.versionTable} table says ${t.revision} ran, but the table ${t.name} it creates is not in the database. It was stamped without running its upgrade() (or the table was dropped since); \`alembic upgrade\` will not create it, and the code that needs it will fail.`,
        hint: back
          ? `If ${t.revision} never ran, move the stamp back and run it: alembic stamp ${back}, then alembic upgrade head. If the table was dropped on purpose, a migration should say so.`
          : `If ${t.revision} never ran, stamp its parent and upgrade again; if the table was dropped on purpose, a migration should say so.`,
        path: t.path,
        line: t.line,
        revision: t.revision,
      };
    });
  },
};
