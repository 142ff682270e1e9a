import type { Argv } from 'yargs';

/** The parts of yargs' internal usage object this module touches (yargs 17; not in its public types). */
interface UsageInternals {
  cacheHelpMessage?: () => void;
}
interface WithInternals {
  getInternalMethods?: () => { getUsageInstance?: () => UsageInternals };
}

/**
 * yargs lays out a command's whole help text before it runs the command's handler, so that it could print
 * it should the handler fail; with this CLI's many flags that is about a fifth of an empty project's run.
 * This CLI never prints help on a failure (its .fail throws, and errors are reported as findings), so a
 * command's builder turns that layout off. `--help` still lays it out when asked.
 */
export function skipHelpCache<T>(y: Argv<T>): Argv<T> {
  const usage = (y as unknown as WithInternals).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
  return y;
}
