import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';

/**
 * A pending revision has steps whose locks the reading cannot grade (SQL built at run time, a helper
 * from elsewhere, a table in another schema): said once per revision, so that no silence reads as "no
 * heavy lock". A warning, and under `--locks block` an error: an unknown lock is not a light one.
 */
export const lockNotGraded: Rule = {
  code: 'lock-not-graded',
  severity: 'warning',
  title: "a step's locks could not be graded",
  summary:
    'A pending step the lock grades cannot read (SQL built at run time, a helper from elsewhere): its lock is not graded, and --locks block stops on it.',
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
    const block = locks.settings.mode === 'block';
    return [...byRevision.values()].map((lines): Finding => {
      const first = lines[0]!;
      // a sentence of its own (capitalised), so the report keeps it under the title that replaces the first
      const listed = lines.map((u, i) => `${i === 0 ? 'At' : 'at'} line ${u.line}: ${u.why}`).join('; ');
      return {
        code: 'lock-not-graded',
        severity: block ? 'error' : 'warning',
        title: `${lines.length === 1 ? 'a step' : `${lines.length} steps`} of ${first.revision} not graded for locks`,
        message: `${listed}. Which tables they lock, and how, is not known before they run.`,
        hint: `Write the SQL as a literal op.execute("…") or as Alembic's operations, and it is graded. Or read those lines, and accept them with a reason on the line: # alembic-preflight: ignore lock-not-graded -- <why it is light>${block ? '' : ' (--locks block stops the release on it)'}.`,
        path: first.path,
        line: first.line,
        revision: first.revision,
      };
    });
  },
};
