import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify-command.js';
import { exampleAlembic, exampleCopy } from '../../helpers/example-db.js';
import { pgExec } from '../../helpers/pg-cluster.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';

describe('schema-behind-stamp', () => {
  it('SQLite: stamped at head without running the last migration; real Alembic then has nothing to run', async () => {
    const root = exampleCopy();
    const url = 'sqlite:///app.db';
    expect(exampleAlembic(root, url, 'upgrade', '1f2a3b4c5d6e').status).toBe(0);
    expect(exampleAlembic(root, url, 'stamp', '2a3b4c5d6e7f').status).toBe(0);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    const f = out.result.findings.find((x) => x.code === 'schema-behind-stamp')!;
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('the alembic_version table says 2a3b4c5d6e7f ran, but the table guest_sessions it creates is not in the database');
    expect(f.hint).toContain('alembic stamp 1f2a3b4c5d6e, then alembic upgrade head');
    // the upgrade itself goes through (so the verdict stays OK) and leaves the table missing
    expect(out.exitCode).toBe(0);
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    expect((await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url }, strict: true })).exitCode).toBe(1);
  }, 60_000);

  it('stays quiet when the stamped revision\'s tables are there', async () => {
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
      expect(out.result.findings.find((x) => x.code === 'schema-behind-stamp')?.message).toContain('the table guest_sessions it creates is not in the database');
    }, 60_000);
  });
});
