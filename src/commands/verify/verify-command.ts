import { EXIT } from '../../errors/errors.js';
import { blockedExit } from '../../check/verdict.js';
import type { VerifyResult } from '../../check/run-verify.js';
import { gatherVerification, verificationOutcome } from '../../workspace/verification.js';
import { verifyJson } from '../../report/json-report.js';
import { verifyText, verifyVerdict } from '../../report/text-report.js';
import { reviewOr, sarifOf } from '../../report/review-output.js';
import { databaseMarks } from '../../report/graph-render.js';
import type { CommandOutput, VerifyCommandOptions } from '../../workspace/command-options.js';

export async function verifyCommand(
  opts: VerifyCommandOptions,
): Promise<CommandOutput & { result: VerifyResult }> {
  const v = await gatherVerification(opts);
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
