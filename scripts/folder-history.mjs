// The states of one folder in a repository's history, for compare-history.mjs and replay-deploys.mjs.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The commits that changed `folder`, newest first (oldest first with `oldestFirst`), keeping one in
 * `every` counted from the first of that order, and at most the `limit` newest (0: all).
 */
export function commitsChanging(gitDir, folder, { every = 1, limit = 0, oldestFirst = false } = {}) {
  const args = ['--git-dir', gitDir, 'rev-list', ...(oldestFirst ? ['--reverse'] : []), 'HEAD', '--', folder];
  const all = execFileSync('git', args, { encoding: 'utf8', maxBuffer: 1 << 28 })
    .trim()
    .split('\n')
    .filter(Boolean);
  const kept = all.filter((_, i) => i % Math.max(1, every) === 0);
  if (limit <= 0) return kept;
  return oldestFirst ? kept.slice(-limit) : kept.slice(0, limit);
}

/** Writes `folder` as it was at `commit` under `root`; its path there, or undefined when git cannot export it. */
export function extractFolder(gitDir, commit, folder, root) {
  const tar = spawnSync('git', ['--git-dir', gitDir, 'archive', commit, folder], { maxBuffer: 1 << 30 });
  if (tar.status !== 0) return undefined;
  mkdirSync(root, { recursive: true });
  execFileSync('tar', ['-x', '-C', root], { input: tar.stdout });
  return path.join(root, folder);
}
