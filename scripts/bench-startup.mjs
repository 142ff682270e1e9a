// The start-up lines of `npm run bench`: an empty project's `check --no-lint` as a user starts it, from
// the npm install (the bin through its #! line) and from the wheel's executable, each paired with its
// own Node's `node -e 0` (the two alternate, so that a busy machine slows both alike).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { nodeRuntime } from './node-runtime.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const wall = (cmd, args, opts) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

/** `rounds` alternating runs of node -e 0 and of the command: the medians of both and of their differences. */
export function pairedOverNode(node, cmd, args, opts, rounds) {
  wall(cmd, args, opts);
  const floor = [];
  const run = [];
  for (let i = 0; i < rounds; i += 1) {
    floor.push(wall(node, ['-e', '0'], opts));
    run.push(wall(cmd, args, opts));
  }
  return { floor: median(floor), run: median(run), over: median(run.map((ms, i) => ms - floor[i])) };
}

/** A project as `alembic init` leaves it, without revisions, in .bench/empty. */
export function emptyProject(repo) {
  const dir = path.join(repo, '.bench', 'empty');
  mkdirSync(path.join(dir, 'migrations', 'versions'), { recursive: true });
  writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = migrations\n');
  // so that the run is an all-clear and not a missing-env.py report
  writeFileSync(path.join(dir, 'migrations', 'env.py'), 'from alembic import context\n');
  return dir;
}

/**
 * A user's environment: the caches where a user's are (the bench's other lines set their own), under
 * .bench/home-cache so that the bench leaves the developer's ~/.cache alone.
 */
export function userEnv(repo, extra = {}) {
  const env = { ...process.env, XDG_CACHE_HOME: path.join(repo, '.bench', 'home-cache'), ...extra };
  delete env.ALEMBIC_PREFLIGHT_CACHE;
  delete env.ALEMBIC_PREFLIGHT_CODE_CACHE;
  return env;
}

/** The npm bin as a user's shell starts it: by name on PATH, its `#!/usr/bin/env node` finding this Node. */
export function npmBinRun(repo, bin) {
  const dir = path.join(repo, '.bench', 'npm-bin');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  symlinkSync(bin, path.join(dir, 'alembic-preflight'));
  return {
    cmd: 'alembic-preflight',
    env: userEnv(repo, {
      PATH: [dir, path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
    }),
  };
}

/**
 * The newest wheel in dist/wheels/ laid out as pip installs it (bin/alembic-preflight beside
 * share/alembic-preflight/) in .bench/wheel/, or null when none is built.
 */
export function wheelExecutable(repo) {
  const wheels = path.join(repo, 'dist', 'wheels');
  const wheel = existsSync(wheels)
    ? readdirSync(wheels)
        .filter((f) => f.endsWith('.whl'))
        .sort()
        .at(-1)
    : undefined;
  if (!wheel) return null;
  const dir = path.join(repo, '.bench', 'wheel');
  rmSync(dir, { recursive: true, force: true });
  execFileSync('/usr/bin/python3', [
    '-m',
    'zipfile',
    '-e',
    path.join(wheels, wheel),
    path.join(dir, 'unpacked'),
  ]);
  const data = readdirSync(path.join(dir, 'unpacked')).find((f) => f.endsWith('.data'));
  mkdirSync(path.join(dir, 'prefix', 'bin'), { recursive: true });
  cpSync(
    path.join(dir, 'unpacked', data, 'scripts', 'alembic-preflight'),
    path.join(dir, 'prefix', 'bin', 'alembic-preflight'),
  );
  chmodSync(path.join(dir, 'prefix', 'bin', 'alembic-preflight'), 0o755);
  cpSync(path.join(dir, 'unpacked', data, 'data', 'share'), path.join(dir, 'prefix', 'share'), {
    recursive: true,
  });
  return {
    wheel,
    exe: path.join(dir, 'prefix', 'bin', 'alembic-preflight'),
    node: path.join(nodeRuntime(), 'bin', 'node'),
  };
}
