#!/usr/bin/env node
// Compares alembic-preflight with real Alembic on every state a real project's migrations folder went
// through: each commit of its git history that changed the folder (a developer tool for the passes in
// docs/real-projects.md, like compare-real.mjs, which it runs once per commit).
//
//   node scripts/compare-history.mjs --git REPO_GIT_DIR --path FOLDER/IN/REPO [--strip] [--every N] [--limit N]
//     [--recursive --alembic-version latest]   (subfolders: the newest Alembic, ALEMBIC_LATEST_SRC, on both sides)
//
// Why: a repository's newest commit is usually healthy. Its history holds the states the product is
// for: two heads after parallel branches merged, a down_revision naming a file not yet added, a file
// renamed or deleted, a syntax error fixed a commit later. Each is a state some deploy met.
// Prints one line per differing commit and a summary; exit 1 when any commit differs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { commitsChanging, extractFolder } from './folder-history.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    git: { type: 'string' },
    path: { type: 'string' },
    strip: { type: 'boolean', default: false },
    every: { type: 'string', default: '1' },
    limit: { type: 'string', default: '0' },
    recursive: { type: 'boolean', default: false },
    'alembic-version': { type: 'string' },
  },
});
if (!values.git || !values.path) {
  console.error(
    'usage: compare-history.mjs --git REPO_GIT_DIR --path FOLDER/IN/REPO [--strip] [--every N] [--limit N]',
  );
  process.exit(2);
}
const commits = commitsChanging(values.git, values.path, {
  every: Number(values.every),
  limit: Number(values.limit),
});

const tally = { commits: 0, agree: 0, differ: 0, skipped: 0, withError: 0, multipleHeads: 0 };
const errors = new Map();
for (const commit of commits) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'compare-history-'));
  try {
    const folder = extractFolder(values.git, commit, values.path, dir);
    if (!folder) {
      tally.skipped++;
      continue;
    }
    const args = [
      path.join(HERE, 'compare-real.mjs'),
      '--json',
      '--versions',
      folder,
      ...(values.strip ? ['--strip'] : []),
      ...(values.recursive ? ['--recursive'] : []),
      ...(values['alembic-version'] ? ['--alembic-version', values['alembic-version']] : []),
    ];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
    tally.commits++;
    if (r.status === 2 || !r.stdout.trim()) {
      tally.skipped++;
      console.log(`${commit.slice(0, 12)} skipped: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
      continue;
    }
    const o = JSON.parse(r.stdout);
    if (o.error) {
      tally.withError++;
      const kind = o.error.split(':')[0];
      errors.set(kind, (errors.get(kind) ?? 0) + 1);
    }
    if (o.heads.length > 1) tally.multipleHeads++;
    if (o.diffs.length === 0) tally.agree++;
    else {
      tally.differ++;
      console.log(
        `${commit.slice(0, 12)} DIFFER (${o.revisions} revisions): ${o.diffs.slice(0, 5).join('; ')}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(
  `${values.path}: ${tally.commits} commits compared, ${tally.agree} agree, ${tally.differ} differ, ${tally.skipped} skipped; ` +
    `${tally.multipleHeads} with several heads, ${tally.withError} where Alembic fails to load (${[...errors].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'})`,
);
process.exit(tally.differ > 0 ? 1 : 0);
