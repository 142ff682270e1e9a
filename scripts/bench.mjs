// npm run bench: generate a 10,000-revision project, then time `alembic-preflight
// check` and real `alembic heads` side by side (median of 5 runs each) and
// report the ratio and our peak RSS. Targets: >= 20x faster, <= 150 MB.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const n = Number(process.env.BENCH_REVISIONS ?? 10000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const out = path.join(repo, '.bench', `corpus-${n}`);
const gen = path.resolve(repo, '../shared/oracle/gen_corpus.py');

if (!existsSync(path.join(out, 'alembic.ini'))) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(path.dirname(out), { recursive: true });
  console.log(`generating ${n} revisions…`);
  execFileSync('/usr/bin/python3', [gen, '--out', out, '--n', String(n), '--seed', '42', '--traps', '0.05'], { stdio: 'inherit' });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (cmd, args, opts) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: out, encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, r };
};

// ours: the real CLI entry, reporting its own peak RSS on exit
const probe = `const {main}=await import(${JSON.stringify(path.join(repo, 'dist/cli.js'))});const c=await main(['check','--format','json']);process.stderr.write('MAXRSS '+process.resourceUsage().maxRSS+'\\n');process.exitCode=c;`;
const ours = [];
let rss = 0;
for (let i = 0; i < runs; i++) {
  const { ms, r } = time(process.execPath, ['--input-type=module', '-e', probe]);
  if (r.status !== 0 && r.status !== 1) throw new Error(`check failed: ${r.stderr}`);
  rss = Math.max(rss, Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? 0));
  ours.push(ms);
}
const heads = JSON.parse(spawnSync(process.execPath, [path.join(repo, 'bin/alembic-preflight.js'), 'check', '--format', 'json'], { cwd: out, encoding: 'utf8', maxBuffer: 1 << 28 }).stdout).graph.heads;

const theirs = [];
let theirHeads = '';
for (let i = 0; i < runs; i++) {
  const { ms, r } = time('/usr/bin/python3', ['-m', 'alembic', 'heads'], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  if (r.status !== 0) throw new Error(`alembic heads failed: ${r.stderr.slice(-500)}`);
  theirHeads = r.stdout.trim();
  theirs.push(ms);
}

const a = median(ours);
const b = median(theirs);
const ratio = b / a;
const rssMb = rss / 1024;
console.log(`revisions:                ${n}`);
console.log(`alembic-preflight check:  ${a.toFixed(0)} ms (median of ${runs})`);
console.log(`alembic heads (real):     ${b.toFixed(0)} ms (median of ${runs})`);
console.log(`ratio:                    ${ratio.toFixed(1)}x faster (target >= 20x)`);
console.log(`peak RSS (ours):          ${rssMb.toFixed(1)} MB (target <= 150 MB)`);
console.log(`heads agree:              ${JSON.stringify(heads)} vs ${JSON.stringify(theirHeads)}`);
if (ratio < 20 || rssMb > 150) process.exitCode = 1;
