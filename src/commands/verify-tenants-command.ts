import type { FleetResult } from '../check/fleet.js';
import { UsageError } from '../errors/errors.js';
import { fleetGithub, fleetJson, fleetMarkdown, fleetText } from '../report/fleet-report.js';
import type { CommandOutput } from '../workspace/command-options.js';
import { openFleet, type FleetOptions } from '../workspace/open-fleet.js';

export type VerifyTenantsOptions = FleetOptions;

/** A fleet's shard as `--shard` writes it: `I/N`, 1 ≤ I ≤ N. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/u.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard ${text} is not I/N with 1 <= I <= N.`, { hint: 'For the second of four shards: --shard 2/4.' });
  return { index, count };
}

/**
 * `verify --tenants PATTERN`: every schema matching the pattern read as a tenant (workspace/open-fleet.ts),
 * each predicted with the one model; the fleet as a histogram, and the tenants apart from it with
 * their findings.
 */
export async function verifyTenantsCommand(opts: VerifyTenantsOptions): Promise<CommandOutput & { result: FleetResult }> {
  const { result, context } = await openFleet(opts);
  const document = opts.format === 'json' ? fleetJson(result, context) : undefined;
  const stdout = document ? JSON.stringify(document, null, 2) + '\n' : opts.review === 'github' ? fleetGithub(result, context) : opts.review === 'markdown' ? fleetMarkdown(result, context) : fleetText(result, context);
  return { stdout, exitCode: result.ok ? 0 : 1, document, result };
}
