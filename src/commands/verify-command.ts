import { EXIT } from '../errors/errors.js';
import { blockedExit } from '../check/verdict.js';
import { releasingOf } from '../workspace/releasing.js';
import type { CheckOptions } from '../check/run-check.js';
import { deployCheckOptions, gatherDeploy, gradedTarget } from '../workspace/deploy-facts.js';
import type { VerifyResult } from '../check/run-verify.js';
import { verifyWithSqlGrades } from '../workspace/sql-parser.js';
import { verifyJson } from '../report/json-report.js';
import { verifyText, verifyVerdict } from '../report/text-report.js';
import { reviewOr, sarifOf } from '../report/review-output.js';
import { databaseMarks } from '../report/graph-render.js';
import {
  policyOf,
  urlSourceOf,
  type CommandOutput,
  type VerifyCommandOptions,
} from '../workspace/command-options.js';
import { missingForensics, openProjectAndDatabase, rowReader } from '../workspace/open-database.js';
import { driverExtras } from '../workspace/driver-facts.js';

export async function verifyCommand(
  opts: VerifyCommandOptions,
): Promise<CommandOutput & { result: VerifyResult }> {
  const envName = urlSourceOf(opts).variable;
  const { config, table, db, state, model, urlSource, url, schemaOps, settings } =
    await openProjectAndDatabase(
      opts,
      `Pass --database-url, or set ${envName} (on Heroku: DATABASE_URL=$(heroku config:get DATABASE_URL -a APP) alembic-preflight verify).`,
    );
  // no --target: predict what the deploy runs, when the release line says so plainly
  const deploy = gatherDeploy(opts, config, { version: model.alembicVersion, others: true });
  const target = gradedTarget(opts.target, deploy);
  const forensics = missingForensics(model, state, opts.git);
  const checkOpts: CheckOptions = {
    policy: policyOf(opts),
    // the settings' ignores (each with its reason) apply to verify's findings as to check's
    config: settings,
    releasing: releasingOf(opts.env, settings),
    otherDeployTargets: deploy.otherTargets,
    ...deployCheckOptions(deploy),
  };
  const result = await verifyWithSqlGrades(
    model,
    state,
    target,
    checkOpts,
    { forensics, url, schemaOps, ...driverExtras(db, model, opts.env) },
    rowReader(db, state, opts),
  );
  const document =
    opts.review === 'sarif'
      ? sarifOf(result, opts.toolVersion)
      : opts.format === 'json'
        ? verifyJson(result, table.notes, urlSource.label)
        : undefined;
  const stdout = document
    ? JSON.stringify(document, null, 2) + '\n'
    : reviewOr(
        'verify',
        result,
        verifyVerdict(result),
        () => verifyText(result, table.notes, urlSource.label, opts.width),
        opts.review,
        databaseMarks(result.database.stamps, result.database.prediction.steps),
      );
  const exitCode = result.ok ? EXIT.ok : blockedExit(result.verdict);
  return { stdout, exitCode, result, document };
}
