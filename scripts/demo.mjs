// The README's first command. Replays the October 2025 incident on the bundled
// example project with an embedded SQLite database: production was stamped by
// hand with `guest_lockout_001`, no migration file has that id, and
// `alembic upgrade head` would die in the Heroku release phase.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { migrateAndStamp } from './demo-schema.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(repo, 'bin', 'alembic-preflight.js');
const example = path.join(repo, 'examples', 'heroku-app');

function run(title, cwd, args, env = {}) {
  const shown = Object.entries(env)
    .map(([k, v]) => `${k}=${v} `)
    .join('');
  console.log(`\n# ${title}\n$ ${shown}alembic-preflight ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  console.log(`(exit code ${r.status})`);
  return r.status;
}

/** A database the example's migrations brought to `upTo`, then stamped with `rows` (the demo's only writes). */
function database(file, upTo, rows) {
  const db = new Database(file);
  try {
    migrateAndStamp(db, upTo, rows);
  } finally {
    db.close();
  }
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'preflight-demo-'));
try {
  cpSync(example, scratch, { recursive: true });
  const checked = run('the bundled example: migration files only, no database', scratch, ['check']);

  // production ran 1f2a3b4c5d6e, then was stamped by hand with an id no file defines
  database(path.join(scratch, 'prod.db'), '1f2a3b4c5d6e', ['guest_lockout_001']);
  const incident = run(
    'production: migrated to 1f2a3b4c5d6e, then stamped by hand with an id no file defines',
    scratch,
    ['verify'],
    { DATABASE_URL: 'sqlite:///prod.db' },
  );

  const guarded = run(
    'the release line on that database: blocked before Alembic starts; the last release stays live',
    scratch,
    ['release'],
    { DATABASE_URL: 'sqlite:///prod.db', DYNO: 'release.7' },
  );

  const fixed = run(
    'the fix: a proven no-op placeholder for guest_lockout_001 after 1f2a3b4c5d6e, the next rewired',
    scratch,
    ['backfill', '--after', '1f2a3b4c5d6e', '--rewire', '--write'],
    { DATABASE_URL: 'sqlite:///prod.db' },
  );
  const after = run('production again, with the placeholder in the repository', scratch, ['verify'], {
    DATABASE_URL: 'sqlite:///prod.db',
  });

  database(path.join(scratch, 'staging.db'), '1f2a3b4c5d6e', ['1f2a3b4c5d6e']);
  const healthy = run('staging, behind head (the release would succeed)', scratch, ['verify'], {
    DATABASE_URL: 'sqlite:///staging.db',
  });

  database(path.join(scratch, 'current.db'), '2a3b4c5d6e7f', ['2a3b4c5d6e7f']);
  const noop = run(
    'a deploy with no new migration: release verifies and skips Alembic',
    scratch,
    ['release'],
    { DATABASE_URL: 'sqlite:///current.db', DYNO: 'release.8' },
  );

  const asExpected =
    checked === 0 &&
    incident === 1 &&
    guarded === 1 &&
    fixed === 0 &&
    after === 0 &&
    healthy === 0 &&
    noop === 0;
  console.log(
    asExpected
      ? '\nDemo finished: the incident is caught before Alembic runs, and fixed with a proven placeholder.'
      : '\nDemo did not behave as expected.',
  );
  process.exitCode = asExpected ? 0 : 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
