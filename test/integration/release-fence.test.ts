import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PYTHON } from '../helpers/oracle.js';
import { alembicStarts, exampleSlug, RELEASE_LINE } from '../helpers/release-slug.js';

describe('release: the upgrade is fenced to the database verify read', () => {
  it('env.py loads a .env naming another database over DATABASE_URL: stopped before its first statement there, exit 2, both databases unchanged', () => {
    const { dir, marker } = exampleSlug('preflight-release-fence-');
    const env = {
      PATH: `${path.join(dir, '.bin')}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? '',
      DATABASE_URL: 'sqlite:///app.db',
      PYTHONDONTWRITEBYTECODE: '1',
    };
    // the database verify reads: one revision behind, with a row of data
    const first = spawnSync(
      PYTHON,
      [
        '-c',
        'import sys; from alembic.config import main; main(sys.argv[1:])',
        '-c',
        'examples/heroku-app/alembic.ini',
        'upgrade',
        '1f2a3b4c5d6e',
      ],
      { cwd: dir, encoding: 'utf8', env: env },
    );
    expect(first.status, first.stderr).toBe(0);
    // then env.py starts loading a .env that names another database over the environment
    const envPy = path.join(dir, 'examples/heroku-app/migrations/env.py');
    writeFileSync(
      envPy,
      readFileSync(envPy, 'utf8').replace(
        'import os\n',
        'import os\nfrom dotenv import load_dotenv\n\nload_dotenv(".env", override=True)\n',
      ),
    );
    writeFileSync(path.join(dir, '.env'), 'DATABASE_URL=sqlite:///other.db\n');
    const db = new Database(path.join(dir, 'app.db'));
    db.exec("INSERT INTO users (email) VALUES ('a@example.com')");
    db.close();
    const before = readFileSync(path.join(dir, 'app.db'));
    const r = spawnSync('/bin/sh', ['-c', RELEASE_LINE], { cwd: dir, encoding: 'utf8', env });
    expect(alembicStarts(marker)).toBe(1);
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toContain(
      `connected to the SQLite file ${path.join(dir, 'other.db')}, not the database verify read ($DATABASE_URL)`,
    );
    expect(r.stdout).toContain(
      'fix: examples/heroku-app/migrations/env.py:5 calls load_dotenv(override=True)',
    );
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(
      /^alembic-preflight release: STOPPED: the upgrade reached for another database/u,
    );
    expect(existsSync(path.join(dir, 'other.db'))).toBe(false);
    expect(readFileSync(path.join(dir, 'app.db')).equals(before)).toBe(true);
  }, 120_000);
});
