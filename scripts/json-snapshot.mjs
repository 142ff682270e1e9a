#!/usr/bin/env node
// Writes what every command prints, in every --format it has, for a fixed set of projects and
// databases, so a change that must not change behaviour (a refactor) can be proven identical:
//
//   node scripts/json-snapshot.mjs --out /tmp/before [--project DIR ...]
//   … change the code, npm run build …
//   node scripts/json-snapshot.mjs --out /tmp/after [--project DIR ...] --compare /tmp/before
//
// The set: the bundled example (every command: check, verify, verify --downgrade and --databases,
// release, backfill, fix, restamp, ledger, graph, fleet, hook-job, scan-logs, explain; on SQLite databases
// stamped fresh, as in the incident, at its first revision and at head), the example with platform
// files that disagree (a Procfile, fly.toml, render.yaml, app.json; on and off each platform), generated projects of several
// shapes (test/oracle/corpus.py, fixed seeds, written to the same temporary paths every run), a
// throwaway PostgreSQL cluster when the server binaries are installed (verify, verify --tenants,
// rehearse, release), and any --project folder (a real project's checkout: run from its root, as its
// release would). Durations, timestamps and ports are masked, so two runs of one build are identical.
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
/** Masks what changes from run to run of one build: durations, timestamps, ports, process ids. */
function masked(text) {
  return text
    .replace(/\b\d+(?:\.\d+)? ?(s|ms)\b/gu, 'N $1')
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?\b/gu, 'TIMESTAMP')
    .replace(/\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d(?::?\d\d)?)?\b/gu, 'TIMESTAMP')
    .replace(/127\.0\.0\.1:\d+/gu, '127.0.0.1:PORT')
    .replace(/"(ms|durationMs|elapsedMs|pid)": \d+/gu, '"$1": N')
    .replace(/\b(ms|pid)=\d+/gu, '$1=N')
    .replace(/\bpreflight_scratch_[0-9a-z_]+/gu, 'preflight_scratch_X');
}

/** One document: the command's stdout (stderr after it when asked) and exit code, run from `cwd` with only the variables given. */
function run(cwd, args, env = {}, { stderr = false } = {}) {
  const r = spawnTool(cwd, args, env);
  return masked(`exit ${r.status}\n${r.stdout}${stderr ? `--- stderr\n${r.stderr}` : ''}`);
}

/** The built tool run from `cwd` with only the variables given (the caches off), as spawnSync returns it. */
function spawnTool(cwd, args, env = {}) {
  return spawnSync(process.execPath, [BIN, ...args], {
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
const REVIEW = ['text', 'json', 'github', 'markdown', 'sarif'];
const PLAIN = ['text', 'json'];
/** The command in each of its formats, one document each. */
function everyFormat(name, cwd, args, formats, env = {}, opts = {}) {
  for (const f of formats) docs.set(`${name}.${f}`, run(cwd, [...args, '--format', f], env, opts));
}

// the bundled example, copied so the databases stay out of the repository
const example = path.join(WORK, 'example');
rmSync(example, { recursive: true, force: true });
cpSync(path.join(REPO, 'examples', 'heroku-app'), example, { recursive: true });
everyFormat('example.check', example, ['check'], REVIEW);
everyFormat('example.fix', example, ['fix', '1f2a3b4c5d6e', '2a3b4c5d6e7f'], PLAIN);
docs.set('example.check-no-lint.json', run(example, ['check', '--no-lint', '--format', 'json']));
const STATES = [
  ['fresh', null],
  ['incident', ['guest_lockout_001']],
  ['first', ['1f2a3b4c5d6e']],
  ['head', ['2a3b4c5d6e7f']],
];
const snap = { DATABASE_URL: 'sqlite:///snap.db' };
for (const [name, rows] of STATES) {
  sqliteAt(path.join(example, 'snap.db'), rows);
  everyFormat(`example.verify-${name}`, example, ['verify'], REVIEW, snap);
  everyFormat(`example.verify-strict-${name}`, example, ['verify', '--strict'], ['text'], snap);
  everyFormat(`example.graph-db-${name}`, example, ['graph'], ['mermaid', 'dot', 'text', 'history'], snap);
  everyFormat(`example.backfill-${name}`, example, ['backfill'], PLAIN, snap);
  everyFormat(`example.ledger-record-${name}`, example, ['ledger', 'record'], PLAIN, snap);
  everyFormat(`example.ledger-owner-${name}`, example, ['ledger', 'owner'], PLAIN, snap);
  everyFormat(`example.downgrade-${name}`, example, ['verify', '--downgrade', 'base'], PLAIN, snap);
  for (const f of PLAIN) {
    // release writes: each run on its own copy of the state
    sqliteAt(path.join(example, 'snap.db'), rows);
    docs.set(
      `example.release-${name}.${f}`,
      run(example, ['release', '--format', f], snap, { stderr: true }),
    );
  }
}
sqliteAt(path.join(example, 'snap.db'), ['guest_lockout_001']);
everyFormat(
  'example.restamp-incident',
  example,
  ['restamp', '--from', 'guest_lockout_001', '--to', '2a3b4c5d6e7f'],
  PLAIN,
  snap,
);
everyFormat('example.graph', example, ['graph'], ['mermaid', 'dot', 'text', 'history']);
everyFormat('example.verify-no-url', example, ['verify'], PLAIN);
everyFormat('example.release-no-url', example, ['release'], PLAIN, {}, { stderr: true });

// a fleet of SQLite databases, read whole and in shards, and the shards merged
const list = path.join(example, 'databases.txt');
const fleet = [];
for (const [name, rows] of STATES) {
  const file = path.join(example, `fleet-${name}.db`);
  sqliteAt(file, rows);
  fleet.push(`sqlite:///${file}`);
}
writeFileSync(list, fleet.join('\n') + '\n');
everyFormat(
  'example.verify-databases',
  example,
  ['verify', '--databases', list],
  ['text', 'json', 'github', 'markdown'],
);
const shards = [1, 2].map((i) => {
  const file = path.join(example, `shard-${i}.json`);
  const r = spawnTool(example, ['verify', '--databases', list, '--shard', `${i}/2`, '--format', 'json']);
  writeFileSync(file, r.stdout);
  docs.set(`example.verify-databases-shard-${i}.json`, masked(`exit ${r.status}\n${r.stdout}`));
  return file;
});
everyFormat('example.fleet-merge', example, ['fleet', 'merge', ...shards], PLAIN);
everyFormat(
  'example.fleet-plan',
  example,
  ['fleet', 'plan', '--tenants', 'shop_*', '--shards', '3', '--image', 'registry/shop:v1'],
  ['github-matrix', 'k8s-indexed-job'],
);
for (const engine of ['helm', 'argocd'])
  docs.set(
    `example.hook-job.${engine}`,
    run(example, ['hook-job', '--engine', engine, '--image', 'registry/shop:v1', '--app', 'shop']),
  );
// the log copied beside the example, so the path printed is the same from any checkout
cpSync(
  path.join(REPO, 'test', 'fixtures', 'logs', 'heroku-releases-output.log'),
  path.join(example, 'release.log'),
);
everyFormat('example.scan-logs', example, ['scan-logs', 'release.log'], PLAIN);
everyFormat('example.explain', example, ['explain', 'multiple-heads'], PLAIN);
everyFormat('example.explain-unknown', example, ['explain', 'no-such-code'], PLAIN);

// the example deployed: a Procfile, heroku.yml, fly.toml and render.yaml that disagree, app.json's review apps
const deployed = path.join(WORK, 'example-deploy');
rmSync(deployed, { recursive: true, force: true });
cpSync(path.join(REPO, 'examples', 'heroku-app'), deployed, { recursive: true });
writeFileSync(
  path.join(deployed, 'Procfile'),
  'release: flask db migrate && alembic upgrade heads\nweb: gunicorn app:app\n',
);
writeFileSync(
  path.join(deployed, 'fly.toml'),
  "app = 'shop'\n[deploy]\n  release_command = 'alembic upgrade 1f2a3b4c5d6e'\n",
);
writeFileSync(
  path.join(deployed, 'render.yaml'),
  'services:\n  - type: web\n    preDeployCommand: alembic upgrade head\n',
);
writeFileSync(path.join(deployed, 'app.json'), '{"environments": {"review": {"addons": []}}}\n');
everyFormat('deploy.check', deployed, ['check'], ['text', 'json']);
for (const [name, rows] of STATES) {
  sqliteAt(path.join(deployed, 'snap.db'), rows);
  everyFormat(`deploy.verify-${name}`, deployed, ['verify'], ['text', 'json'], snap);
  for (const [platform, env] of [
    ['heroku', { DYNO: 'release.1' }],
    ['fly', { FLY_APP_NAME: 'shop' }],
    ['render', { RENDER: 'true' }],
  ])
    docs.set(`deploy.verify-${name}-${platform}.text`, run(deployed, ['verify'], { ...snap, ...env }));
  everyFormat(`deploy.backfill-${name}`, deployed, ['backfill'], ['text'], snap);
}
sqliteAt(path.join(deployed, 'snap.db'), ['guest_lockout_001']);
docs.set(
  'deploy.restamp-incident.text',
  run(deployed, ['restamp', '--from', 'guest_lockout_001', '--to', '2a3b4c5d6e7f'], snap),
);

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
  everyFormat(`corpus-${name}.check`, dir, ['check'], REVIEW);
  docs.set(`corpus-${name}.check-no-lint.json`, run(dir, ['check', '--no-lint', '--format', 'json']));
  docs.set(`corpus-${name}.graph.text`, run(dir, ['graph', '--format', 'text']));
}

await withPostgres(async (url) => {
  const pg = { DATABASE_URL: `${url}/snap` };
  const psql = (db, sql) =>
    execFileSync('psql', [`${url}/${db}`, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  for (const [name, rows] of STATES) {
    psql('postgres', 'DROP DATABASE IF EXISTS snap');
    psql('postgres', 'CREATE DATABASE snap');
    if (rows !== null) {
      psql('snap', 'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)');
      for (const r of rows) psql('snap', `INSERT INTO alembic_version VALUES ('${r}')`);
    }
    if (name === 'first' || name === 'head')
      psql('snap', 'CREATE TABLE users (id SERIAL PRIMARY KEY, email VARCHAR(255) NOT NULL)');
    everyFormat(`pg.verify-${name}`, example, ['verify'], REVIEW, pg);
    everyFormat(`pg.verify-locks-block-${name}`, example, ['verify', '--locks', 'block'], ['text'], pg);
  }
  psql('postgres', 'DROP DATABASE IF EXISTS snap');
  psql('postgres', 'CREATE DATABASE snap');
  for (const t of ['shop_a', 'shop_b']) {
    psql(
      'snap',
      `CREATE SCHEMA ${t}; CREATE TABLE ${t}.alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)`,
    );
  }
  psql(
    'snap',
    "INSERT INTO shop_a.alembic_version VALUES ('2a3b4c5d6e7f'); INSERT INTO shop_b.alembic_version VALUES ('guest_lockout_001')",
  );
  everyFormat(
    'pg.verify-tenants',
    example,
    ['verify', '--tenants', 'shop_*'],
    ['text', 'json', 'github', 'markdown'],
    pg,
  );
  everyFormat(
    'pg.rehearse',
    example,
    ['rehearse', '--scratch-url', `${url}/postgres`],
    ['text', 'json', 'github', 'markdown'],
    pg,
    { stderr: true },
  );
  psql('postgres', 'DROP DATABASE IF EXISTS snap');
  psql('postgres', 'CREATE DATABASE snap');
  docs.set('pg.release-fresh.text', run(example, ['release'], pg, { stderr: true }));
  docs.set('pg.release-again.text', run(example, ['release'], pg, { stderr: true }));
  everyFormat('pg.ledger-owner', example, ['ledger', 'owner'], PLAIN, pg);
});

for (const p of values.project) {
  const dir = path.resolve(p);
  everyFormat(`project-${path.basename(dir)}.check`, dir, ['check'], REVIEW);
}

/**
 * Runs `body` with a throwaway PostgreSQL cluster's URL (no database name), made and removed by the
 * tool's own scratch clusters (rehearse's); skipped, and said so, without the server binaries.
 */
async function withPostgres(body) {
  const { localClusterScratch, localServerBinaries } = await import('../dist/database/scratch-database.js');
  const binaries = localServerBinaries();
  if (!binaries) {
    process.stdout.write('no PostgreSQL server binaries: the pg.* documents are not written\n');
    return;
  }
  const scratch = await localClusterScratch(binaries);
  try {
    await body(scratch.url.replace(/\/postgres$/u, ''));
  } finally {
    await scratch.remove();
  }
}

mkdirSync(values.out, { recursive: true });
for (const [name, text] of docs) writeFileSync(path.join(values.out, name), text);
process.stdout.write(`${docs.size} documents in ${values.out}\n`);

if (values.compare) {
  const before = readdirSync(values.compare);
  const differ = before.filter(
    (f) =>
      !existsSync(path.join(values.out, f)) ||
      readFileSync(path.join(values.out, f), 'utf8') !== readFileSync(path.join(values.compare, f), 'utf8'),
  );
  const added = [...docs.keys()].filter((f) => !before.includes(f));
  for (const f of differ) process.stdout.write(`differs: ${f}\n`);
  for (const f of added) process.stdout.write(`new: ${f}\n`);
  process.stdout.write(differ.length === 0 ? 'identical\n' : `${differ.length} of ${before.length} differ\n`);
  process.exit(differ.length === 0 ? 0 : 1);
}
