import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ORACLE_PYTHON, oracleEnv, REPO } from './oracle.js';
import { tempDir } from './temp-dir.js';
import { migrateAndStamp } from '../../scripts/demo-schema.mjs';

/** The bundled example app in a folder of its own (its env.py reads DATABASE_URL). */
export function exampleCopy(): string {
  const root = tempDir('preflight-example-');
  cpSync(path.join(REPO, 'examples/heroku-app'), root, { recursive: true });
  return root;
}

/**
 * The example with the incident's SQLite database (app.db): what 1f2a3b4c5d6e creates, then one row,
 * guest_lockout_001, that no file defines (the demo's production database).
 */
export function exampleIncident(): string {
  const root = exampleCopy();
  const db = new Database(path.join(root, 'app.db'));
  try {
    migrateAndStamp(db, '1f2a3b4c5d6e', ['guest_lockout_001']);
  } finally {
    db.close();
  }
  return root;
}

/** Real `alembic ARGS` in the example against `url`: its exit status and the traceback's exception line (or the last line). */
export function exampleAlembic(
  root: string,
  url: string,
  ...args: string[]
): { status: number | null; error: string } {
  const r = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: oracleEnv({ PATH: process.env.PATH ?? '', DATABASE_URL: url, PYTHONDONTWRITEBYTECODE: '1' }),
  });
  const lines = `${r.stdout}\n${r.stderr}`.trim().split('\n');
  return {
    status: r.status,
    error: lines.find((l) => /^sqlalchemy\.exc\.\w+: /u.test(l)) ?? lines.at(-1) ?? '',
  };
}
