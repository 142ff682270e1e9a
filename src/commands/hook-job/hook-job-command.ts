import { isAppName } from '../../deploy/app-identity.js';
import { UsageError } from '../../errors/errors.js';
import { hookJob, type HookJobOptions } from '../../report/hook-job.js';
import type { CommandOutput } from '../../workspace/command-options.js';

/** `hook-job`: the Job manifest on stdout, after checking what goes into it. */
export function hookJobCommand(o: HookJobOptions): CommandOutput {
  if (!isAppName(o.app))
    throw new UsageError(`--app ${JSON.stringify(o.app)} is not an app name.`, {
      hint: "Name the app as its releases do (letters, digits, _ . -): it is the ledger's owner of the database.",
    });
  if (o.image.trim() === '' || /\s/u.test(o.image))
    throw new UsageError(`--image ${JSON.stringify(o.image)} is not an image reference.`, {
      hint: 'Give the image the app runs from, such as registry.example.com/shop:v42.',
    });
  if (o.deadlineMinutes !== undefined && (!Number.isInteger(o.deadlineMinutes) || o.deadlineMinutes < 6))
    throw new UsageError(`--deadline ${o.deadlineMinutes} is not a whole number of minutes of at least 6.`, {
      hint: "release stops its upgrade 5 minutes before the Job's deadline: give it room.",
    });
  return { stdout: hookJob(o), exitCode: 0 };
}
