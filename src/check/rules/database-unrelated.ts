import { translate } from '../../alembic/graph/upgrade-plan.js';
import { upgradeCommand } from '../db-helpers.js';
import type { Finding } from '../finding.js';
import { appliedByText } from '../ledger-view.js';
import type { Rule } from '../rule.js';

/**
 * The ledger's chain for a row reaches base without ever meeting a revision of this code: the
 * database was released from another history, most likely another app's (a DATABASE_URL copied
 * between apps, an attachment under the wrong name).
 */
export const databaseUnrelated: Rule = {
  code: 'database-unrelated',
  severity: 'error',
  title: "the database's history is unrelated to this code",
  summary:
    'The database\'s ledger never applied any revision of this code: is this the right database? `alembic upgrade` would stop with "Can\'t locate revision".',
  check({ model, database: db }) {
    if (!db || db.ledger.known.size === 0) return [];
    const { positions } = db.ledger;
    const out: Finding[] = [];
    for (const s of db.stamps) {
      if (s.how !== 'failed' || typeof s.value !== 'string' || s.failure?.exception !== 'ResolutionError')
        continue;
      const p = positions.get(s.value);
      if (p?.kind !== 'unrelated') continue;
      const { chain } = p.ahead;
      const newest = [...chain].sort((a, b) => (a.appliedAt < b.appliedAt ? 1 : -1))[0]!;
      out.push({
        code: 'database-unrelated',
        severity: 'error',
        title: `wrong database? '${s.value}' comes from a history unrelated to this code`,
        message: `Is this the right database? Its ${db.state.versionTable} row '${s.value}' comes from a history that shares no revision with this code: the ledger ${db.state.ledger!.table} shows ${chain.length} revision${chain.length === 1 ? '' : 's'} applied from base (newest: ${newest.revision}, ${appliedByText(newest)}), none of them among this code's ${model.map.revisions.length}. \`${upgradeCommand(db)}\` would stop with "Can't locate revision identified by '${s.value}'".`,
        hint: `Check which database ${db.urlVariables?.used ? `$${db.urlVariables.used}` : 'the URL'} names (heroku pg:info -a APP lists the app's databases): it should be this app's own. Nothing was changed.`,
        revision: s.value,
        alembicError: translate(s.failure, db.prediction.target).cliOutput,
      });
    }
    return out;
  },
};
