import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';

/**
 * A pending revision has steps whose locks the reading cannot grade (SQL built at run time, a helper
 * from elsewhere): said once per revision, so that no silence reads as "no heavy lock".
 */
export const lockNotGraded: Rule = {
  code: 'lock-not-graded',
  severity: 'info',
  summary:
    'A pending step the lock grades cannot read (SQL built at run time, a helper from elsewhere): its lock is not graded.',
  check({ database: db }) {
    const locks = db?.locks;
    if (
      !locks ||
      locks.unread.length === 0 ||
      (db.state.catalog && 'tableSizes' in db.state.catalog && db.state.catalog.tableSizes?.length === 0)
    )
      return [];
    const byRevision = new Map<string, (typeof locks.unread)[number][]>();
    for (const u of locks.unread) byRevision.set(u.revision, [...(byRevision.get(u.revision) ?? []), u]);
    return [...byRevision.values()].map((lines): Finding => {
      const first = lines[0]!;
      const listed = lines.map((u) => `line ${u.line}: ${u.why}`).join('; ');
      return {
        code: 'lock-not-graded',
        severity: 'info',
        titleRestates: true,
        title: `${lines.length === 1 ? 'a step' : `${lines.length} steps`} of ${first.revision} not graded for locks`,
        message: `${lines.length === 1 ? 'A step' : `${lines.length} steps`} of ${first.revision} not graded for locks. ${listed}. Which tables they lock, and how, is not known before they run.`,
        hint: 'Read those lines for ALTER TABLE, CREATE INDEX or constraints on large tables; literal SQL in op.execute("…") is graded like the operations.',
        path: first.path,
        line: first.line,
        revision: first.revision,
      };
    });
  },
};
