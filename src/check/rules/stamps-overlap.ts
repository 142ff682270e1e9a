import { tableName } from '../db-helpers.js';
import type { Rule } from '../rule.js';

/** Two rows where one is an ancestor of the other: Alembic refuses to plan from such a state. */
export const stampsOverlap: Rule = {
  code: 'stamps-overlap',
  severity: 'error',
  title: 'two stamped rows lie on one line of history',
  summary:
    'Two version-table rows are ancestor and descendant; `alembic upgrade` fails with "overlaps with other requested revisions".',
  check({ model, database: db }) {
    if (!db) return [];
    const p = db.prediction;
    const d = p.failure?.detail;
    if (p.failure?.stage !== 'overlap' || d?.kind !== 'overlap') return [];
    const older = d.others;
    const rev = model.map.byKey.get(d.target);
    return [
      {
        code: 'stamps-overlap',
        severity: 'error',
        message: `The ${db.state.versionTable} rows ${older.map((x) => `'${x}'`).join(', ')} and '${d.target}' lie on one line of history (${older.join(', ')} ${older.length === 1 ? 'is an ancestor' : 'are ancestors'} of ${d.target}); Alembic cannot tell where the database is.`,
        hint: `Keep only the newest row: ${older.map((x) => `DELETE FROM ${tableName(db)} WHERE version_num = '${x}';`).join(' ')}`,
        path: rev?.file.path,
        line: rev?.script.line,
        revision: [d.target, ...older].join(', '),
        alembicError: p.cliOutput ?? undefined,
      },
    ];
  },
};
