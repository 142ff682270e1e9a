import { identityText, ownsDatabase, type AppIdentity } from '../../deploy/app-identity.js';
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
    const { app } = releasing;
    // a review app is refused on an owned database whatever it is called; on its own, nothing is said
    if (!owner) return app.noMetadata && !app.review ? [noMetadata(db, undefined, app)] : ignored(app);
    if (app.review) return [refused(db, owner, releasing)];
    if (app.noMetadata) return [noMetadata(db, owner, app)];
    if (ownsDatabase(app, owner)) return ignored(app);
    if (app.ignored && app.ignored.name !== app.name) return [contradicted(db, owner, app)];
    if (app.name === undefined) return [unnamed(db, owner, releasing)];
    if (releasing.share || releasing.sharedWith.includes(owner.app)) return [];
    return [refused(db, owner, releasing)];
  },
};

/** The pending revisions and the heads they stamp, as the refusals say them. */
function wouldApply(db: DatabaseContext): string {
  const pending = db.prediction.steps.map((s) => s.revision);
  return `\`${upgradeCommand(db)}\` would apply ${pending.length} revision${pending.length === 1 ? '' : 's'} to it (${pending.join(', ')}) and stamp ${db.prediction.finalHeads?.join(', ') ?? pending.at(-1)} in its version table`;
}

/** On a platform, the user's own name for the app decides nothing: said, where it differs from the platform's. */
function ignored(app: AppIdentity): Finding[] {
  const own = app.ignored;
  if (!own || own.name === app.name) return [];
  return [
    {
      code: 'database-owned-elsewhere',
      severity: 'info',
      title: `${own.from}=${own.name} is not this app's name on ${app.platform}: ignored`,
      message: `${own.from} names the app ${own.name}, and ${app.platform} calls it ${app.name ?? '(no name)'}${app.from ? ` (${app.from})` : ''}. On a platform, which app a release runs for is the platform's to say (config vars are copied to review apps), so ${own.name} was ignored; this database is not another app's, and the release runs.`,
      hint: `Remove ${own.from}${own.from === 'ALEMBIC_PREFLIGHT_APP' ? ' from the config vars' : ''}, or make it ${app.name ?? "the platform's name"}.`,
    },
  ];
}

/** On a platform, the user's name for the app contradicts the platform's, on a database another app owns. */
function contradicted(db: DatabaseContext, owner: DatabaseOwner, app: AppIdentity): Finding {
  const own = app.ignored!;
  return {
    code: 'database-owned-elsewhere',
    severity: 'error',
    configuration: true,
    title: `${owner.app}'s database: ${own.from} says ${own.name}, ${app.platform} says ${app.name ?? 'another app'}`,
    message: `This release runs on ${app.platform} as ${identityText(app)}, and ${own.from} names it ${own.name}. On a platform the platform says which app a release is for (a pipeline copies config vars, ${own.from} among them, to review and staging apps), and the database belongs to ${owner.app} (${ownedBecause(owner)}), not to ${app.name ?? 'this app'}. ${wouldApply(db)}. Nothing was run.`,
    hint: `If this app really is to own the database now (a copy of ${owner.app}'s, say), hand it over from here: ${db.words.preflight('ledger owner', '--set', app.name ?? '<this app>')} --yes. Otherwise point this app's DATABASE_URL at its own database; and remove ${own.from}, which decides nothing on ${app.platform}.`,
  };
}

/** A Heroku dyno without runtime dyno metadata: nothing the platform sets says which app it is. */
function noMetadata(db: DatabaseContext, owner: DatabaseOwner | undefined, app: AppIdentity): Finding {
  const fix = `heroku labs:enable runtime-dyno-metadata -a ${app.ignored?.name ?? '<app>'}`;
  const why = `This release runs on a Heroku dyno without runtime dyno metadata (DYNO is set, HEROKU_APP_ID is not), so which app it is cannot be told${app.ignored ? ` (${app.ignored.from}=${app.ignored.name} decides nothing on a platform: pipelines copy it to review apps)` : ''}.`;
  if (!owner)
    return {
      code: 'database-owned-elsewhere',
      severity: 'warning',
      title: 'Heroku cannot say which app this is: enable runtime dyno metadata',
      message: `${why} This database has no owner yet, so the release runs, and it claims nothing: a review app on it later could not be told apart.`,
      fix,
      hint: 'Then the next release records the app by its Heroku id, and only that app migrates this database.',
    };
  return {
    code: 'database-owned-elsewhere',
    severity: 'error',
    configuration: true,
    title: `${owner.app}'s database, and Heroku cannot say which app this is`,
    message: `${why} The database belongs to ${owner.app} (${ownedBecause(owner)}); a review or staging app on its DATABASE_URL would look the same. ${wouldApply(db)}. Nothing was run.`,
    fix,
    hint: 'Then release again: the app is known by its Heroku id, and only the owner migrates this database.',
  };
}

function refused(db: DatabaseContext, owner: DatabaseOwner, r: Releasing): Finding {
  const who = identityText(r.app);
  const review = r.app.review;
  return {
    code: 'database-owned-elsewhere',
    severity: 'error',
    title: `${owner.app}'s database: ${review ? 'a review app' : (r.app.name ?? 'this app')} would migrate it`,
    message:
      `This release runs for ${who}, and the database it would migrate belongs to ${owner.app} (${ownedBecause(owner)}). ` +
      `${wouldApply(db)}, ` +
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
    hint: 'Name the app: on a platform its own variables do (on Heroku, enable dyno metadata: heroku labs:enable runtime-dyno-metadata -a <app>); off one, ALEMBIC_PREFLIGHT_APP=<name> (or app = "<name>" in [tool.alembic-preflight]). require-identity = true makes this stop the release.',
  };
}

function ownedBecause(owner: DatabaseOwner): string {
  if (owner.from === 'set') return 'handed to it with alembic-preflight ledger owner --set';
  const claim = owner.claim!;
  return `its ledger shows ${owner.app}'s release applied ${claim.revision} first: ${appliedByText(claim)}`;
}
