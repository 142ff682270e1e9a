import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASELINE_BELOW, useBaselineTierForSmallProjects } from '../../src/python/compiler-tier.js';
import { REPO } from '../helpers/oracle.js';

// Whether V8 optimises a function with TurboFan inside withBaselineTier, and after it, asked of V8 itself
// in a child started with --allow-natives-syntax: each function is prepared, run, and marked for
// optimisation on its next call (%OptimizeFunctionOnNextCall), which compiles at the highest tier the
// flags allow, then %GetOptimizationStatus says whether that was TurboFan (bit 6). No clock: the
// compiler is asked, not waited for, so a loaded machine gives the same answer.
const CHILD = `
const { useBaselineTierForSmallProjects, withBaselineTier } = await import(${JSON.stringify(path.join(REPO, 'dist/python/compiler-tier.js'))});
const on = useBaselineTierForSmallProjects(process.execArgv, process.env.NODE_OPTIONS ?? '');
const files = Number(process.argv[1]);
function hot(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + i * i) % 1000003; return s; }
function later(n) { let s = 1; for (let i = 0; i < n; i++) s = (s * 31 + i) % 1000033; return s; }
const turbofanned = (f) => (%GetOptimizationStatus(f) & 64) !== 0;
const optimise = (f) => { %PrepareFunctionForOptimization(f); f(2000); f(2000); %OptimizeFunctionOnNextCall(f); f(2000); return turbofanned(f); };
const inside = withBaselineTier(files, () => optimise(hot));
const after = optimise(later);
console.log(JSON.stringify({ on, inside, after }));
`;

/** The child's answer for a project of `files` revision files, with V8 `flags`. */
function run(files: number, flags: readonly string[] = []): { on: boolean; inside: boolean; after: boolean } {
  const r = spawnSync(
    process.execPath,
    ['--allow-natives-syntax', ...flags, '--input-type=module', '-e', CHILD, String(files)],
    { encoding: 'utf8', timeout: 30_000 },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { on: boolean; inside: boolean; after: boolean };
}

describe('reading a small project without the optimising compiler', () => {
  it('keeps TurboFan off while a small project is read, and on again afterwards', () => {
    expect(run(300)).toEqual({ on: true, inside: false, after: true });
  });

  it('leaves TurboFan alone for a large project', () => {
    expect(run(BASELINE_BELOW)).toEqual({ on: true, inside: true, after: true });
  });

  it('never turns on a compiler the user turned off, nor touches flags the user set', () => {
    expect(run(300, ['--no-opt'])).toEqual({ on: false, inside: false, after: false });
    expect(run(300, ['--max-opt=1'])).toEqual({ on: false, inside: false, after: false });
    expect(useBaselineTierForSmallProjects([], '--jitless')).toBe(false);
    expect(useBaselineTierForSmallProjects(['--freeze-flags-after-init'], '')).toBe(false);
    expect(useBaselineTierForSmallProjects(['--turbofan'], '')).toBe(false);
    expect(useBaselineTierForSmallProjects([], '--max-old-space-size=4096 --enable-source-maps')).toBe(true);
    expect(useBaselineTierForSmallProjects(['--optimize-for-size'], '')).toBe(true);
    // off again in this test process
    expect(useBaselineTierForSmallProjects(['--no-opt'], '')).toBe(false);
  });
});
