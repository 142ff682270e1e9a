import { EXIT } from '../../errors/errors.js';
import { blockedExit } from '../../check/verdict.js';
import { releasingOf } from '../../workspace/releasing.js';
import { deployCheckOptions, gatherDeploy, gradedTarget } from '../../workspace/deploy-facts.js';
import type { VerifyResult } from '../../check/run-verify.js';
import { verificationExtras, verificationOutcome, type Verification } from '../../workspace/verification.js';
import { verifyJson } from '../../report/json-report.js';
import { verifyText, verifyVerdict } from '../../report/text-report.js';
import { reviewOr, sarifOf } from '../../report/review-output.js';
import { databaseMarks } from '../../report/graph-render.js';
import {
  policyOf,
  urlSourceOf,
  type CommandOutput,
  type VerifyCommandOptions,
} from '../../workspace/command-options.js';
import { openProjectAndDatabase } from '../../workspace/open-database.js';

export async function verifyCommand(
  opts: VerifyCommandOptions,
): Promise<CommandOutput & { result: VerifyResult }> {
  const v = await gatherVerify(opts);
  const result = await verificationOutcome(v);
  const { table, urlSource } = v;
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

/** Everything verify judges, read from the invocation once. */
async function gatherVerify(opts: VerifyCommandOptions): Promise<Verification> {
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
