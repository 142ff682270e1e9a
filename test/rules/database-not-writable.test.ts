import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/commands/verify-command.js';
import { PYTHON, REPO } from '../helpers/oracle.js';
import { pgExec, startPostgres, TEST_PASSWORD, type PgServer } from '../helpers/pg-cluster.js';
import { tempDir } from '../helpers/temp-dir.js';

/** The bundled example: two migrations, its env.py reading DATABASE_URL. */
function example(schema?: string): string {
  const dir = tempDir('preflight-writable-');
  cpSync(path.join(REPO, 'examples', 'heroku-app'), dir, { recursive: true });
  if (schema) {
    const env = path.join(dir, 'migrations', 'env.py');
    writeFileSync(env, readFileSync(env, 'utf8').replace('context.configure(connection=connection, target_metadata=target_metadata)', `context.configure(connection=connection, target_metadata=target_metadata, version_table_schema=${JSON.stringify(schema)})`));
  }
  return dir;
}

function alembicUpgrade(root: string, url: string): { status: number | null; last: string } {
  const r = spawnSync(PYTHON, ['-m', 'alembic', 'upgrade', 'head'], { cwd: root, encoding: 'utf8', env: { ...process.env, DATABASE_URL: url, PYTHONDONTWRITEBYTECODE: '1' } });
  // the exception's line (SQLAlchemy adds a "Background on this error" line after it)
  return { status: r.status, last: r.stderr.trim().split('\n').filter((l) => /^\w+(\.\w+)*(Error|Exception): /u.test(l)).at(-1) ?? '' };
}

describe('database-not-writable: verify blocks where real Alembic cannot write (PostgreSQL)', () => {
  let pg: PgServer;
  let n = 0;
  beforeAll(async () => {
    pg = await startPostgres();
    await pgExec(pg.url, ['DROP ROLE IF EXISTS limited', `CREATE ROLE limited LOGIN PASSWORD '${TEST_PASSWORD}'`]);
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
  });

  async function database(): Promise<{ name: string; admin: string; limited: string }> {
    const name = `writable_${++n}`;
    await pgExec(pg.url, [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`, `GRANT CONNECT ON DATABASE ${name} TO limited`]);
    const admin = pg.urlFor(name);
    return { name, admin, limited: admin.replace(`${pg.user}:`, 'limited:') };
  }

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
    else expect(f!.message).toContain('cannot execute … in a read-only transaction');
  }

  it('default_transaction_read_only on the database', async () => {
    const db = await database();
    await pgExec(pg.url, `ALTER DATABASE ${db.name} SET default_transaction_read_only = on`);
    await expectBlocked(example(), db.admin, /cannot execute CREATE TABLE in a read-only transaction/u);
  });

  it('a role with SELECT only on the version table', async () => {
    const db = await database();
    const root = example();
    const first = spawnSync(PYTHON, ['-m', 'alembic', 'upgrade', '1f2a3b4c5d6e'], { cwd: root, env: { ...process.env, DATABASE_URL: db.admin } });
    expect(first.status).toBe(0);
    await pgExec(db.admin, ['GRANT USAGE ON SCHEMA public TO limited', 'GRANT SELECT ON alembic_version TO limited', 'GRANT ALL ON users TO limited', 'GRANT CREATE ON SCHEMA public TO limited']);
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
    if (!pg.startStandby) return expect(pg.startStandby).toBeDefined();
    const db = await database();
    const root = example();
    expect(spawnSync(PYTHON, ['-m', 'alembic', 'upgrade', '1f2a3b4c5d6e'], { cwd: root, env: { ...process.env, DATABASE_URL: db.admin } }).status).toBe(0);
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

  it('stays quiet where Alembic can write, and when there is nothing to run', async () => {
    const db = await database();
    const root = example();
    const fresh = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: db.admin } });
    expect(fresh.result.findings.map((f) => f.code)).not.toContain('database-not-writable');
    expect(alembicUpgrade(root, db.admin).status).toBe(0);
    await pgExec(pg.url, `ALTER DATABASE ${db.name} SET default_transaction_read_only = on`);
    const atHead = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: db.admin } });
    expect(atHead.exitCode).toBe(0);
    expect(alembicUpgrade(root, db.admin).status).toBe(0);
  });
});
