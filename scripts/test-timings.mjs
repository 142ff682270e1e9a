#!/usr/bin/env node
// `npm run test:timings`: turns the last full test run's timings (.cache/test-timings.json, written by
// test/helpers/timing-reporter.ts on every vitest run) into the table in CONTRIBUTING.md and into
// test/timings.json, the order test/helpers/slowest-first.ts starts files in. Run it after `npm test`
// (or `bash .ci/run`, whose wall time it then reports too) when a suite was added or got slower.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(REPO, '.cache', 'test-timings.json');
if (!existsSync(source)) {
  process.stderr.write(
    'No timings yet: run npm test first (its reporter writes .cache/test-timings.json).\n',
  );
  process.exit(2);
}
const run = JSON.parse(readFileSync(source, 'utf8'));
if (run.files.length < 100 || run.files.some((f) => !f.passed)) {
  process.stderr.write(
    `The last run was not a full, green one (${run.files.length} files): run npm test first.\n`,
  );
  process.exit(2);
}
const rows = [...run.files].sort((a, b) => b.ms - a.ms || a.file.localeCompare(b.file));
writeFileSync(
  path.join(REPO, 'test', 'timings.json'),
  JSON.stringify(Object.fromEntries(rows.map((r) => [r.file, r.ms])), null, 2) + '\n',
);

const ciFile = path.join(REPO, '.cache', 'ci-seconds');
const ci = existsSync(ciFile) ? Number(readFileSync(ciFile, 'utf8').trim()) : undefined;
const s = (ms) => (ms / 1000).toFixed(1);
const sum = rows.reduce((n, r) => n + r.ms, 0);
const tests = rows.reduce((n, r) => n + r.tests, 0);
const table = [
  `Measured on ${os.cpus().length} cores: ${rows.length} files, ${tests} tests; vitest's wall time ${s(run.wallMs)} s` +
    ` (the files' own times add up to ${s(sum)} s, run ${Math.round((sum / run.wallMs) * 10) / 10} at a time on average)` +
    (ci ? `; \`bash .ci/run\` on a clean clone, installs included, ${Math.round(ci)} s.` : '.'),
  '',
  '| seconds | tests | file |',
  '|---:|---:|---|',
  ...rows.map((r) => `| ${s(r.ms)} | ${r.tests} | ${r.file} |`),
].join('\n');
const page = path.join(REPO, 'CONTRIBUTING.md');
const text = readFileSync(page, 'utf8');
const start = '<!-- test-timings: written by npm run test:timings -->';
const end = '<!-- /test-timings -->';
const a = text.indexOf(start);
const b = text.indexOf(end);
if (a < 0 || b < a) throw new Error(`CONTRIBUTING.md has no ${start} … ${end} block`);
writeFileSync(page, text.slice(0, a + start.length) + '\n' + table + '\n' + text.slice(b));
process.stdout.write(
  `CONTRIBUTING.md and test/timings.json: ${rows.length} files, vitest ${s(run.wallMs)} s\n`,
);
