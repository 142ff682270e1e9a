import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fleetCommand } from '../../src/commands/fleet/fleet-command.js';
import { databaseList, verifyDatabasesCommand } from '../../src/commands/verify/verify-databases-command.js';
import { ORACLE_PYTHON, oracleEnv, PYTHON } from '../helpers/oracle.js';
import { pgExec } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { makeProject, migration, SQLITE_ENV_PY } from '../helpers/project.js';
import { V } from '../helpers/ledger-db.js';
import { tempDir } from '../helpers/temp-dir.js';

const A1 = migration(
  'a1',
  null,
  "op.create_table('items', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('name', sa.String(80)))",
  "op.drop_table('items')",
);
const B2 = migration(
  'b2',
  'a1',
  "op.create_index('ix_items_name', 'items', ['name'])",
  "op.drop_index('ix_items_name', table_name='items')",
);

/** What `alembic upgrade head` makes, in SQL (checked against real Alembic's database below). */
const HEALTHY = [
  'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))',
  'CREATE TABLE items (id SERIAL NOT NULL, name VARCHAR(80), PRIMARY KEY (id))',
  'CREATE INDEX ix_items_name ON items (name)',
  "INSERT INTO alembic_version VALUES ('b2')",
];

/** env.py as a fleet's app has it: each run connects to the database in DATABASE_URL. */
const ENV_FROM_DATABASE_URL = SQLITE_ENV_PY.replace(
  'engine_from_config(config.get_section(config.config_ini_section)',
  'engine_from_config({"sqlalchemy.url": __import__("os").environ["DATABASE_URL"]}',
);

describe('verify --databases: a database per tenant', () => {
  const pg = postgresForSuite();

  it("50 databases, a few at once: the hand-stamped one, an unreachable one and an unset variable are that tenant's result; no password is printed", async () => {
    const root = makeProject({
      [`${V}a1_step.py`]: A1,
      [`${V}b2_step.py`]: B2,
      'migrations/env.py': ENV_FROM_DATABASE_URL,
    });
    const names = Array.from({ length: 50 }, (_, i) => `tenant_db_${i}`);
    for (const n of names) await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${n}`, `CREATE DATABASE ${n}`]);
    // one by real Alembic, the rest in SQL
    const real = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
      cwd: root,
      encoding: 'utf8',
      env: oracleEnv({
        PATH: process.env.PATH ?? '',
        DATABASE_URL: pg().urlFor(names[0]!),
        PYTHONDONTWRITEBYTECODE: '1',
      }),
    });
    expect(real.status, real.stderr).toBe(0);
    for (const n of names.slice(1)) await pgExec(pg().urlFor(n), HEALTHY);
    await pgExec(pg().urlFor(names[7]!), "UPDATE alembic_version SET version_num = 'guest_lockout_001'");
    const list = path.join(root, 'databases.txt');
    // URLs, a variable's name, a comment, a server that is not there, a variable that is not set
    writeFileSync(
      list,
      [
        '# the tenants',
        ...names.slice(0, 49).map((n) => pg().urlFor(n)),
        'TENANT_LAST_URL',
        '',
        'postgresql://u:secret-pw@127.0.0.1:1/nowhere',
        'TENANT_MISSING_URL',
      ].join('\n'),
    );
    const out = await verifyDatabasesCommand({
      cwd: root,
      format: 'text',
      env: { TENANT_LAST_URL: pg().urlFor(names[49]!) },
      alembicVersion: '1.8.1',
      databasesFile: 'databases.txt',
      concurrency: 4,
      connectRetries: 0,
      connectTimeout: 5,
    });
    const r = out.result;
    expect(r.total).toBe(52);
    expect(r.groups[0]!.schemas).toHaveLength(49);
    expect(r.groups[0]).toMatchObject({ rows: ['b2'], willSucceed: true, pending: 0, ok: true });
    expect(r.groups[0]!.schemas).toContain(
      `$TENANT_LAST_URL 127.0.0.1:${new URL(pg().url).port}/${names[49]}`,
    );
    const apart = r.outliers.map((g) => [
      g.schemas.join(','),
      g.unreachable ??
        g.findings
          .filter((f) => f.severity !== 'info')
          .map((f) => f.code)
          .join(','),
    ]);
    expect(apart).toContainEqual([
      `127.0.0.1:${new URL(pg().url).port}/${names[7]}`,
      'stamped-revision-missing',
    ]);
    expect(apart).toContainEqual(['$TENANT_MISSING_URL', '$TENANT_MISSING_URL is not set']);
    expect(apart.find(([label]) => label === '127.0.0.1:1/nowhere')?.[1]).toMatch(/refused|connect/iu);
    expect(r.outliers).toHaveLength(3);
    expect(out.exitCode).toBe(1);
    expect(out.stdout).not.toContain('secret-pw');
    expect(out.stdout).not.toContain(pg().password);
    expect(out.stdout).toMatch(/^ +49 {2}b2 +nothing to apply$/mu);
  }, 300_000);

  it('--shard slices the list stably by each line (a rotated password does not move a database); the shards merged equal the whole run', async () => {
    const root = makeProject({
      [`${V}a1_step.py`]: A1,
      [`${V}b2_step.py`]: B2,
      'migrations/env.py': ENV_FROM_DATABASE_URL,
    });
    const files = Array.from({ length: 30 }, (_, i) => path.join(root, `tenant-${i}.db`));
    // healthy at b2, except a hand-stamped one and one a migration behind
    execFileSync(PYTHON, [
      '-c',
      `import sqlite3, sys
for i, f in enumerate(sys.argv[1:]):
    c = sqlite3.connect(f)
    c.execute("create table alembic_version (version_num varchar(32) not null primary key)")
    c.execute("create table items (id integer primary key, name varchar(80))")
    if i != 4: c.execute("create index ix_items_name on items (name)")
    c.execute("insert into alembic_version values (?)", ({3: "nope", 4: "a1"}.get(i, "b2"),)); c.commit()`,
      ...files,
    ]);
    const lines = [...files.slice(0, 29).map((f) => `sqlite:///${f}`), 'TENANT_LAST_URL', 'TENANT_UNSET_URL'];
    writeFileSync(path.join(root, 'databases.txt'), lines.join('\n') + '\n');
    const env = { TENANT_LAST_URL: `sqlite:///${files[29]!}` };
    const verify = (format: 'json' | 'text', shard?: { index: number; count: number }) =>
      verifyDatabasesCommand({
        cwd: root,
        format,
        env,
        alembicVersion: '1.8.1',
        databasesFile: 'databases.txt',
        ...(shard ? { shard } : {}),
      });
    const whole = await verify('json');
    expect(whole.result.total).toBe(31);
    const parts = await Promise.all([1, 2, 3].map((index) => verify('json', { index, count: 3 })));
    const seen = parts.flatMap((p) => p.result.groups.flatMap((g) => g.schemas));
    expect(seen.sort()).toEqual(whole.result.groups.flatMap((g) => g.schemas).sort());
    expect(new Set(seen).size).toBe(31);
    expect(parts.every((p) => p.result.total > 0 && p.result.total < 31)).toBe(true);
    expect((await verify('json', { index: 2, count: 3 })).result.groups.flatMap((g) => g.schemas)).toEqual(
      parts[1]!.result.groups.flatMap((g) => g.schemas),
    );
    const failing = parts
      .flatMap((p) => p.result.groups.filter((g) => !g.ok).flatMap((g) => g.schemas))
      .sort();
    expect(failing).toEqual(['$TENANT_UNSET_URL', files[3]!]);
    // the merged documents and text are the whole run's
    const dir = tempDir('preflight-fleet-db-merge-');
    parts.forEach((p, i) => writeFileSync(path.join(dir, `shard-${i + 1}.json`), p.stdout));
    const merged = fleetCommand({
      action: 'merge',
      cwd: dir,
      format: 'json',
      files: ['shard-2.json', 'shard-3.json', 'shard-1.json'],
    });
    expect((merged.document as { groups: unknown[] }).groups).toEqual(
      (whole.document as { groups: unknown[] }).groups,
    );
    expect((merged.document as { command: string }).command).toBe('verify --databases');
    expect(
      fleetCommand({
        action: 'merge',
        cwd: dir,
        format: 'text',
        files: ['shard-1.json', 'shard-2.json', 'shard-3.json'],
      }).stdout,
    ).toBe((await verify('text')).stdout);
    // a shard of another kind of fleet is refused
    const tenantsDoc = JSON.parse(parts[0]!.stdout) as Record<string, unknown>;
    writeFileSync(
      path.join(dir, 'other.json'),
      JSON.stringify({ ...tenantsDoc, command: 'verify --tenants' }),
    );
    expect(() =>
      fleetCommand({
        action: 'merge',
        cwd: dir,
        format: 'json',
        files: ['other.json', 'shard-2.json', 'shard-3.json'],
      }),
    ).toThrow('read another fleet');
    // the shard is chosen by the line with its secrets hidden (the userinfo's password, ?password=)
    const key = (line: string) => databaseList(line, {})[0]!.shardKey;
    expect(key('postgresql://app:old-pw@db.internal:5432/t1')).toBe(
      key('postgresql://app:new-pw@db.internal:5432/t1'),
    );
    expect(key('postgresql://app:old-pw@db.internal:5432/t1')).toBe(
      'postgresql://app:***@db.internal:5432/t1',
    );
    expect(key('postgresql://db.internal:5432/t1?user=app&password=old-pw')).toBe(
      key('postgresql://db.internal:5432/t1?user=app&password=new-pw'),
    );
    expect(key('TENANT_1_URL')).toBe('TENANT_1_URL');
  });
});
