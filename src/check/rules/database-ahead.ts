import { translate } from '../../alembic/graph/upgrade-plan.js';
import { appliedByText } from '../ledger-view.js';
import { upgradeCommand } from '../db-helpers.js';
import { describeForensics, type Forensics } from '../../history/git-history.js';
import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';

/** The rollback case: the ledger shows a newer release applied the revisions this code has no file for. */
export const databaseAhead: Rule = {
  code: 'database-ahead',
  severity: 'error',
  title: 'the database is ahead of this code (a rollback)',
  summary:
    'The database is ahead of this code on the same line: the ledger shows a newer release applied the revisions it has no file for on top of this code\'s heads (a rollback); `alembic upgrade` would stop with "Can\'t locate revision".',
  check({ database: db }) {
    if (!db || db.ledger.known.size === 0) return [];
    const { positions } = db.ledger;
    // only a proven rollback: every head of this code is at or below where the ledger's chains meet it
    const out: Finding[] = [];
    for (const s of db.stamps) {
      if (s.how !== 'failed' || typeof s.value !== 'string' || s.failure?.exception !== 'ResolutionError')
        continue;
      const position = positions.get(s.value);
      if (position?.kind !== 'ahead') continue;
      const { chain, reaches } = position.ahead;
      const n = chain.length;
      const base = reaches.length === 0 ? 'base' : reaches.join(', ');
      const applied = chain.map((r) => `${r.revision} (${r.path}; ${appliedByText(r)})`).join('; ');
      const newest = [...chain].sort((a, b) => (a.appliedAt < b.appliedAt ? 1 : -1))[0]!;
      const commit =
        newest.appliedBy['SOURCE_VERSION'] ??
        newest.appliedBy['HEROKU_SLUG_COMMIT'] ??
        newest.appliedBy['GITHUB_SHA'];
      const down =
        reaches.length <= 1
          ? `alembic downgrade ${reaches[0] ?? 'base'}`
          : reaches.map((r) => `alembic downgrade ${r}`).join(', then ');
      out.push({
        code: 'database-ahead',
        severity: 'error',
        title: `the database is ${n} revision${n === 1 ? '' : 's'} ahead of this code (a rollback, per the ledger)`,
        message: `The ${db.state.versionTable} row '${s.value}' is ahead of this code by ${n} revision${n === 1 ? '' : 's'}, which the ledger ${db.state.ledger!.table} shows a newer release applied on top of ${base}: ${applied}. This code has no file for ${n === 1 ? 'it' : 'them'}: this is a rollback, or an older release deployed after a newer one, and \`${upgradeCommand(db)}\` would stop with "Can't locate revision identified by '${s.value}'".${gitEvidence(db.forensics?.get(s.value))}`,
        hint: `\`alembic-preflight release\` leaves the database as it is and exits 0 here (--on-ahead block stops the release instead), so this code runs on the newer schema. If the schema must match this code, downgrade it with the newer code, where those files exist: ${down}${commit ? ` from commit ${commit.slice(0, 12)}` : ''} (on Heroku: \`heroku run -a APP -- ${down.split(', then ')[0]}\` while the newer release is live, or roll forward to it first), then release this code again.`,
        revision: s.value,
        alembicError: translate(s.failure, db.prediction.target).cliOutput,
      });
    }
    return out;
  },
};

/** What git adds where the project is a work tree (a slug has none): where the row's file lives. */
function gitEvidence(f: Forensics | undefined): string {
  return f && f.kind !== 'no-git' ? ` Git: ${describeForensics(f)}.` : '';
}
