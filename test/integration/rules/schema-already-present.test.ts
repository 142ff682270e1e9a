import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { ORACLE_PYTHON, PYTHON, REPO } from '../../helpers/oracle.js';
import { pgExec } from '../../helpers/pg-cluster.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';

/** The bundled example: 1f2a3b4c5d6e creates users, 2a3b4c5d6e7f creates guest_sessions. */
function example(): string {
  const dir = tempDir('preflight-schema-');
  cpSync(path.join(REPO, 'examples', 'heroku-app'), dir, { recursive: true });
  return dir;
}

function alembic(root: string, url: string, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: url, PYTHONDONTWRITEBYTECODE: '1' },
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

function sqlite(root: string, sql: string): void {
  const r = spawnSync(
    PYTHON,
    [
      '-c',
      'import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.executescript(sys.argv[2])\nc.commit()\n',
      path.join(root, 'app.db'),
      sql,
    ],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
}

async function verify(root: string, url: string) {
  const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
  return { ...out, finding: out.result.findings.find((f) => f.code === 'schema-already-present') };
}

/** The stamp the hint names, run as written, and what real Alembic's upgrade then applies. */
function followHint(root: string, url: string, hint: string): string[] {
  const stamp = /alembic stamp (\w+)/u.exec(hint)![1]!;
  expect(alembic(root, url, 'stamp', stamp).status).toBe(0);
  const up = alembic(root, url, 'upgrade', 'head');
  expect(up.status, up.out).toBe(0);
  return [...up.out.matchAll(/Running upgrade .*? -> (\w+)/gu)].map((m) => m[1]!);
}

describe('schema-already-present on SQLite, against real Alembic', () => {
  const url = 'sqlite:///app.db';

  it('an emptied version table over an applied schema: blocks, and real Alembic fails on "already exists"; the hinted stamp lets it through', async () => {
    const root = example();
    expect(alembic(root, url, 'upgrade', '1f2a3b4c5d6e').status).toBe(0);
    sqlite(root, 'DELETE FROM alembic_version');
    const v = await verify(root, url);
    expect(v.exitCode).toBe(1);
    expect(v.finding?.severity).toBe('error');
    expect(v.finding?.message).toContain('The alembic_version table is empty');
    expect(v.finding?.message).toMatch(
      /users \(1f2a3b4c5d6e, migrations\/versions\/1f2a3b4c5d6e_create_users\.py:\d+\)/u,
    );
    expect(v.finding?.hint).toContain(
      'alembic stamp 1f2a3b4c5d6e; `alembic upgrade head` then applies 1 migration (2a3b4c5d6e7f)',
    );
    const real = alembic(root, url, 'upgrade', 'head');
    expect(real.status).not.toBe(0);
    expect(real.out).toContain('table users already exists');
    expect(followHint(root, url, v.finding!.hint)).toEqual(['2a3b4c5d6e7f']);
  });

  it('a schema built by the app and never stamped (no version table at all): blocks, and the hinted stamp is head', async () => {
    const root = example();
    sqlite(
      root,
      'CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL UNIQUE); CREATE TABLE guest_sessions (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, failed_attempts INTEGER NOT NULL DEFAULT 0)',
    );
    const v = await verify(root, url);
    expect(v.exitCode).toBe(1);
    expect(v.finding?.message).toContain('The database has no alembic_version table');
    expect(v.finding?.hint).toContain(
      'alembic stamp 2a3b4c5d6e7f; `alembic upgrade head` then has nothing to run',
    );
    expect(alembic(root, url, 'upgrade', 'head').out).toContain('table users already exists');
    expect(followHint(root, url, v.finding!.hint)).toEqual([]);
  });

  it('tables that match no single revision: no stamp is offered', async () => {
    const root = example();
    sqlite(root, 'CREATE TABLE guest_sessions (id INTEGER PRIMARY KEY)');
    const v = await verify(root, url);
    expect(v.finding?.hint).toContain('The tables match no single revision');
    expect(v.finding?.hint).not.toContain('alembic stamp');
  });

  it('stays quiet on a new database, on unrelated tables, and on a stamped one', async () => {
    const fresh = example();
    sqlite(fresh, 'CREATE TABLE unrelated (id INTEGER)');
    const quiet = await verify(fresh, url);
    expect(quiet.finding).toBeUndefined();
    expect(quiet.exitCode).toBe(0);
    const stamped = example();
    expect(alembic(stamped, url, 'upgrade', 'head').status).toBe(0);
    expect((await verify(stamped, url)).finding).toBeUndefined();
  });

  it('a create_table under an if (a guard Alembic runs around it) is not claimed', async () => {
    const root = example();
    const file = path.join(root, 'migrations', 'versions', '1f2a3b4c5d6e_create_users.py');
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        'def upgrade() -> None:\n    op.create_table(',
        'def upgrade() -> None:\n    if not sa.inspect(op.get_bind()).has_table("users"):\n      op.create_table(',
      ),
    );
    sqlite(root, 'CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255))');
    expect((await verify(root, url)).finding).toBeUndefined();
    expect(alembic(root, url, 'upgrade', 'head').status).toBe(0);
  });
});

describe('schema-already-present on PostgreSQL, against real Alembic', () => {
  const pg = postgresForSuite();

  it('a dropped version table over a fully applied schema: blocks; real Alembic fails with relation "users" already exists', async () => {
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS schema_probe', 'CREATE DATABASE schema_probe']);
    const url = pg().urlFor('schema_probe');
    const root = example();
    expect(alembic(root, url, 'upgrade', 'head').status).toBe(0);
    await pgExec(url, 'DROP TABLE alembic_version');
    const v = await verify(root, url);
    expect(v.exitCode).toBe(1);
    expect(v.finding?.message).toContain('users (1f2a3b4c5d6e');
    expect(v.finding?.message).toContain('guest_sessions (2a3b4c5d6e7f');
    expect(alembic(root, url, 'upgrade', 'head').out).toContain('relation "users" already exists');
    expect(followHint(root, url, v.finding!.hint)).toEqual([]);
  }, 60_000);

  it("a schema the app built with SQLAlchemy's metadata.create_all and never stamped: blocks, as real Alembic then fails", async () => {
    await pgExec(pg().url, [
      'DROP DATABASE IF EXISTS schema_create_all',
      'CREATE DATABASE schema_create_all',
    ]);
    const url = pg().urlFor('schema_create_all');
    const root = example();
    // the app's models, as its first deploy made them before anyone ran Alembic
    const models = [
      'import sys, sqlalchemy as sa',
      'm = sa.MetaData()',
      'sa.Table("users", m, sa.Column("id", sa.Integer, primary_key=True), sa.Column("email", sa.String(255), nullable=False, unique=True))',
      'sa.Table("guest_sessions", m, sa.Column("id", sa.Integer, primary_key=True), sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False), sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"))',
      'm.create_all(sa.create_engine(sys.argv[1]))',
    ].join('\n');
    const made = spawnSync(PYTHON, ['-c', models, url], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const v = await verify(root, url);
    expect(v.exitCode).toBe(1);
    expect(v.finding?.message).toContain('The database has no alembic_version table');
    expect(v.finding?.hint).toContain('alembic stamp 2a3b4c5d6e7f');
    expect(alembic(root, url, 'upgrade', 'head').out).toContain('relation "users" already exists');
    expect(followHint(root, url, v.finding!.hint)).toEqual([]);
  }, 60_000);
});
