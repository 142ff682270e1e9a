import { fleetExit, type FleetResult } from '../../check/fleet.js';
import { fleetGithub, fleetJson, fleetMarkdown, fleetText } from '../../report/fleet-report.js';
import type { CommandOutput } from '../../workspace/command-options.js';
import { openFleet, type FleetOptions } from '../../workspace/open-fleet.js';

export type VerifyTenantsOptions = FleetOptions;

/**
 * `verify --tenants PATTERN`: every schema matching the pattern read as a tenant (workspace/open-fleet.ts),
 * each predicted with the one model; the fleet as a histogram, and the tenants apart from it with
 * their findings.
 */
export async function verifyTenantsCommand(
  opts: VerifyTenantsOptions,
): Promise<CommandOutput & { result: FleetResult }> {
  const { result, context } = await openFleet(opts);
  const document = opts.format === 'json' ? fleetJson(result, context) : undefined;
  const stdout = document
    ? JSON.stringify(document, null, 2) + '\n'
    : opts.review === 'github'
      ? fleetGithub(result, context)
      : opts.review === 'markdown'
        ? fleetMarkdown(result, context)
        : fleetText(result, context);
  return { stdout, exitCode: fleetExit(result), document, result };
}
