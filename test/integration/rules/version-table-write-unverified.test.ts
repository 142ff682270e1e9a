import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { alembicUpgrade, writableCluster } from '../../helpers/writable-db.js';

describe('version-table-write-unverified: server-side code on the version table qualifies the OK (PostgreSQL)', () => {
  const dbs = writableCluster('unverified');
  const database = dbs.next;
  const atFirst = dbs.atFirst;

  it('a trigger or a policy expression on the version table qualifies the OK, and can refuse the write', async () => {
    const db = await database();
    const root = await atFirst(db, [
      "CREATE FUNCTION frozen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'version table is frozen'; END $$",
      'CREATE TRIGGER guard BEFORE UPDATE ON alembic_version FOR EACH ROW EXECUTE FUNCTION frozen()',
    ]);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: db.admin } });
    const f = out.result.findings.find((x) => x.code === 'version-table-write-unverified');
    expect(f?.message).toContain('trigger guard (frozen) runs on UPDATE of alembic_version');
    // the schema probes' sentence may follow: the example's tables agree with the database
    expect(out.stdout).toMatch(
      /^OK: .*; unless the server-side code on the version table refuses the write \(version-table-write-unverified\)$/mu,
    );
    expect(alembicUpgrade(root, db.admin).last).toMatch(/version table is frozen/u);

    const other = await database();
    const policed = await atFirst(other, [
      'GRANT USAGE, CREATE ON SCHEMA public TO limited',
      'GRANT ALL ON alembic_version, users TO limited',
      'ALTER TABLE alembic_version ENABLE ROW LEVEL SECURITY',
      "CREATE POLICY own ON alembic_version USING (version_num <> '1f2a3b4c5d6e' OR current_user <> 'limited') WITH CHECK (true)",
      'CREATE POLICY see ON alembic_version FOR SELECT USING (true)',
    ]);
    const out2 = await verifyCommand({ cwd: policed, format: 'text', env: { DATABASE_URL: other.limited } });
    expect(out2.result.findings.find((x) => x.code === 'version-table-write-unverified')?.message).toContain(
      'policies own',
    );
    expect(alembicUpgrade(policed, other.limited).last).toMatch(/0 found$/u);
  });

  it('stays quiet on a plain version table', async () => {
    const db = await database();
    const root = await atFirst(db, []);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: db.admin } });
    expect(out.result.findings.map((f) => f.code)).toEqual(['pending-migrations']);
    // the stamped revision's table and its two columns, and the pending one's table, by name
    expect(out.stdout).toMatch(
      /^OK: `alembic upgrade head` will find its revisions and apply 1 migration$/mu,
    );
    expect(out.stdout).toMatch(/^schema probes: the database agrees \(4 objects checked, 0 unknown\)$/mu);
  });
});
