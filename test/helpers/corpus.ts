import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS, PYTHON, REPO } from './oracle.js';
import { tempDir } from './temp-dir.js';

/**
 * Realistic migration sources: a generated project's .py files (test/oracle/corpus.py, traps
 * and extras on) and the bundled example's, env.py files included.
 */
export function corpusSources(n = 120, seed = 11): string[] {
  const out = tempDir('corpus-');
  execFileSync(
    PYTHON,
    [CORPUS, '--out', out, '--n', String(n), '--seed', String(seed), '--traps', '0.1', '--extras', '--force'],
    { stdio: 'ignore' },
  );
  const texts: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.py')) texts.push(readFileSync(p, 'utf8'));
    }
  };
  walk(out);
  walk(path.join(REPO, 'examples'));
  return texts;
}

/** Writes a generated project into `dir` (test/oracle/corpus.py with `args`). */
export function generateCorpus(dir: string, args: readonly string[]): void {
  execFileSync(PYTHON, [CORPUS, '--out', dir, ...args, '--force'], { stdio: 'ignore' });
}
