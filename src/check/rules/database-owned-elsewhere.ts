import { identityText } from '../../deploy/app-identity.js';
import type { DatabaseOwner } from '../database-owner.js';
import { upgradeCommand } from '../db-helpers.js';
import type { Finding } from '../finding.js';
import { appliedByText } from '../ledger-view.js';
import type { DatabaseContext, Releasing, Rule } from '../rule.js';

/**
 * A release would apply revisions to a database another app owns (per its ledger): a review app or a
 * staging app whose DATABASE_URL is production's, the commonest way a phantom stamp gets there. It
 * stops before Alembic starts; a release that cannot name its app gets a warning instead.
 */
export const databaseOwnedElsewhere: Rule = {
  code: 'database-owned-elsewhere',
  severity: 'error',
  title: "a release would migrate another app's database",
  summary:
    "A release would apply revisions to a database whose ledger says another app owns it (a review or staging app on production's DATABASE_URL).",
  check({ database: db, releasing }) {
    if (!db || !releasing || !db.prediction.willSucceed || db.prediction.steps.length === 0) return [];
    const { owner } = db.ledger;
    if (!owner) return [];
    const { app } = releasing;
    if (app.name === owner.app) return [];
    if (app.name === undefined && !app.review) return [unnamed(db, owner, releasing)];
    if (!app.review && (releasing.share || releasing.sharedWith.includes(owner.app))) return [];
    return [refused(db, owner, releasing)];
  },
};

function refused(db: DatabaseContext, owner: DatabaseOwner, r: Releasing): Finding {
  const pending = db.prediction.steps.map((s) => s.revision);
  const who = identityText(r.app);
  const review = r.app.review;
  return {
    code: 'database-owned-elsewhere',
    severity: 'error',
    title: `${owner.app}'s database: ${review ? 'a review app' : (r.app.name ?? 'this app')} would migrate it`,
    message:
      `This release runs for ${who}, and the database it would migrate belongs to ${owner.app} (${ownedBecause(owner)}). ` +
      `\`${upgradeCommand(db)}\` would apply ${pending.length} revision${pending.length === 1 ? '' : 's'} to it (${pending.join(', ')}) and stamp ${db.prediction.finalHeads?.join(', ') ?? pending.at(-1)} in its version table, ` +
      `which ${owner.app}'s code may not have: its next release would fail with "Can't locate revision". Nothing was run.`,
    ...(review || r.app.name === undefined
      ? {}
      : { fix: db.words.preflight('ledger owner', '--set', r.app.name) }),
    hint: review
      ? 'Give review apps a database of their own: "addons": ["heroku-postgresql"] in app.json\'s environments.review, and no DATABASE_URL in the pipeline\'s review-app config vars. A review app never migrates another app\'s database.'
      : `That command (a dry run; --yes writes it) hands the database to ${r.app.name}: right for a copy of ${owner.app}'s (heroku pg:copy). If the two apps really share one database, say so in both apps' settings: shared-with = ["${owner.app}"] in [tool.alembic-preflight] (this app's), or pass --share-database for this one release. Otherwise point ${r.app.name}'s DATABASE_URL at its own database.`,
  };
}

function unnamed(db: DatabaseContext, owner: DatabaseOwner, r: Releasing): Finding {
  return {
    code: 'database-owned-elsewhere',
    severity: r.required ? 'error' : 'warning',
    title: `${owner.app}'s database, and this release cannot say which app it is`,
    message: `The database belongs to ${owner.app} (${ownedBecause(owner)}), and nothing names the app this release runs for, so it cannot tell whether it is ${owner.app}. \`${upgradeCommand(db)}\` will run${r.required ? ' only when it can: require-identity is set' : ''}.`,
    hint: 'Name the app: ALEMBIC_PREFLIGHT_APP=<name> in its config vars (or app = "<name>" in [tool.alembic-preflight]), or enable Heroku\'s dyno metadata for HEROKU_APP_NAME: heroku labs:enable runtime-dyno-metadata -a <app>. require-identity = true makes this stop the release.',
  };
}

function ownedBecause(owner: DatabaseOwner): string {
  if (owner.from === 'set') return 'handed to it with alembic-preflight ledger owner --set';
  const claim = owner.claim!;
  return `its ledger shows ${owner.app}'s release applied ${claim.revision} first: ${appliedByText(claim)}`;
}
