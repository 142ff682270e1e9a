import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { exampleAlembic, exampleCopy } from '../../helpers/example-db.js';
import { pgExec } from '../../helpers/pg-cluster.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';

describe('schema-probes-unavailable (PostgreSQL)', () => {
  const pg = postgresForSuite();

  it('a role kept from pg_catalog.pg_constraint: a warning, no claim that the probes agree, and nothing else lost', async () => {
    await pgExec(pg().url, [
      'DROP DATABASE IF EXISTS probe_perm',
      'CREATE DATABASE probe_perm',
      'DROP ROLE IF EXISTS probe_reader',
      "CREATE ROLE probe_reader LOGIN PASSWORD 'reader-pw'",
    ]);
    const admin = pg().urlFor('probe_perm');
    const root = exampleCopy();
    expect(exampleAlembic(root, admin, 'upgrade', '1f2a3b4c5d6e').status).toBe(0);
    // stamped ahead without running: the probes would see it, if they could read
    expect(exampleAlembic(root, admin, 'stamp', '2a3b4c5d6e7f').status).toBe(0);
    await pgExec(admin, [
      'GRANT SELECT ON ALL TABLES IN SCHEMA public TO probe_reader',
      'REVOKE SELECT ON pg_catalog.pg_constraint FROM PUBLIC',
    ]);
    const reader = `postgresql://probe_reader:reader-pw@${pg().host}:${pg().port}/probe_perm`;
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: reader } });
    const f = out.result.findings.find((x) => x.code === 'schema-probes-unavailable')!;
    expect(f.severity).toBe('warning');
    expect(f.message).toContain(
      'could not read the catalog (this role cannot read pg_catalog.pg_constraint)',
    );
    expect(out.result.findings.map((x) => x.code)).not.toContain('schema-behind-stamp');
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toContain(
      'schema probes: not run, the catalog could not be read (schema-probes-unavailable)',
    );
    expect(out.stdout).not.toContain('the database agrees');
    // the same database read by a role that can: the stamp is caught
    const full = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: admin } });
    expect(full.result.findings.map((x) => x.code)).toContain('schema-behind-stamp');
  }, 60_000);
});
