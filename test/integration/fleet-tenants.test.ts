import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fleetCommand } from '../../src/commands/fleet/fleet-command.js';
import { tempDir } from '../helpers/temp-dir.js';
import { runCli } from '../helpers/cli.js';
import { parseShard } from '../../src/commands/shared-options.js';
import { verifyTenantsCommand } from '../../src/commands/verify/verify-tenants-command.js';
import { likePattern } from '../../src/database/read-tenants.js';
import {
  createLedgerSql,
  ledgerSql,
  LEDGER_COLUMNS,
  ledgerValues,
  stepsValue,
} from '../../src/database/ledger.js';
import { pgLiteral } from '../../src/database/version-table.js';
import { ledgerRow, V } from '../helpers/ledger-db.js';
import { ORACLE_PYTHON, oracleEnv, PYTHON } from '../helpers/oracle.js';
import { pgExec } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { makeProject, migration } from '../helpers/project.js';
import { TENANT_ENV_PY } from '../helpers/tenant-project.js';
import { expectDocSample } from '../helpers/doc-sample.js';

// A schema per tenant, migrated the way Alembic's cookbook does it: `alembic -x tenant=NAME upgrade
// head`, env.py setting the search_path and version_table_schema to the tenant.

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
const C3 = migration(
  'c3',
  'b2',
  "op.add_column('items', sa.Column('price', sa.Integer()))",
  "op.drop_column('items', 'price')",
);

function project(files: Record<string, string>): string {
  const root = makeProject({ ...files, 'migrations/env.py': TENANT_ENV_PY });
  return root;
}

/** What Alembic's upgrade to head makes in a tenant schema, in SQL: for the many healthy tenants made quickly. */
function healthySql(schema: string): string {
  const s = `"${schema}"`;
  return `CREATE SCHEMA ${s}; CREATE TABLE ${s}.alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
    CREATE TABLE ${s}.items (id SERIAL NOT NULL, name VARCHAR(80), PRIMARY KEY (id)); CREATE INDEX ix_items_name ON ${s}.items (name);
    INSERT INTO ${s}.alembic_version VALUES ('b2');`;
}

describe('verify --tenants: a schema per tenant, read in one pass', () => {
  const pg = postgresForSuite();

  it('1,000 tenants: reports exactly the hand-stamped, the behind, the ahead and the create_all-and-stamped one, each predicted as real Alembic runs it', async () => {
    const db = 'fleet_1000';
    await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`]);
    const url = pg().urlFor(db);
    const root = project({ [`${V}a1_step.py`]: A1, [`${V}b2_step.py`]: B2 });
    const alembic = (tenant: string, ...args: string[]) =>
      spawnSync(ORACLE_PYTHON, ['-m', 'alembic', '-x', `tenant=${tenant}`, ...args], {
        cwd: root,
        encoding: 'utf8',
        env: oracleEnv({ PATH: process.env.PATH ?? '', DATABASE_URL: url, PYTHONDONTWRITEBYTECODE: '1' }),
      });
    // 995 healthy tenants in SQL, and one by real Alembic beside them
    const healthy = Array.from({ length: 995 }, (_, i) => `tenant_${String(i + 5).padStart(4, '0')}`);
    for (let i = 0; i < healthy.length; i += 100)
      await pgExec(
        url,
        healthy
          .slice(i, i + 100)
          .map(healthySql)
          .join('\n'),
      );
    const made = ['tenant_0000', 'tenant_0001', 'tenant_0002', 'tenant_0003', 'tenant_0004'];
    await pgExec(
      url,
      made.map((t) => `CREATE SCHEMA "${t}"`),
    );
    expect(alembic('tenant_0000', 'upgrade', 'head').status).toBe(0);
    // hand-stamped
    expect(alembic('tenant_0001', 'upgrade', 'head').status).toBe(0);
    await pgExec(url, `UPDATE tenant_0001.alembic_version SET version_num = 'guest_lockout_001'`);
    // behind
    expect(alembic('tenant_0002', 'upgrade', 'a1').status).toBe(0);
    // ahead: a newer release applied c3 there, and its ledger says so
    const newer = project({ [`${V}a1_step.py`]: A1, [`${V}b2_step.py`]: B2, [`${V}c3_step.py`]: C3 });
    const run = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', '-x', 'tenant=tenant_0003', 'upgrade', 'head'], {
      cwd: newer,
      encoding: 'utf8',
      env: oracleEnv({ PATH: process.env.PATH ?? '', DATABASE_URL: url, PYTHONDONTWRITEBYTECODE: '1' }),
    });
    expect(run.status, run.stderr).toBe(0);
    const rows = [
      ledgerRow(newer, 'a1', null, { release: 'v1' }),
      ledgerRow(newer, 'b2', 'a1', { release: 'v1' }),
      ledgerRow(newer, 'c3', 'b2', { release: 'v2', at: '2026-11-21T09:30:00.000Z' }),
    ];
    await pgExec(url, [
      createLedgerSql('alembic_preflight_history', 'tenant_0003'),
      ...rows.map(
        (r) =>
          `INSERT INTO ${ledgerSql('alembic_preflight_history', 'tenant_0003')} (${LEDGER_COLUMNS.join(', ')}, steps) VALUES (${[...ledgerValues(r), stepsValue(r)].map((v) => (v === null ? 'NULL' : pgLiteral(v))).join(', ')})`,
      ),
    ]);
    // create_all and stamped: the models' tables, without the index a migration makes, then `alembic stamp head`
    await pgExec(
      url,
      'CREATE TABLE tenant_0004.items (id SERIAL NOT NULL, name VARCHAR(80), PRIMARY KEY (id))',
    );
    expect(alembic('tenant_0004', 'stamp', 'head').status).toBe(0);

    const out = await verifyTenantsCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      alembicVersion: '1.8.1',
      tenants: 'tenant_*',
    });
    const r = out.result;
    expect(r.total).toBe(1000);
    expect(r.groups[0]!.schemas).toHaveLength(996);
    expect(r.groups[0]!.schemas).toContain('tenant_0000');
    expect(r.groups[0]).toMatchObject({ rows: ['b2'], willSucceed: true, pending: 0, ok: true });
    const outliers = new Map(r.outliers.map((g) => [g.schemas.join(','), g]));
    expect([...outliers.keys()].sort()).toEqual(['tenant_0001', 'tenant_0002', 'tenant_0003', 'tenant_0004']);
    const codes = (t: string): string[] =>
      outliers
        .get(t)!
        .findings.filter((f) => f.severity !== 'info')
        .map((f) => f.code);
    expect(codes('tenant_0001')).toContain('stamped-revision-missing');
    expect(codes('tenant_0003')).toContain('database-ahead');
    expect(codes('tenant_0004')).toContain('schema-behind-stamp');
    expect(outliers.get('tenant_0002')).toMatchObject({ rows: ['a1'], willSucceed: true, pending: 1 });
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toMatch(/^ +996 {2}b2 +nothing to apply$/mu);
    // docs/fleets.md shows this run (the server's port and the database's name as the page has them)
    expectDocSample(
      { doc: 'docs/fleets.md', name: 'verify-tenants' },
      `$ alembic-preflight verify --tenants 'tenant_*'\n${out.stdout.replaceAll(/127\.0\.0\.1:\d+\/fleet_1000/gu, '127.0.0.1:5432/app')}`,
    );
    // each prediction against real Alembic on that tenant
    for (const [tenant, g] of [['tenant_0000', r.groups[0]!], ...outliers] as const) {
      const real = alembic(tenant.split(',')[0]!, 'upgrade', 'head');
      expect(real.status === 0, `${tenant}: ${real.stderr}`).toBe(g.willSucceed);
      if (!g.willSucceed)
        expect(real.stdout + real.stderr).toContain(g.alembicError!.replace(/^FAILED: /u, ''));
    }
    // the behind tenant is now at head, as predicted
    expect(await pgExec(url, 'SELECT version_num FROM tenant_0002.alembic_version')).toEqual([['b2']]);
  }, 300_000);

  it('shards split the fleet stably and, merged, give the unsharded groups', async () => {
    const db = 'fleet_shards';
    await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`]);
    const url = pg().urlFor(db);
    const names = Array.from({ length: 60 }, (_, i) => `t${i}`);
    await pgExec(url, names.map(healthySql).join('\n'));
    await pgExec(url, `UPDATE t7.alembic_version SET version_num = 'nope'`);
    // a value XML would escape comes back as written
    await pgExec(url, `UPDATE t8.alembic_version SET version_num = 'x&y<z>'`);
    const root = project({ [`${V}a1_step.py`]: A1, [`${V}b2_step.py`]: B2 });
    const verify = (shard?: { index: number; count: number }) =>
      verifyTenantsCommand({
        cwd: root,
        format: 'json',
        env: { DATABASE_URL: url },
        alembicVersion: '1.8.1',
        tenants: 't*',
        ...(shard ? { shard } : {}),
      });
    const whole = await verify();
    const parts = await Promise.all([1, 2, 3].map((index) => verify({ index, count: 3 })));
    const seen = parts.flatMap((p) => p.result.groups.flatMap((g) => g.schemas));
    expect(seen.sort()).toEqual(whole.result.groups.flatMap((g) => g.schemas).sort());
    expect(new Set(seen).size).toBe(60);
    expect(parts.every((p) => p.result.total > 0 && p.result.total < 60)).toBe(true);
    // the same shard twice: the same tenants
    expect((await verify({ index: 2, count: 3 })).result.groups.flatMap((g) => g.schemas)).toEqual(
      parts[1]!.result.groups.flatMap((g) => g.schemas),
    );
    const failing = parts.flatMap((p) => p.result.groups.filter((g) => !g.ok).flatMap((g) => g.schemas));
    expect(failing.sort()).toEqual(['t7', 't8']);
    expect(whole.result.groups.find((g) => g.schemas.includes('t8'))!.rows).toEqual(['x&y<z>']);
    // for review, per revision and not per tenant: an annotation for each group apart, and a summary table
    const github = (
      await verifyTenantsCommand({
        cwd: root,
        format: 'text',
        review: 'github',
        env: { DATABASE_URL: url },
        alembicVersion: '1.8.1',
        tenants: 't*',
      })
    ).stdout
      .trimEnd()
      .split('\n');
    expect(github).toHaveLength(3);
    expect(github).toContain(
      "::error title=1 tenant at nope::FAILS: Can't locate revision identified by 'nope': t7%0Aerror [stamped-revision-missing] stamped 'nope', which no migration file defines",
    );
    expect(github.at(-1)).toBe('BLOCKED: 2 of 60 tenants would fail or are blocked: t7, t8');
    const markdown = (
      await verifyTenantsCommand({
        cwd: root,
        format: 'text',
        review: 'markdown',
        env: { DATABASE_URL: url },
        alembicVersion: '1.8.1',
        tenants: 't*',
      })
    ).stdout;
    expect(markdown).toMatch(/^## alembic-preflight verify --tenants: ❌ BLOCKED: 2 of 60 tenants/u);
    expect(markdown).toContain('| 58 | <code>b2</code> | nothing to apply |  |');
    // fleet merge: the shards' documents as one equal the unsharded document
    const dir = tempDir('preflight-fleet-merge-');
    parts.forEach((p, i) => writeFileSync(path.join(dir, `shard-${i + 1}.json`), p.stdout));
    const merged = fleetCommand({
      action: 'merge',
      cwd: dir,
      format: 'json',
      files: ['shard-3.json', 'shard-1.json', 'shard-2.json'],
    });
    const doc = merged.document as { total: number; ok: boolean; shard: unknown; groups: unknown[] };
    const unsharded = whole.document as typeof doc;
    expect(doc.groups).toEqual(unsharded.groups);
    expect([doc.total, doc.ok, doc.shard]).toEqual([60, false, null]);
    expect(merged.exitCode).toBe(1);
    const wholeText = await verifyTenantsCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      alembicVersion: '1.8.1',
      tenants: 't*',
    });
    expect(
      fleetCommand({
        action: 'merge',
        cwd: dir,
        format: 'text',
        files: ['shard-1.json', 'shard-2.json', 'shard-3.json'],
      }).stdout,
    ).toBe(wholeText.stdout);
    expect(() =>
      fleetCommand({ action: 'merge', cwd: dir, format: 'json', files: ['shard-1.json', 'shard-3.json'] }),
    ).toThrow('Shard 2/3 is missing: the merged report would leave tenants out.');
    expect(() =>
      fleetCommand({
        action: 'merge',
        cwd: dir,
        format: 'json',
        files: ['shard-1.json', 'shard-1.json', 'shard-2.json', 'shard-3.json'],
      }),
    ).toThrow('shard-1.json and shard-1.json are both shard 1/3.');
    expect(whole.exitCode).toBe(1);
  }, 120_000);

  it('release --tenants: runs the loop over the tenants only when none would fail, then checks that all are at head', async () => {
    const db = 'fleet_release';
    await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`]);
    const url = pg().urlFor(db);
    const root = project({ [`${V}a1_step.py`]: A1, [`${V}b2_step.py`]: B2 });
    const tenants = ['t_a', 't_b', 't_c'];
    await pgExec(
      url,
      tenants.map((t) => `CREATE SCHEMA ${t}`),
    );
    const env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: url,
      PYTHONDONTWRITEBYTECODE: '1',
      ALEMBIC_PREFLIGHT_CACHE: 'off',
    };
    for (const t of tenants)
      expect(
        spawnSync(ORACLE_PYTHON, ['-m', 'alembic', '-x', `tenant=${t}`, 'upgrade', 'a1'], {
          cwd: root,
          encoding: 'utf8',
          env: oracleEnv(env),
        }).status,
      ).toBe(0);
    // the team's loop, which leaves a mark when it starts
    const loop = `touch ran; for t in ${tenants.join(' ')}; do ${PYTHON} -m alembic -x tenant=$t upgrade head || exit 1; done`;
    const ok = runCli(root, ['release', '--tenants', 't_*', '--', 'sh', '-c', loop], env);
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^alembic-preflight release: OK: all 3 tenants are at head \(/mu);
    expect(
      await pgExec(
        url,
        tenants.map((t) => `SELECT version_num FROM ${t}.alembic_version`).join(' UNION ALL '),
      ),
    ).toEqual([['b2'], ['b2'], ['b2']]);
    // each tenant's ledger records what the loop applied there, with its steps, as release records one database's
    expect(ok.stdout).toContain(
      'alembic-preflight release: ledger alembic_preflight_history: the migrations recorded in 3 of 3 tenants',
    );
    const ledgers = () =>
      pgExec(
        url,
        tenants
          .map((t) => `SELECT '${t}', revision, path, steps IS NOT NULL FROM ${t}.alembic_preflight_history`)
          .join(' UNION ALL ') + ' ORDER BY 1',
      );
    expect(await ledgers()).toEqual(tenants.map((t) => [t, 'b2', `migrations/versions/b2_step.py`, true]));
    // nothing pending: the loop is not started
    rmSync(path.join(root, 'ran'));
    expect(runCli(root, ['release', '--tenants', 't_*', '--', 'sh', '-c', loop], env).stdout).toContain(
      'OK: all 3 tenants are at head; the command was not started',
    );
    expect(existsSync(path.join(root, 'ran'))).toBe(false);
    expect((await ledgers()).length).toBe(3);
    // the older code deployed again: the ledger tells every tenant's rollback from a hand-stamped row
    const rolledBack = await verifyTenantsCommand({
      cwd: project({ [`${V}a1_step.py`]: A1 }),
      format: 'text',
      env: { DATABASE_URL: url },
      alembicVersion: '1.8.1',
      tenants: 't_*',
    });
    expect(rolledBack.result.groups.map((g) => [g.schemas.length, g.findings.map((f) => f.code)])).toEqual([
      [3, ['database-ahead']],
    ]);
    expect(rolledBack.stdout).toContain(
      'error [database-ahead] the database is 1 revision ahead of this code (a rollback, per the ledger)',
    );
    // one tenant hand-stamped: blocked before the loop starts (--always-run would start it), and no tenant moves
    await pgExec(url, "UPDATE t_b.alembic_version SET version_num = 'guest_lockout_001'");
    const blocked = runCli(
      root,
      ['release', '--tenants', 't_*', '--always-run', '--', 'sh', '-c', loop],
      env,
    );
    expect(blocked.status).toBe(1);
    expect(blocked.stdout).toMatch(/BLOCKED: 1 of 3 tenants would fail; the command was not started/u);
    expect(existsSync(path.join(root, 'ran'))).toBe(false);
    expect(
      await pgExec(
        url,
        tenants.map((t) => `SELECT version_num FROM ${t}.alembic_version`).join(' UNION ALL '),
      ),
    ).toEqual([['b2'], ['guest_lockout_001'], ['b2']]);
  }, 180_000);

  it('release --tenants: a loop that reaches another database is stopped before its first statement there; exit 2, both databases unchanged', async () => {
    await pgExec(pg().url, [
      'DROP DATABASE IF EXISTS fleet_fenced',
      'CREATE DATABASE fleet_fenced',
      'DROP DATABASE IF EXISTS fleet_elsewhere',
      'CREATE DATABASE fleet_elsewhere',
    ]);
    const url = pg().urlFor('fleet_fenced');
    const elsewhere = pg().urlFor('fleet_elsewhere');
    const root = project({ [`${V}a1_step.py`]: A1, [`${V}b2_step.py`]: B2 });
    const env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: url,
      PYTHONDONTWRITEBYTECODE: '1',
      ALEMBIC_PREFLIGHT_CACHE: 'off',
    };
    for (const [db, t] of [
      [url, 't_a'],
      [url, 't_b'],
      [elsewhere, 't_a'],
    ] as const) {
      await pgExec(db, `CREATE SCHEMA ${t}`);
      expect(
        spawnSync(ORACLE_PYTHON, ['-m', 'alembic', '-x', `tenant=${t}`, 'upgrade', 'a1'], {
          cwd: root,
          encoding: 'utf8',
          env: oracleEnv({ ...env, DATABASE_URL: db }),
        }).status,
      ).toBe(0);
    }
    // the loop migrates each tenant, but with a URL left over from another environment, in a file
    // (a URL on the command line itself is refused before anything starts)
    writeFileSync(path.join(root, 'elsewhere.url'), elsewhere);
    const loop = `for t in t_a t_b; do DATABASE_URL=$(cat elsewhere.url) ${PYTHON} -m alembic -x tenant=$t upgrade head || exit 1; done`;
    const logBefore = readFileSync(pg().logFile!, 'utf8').length;
    const r = runCli(root, ['release', '--tenants', 't_*', '--', 'sh', '-c', loop], env);
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(
      /^alembic-preflight release: STOPPED: the command reached for another database than the one verified/u,
    );
    expect(r.stdout + r.stderr).not.toContain(pg().password);
    const onElsewhere = readFileSync(pg().logFile!, 'utf8')
      .slice(logBefore)
      .split('\n')
      .filter((l) => l.includes(':db=fleet_elsewhere:'));
    expect(onElsewhere.filter((l) => l.includes('connection authorized')).length).toBeGreaterThan(0);
    expect(onElsewhere.filter((l) => l.includes('statement: '))).toEqual([]);
    const versions = (db: string, ts: readonly string[]) =>
      pgExec(db, ts.map((t) => `SELECT version_num FROM ${t}.alembic_version`).join(' UNION ALL '));
    expect(await versions(elsewhere, ['t_a'])).toEqual([['a1']]);
    expect(await versions(url, ['t_a', 't_b'])).toEqual([['a1'], ['a1']]);
    expect(
      await pgExec(elsewhere, "SELECT count(*)::int FROM pg_indexes WHERE indexname = 'ix_items_name'"),
    ).toEqual([[0]]);
  }, 180_000);

  it('says what is wrong with the flags: a SQLite URL, a shard that is not I/N', async () => {
    const root = project({ [`${V}a1_step.py`]: A1 });
    await expect(
      verifyTenantsCommand({
        cwd: root,
        format: 'text',
        env: { DATABASE_URL: 'sqlite:///app.db' },
        alembicVersion: '1.8.1',
        tenants: 't*',
      }),
    ).rejects.toThrow(
      '--tenants reads a schema (PostgreSQL) or a database (MySQL) per tenant, and SQLite has neither.',
    );
    expect(() => parseShard('4/3')).toThrow('--shard 4/3 is not I/N with 1 <= I <= N.');
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(likePattern('tenant_*')).toBe('tenant\\_%');
  });
});
