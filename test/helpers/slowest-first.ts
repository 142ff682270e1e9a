import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Starts the files that took longest in the last measured run first (test/timings.json, written by npm run
 * test:timings), so that a clean clone, which has no cache of vitest's own, does not start its longest
 * file last and wait for it alone. A file the table does not know yet goes first.
 */
export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = path.resolve(import.meta.dirname, '..', '..');
    const table = path.join(root, 'test', 'timings.json');
    const known = existsSync(table)
      ? (JSON.parse(readFileSync(table, 'utf8')) as Record<string, number>)
      : {};
    const cost = (f: TestSpecification): number =>
      known[path.relative(root, f.moduleId)] ?? Number.MAX_SAFE_INTEGER;
    return [...files].sort((a, b) => cost(b) - cost(a));
  }
}
