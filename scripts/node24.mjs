#!/usr/bin/env node
// `npm run test:node24`: the unit tests and the end-to-end release test again, on Node 24 (the current
// LTS; scripts/node-runtime.mjs fetches it), after the full suite on the Node that runs npm. The built
// CLI the release test starts runs on that Node too (it starts process.execPath).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeRuntime } from './node-runtime.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const node = path.join(nodeRuntime(), 'bin', 'node');
const vitest = path.join(REPO, 'node_modules', 'vitest', 'vitest.mjs');
process.stdout.write(`on Node ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}:\n`);
for (const args of [
  ['--project', 'unit'],
  ['--project', 'integration', 'test/integration/release-e2e.test.ts'],
]) {
  execFileSync(node, [vitest, 'run', ...args], { cwd: REPO, stdio: 'inherit' });
}
