import { tableName } from '../db-helpers.js';
import type { Rule } from '../rule.js';

/** Two rows where one is an ancestor of the other: Alembic refuses to plan from such a state. */
export const stampsOverlap: Rule = {
  code: 'stamps-overlap',
  severity: 'error',
  summary: 'Two version-table rows are ancestor and descendant; `alembic upgrade` fails with "overlaps with other requested revisions".',
  check({ model, database: db }) {
    if (!db) return [];
    const p = db.prediction;
    if (p.failure?.stage !== 'overlap') return [];
    const m = /^Requested revision (.+?) overlaps with other requested revisions (.+)$/u.exec(p.failure.message);
    if (!m) return [];
    const older = m[2]!.split(', ');
    const rev = model.map.byKey.get(m[1]!);
    return [
      {
        code: 'stamps-overlap',
        severity: 'error',
        message: `The ${db.state.versionTable} rows ${older.map((x) => `'${x}'`).join(', ')} and '${m[1]}' lie on one line of history (${older.join(', ')} ${older.length === 1 ? 'is an ancestor' : 'are ancestors'} of ${m[1]}); Alembic cannot tell where the database is.`,
        hint: `Keep only the newest row: ${older.map((x) => `DELETE FROM ${tableName(db)} WHERE version_num = '${x}';`).join(' ')}`,
        path: rev?.file.path,
        line: rev?.script.line,
        revision: [m[1]!, ...older].join(', '),
        alembicError: p.cliOutput ?? undefined,
      },
    ];
  },
};
