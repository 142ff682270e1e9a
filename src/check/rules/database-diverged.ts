import { translate } from '../../alembic/graph/upgrade-plan.js';
import { upgradeCommand } from '../db-helpers.js';
import type { Finding } from '../finding.js';
import { appliedByText } from '../ledger-view.js';
import type { Rule } from '../rule.js';

/** At most this many of this code's missing revisions are named; the rest are counted. */
const NAMED = 5;

/**
 * A branch released over another: the ledger shows the database applied revisions this code has no
 * file for, and this code has revisions the database never got. Not a rollback: the new code would go
 * live without its migrations.
 */
export const databaseDiverged: Rule = {
  code: 'database-diverged',
  severity: 'error',
  title: 'the database took another branch of history',
  summary:
    'The database took another line of history: the ledger shows it applied revisions this code lacks, and it lacks revisions this code has; `alembic upgrade` would stop with "Can\'t locate revision".',
  check({ database: db }) {
    if (!db || db.ledger.known.size === 0) return [];
    const { positions } = db.ledger;
    const out: Finding[] = [];
    for (const s of db.stamps) {
      if (s.how !== 'failed' || typeof s.value !== 'string' || s.failure?.exception !== 'ResolutionError')
        continue;
      const p = positions.get(s.value);
      if (p?.kind !== 'diverged') continue;
      const { chain, reaches } = p.ahead;
      const theirs = chain.map((r) => `${r.revision} (${appliedByText(r)})`).join('; ');
      const ours =
        p.lacking.slice(0, NAMED).join(', ') +
        (p.lacking.length > NAMED ? ` and ${p.lacking.length - NAMED} more` : '');
      out.push({
        code: 'database-diverged',
        severity: 'error',
        title: `the database took another branch: '${s.value}' is not in this code`,
        message: `The database took another branch after ${reaches.join(', ')}: it has ${chain.map((r) => r.revision).join(', ')}, which this code lacks, and lacks ${ours}. The ledger ${db.state.ledger!.table} shows ${theirs}. This is not a rollback: \`${upgradeCommand(db)}\` would stop with "Can't locate revision identified by '${s.value}'", and this code would go live without its own migrations.`,
        hint: `Bring the two lines together in one history: merge the branch that has ${chain.at(-1)!.revision} into this one (its migration files, then \`alembic merge heads\`), and release that; or, if ${s.value} should not be on this database, downgrade it with the code that has its files (alembic downgrade ${reaches[0]}) before releasing this code.`,
        revision: s.value,
        alembicError: translate(s.failure, db.prediction.target).cliOutput,
      });
    }
    return out;
  },
};
