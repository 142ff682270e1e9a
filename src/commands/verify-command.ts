import { releasingOf } from '../workspace/releasing.js';
import { platformOf } from '../deploy/release-commands.js';
import { platformTargets } from '../deploy/procfile-target.js';
import type { VerifyResult } from '../check/run-verify.js';
import { verifyWithSqlGrades } from '../workspace/sql-parser.js';
import { verifyJson } from '../report/json-report.js';
import { verifyText, verifyVerdict } from '../report/text-report.js';
import { reviewOr, sarifOf } from '../report/review-output.js';
import { deployOrigin, procfileTarget, releaseGenerates, releaseProblem } from '../deploy/procfile-target.js';
import { databaseMarks } from '../report/graph-render.js';
import { urlSourceOf, type CommandOutput, type VerifyCommandOptions } from '../workspace/command-options.js';
import { missingForensics, openProjectAndDatabase } from '../workspace/open-database.js';

export async function verifyCommand(
  opts: VerifyCommandOptions,
): Promise<CommandOutput & { result: VerifyResult }> {
  const envName = urlSourceOf(opts).variable;
  const { config, table, state, model, source, url, schemaOps, settings } = await openProjectAndDatabase(
    opts,
    `Pass --database-url, or set ${envName} (on Heroku: DATABASE_URL=$(heroku config:get DATABASE_URL -a APP) alembic-preflight verify).`,
  );
  // no --target: predict what the deploy runs, when the Procfile release line says so plainly
  const deploy =
    opts.target === undefined
      ? procfileTarget(config.files, opts.cwd, config.iniPath, model.alembicVersion, platformOf(opts.env))
      : undefined;
  const target = opts.target ?? deploy?.target ?? 'head';
  const forensics = missingForensics(model, state, opts.git);
  const checkOpts = {
    ignore: opts.ignore,
    // the settings' ignores (each with its reason) apply to verify's findings as to check's
    config: settings,
    strict: opts.strict,
    releasing: releasingOf(opts.env, settings),
    otherDeployTargets: otherTargets(opts, config, model.alembicVersion, target),
    ...(opts.locks ? { locks: opts.locks } : {}),
    ...(deploy ? { ...deployOrigin(deploy), release: releaseProblem(deploy) } : {}),
    releaseGenerates: releaseGenerates(config.files, opts.cwd, platformOf(opts.env)),
  };
  const result = await verifyWithSqlGrades(model, state, target, checkOpts, { forensics, url, schemaOps });
  const document =
    opts.review === 'sarif'
      ? sarifOf(result, opts.toolVersion)
      : opts.format === 'json'
        ? verifyJson(result, table.notes, source)
        : undefined;
  const stdout = document
    ? JSON.stringify(document, null, 2) + '\n'
    : reviewOr(
        'verify',
        result,
        verifyVerdict(result),
        () => verifyText(result, table.notes, source, opts.width),
        opts.review,
        databaseMarks(result.database.stamps, result.database.prediction.steps),
      );
  return { stdout, exitCode: result.ok ? 0 : 1, result, document };
}

/**
 * Off any platform, with no --target: the targets the platforms' files name besides the one graded,
 * when they disagree among them (each is then predicted: platform-targets-differ).
 */
function otherTargets(
  opts: VerifyCommandOptions,
  config: { files: Parameters<typeof platformTargets>[0]; iniPath?: string },
  version: Parameters<typeof platformTargets>[3],
  graded: string,
): { target: string; where: string }[] {
  if (opts.target !== undefined || platformOf(opts.env) !== undefined) return [];
  const all = platformTargets(config.files, opts.cwd, config.iniPath, version);
  if (new Set(all.map((a) => a.target)).size < 2) return [];
  return all.filter((a) => a.target !== graded);
}
