import path from 'node:path';
import { revisionText, type ProjectModel } from '../alembic/loading/project-model.js';
import type { UpgradeStep } from '../alembic/graph/upgrade-plan.js';
import type { LedgerRow, RecordedStep } from '../database/ledger.js';
import { lockSteps } from './schema/schema-ops.js';
import { sha256Hex } from '../project/sha256.js';
import { appIdentity, type AppIdentity } from '../deploy/app-identity.js';

/**
 * What identifies a release, from the variables Heroku (with runtime dyno metadata; review apps),
 * Fly.io, Render, Railway, Dokku, GitHub Actions and GitLab CI set. Nothing else from the environment
 * is ever recorded: it may hold secrets.
 */
const RELEASE_VARIABLES = [
  'HEROKU_RELEASE_VERSION',
  'HEROKU_SLUG_COMMIT',
  'HEROKU_APP_NAME',
  'HEROKU_PR_NUMBER',
  'HEROKU_BRANCH',
  'SOURCE_VERSION',
  'DYNO',
  'FLY_APP_NAME',
  'FLY_IMAGE_REF',
  'FLY_MACHINE_VERSION',
  'RENDER_SERVICE_NAME',
  'RENDER_GIT_COMMIT',
  'RAILWAY_SERVICE_NAME',
  'RAILWAY_ENVIRONMENT_NAME',
  'RAILWAY_DEPLOYMENT_ID',
  'RAILWAY_GIT_COMMIT_SHA',
  'GIT_REV',
  'GITHUB_REPOSITORY',
  'GITHUB_SHA',
  'GITHUB_RUN_ID',
  'CI_COMMIT_SHA',
  'CI_PIPELINE_ID',
];

/**
 * The release's identity for the ledger: the variables above that are set, the app it released (its
 * name, and whether it is a review app: what a database's owner is read from), and the code's heads.
 */
export function appliedBy(
  env: Readonly<Record<string, string | undefined>>,
  model: ProjectModel,
  identity: AppIdentity = appIdentity(env),
): Record<string, string> {
  const out: Record<string, string> = {};
  if (identity.name !== undefined) out['app'] = identity.name;
  if (identity.id !== undefined) out['app_id'] = identity.id;
  if (identity.review) out['review'] = 'true';
  for (const name of RELEASE_VARIABLES) {
    const v = env[name];
    // identifiers are short words; anything else is not what the variable should hold, and not recorded
    if (v !== undefined && /^[\w.:/@+-]{1,200}$/u.test(v)) out[name] = v;
  }
  out['heads'] = model.map.heads.join(' ');
  return out;
}

/** The ledger's rows for the migrations an upgrade applied, in the order it applied them. */
export function ledgerRows(
  model: ProjectModel,
  steps: readonly UpgradeStep[],
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  now = new Date(),
  identity?: AppIdentity,
): LedgerRow[] {
  const by = appliedBy(env, model, identity);
  const at = now.toISOString();
  const rows: LedgerRow[] = [];
  for (const step of steps) {
    const rev = model.map.byKey.get(step.revision);
    const bytes = rev ? model.config.files.bytes(rev.file.absPath) : undefined;
    if (!rev || !bytes) continue;
    rows.push({
      revision: rev.id,
      downRevisions: [...rev.versionedDown],
      branchLabels: [...rev.origLabels],
      dependsOn: [...rev.deps],
      path: path.relative(cwd, rev.file.absPath) || rev.file.absPath,
      sha256: sha256Hex(bytes),
      appliedAt: at,
      appliedBy: by,
      ...ledgerSteps(revisionText(model, rev.file.absPath)),
    });
  }
  return rows;
}

/**
 * The steps to keep for a revision: what its upgrade() does to tables that may hold rows, so that an
 * older release can later say what a newer one removed (database-ahead). Read as the lock grades read
 * them; SQL that op.execute runs is not among them.
 */
export function ledgerSteps(text: string | undefined): { steps?: RecordedStep[] } {
  if (text === undefined) return {};
  // a new table's foreign-key lock on the table it references is no change to rows that exist
  const steps = lockSteps(text)
    .steps.filter((s) => s.call !== 'create_table')
    .map((s) => ({
      call: s.call,
      table: s.table,
      ...(s.column !== undefined ? { column: s.column } : {}),
      flags: [...s.flags],
      line: s.line,
      ...(s.conditional ? { conditional: true as const } : {}),
    }));
  return { steps };
}
