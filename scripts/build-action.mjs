#!/usr/bin/env node
// `npm run build:action`: action/cli.cjs, the CLI as the GitHub Action runs it: one committed script with
// its dependencies inside, so the Action starts in seconds (no npm ci at run time). better-sqlite3 is a
// native addon and stays out: the Action's verify reads PostgreSQL. version and the finding pages
// resolve from the action's checkout (../package.json, ../docs/findings/).
// test/integration/wiring.test.ts fails while the committed file is not what this writes.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CLI_BUNDLE, mainEntry } from './bundle-options.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Writes the Action's script to `outfile`. */
export async function buildAction(outfile = path.join(REPO, 'action', 'cli.cjs')) {
  await build({
    ...CLI_BUNDLE,
    stdin: mainEntry(REPO, 'action-entry.js'),
    outfile,
    absWorkingDir: REPO,
    external: ['better-sqlite3', 'pg-native'],
    banner: { js: "const __preflightUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildAction();
