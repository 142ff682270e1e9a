// Node 24, the current LTS: the runtime npm scripts and the tests run on, and the one the wheel's
// executable carries. It is the `node` dev dependency (package.json pins it exactly), which installs the
// npm registry's node-<os>-<arch> package for this machine and puts its bin first on the PATH npm scripts
// see. A deliberate choice: the tests run on the Node the product targets, whatever Node runs npm.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The pinned version, as package.json's devDependencies name it. */
export const NODE = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).devDependencies.node;

/**
 * The folder holding bin/node of the installed dev dependency. (Its node-<os>-<arch> package, with the
 * headers, is installed beside it and pruned by the next npm install; bin/node is a hard link and stays.)
 */
export function nodeRuntime() {
  const dir = path.join(REPO, 'node_modules', 'node');
  if (!existsSync(path.join(dir, 'bin', 'node')))
    throw new Error(
      'node_modules/node/bin/node is missing: run npm install (the `node` dev dependency is Node 24)',
    );
  const version = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  if (version !== NODE)
    throw new Error(`the node dev dependency is ${version}, not the pinned ${NODE}: run npm install`);
  return dir;
}
