import type { ProjectConfig } from '../alembic/config/alembic-config.js';
import { debugWanted, getLogger } from '../logger/logger.js';
import { LINT_KIND } from '../check/lint/lint-context.js';
import { cacheSecret } from '../project/private-file.js';
import { diskResultCache, resultCacheDir, type ResultCache } from '../project/result-cache.js';

/** Where a command's cache of revision-file readings comes from. */
export interface CacheOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** --cache-dir: the cache folder, or off. */
  readonly cacheDir?: string;
  /**
   * The tool build's key (the bundled CLI's, written by the build): results are only reused by the
   * same reader. Without one (the library, a run from source) nothing is cached.
   */
  readonly buildKey?: string;
  /** Where the tool is installed: its result cache is sealed with a secret kept there. */
  readonly installDir?: string;
}

/** The run's cache of revision-file readings, or undefined when it is off or there is no build key. */
export function readingCache(
  opts: CacheOptions,
  config: Pick<ProjectConfig, 'scriptDir'>,
): ResultCache | undefined {
  if (opts.buildKey === undefined) return undefined;
  const dir = resultCacheDir(opts.cwd, opts.cacheDir, opts.env);
  if (dir === null) return undefined;
  const secret = cacheSecret(opts.installDir, opts.cwd, opts.env);
  return secret === undefined ? undefined : diskResultCache(dir, config.scriptDir, opts.buildKey, secret);
}

/** Writes what the run added to the cache; says what it found and wrote on --log-level debug. */
export async function saveReadingCache(cache: ResultCache | undefined): Promise<void> {
  if (!cache) return;
  const file = cache.save();
  if (!debugWanted()) return;
  const { hits, misses } = cache.stats();
  const lint = cache.stats(LINT_KIND);
  const linted =
    lint.hits + lint.misses > 0
      ? `; the lints' findings for ${lint.hits} of ${lint.hits + lint.misses} files`
      : '';
  // the fast path reads plain files without the cache: these are the others
  (await getLogger()).debug(
    { hits, misses, lintHits: lint.hits, lintMisses: lint.misses, written: file ?? null },
    `result cache: ${hits} of ${hits + misses} revision files off the fast path read from the cache${linted}${file ? '; cache written' : ''}`,
  );
}
