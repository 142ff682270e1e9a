import type { Finding } from '../finding.js';
import type { Rule } from '../rule.js';
import { releaseLocation } from '../rule-helpers.js';

const APPLIED = `It writes a new migration file on the one-off release dyno, the upgrade after it applies that file, and the dyno is discarded with the file: the database is left at a revision no file in the repository has, and the next release fails with "Can't locate revision identified by '…'".`;
// `release: flask db migrate` alone: autogenerate refuses a database behind the code ("Target database is not up to date.")
const NO_UPGRADE = `It writes a new migration file on the one-off release dyno and the release runs no upgrade, so the file is discarded with the dyno and no migration, committed or generated, is ever applied. With --autogenerate (flask db migrate) it fails the release outright whenever a committed migration is pending: "Target database is not up to date."`;

/**
 * The release phase writes a migration before it upgrades (`release: flask db migrate && flask db
 * upgrade`, or a script or wrapped command doing so): the file exists only on the one-off dyno, the
 * upgrade applies it, and the dyno is thrown away. The database is left stamped with a revision no file in
 * the repository has, and the next release fails with "Can't locate revision identified by '…'".
 */
export const releaseGeneratesMigration: Rule = {
  code: 'release-generates-migration',
  severity: 'error',
  title: 'the release phase generates a migration',
  summary:
    'The release phase generates a migration (alembic revision, flask db migrate) on the dyno, applies it and loses the file: the next release cannot locate the revision.',
  check({ releaseGenerates }) {
    const out: Finding[] = [];
    for (const g of releaseGenerates ?? []) {
      const where =
        g.at === ''
          ? 'the command after `alembic-preflight release --`'
          : g.via
            ? `${g.at}, run by ${g.via}`
            : g.at;
      out.push({
        code: this.code,
        severity: this.severity,
        ...releaseLocation(g.at),
        message: `The release phase runs \`${g.command}\` (${where}). ${g.noUpgrade ? NO_UPGRADE : APPLIED}${g.command.endsWith(' init') ? ' (`init` fails outright once the migrations folder is committed: "Directory … already exists and is not empty".)' : ''}`,
        hint: `Remove \`${g.command}\` from the release phase and let it only apply migrations (\`alembic upgrade head\`, \`flask db upgrade\`). Generate migrations on a development machine (\`${g.command.startsWith('flask') ? 'flask db migrate -m "…"' : 'alembic revision --autogenerate -m "…"'}\`), review and commit them. If a database is already stamped with a lost revision: alembic-preflight backfill.`,
      });
    }
    return out;
  },
};
