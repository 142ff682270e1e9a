import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

/**
 * The YAML parser, required on first use: loading it costs tens of milliseconds, and most projects
 * have no YAML to read. The CLI's bundles put a plain require('yaml') in place of this module
 * (scripts/bundle-options.mjs), which bundles the parser and evaluates it on that first call.
 */
export function loadYaml(): typeof Yaml {
  return createRequire(import.meta.url)('yaml') as typeof Yaml;
}
