#!/usr/bin/env node
// Replays a real project's deploys against real Alembic: for consecutive states of its migrations
// folder (commits that changed it, oldest first), a SQLite database stamped where the earlier state's
// `alembic upgrade head` left it, and the later state's code. `verify` predicts the upgrade; real
// Alembic (test/oracle/alembic_upgrade.py) computes it; the steps, the rows left and the failure line
// must be the same. With --rollback, also the reverse: the database at the later state's heads and the
// earlier state's code (a rollback), where Alembic usually cannot locate the newer revisions.
// A developer tool for docs/real-projects.md, like compare-history.mjs.
//
//   node scripts/replay-deploys.mjs --git REPO_GIT_DIR --path FOLDER/IN/REPO [--every N] [--limit N] [--rollback] [--target head]
//
// Prints one line per differing deploy and a summary; exit 1 when any differs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { commitsChanging, extractFolder } from './folder-history.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(HERE, '..', 'bin', 'alembic-preflight.js');
const ORACLE = path.resolve(HERE, '..', 'test', 'oracle', 'alembic_upgrade.py');
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const { values } = parseArgs({
  options: {
    git: { type: 'string' },
    path: { type: 'string' },
    every: { type: 'string', default: '1' },
    limit: { type: 'string', default: '0' },
    rollback: { type: 'boolean', default: false },
    target: { type: 'string', default: 'head' },
  },
});
if (!values.git || !values.path) {
  console.error(
    'usage: replay-deploys.mjs --git REPO_GIT_DIR --path FOLDER/IN/REPO [--every N] [--limit N] [--rollback] [--target head]',
  );
  process.exit(2);
}
const commits = commitsChanging(values.git, values.path, {
  every: Number(values.every),
  limit: Number(values.limit),
  oldestFirst: true,
});

const ENV_PY = `from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


def run_migrations_online():
    connectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
`;

/** A project folder whose ini reads `folder` and connects to `db`, with Alembic's template env.py. */
function project(root, folder, db) {
  const dir = path.join(root, 'project');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'alembic.ini'),
    `[alembic]\nscript_location = .\nversion_locations = ${folder}\nsqlalchemy.url = sqlite:///${db}\n`,
  );
  writeFileSync(path.join(dir, 'env.py'), ENV_PY);
  return dir;
}

/** A SQLite file with Alembic's version table holding `rows`, for verify to read. */
function stamp(db, rows) {
  rmSync(db, { force: true });
  const sql = [
    'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));',
    ...rows.map((r) => `INSERT INTO alembic_version VALUES ('${r.replaceAll("'", "''")}');`),
  ].join('\n');
  const r = spawnSync(
    PYTHON,
    [
      '-c',
      'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.stdin.read()); c.commit()',
      db,
    ],
    { input: sql, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`could not stamp ${db}: ${r.stderr}`);
}

const extract = (commit, root) => extractFolder(values.git, commit, values.path, root);

/**
 * Real Alembic on a fresh SQLite file stamped with `rows` (none: no version table), in the project
 * folder `dir`: the upgrade's steps and rows, or its failure (`load` when the scripts did not load).
 */
function theirs(dir, rows) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'replay-work-'));
  try {
    const r = spawnSync(
      PYTHON,
      [ORACLE, '--stub-imports', '--cwd', dir, '--ini', 'alembic.ini', '--work', work],
      {
        input: JSON.stringify([{ rows: rows.length > 0 ? rows : null, target: values.target }]),
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      },
    );
    return JSON.parse(r.stdout || '[{}]')[0];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function ours(dir, db) {
  const r = spawnSync(
    process.execPath,
    [
      BIN,
      'verify',
      '--format',
      'json',
      '--no-git',
      '--target',
      values.target,
      '--database-url',
      `sqlite:///${db}`,
    ],
    { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  if (r.status !== 0 && r.status !== 1) return { error: (r.stderr || r.stdout).trim().split('\n')[0] };
  return JSON.parse(r.stdout);
}

/** The differences between our prediction and Alembic's answer. */
function compare(o, t) {
  const diffs = [];
  if (o.error) return [`verify failed: ${o.error}`];
  const theirOk = t.ok === true;
  const p = o.prediction;
  if (p.unpredictable) return [];
  if (p.willSucceed !== theirOk)
    diffs.push(`willSucceed ${p.willSucceed} vs ${theirOk} (${theirOk ? '' : t.cli})`);
  if (theirOk) {
    const steps = t.steps.map((s) => s.revision).join(' ');
    if (p.pending.join(' ') !== steps) diffs.push(`steps ${p.pending.join(' ')} vs ${steps}`);
    const final = [...(t.finalRows ?? [])].sort().join(' ');
    if ([...(p.finalHeads ?? [])].sort().join(' ') !== final)
      diffs.push(`final ${JSON.stringify(p.finalHeads)} vs ${JSON.stringify(t.finalRows)}`);
  } else {
    const first = (t.cli ?? '').split('\n')[0].replace(/ \([^()]*, line \d+\)$/u, '');
    if (!(p.cliOutput ?? '').includes(first))
      diffs.push(`failure ${JSON.stringify(p.cliOutput)} vs ${JSON.stringify(t.cli)}`);
  }
  return diffs;
}

const tally = { deploys: 0, agree: 0, differ: 0, skipped: 0, failing: 0, applying: 0 };
const report = (label, d, t) => {
  tally.deploys++;
  if (d.length === 0) tally.agree++;
  else {
    tally.differ++;
    console.log(`${label} DIFFER: ${d.slice(0, 4).join('; ')}`);
  }
  if (t.ok === true) tally.applying++;
  else tally.failing++;
};
let previous;
for (const commit of commits) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'replay-'));
  try {
    const folder = extract(commit, path.join(root, 'tree'));
    if (!folder) continue;
    const db = path.join(root, 'db.sqlite');
    const dir = project(root, folder, db);
    // where this state's own upgrade leaves a database: its heads, if Alembic can load it
    const fresh = theirs(dir, []);
    const heads = fresh.load ? undefined : fresh.ok ? fresh.finalRows : [];
    if (previous?.heads) {
      const t = theirs(dir, previous.heads);
      stamp(db, previous.heads);
      report(`${previous.commit.slice(0, 10)}→${commit.slice(0, 10)}`, compare(ours(dir, db), t), t);
    } else if (previous) tally.skipped++;
    if (values.rollback && previous && heads && heads.length > 0) {
      const back = extract(previous.commit, path.join(root, 'back'));
      const backDir = project(path.join(root, 'b'), back, db);
      const t = theirs(backDir, heads);
      stamp(db, heads);
      report(
        `${commit.slice(0, 10)}⇢${previous.commit.slice(0, 10)} (rollback)`,
        compare(ours(backDir, db), t),
        t,
      );
    }
    previous = { commit, heads };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
console.log(
  `${values.path}: ${tally.deploys} deploys replayed (${tally.applying} upgrade, ${tally.failing} fail in Alembic), ${tally.agree} agree, ${tally.differ} differ; ${tally.skipped} skipped (the earlier state did not load)`,
);
process.exit(tally.differ > 0 ? 1 : 0);
