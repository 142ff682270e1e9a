import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { exampleAlembic, exampleCopy } from '../../helpers/example-db.js';
import { runCli } from '../../helpers/cli.js';
import { pgExec } from '../../helpers/pg-cluster.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';

describe('schema-behind-stamp', () => {
  it('SQLite: stamped at head without running the last migration, the schema exactly at its parent: an error, verify exits 1 and release runs nothing; following the fix builds the table', async () => {
    const root = exampleCopy();
    const url = 'sqlite:///app.db';
    expect(exampleAlembic(root, url, 'upgrade', '1f2a3b4c5d6e').status).toBe(0);
    expect(exampleAlembic(root, url, 'stamp', '2a3b4c5d6e7f').status).toBe(0);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    const f = out.result.findings.find((x) => x.code === 'schema-behind-stamp')!;
    expect(f.severity).toBe('error');
    expect(f.message).toContain(
      'the alembic_version table says 2a3b4c5d6e7f ran, but the table guest_sessions it creates is not in the database',
    );
    expect(f.fix).toBe('alembic stamp 1f2a3b4c5d6e && alembic upgrade head');
    expect(out.exitCode).toBe(1);
    expect(out.stdout.trim().split('\n').at(-1)).toBe(
      'BLOCKED: the schema is at 1f2a3b4c5d6e, behind the stamp (1 object the stamped revisions change differ): alembic stamp 1f2a3b4c5d6e && alembic upgrade head',
    );
    // release acts on that verdict: the command never starts
    const r = runCli(root, ['release', '--', 'sh', '-c', 'touch ran && alembic upgrade head'], {
      DATABASE_URL: url,
      PATH: process.env.PATH ?? '',
    });
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(existsSync(path.join(root, 'ran'))).toBe(false);
    // real Alembic would have run nothing and left the table missing; the fix builds it
    expect(exampleAlembic(root, url, 'stamp', '1f2a3b4c5d6e').status).toBe(0);
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    const after = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    expect(after.exitCode).toBe(0);
    expect(after.result.findings.map((x) => x.code)).not.toContain('schema-behind-stamp');
  }, 60_000);

  it('SQLite: a table of the first revision dropped by hand, the second still there: no revision matches exactly, so a warning, and the OK says so', async () => {
    const root = exampleCopy();
    const url = 'sqlite:///app.db';
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    const db = new Database(path.join(root, 'app.db'));
    db.exec('DROP TABLE users');
    db.close();
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    const f = out.result.findings.find((x) => x.code === 'schema-behind-stamp')!;
    expect(f.severity).toBe('warning');
    expect(out.exitCode).toBe(0);
    expect(out.stdout.trim().split('\n').at(-1)).toMatch(
      /^OK: .*; the schema lags the stamp in places \(schema-behind-stamp warnings above\)$/u,
    );
  }, 60_000);

  it('an empty database stamped at head: one stamp fix for both revisions, and following it builds the schema', async () => {
    const root = exampleCopy();
    const url = 'sqlite:///app.db';
    expect(exampleAlembic(root, url, 'stamp', 'head').status).toBe(0);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    const found = out.result.findings.filter((x) => x.code === 'schema-behind-stamp');
    expect(found.map((f) => f.revision)).toEqual(['1f2a3b4c5d6e', '2a3b4c5d6e7f']);
    expect([...new Set(found.map((f) => f.fix))]).toEqual(['alembic stamp base && alembic upgrade head']);
    expect(found[1]!.hint).toContain(
      'move the stamp back to base (below 1f2a3b4c5d6e, whose work is missing too)',
    );
    // the fix, run for real: every table is there afterwards, and verify has nothing left to say
    expect(exampleAlembic(root, url, 'stamp', 'base').status).toBe(0);
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    const after = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    expect(after.result.findings.map((x) => x.code)).not.toContain('schema-behind-stamp');
  }, 60_000);

  it("stays quiet when the stamped revision's tables are there", async () => {
    const root = exampleCopy();
    const url = 'sqlite:///app.db';
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    expect(out.result.findings.map((x) => x.code)).not.toContain('schema-behind-stamp');
  }, 60_000);

  describe('PostgreSQL', () => {
    const pg = postgresForSuite();
    it('a table dropped by hand after the migration ran is reported', async () => {
      await pgExec(pg().url, ['DROP DATABASE IF EXISTS probe_behind', 'CREATE DATABASE probe_behind']);
      const url = pg().urlFor('probe_behind');
      const root = exampleCopy();
      expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
      await pgExec(url, 'DROP TABLE guest_sessions');
      const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
      expect(out.result.findings.find((x) => x.code === 'schema-behind-stamp')?.message).toContain(
        'the table guest_sessions it creates is not in the database',
      );
    }, 60_000);
  });
});

describe('schema-behind-stamp where env.py sets the search_path', () => {
  const pg = postgresForSuite();
  /** The example app with env.py putting everything in schema `app`: SET search_path, and the version table there. */
  function appSchemaProject(): string {
    const root = exampleCopy();
    const envPy = path.join(root, 'migrations', 'env.py');
    writeFileSync(
      envPy,
      readFileSync(envPy, 'utf8')
        .replace(
          '    with connectable.connect() as connection:\n',
          '    with connectable.connect() as connection:\n        connection.execute(text("SET search_path TO app"))\n',
        )
        .replace(
          'context.configure(connection=connection, target_metadata=target_metadata)',
          "context.configure(connection=connection, target_metadata=target_metadata, version_table_schema='app')",
        )
        .replace(
          'from sqlalchemy import engine_from_config, pool',
          'from sqlalchemy import engine_from_config, pool, text',
        ),
    );
    return root;
  }

  it('reads the schema env.py writes to: quiet on a healthy database, and a table dropped there is reported', async () => {
    await pgExec(pg().url, ['DROP DATABASE IF EXISTS probe_app_schema', 'CREATE DATABASE probe_app_schema']);
    const url = pg().urlFor('probe_app_schema');
    await pgExec(url, 'CREATE SCHEMA app');
    const root = appSchemaProject();
    const up = exampleAlembic(root, url, 'upgrade', 'head');
    expect(up.status, up.error).toBe(0);
    expect(
      await pgExec(
        url,
        "SELECT count(*)::int FROM information_schema.tables WHERE table_schema = 'app' AND table_name = 'users'",
      ),
    ).toEqual([[1]]);
    const healthy = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    expect(healthy.result.findings.filter((f) => f.severity !== 'info').map((f) => f.message)).toEqual([]);
    expect(healthy.exitCode).toBe(0);
    await pgExec(url, 'DROP TABLE app.guest_sessions');
    const dropped = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    expect(dropped.result.findings.find((x) => x.code === 'schema-behind-stamp')?.message).toContain(
      'the table guest_sessions it creates is not in the database',
    );
  }, 60_000);
});
