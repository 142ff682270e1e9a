import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { unwrapped } from '../../helpers/cli.js';
import { ORACLE_PYTHON } from '../../helpers/oracle.js';
import { pgExec } from '../../helpers/pg-cluster.js';
import { alembicUpgrade, example, writableCluster } from '../../helpers/writable-db.js';

describe('database-not-writable: verify blocks where real Alembic cannot write (PostgreSQL)', () => {
  const dbs = writableCluster('writable');
  const database = dbs.next;
  const atFirst = dbs.atFirst;

  async function expectBlocked(root: string, url: string, alembicSays: RegExp): Promise<void> {
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    const f = out.result.findings.find((x) => x.code === 'database-not-writable');
    expect(f, out.stdout).toBeDefined();
    expect(out.exitCode).toBe(1);
    const real = alembicUpgrade(root, url);
    expect(real.status).not.toBe(0);
    expect(real.last).toMatch(alembicSays);
    // where the first write is a migration's own statement the finding names no exact line, only the class
    if (f!.alembicError) expect(real.last).toBe(f!.alembicError);
    else if (f!.message.includes('read-only'))
      expect(f!.message).toContain('cannot execute … in a read-only transaction');
    // a foreign table's wrapper picks the exact words; the finding quotes the class
    else expect(real.last).toContain(/\("([^"]+)"\)/u.exec(f!.message)![1]);
  }

  it('default_transaction_read_only on the database', async () => {
    const db = await database();
    await pgExec(dbs.pg().url, `ALTER DATABASE ${db.name} SET default_transaction_read_only = on`);
    await expectBlocked(example(), db.admin, /cannot execute CREATE TABLE in a read-only transaction/u);
  });

  it('a role with SELECT only on the version table', async () => {
    const db = await database();
    const root = example();
    const first = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', '1f2a3b4c5d6e'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: db.admin },
    });
    expect(first.status).toBe(0);
    await pgExec(db.admin, [
      'GRANT USAGE ON SCHEMA public TO limited',
      'GRANT SELECT ON alembic_version TO limited',
      'GRANT ALL ON users TO limited',
      'GRANT CREATE ON SCHEMA public TO limited',
    ]);
    await expectBlocked(root, db.limited, /permission denied for table alembic_version/u);
  });

  it('a role without CREATE on public (PostgreSQL 15) when the version table must be created', async () => {
    const db = await database();
    await expectBlocked(example(), db.limited, /permission denied for schema public/u);
  });

  it('a version_table_schema that does not exist', async () => {
    const db = await database();
    await expectBlocked(example('nosuch'), db.admin, /schema "nosuch" does not exist/u);
  });

  it('a hot standby with a migration pending', async () => {
    const pg = dbs.pg();
    if (!pg.startStandby) return expect(pg.startStandby).toBeDefined();
    const db = await database();
    const root = example();
    expect(
      spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', '1f2a3b4c5d6e'], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: db.admin },
      }).status,
    ).toBe(0);
    const standby = await pg.startStandby();
    try {
      const url = standby.urlFor(db.name);
      // wait until the standby has replayed the primary's state
      for (let i = 0; i < 100; i++) {
        try {
          if ((await pgExec(url, 'SELECT count(*) FROM alembic_version'))[0]![0] === '1') break;
        } catch {
          // not there yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      await expectBlocked(root, url, /cannot execute CREATE TABLE in a read-only transaction/u);
    } finally {
      await standby.stop();
    }
  });

  it('a version view PostgreSQL cannot update', async () => {
    const db = await database();
    const root = await atFirst(db, [
      'ALTER TABLE alembic_version RENAME TO av_real',
      'CREATE VIEW alembic_version AS SELECT DISTINCT version_num FROM av_real',
    ]);
    await expectBlocked(root, db.admin, /cannot update view "alembic_version"/u);
  });

  it('a foreign version table whose wrapper takes no writes', async () => {
    const db = await database();
    // an empty file: Alembic INSERTs the first revision, and file_fdw takes no INSERT
    await pgExec(db.admin, [
      'CREATE EXTENSION file_fdw',
      'CREATE SERVER files FOREIGN DATA WRAPPER file_fdw',
      "CREATE FOREIGN TABLE alembic_version (version_num varchar(32)) SERVER files OPTIONS (filename '/dev/null', format 'csv')",
    ]);
    const root = example();
    await expectBlocked(root, db.admin, /cannot insert into foreign table "alembic_version"/u);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: db.admin } });
    expect(unwrapped(out.stdout)).toContain('cannot insert into foreign table');
  });

  it('a rule that turns the UPDATE into nothing', async () => {
    const db = await database();
    const root = await atFirst(db, ['CREATE RULE keep AS ON UPDATE TO alembic_version DO INSTEAD NOTHING']);
    await expectBlocked(
      root,
      db.admin,
      /^FAILED: Online migration expected to match one row when updating '1f2a3b4c5d6e' to '2a3b4c5d6e7f' in 'alembic_version'; 0 found$/u,
    );
  });

  it('a rule that replaces the INSERT without RETURNING', async () => {
    const db = await database();
    await pgExec(db.admin, [
      'CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)',
      'CREATE RULE keep AS ON INSERT TO alembic_version DO INSTEAD NOTHING',
    ]);
    await expectBlocked(
      example(),
      db.admin,
      /cannot perform INSERT RETURNING on relation "alembic_version"/u,
    );
  });

  it('row security with no policy for UPDATE', async () => {
    const db = await database();
    const root = await atFirst(db, [
      'GRANT USAGE, CREATE ON SCHEMA public TO limited',
      'GRANT ALL ON alembic_version, users TO limited',
      'ALTER TABLE alembic_version ENABLE ROW LEVEL SECURITY',
      'CREATE POLICY see ON alembic_version FOR SELECT USING (true)',
    ]);
    await expectBlocked(
      root,
      db.limited,
      /^FAILED: Online migration expected to match one row when updating '1f2a3b4c5d6e' to '2a3b4c5d6e7f' in 'alembic_version'; 0 found$/u,
    );
  });

  it('row security whose policies admit every row stays quiet', async () => {
    const db = await database();
    const root = await atFirst(db, [
      'GRANT USAGE, CREATE ON SCHEMA public TO limited',
      'GRANT ALL ON alembic_version, users TO limited',
      'ALTER TABLE alembic_version ENABLE ROW LEVEL SECURITY',
      'CREATE POLICY anything ON alembic_version USING (true)',
    ]);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: db.limited } });
    expect(out.result.findings.map((f) => f.code)).toEqual(['pending-migrations']);
    expect(out.exitCode).toBe(0);
    expect(alembicUpgrade(root, db.limited).status).toBe(0);
  });

  it('stays quiet where Alembic can write, and when there is nothing to run', async () => {
    const db = await database();
    const root = example();
    const fresh = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: db.admin } });
    expect(fresh.result.findings.map((f) => f.code)).not.toContain('database-not-writable');
    expect(alembicUpgrade(root, db.admin).status).toBe(0);
    await pgExec(dbs.pg().url, `ALTER DATABASE ${db.name} SET default_transaction_read_only = on`);
    const atHead = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: db.admin } });
    expect(atHead.exitCode).toBe(0);
    expect(alembicUpgrade(root, db.admin).status).toBe(0);
  });
});
