import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { blockedBy, stepName } from '../schema/lock-grade.js';
import { holdsLargeTable, sizeText, type PendingLock } from '../schema/pending-locks.js';
import type { MysqlGrade } from '../schema/mysql-online-ddl.js';

/** What the lock is held for. */
const WHAT = {
  rewrite: 'a new copy of the table and its indexes is written',
  scan: 'every row is read to validate it',
  index: 'an index is built from every row',
  instant: 'a catalog change',
} as const;

const WORK = { rewrite: 'rewrites', scan: 'scans', index: 'indexes', instant: 'alters' } as const;

/**
 * A pending step holds a lock that stops the serving app's writes (or reads) for as long as it
 * rewrites, scans or indexes a table at or above the size thresholds (PostgreSQL; sizes read live).
 */
export const lockOnLargeTable: Rule = {
  code: 'lock-on-large-table',
  severity: 'warning',
  title: 'a step locks a large table the app uses',
  summary:
    'A pending step rewrites, scans or indexes a large table under a lock that stops the serving app (PostgreSQL, MySQL and MariaDB; live table sizes).',
  check({ database: db }) {
    const locks = db?.locks;
    if (!locks) return [];
    return locks.steps
      .filter(holdsLargeTable)
      .map((s) => finding(s, locks.settings.mode === 'block', db.words.preflight('fix', s.revision)));
  },
};

function finding(s: PendingLock, block: boolean, fixCommand: string): Finding {
  if (s.mysql) return mysqlFinding(s, s.mysql, block);
  const { grade, step } = s;
  const blocked = grade.rowLocks ? 'writes to the rows it changes' : blockedBy(grade.mode);
  const may = grade.uncertain ? 'may ' : '';
  const verb = grade.uncertain ? WORK[grade.work].replace(/s(?= |$)/u, '') : WORK[grade.work];
  const also = grade.alsoLocks ? ` It also takes ${grade.alsoLocks.mode} on ${grade.alsoLocks.table}.` : '';
  return {
    code: 'lock-on-large-table',
    severity: block ? 'error' : 'warning',
    // the --> line points at the step: the title names the table, its size and the lock
    title: `${may}${verb} ${s.table} (${sizeText(s.size)}) under ${grade.mode}`,
    message:
      `${stepName(step)} ${may}${verb} ${s.table} (${sizeText(s.size)}) under ${grade.mode}. ${blocked[0]!.toUpperCase()}${blocked.slice(1)} on ${s.table} wait until it ends (${grade.rowLocks ? 'each row it changes is written anew and stays locked until the migration commits' : WHAT[grade.work]}), and the release still serving keeps sending them.` +
      `${grade.uncertain ? ` It rewrites the table ${grade.uncertain}.` : ''}${grade.caveat ? ` ${grade.caveat}` : ''}${also}${step.conditional ? ' The step is under if, for or try, or in a helper: it may not run.' : ''}`,
    hint: `Safe form: ${grade.recipe}.${block ? ' (--locks block makes this an error; --locks warn reports it only.)' : ' (--locks block makes this stop the release.)'}`,
    // a rewrite has no light form for fix to write: the hint's expand/contract steps are the way
    ...(grade.work !== 'rewrite' && !step.sql ? { fix: fixCommand } : {}),
    path: s.path,
    line: step.line,
    revision: s.revision,
  };
}

/** What MySQL and MariaDB do for the algorithm. */
const MYSQL_WORK = {
  COPY: 'writes a new copy of the table and its indexes, row by row',
  INPLACE: 'rebuilds the table and its indexes in place',
  NOCOPY: 'builds an index from every row',
  INSTANT: 'changes the data dictionary',
} as const;

function mysqlFinding(s: PendingLock, g: MysqlGrade, block: boolean): Finding {
  const step = stepName(s.step);
  const how = `ALGORITHM=${g.algorithm}, LOCK=${g.lock}`;
  const verb = g.rebuild ? 'rebuilds' : 'indexes';
  const blocked = g.lock === 'EXCLUSIVE' ? 'reads and writes' : 'writes';
  return {
    code: 'lock-on-large-table',
    severity: block ? 'error' : 'warning',
    title: `${step.replace(/^op\./u, '')} ${verb} ${s.table} with ${how}`,
    message: `${step} ${verb} ${s.table} (${sizeText(s.size)}) with ${how}: the server ${MYSQL_WORK[g.algorithm]}, and the app's ${blocked} on ${s.table} wait until it ends, while the release still serving keeps sending them (graded ${g.source}).`,
    hint: `Safe form: ${g.recipe}.${block ? ' (--locks block makes this an error; --locks warn reports it only.)' : ' (--locks block makes this stop the release.)'}`,
    path: s.path,
    line: s.step.line,
    revision: s.revision,
  };
}
