// The wheel's lines of `npm run bench`: its executable (Node 24 from a startup snapshot, the flags its
// configuration carries) on the same generated projects as the npm route's lines, beside the same warm
// `alembic heads`, with the same targets. Peak RSS is the child's, as the kernel counts it
// (getrusage(RUSAGE_CHILDREN) in a Python that only starts it).
import { spawnSync } from 'node:child_process';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One run of a command in `cwd`, the result cache off: its wall time and its peak RSS in MB. */
export function childPeak(exe, args, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      'import resource, subprocess, sys\nc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE)\nprint(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, len(c.stdout))\nsys.exit(c.returncode)',
      exe,
      ...args,
    ],
    // the result cache off, as in the npm route's cold lines
    { cwd, encoding: 'utf8', env: { ...process.env, ALEMBIC_PREFLIGHT_CACHE: 'off' } },
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const [kb, printed] = r.stdout.trim().split(' ').map(Number);
  // exit 1 is a blocking verdict, with its report; without one it is a failure to run
  if ((r.status !== 0 && r.status !== 1) || !printed)
    throw new Error(`${exe} ${args.join(' ')} exited ${r.status} with no report: ${r.stderr}`);
  return { ms, mb: kb / 1024 };
}

/**
 * The wheel at each project size: `check --no-lint` (and at 2,000 with the lints) as the median of
 * `runs` runs over the warm `alembic heads` measured there, and peak RSS where the npm route has a
 * bound. `sizes`: { revisions, dir, warm } for 300, 2,000 and the bench's largest.
 */
export function wheelLines({ wheel, runs, sizes, target }) {
  const noLint = ['check', '--no-lint', '--format', 'json'];
  const withLint = ['check', '--format', 'json'];
  for (const { revisions, dir, warm } of sizes) {
    childPeak(wheel.exe, noLint, dir);
    const off = Array.from({ length: runs }, () => childPeak(wheel.exe, noLint, dir));
    const offMs = median(off.map((r) => r.ms));
    const offMb = Math.max(...off.map((r) => r.mb));
    const goal = revisions >= 10000 ? 8 : revisions >= 2000 ? 2.5 : 2;
    let line = `wheel, ${revisions} revisions: check --no-lint ${offMs.toFixed(0)} ms (${(warm / offMs).toFixed(1)}x warm alembic heads), peak RSS ${offMb.toFixed(1)} MB`;
    target(
      `wheel, ${revisions}: check --no-lint vs warm alembic heads`,
      `${(warm / offMs).toFixed(1)}x`,
      `>= ${goal}x`,
      warm / offMs >= goal,
    );
    if (revisions === 2000 || revisions >= 10000) {
      const on = Array.from({ length: revisions >= 10000 ? 1 : runs }, () =>
        childPeak(wheel.exe, withLint, dir),
      );
      const onMs = median(on.map((r) => r.ms));
      const onMb = Math.max(...on.map((r) => r.mb));
      line += `; with lints ${onMs.toFixed(0)} ms (${(warm / onMs).toFixed(1)}x), peak RSS ${onMb.toFixed(1)} MB`;
      const bound = revisions >= 10000 ? 150 : 110;
      target(
        `wheel, ${revisions}: peak RSS, ${revisions >= 10000 ? '--no-lint' : 'with lints'}`,
        `${(revisions >= 10000 ? offMb : onMb).toFixed(1)} MB`,
        `<= ${bound} MB`,
        (revisions >= 10000 ? offMb : onMb) <= bound,
      );
      if (revisions === 2000)
        target(
          'wheel, 2000: check with lints vs warm alembic heads',
          `${(warm / onMs).toFixed(1)}x`,
          '>= 1.0x',
          warm / onMs >= 1,
        );
    }
    console.log(line);
  }
}
