import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { exampleIncident } from '../helpers/example-db.js';
import { pgExec } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';

describe('a ledger table name that is taken', () => {
  it('the version table itself: a usage error (exit 2) that says so, before anything is read', () => {
    const root = exampleIncident();
    const r = runCli(root, ['verify', '--ledger-table', 'alembic_version'], {
      DATABASE_URL: 'sqlite:///app.db',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("The ledger table 'alembic_version' is the version table");
    expect(r.stderr).toContain('--ledger-table alembic_preflight_history');
    expect(r.stderr).not.toContain('database error');
  });

  it('another table of that name on SQLite: exit 2, naming the columns it lacks, and the table untouched', () => {
    const root = exampleIncident();
    const db = new Database(path.join(root, 'app.db'));
    db.exec(
      "CREATE TABLE audit (id INTEGER PRIMARY KEY, revision TEXT); INSERT INTO audit (revision) VALUES ('x')",
    );
    db.close();
    const r = runCli(root, ['release', '--ledger-table', 'audit'], { DATABASE_URL: 'sqlite:///app.db' });
    expect(r.status).toBe(2);
    expect(r.stdout + r.stderr).toContain(
      "The ledger table 'audit' exists and is not alembic-preflight's ledger: it has no down_revisions, branch_labels, depends_on, path, sha256, applied_at, applied_by columns.",
    );
    const after = new Database(path.join(root, 'app.db'), { readonly: true });
    expect(after.prepare('SELECT revision FROM audit').all()).toEqual([{ revision: 'x' }]);
    after.close();
  });

  describe('on PostgreSQL', () => {
    const pg = postgresForSuite(async (s) => {
      await pgExec(s.url, 'CREATE DATABASE ledger_taken');
      await pgExec(s.urlFor('ledger_taken'), [
        'CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)',
        "INSERT INTO alembic_version VALUES ('2a3b4c5d6e7f')",
        'CREATE TABLE history (id serial PRIMARY KEY, note text)',
      ]);
    });
    it('exit 2 with the columns it lacks, not a database error', () => {
      const root = exampleIncident();
      const r = runCli(root, ['verify', '--ledger-table', 'history'], {
        DATABASE_URL: pg().urlFor('ledger_taken'),
      });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(
        "The ledger table 'history' exists and is not alembic-preflight's ledger: it has no revision, down_revisions,",
      );
      expect(r.stderr).not.toContain(pg().password);
    });
  });
});
