import { readMachineText } from './project/machine-files.js';

/**
 * Our version, from package.json. src/, dist/ and the bundled CLI all sit one
 * folder below it; yargs' own lookup starts from its install folder, which a
 * bundle no longer has.
 */
export function packageVersion(): string {
  try {
    return (
      (JSON.parse(readMachineText(new URL('../package.json', import.meta.url))) as { version?: string })
        .version ?? 'unknown'
    );
  } catch {
    return 'unknown';
  }
}

/**
 * A finding's page (docs/findings/CODE.md), which ships with the package beside package.json;
 * undefined when it is not there.
 */
export function findingPage(code: string): string | undefined {
  if (!/^[a-z][a-z0-9-]*$/u.test(code)) return undefined;
  try {
    return readMachineText(new URL(`../docs/findings/${code}.md`, import.meta.url));
  } catch {
    return undefined;
  }
}
