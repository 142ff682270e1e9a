import { readFileSync } from 'node:fs';

/**
 * Our version, from package.json. src/, dist/ and the bundled CLI all sit one
 * folder below it; yargs' own lookup starts from its install folder, which a
 * bundle no longer has.
 */
export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
