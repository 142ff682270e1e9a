import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyDatabasesCommand } from '../../src/commands/verify-databases-command.js';
import { PYTHON } from '../helpers/oracle.js';
import { pgExec } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { makeProject, migration, SQLITE_ENV_PY } from '../helpers/project.js';
import { V } from '../helpers/ledger-db.js';

const A1 = migration('a1', null, "op.create_table('items', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('name', sa.String(80)))", "op.drop_table('items')");
const B2 = migration('b2', 'a1', "op.create_index('ix_items_name', 'items', ['name'])", "op.drop_index('ix_items_name', table_name='items')");

/** What `alembic upgrade head` makes, in SQL (checked against real Alembic's database below). */
const HEALTHY = [
  'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))',
  'CREATE TABLE items (id SERIAL NOT NULL, name VARCHAR(80), PRIMARY KEY (id))',
  'CREATE INDEX ix_items_name ON items (name)',
  "INSERT INTO alembic_version VALUES ('b2')",
];

describe('verify --databases: a database per tenant', () => {
  const pg = postgresForSuite();

  it('50 databases, a few at once: the hand-stamped one, an unreachable one and an unset variable are that tenant\'s result; no password is printed', async () => {
    const root = makeProject({ [`${V}a1_step.py`]: A1, [`${V}b2_step.py`]: B2, 'migrations/env.py': SQLITE_ENV_PY.replace('engine_from_config(config.get_section(config.config_ini_section)', 'engine_from_config({"sqlalchemy.url": __import__("os").environ["DATABASE_URL"]}') });
    const names = Array.from({ length: 50 }, (_, i) => `tenant_db_${i}`);
    for (const n of names) await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${n}`, `CREATE DATABASE ${n}`]);
    // one by real Alembic, the rest in SQL
    const real = spawnSync(PYTHON, ['-m', 'alembic', 'upgrade', 'head'], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', DATABASE_URL: pg().urlFor(names[0]!), PYTHONDONTWRITEBYTECODE: '1' } });
    expect(real.status, real.stderr).toBe(0);
    for (const n of names.slice(1)) await pgExec(pg().urlFor(n), HEALTHY);
    await pgExec(pg().urlFor(names[7]!), "UPDATE alembic_version SET version_num = 'guest_lockout_001'");
    const list = path.join(root, 'databases.txt');
    // URLs, a variable's name, a comment, a server that is not there, a variable that is not set
    writeFileSync(list, ['# the tenants', ...names.slice(0, 49).map((n) => pg().urlFor(n)), 'TENANT_LAST_URL', '', 'postgresql://u:secret-pw@127.0.0.1:1/nowhere', 'TENANT_MISSING_URL'].join('\n'));
    const out = await verifyDatabasesCommand({ cwd: root, format: 'text', env: { TENANT_LAST_URL: pg().urlFor(names[49]!) }, alembicVersion: '1.8.1', databasesFile: 'databases.txt', concurrency: 4, connectRetries: 0, connectTimeout: 5 });
    const r = out.result;
    expect(r.total).toBe(52);
    expect(r.groups[0]!.schemas).toHaveLength(49);
    expect(r.groups[0]).toMatchObject({ rows: ['b2'], willSucceed: true, pending: 0, ok: true });
    expect(r.groups[0]!.schemas).toContain(`$TENANT_LAST_URL 127.0.0.1:${new URL(pg().url).port}/${names[49]}`);
    const apart = r.outliers.map((g) => [g.schemas.join(','), g.unreachable ?? g.findings.filter((f) => f.severity !== 'info').map((f) => f.code).join(',')]);
    expect(apart).toContainEqual([`127.0.0.1:${new URL(pg().url).port}/${names[7]}`, 'stamped-revision-missing']);
    expect(apart).toContainEqual(['$TENANT_MISSING_URL', '$TENANT_MISSING_URL is not set']);
    expect(apart.find(([label]) => label === '127.0.0.1:1/nowhere')?.[1]).toMatch(/refused|connect/iu);
    expect(r.outliers).toHaveLength(3);
    expect(out.exitCode).toBe(1);
    expect(out.stdout).not.toContain('secret-pw');
    expect(out.stdout).not.toContain(pg().password);
    expect(out.stdout).toMatch(/^ +49 {2}b2 +nothing to apply$/mu);
  }, 300_000);
});
