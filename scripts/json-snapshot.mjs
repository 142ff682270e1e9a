#!/usr/bin/env node
// Writes the JSON documents `check` and `verify` print for a fixed set of projects, so a change that
// must not change behaviour (a refactor) can be proven byte-identical:
//
//   node scripts/json-snapshot.mjs --out /tmp/before [--project DIR ...]
//   … change the code, npm run build …
//   node scripts/json-snapshot.mjs --out /tmp/after [--project DIR ...] --compare /tmp/before
//
// The set: the bundled example (check; verify on a fresh SQLite database, on the incident's
// hand-stamped one, and on one at its first revision), generated projects of several shapes
// (test/oracle/corpus.py, fixed seeds, written to the same temporary paths every run), and any
// --project folder (a real project's checkout: run from its root, as its release would).
// The result cache is off unless $ALEMBIC_PREFLIGHT_CACHE names a folder (to prove a cached run prints the same).
// Exit 0 when --compare finds every document identical, 1 when some differ, 2 on a usage error.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
const BIN = path.join(REPO, 'bin', 'alembic-preflight.js');
const GEN = path.resolve(REPO, 'test', 'oracle', 'corpus.py');
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const WORK = path.join(os.tmpdir(), 'preflight-json-snapshot');

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    project: { type: 'string', multiple: true, default: [] },
    compare: { type: 'string' },
  },
});
if (!values.out) {
  process.stderr.write(
    'usage: node scripts/json-snapshot.mjs --out DIR [--project DIR ...] [--compare DIR]\n',
  );
  process.exit(2);
}

/** One document: the command's stdout and exit code, run from `cwd` with only the variables given. */
function run(cwd, args, env = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--format', 'json'], {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ALEMBIC_PREFLIGHT_CODE_CACHE: 'off',
      ALEMBIC_PREFLIGHT_CACHE: process.env.ALEMBIC_PREFLIGHT_CACHE ?? 'off',
      ...env,
    },
    maxBuffer: 1 << 28,
  });
  return `exit ${r.status}\n${r.stdout}`;
}

/** A SQLite file holding an Alembic version table with these rows (none: no table at all). */
function sqliteAt(file, rows) {
  rmSync(file, { force: true });
  const db = new Database(file);
  if (rows !== null) {
    db.exec('CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)');
    for (const r of rows) db.prepare('INSERT INTO alembic_version VALUES (?)').run(r);
  }
  db.close();
}

const docs = new Map();

// the bundled example, copied so the databases stay out of the repository
const example = path.join(WORK, 'example');
rmSync(example, { recursive: true, force: true });
cpSync(path.join(REPO, 'examples', 'heroku-app'), example, { recursive: true });
docs.set('example.check', run(example, ['check']));
for (const [name, rows] of [
  ['fresh', null],
  ['incident', ['guest_lockout_001']],
  ['first', ['1f2a3b4c5d6e']],
]) {
  sqliteAt(path.join(example, 'snap.db'), rows);
  docs.set(`example.verify-${name}`, run(example, ['verify'], { DATABASE_URL: 'sqlite:///snap.db' }));
}

// generated projects: linear, branchy with labels and depends_on, several roots, traps, subfolders
const shapes = [
  ['linear', ['--n', '120', '--seed', '1']],
  [
    'branchy',
    [
      '--n',
      '200',
      '--seed',
      '2',
      '--branch-rate',
      '0.2',
      '--merge-rate',
      '0.5',
      '--label-rate',
      '0.1',
      '--depends-rate',
      '0.05',
    ],
  ],
  ['roots', ['--n', '150', '--seed', '3', '--roots', '2', '--heads', '2', '--cross-root-merges']],
  ['traps', ['--n', '120', '--seed', '4', '--traps', '0.2', '--extras']],
  ['subdirs', ['--n', '120', '--seed', '5', '--subdirs', '3', '--locations', '2']],
];
for (const [name, args] of shapes) {
  const dir = path.join(WORK, `corpus-${name}`);
  execFileSync(PYTHON, [GEN, '--out', dir, ...args, '--force'], { stdio: 'ignore' });
  docs.set(`corpus-${name}.check`, run(dir, ['check']));
  docs.set(`corpus-${name}.check-no-lint`, run(dir, ['check', '--no-lint']));
}

for (const p of values.project) {
  const dir = path.resolve(p);
  docs.set(`project-${path.basename(dir)}.check`, run(dir, ['check']));
}

mkdirSync(values.out, { recursive: true });
for (const [name, text] of docs) writeFileSync(path.join(values.out, `${name}.json`), text);
process.stdout.write(`${docs.size} documents in ${values.out}\n`);

if (values.compare) {
  const before = readdirSync(values.compare).filter((f) => f.endsWith('.json'));
  const differ = before.filter(
    (f) =>
      !existsSync(path.join(values.out, f)) ||
      readFileSync(path.join(values.out, f), 'utf8') !== readFileSync(path.join(values.compare, f), 'utf8'),
  );
  const added = [...docs.keys()].map((n) => `${n}.json`).filter((f) => !before.includes(f));
  for (const f of differ) process.stdout.write(`differs: ${f}\n`);
  for (const f of added) process.stdout.write(`new: ${f}\n`);
  process.stdout.write(differ.length === 0 ? 'identical\n' : `${differ.length} of ${before.length} differ\n`);
  process.exit(differ.length === 0 ? 0 : 1);
}
