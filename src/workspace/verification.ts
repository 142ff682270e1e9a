import type { CheckOptions } from '../check/run-check.js';
import type { VerifyExtras, VerifyResult } from '../check/run-verify.js';
import { driverExtras } from './driver-facts.js';
import { missingForensics, openProjectAndDatabase, type ProjectAndDatabase } from './open-database.js';
import { policyOf, urlSourceOf, type VerifyCommandOptions } from './command-options.js';
import { deployCheckOptions, gatherDeploy, gradedTarget } from './deploy-facts.js';
import { releasingOf } from './releasing.js';
import { verifyWithSqlGrades } from './sql-parser.js';

/**
 * One verification as gathered from the invocation: the project and the database as read, the target
 * graded, the options the rules judge by and what else they read (git's forensics, the URL
 * comparisons, the schema probes' steps, the driver). Nothing after the gathering reads the options.
 */
export interface Verification extends ProjectAndDatabase {
  readonly target: string;
  readonly checkOptions: CheckOptions;
  readonly extras: VerifyExtras;
}

/**
 * What else the rules read of the project and database as opened: what git says of each row no file
 * defines (unless --no-git), the URL comparisons, the schema probes' steps, the driver Alembic imports.
 */
export function verificationExtras(
  opened: ProjectAndDatabase,
  run: { readonly git?: boolean; readonly env: Readonly<Record<string, string | undefined>> },
): VerifyExtras {
  const { db, state, model, url, schemaOps } = opened;
  return {
    forensics: missingForensics(model, state, run.git),
    url,
    schemaOps,
    ...driverExtras(db, model, run.env),
  };
}

/** The outcome of a gathered verification: the rows each pending step depends on are read, and the rules run once. */
export function verificationOutcome(v: Verification): Promise<VerifyResult> {
  return verifyWithSqlGrades(v.model, v.state, v.target, v.checkOptions, v.extras, v.readRows);
}

/** Everything verify judges, read from the invocation once (verify, and fix with a database). */
export async function gatherVerification(opts: VerifyCommandOptions): Promise<Verification> {
  const envName = urlSourceOf(opts).variable;
  const opened = await openProjectAndDatabase(
    opts,
    `Pass --database-url, or set ${envName} (on Heroku: DATABASE_URL=$(heroku config:get DATABASE_URL -a APP) alembic-preflight verify).`,
  );
  const { config, model, settings } = opened;
  // no --target: predict what the deploy runs, when the release line says so plainly
  const deploy = gatherDeploy(opts, config, { version: model.alembicVersion, others: true });
  return {
    ...opened,
    target: gradedTarget(opts.target, deploy),
    checkOptions: {
      policy: policyOf(opts),
      // the settings' ignores (each with its reason) apply to verify's findings as to check's
      config: settings,
      releasing: releasingOf(opts.env, settings),
      otherDeployTargets: deploy.otherTargets,
      ...deployCheckOptions(deploy),
    },
    extras: verificationExtras(opened, opts),
  };
}
