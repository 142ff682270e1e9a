import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fleetCommand } from '../../src/commands/fleet/fleet-command.js';
import { databaseList } from '../../src/commands/verify/verify-databases-command.js';
import { inShard } from '../../src/check/fleet.js';
import { runCli } from '../helpers/cli.js';
import { ORACLE_PYTHON, oracleEnv, PYTHON } from '../helpers/oracle.js';
import { spawnSync } from 'node:child_process';
import { pgExec } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { makeProject, migration } from '../helpers/project.js';
import { tempDir } from '../helpers/temp-dir.js';
import { V } from '../helpers/ledger-db.js';
import { ITEMS_A1, ITEMS_B2, TENANT_ENV_PY } from '../helpers/tenant-project.js';

/**
 * A fleet fails closed: a pattern that matches nothing, an empty list, shards of other code or shards
 * that overlap are never an OK. Judged by the exit code, the JSON verdict, whether the team's loop ran
 * and where the tenants' version tables are.
 */
describe('fleets fail closed (PostgreSQL)', () => {
  const pg = postgresForSuite();

  async function fleet(name: string): Promise<{ url: string; root: string; env: Record<string, string> }> {
    await pgExec(pg().url, [`CREATE DATABASE ${name}`]);
    const url = pg().urlFor(name);
    const root = makeProject({
      [`${V}a1_step.py`]: ITEMS_A1,
      [`${V}b2_step.py`]: ITEMS_B2,
      'migrations/env.py': TENANT_ENV_PY,
    });
    const env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: url,
      PYTHONDONTWRITEBYTECODE: '1',
      ALEMBIC_PREFLIGHT_CACHE: 'off',
    };
    await pgExec(url, ['CREATE SCHEMA tenant_a', 'CREATE SCHEMA tenant_b']);
    for (const t of ['tenant_a', 'tenant_b'])
      expect(
        spawnSync(ORACLE_PYTHON, ['-m', 'alembic', '-x', `tenant=${t}`, 'upgrade', 'a1'], {
          cwd: root,
          env: oracleEnv(env),
        }).status,
      ).toBe(0);
    return { url, root, env };
  }

  it('a pattern that matches no schema: verify exits 2 with ok: false; --allow-empty says it is expected', async () => {
    const { root, env } = await fleet('typo_verify');
    const text = runCli(root, ['verify', '--tenants', 'tenants_*'], env);
    expect(text.status).toBe(2);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe(
      "BLOCKED: no schema matches 'tenants_*', so nothing was verified: check the pattern, or where no tenant exists yet (a first deploy), pass --allow-empty",
    );
    const json = runCli(root, ['verify', '--tenants', 'tenants_*', '--format', 'json'], env);
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, total: 0, allowEmpty: false });
    const allowed = runCli(
      root,
      ['verify', '--tenants', 'tenants_*', '--allow-empty', '--format', 'json'],
      env,
    );
    expect(allowed.status).toBe(0);
    expect(JSON.parse(allowed.stdout)).toMatchObject({ ok: true, total: 0, allowEmpty: true });
    // the healthy counterpart: the right pattern reads both tenants
    const right = runCli(root, ['verify', '--tenants', 'tenant_*', '--format', 'json'], env);
    expect(JSON.parse(right.stdout)).toMatchObject({ ok: true, total: 2 });
    expect(runCli(root, ['verify', '--allow-empty'], env).status).toBe(2);
  }, 120_000);

  it('release --tenants with the same typo: exit 2, the loop never starts, every tenant stays where it was', async () => {
    const { url, root, env } = await fleet('typo_release');
    const loop = `touch ran; for t in tenant_a tenant_b; do ${PYTHON} -m alembic -x tenant=$t upgrade head || exit 1; done`;
    const r = runCli(root, ['release', '--tenants', 'tenants_*', '--', 'sh', '-c', loop], env);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(
      /alembic-preflight release: STOPPED: no schema matches 'tenants_\*', so nothing was verified: .*; the command was not started/u,
    );
    expect(existsSync(path.join(root, 'ran'))).toBe(false);
    expect(
      await pgExec(
        url,
        'SELECT version_num FROM tenant_a.alembic_version UNION ALL SELECT version_num FROM tenant_b.alembic_version',
      ),
    ).toEqual([['a1'], ['a1']]);
    const allowed = runCli(
      root,
      ['release', '--tenants', 'tenants_*', '--allow-empty', '--', 'sh', '-c', loop],
      env,
    );
    expect(allowed.status).toBe(0);
    expect(existsSync(path.join(root, 'ran'))).toBe(false);
    // the right pattern migrates both
    const right = runCli(root, ['release', '--tenants', 'tenant_*', '--', 'sh', '-c', loop], env);
    expect(right.status, right.stdout + right.stderr).toBe(0);
    expect(
      await pgExec(
        url,
        'SELECT version_num FROM tenant_a.alembic_version UNION ALL SELECT version_num FROM tenant_b.alembic_version',
      ),
    ).toEqual([['b2'], ['b2']]);
  }, 120_000);

  it("release --tenants as another app: refused before the loop starts, every tenant where it was; the owner's goes through", async () => {
    const { url, root, env } = await fleet('owned_release');
    const loop = `touch ran; for t in tenant_a tenant_b; do ${PYTHON} -m alembic -x tenant=$t upgrade head || exit 1; done`;
    const rows =
      'SELECT version_num FROM tenant_a.alembic_version UNION ALL SELECT version_num FROM tenant_b.alembic_version';
    // production's release claims both tenants (their ledgers record its name)
    const prod = { ...env, HEROKU_APP_NAME: 'shop-prod' };
    expect(runCli(root, ['release', '--tenants', 'tenant_*', '--', 'sh', '-c', loop], prod).status).toBe(0);
    expect(await pgExec(url, rows)).toEqual([['b2'], ['b2']]);
    writeFileSync(
      path.join(root, `${V}c3_step.py`),
      migration(
        'c3',
        'b2',
        "op.add_column('items', sa.Column('price', sa.Integer()))",
        "op.drop_column('items', 'price')",
      ),
    );
    const staging = runCli(
      root,
      ['release', '--tenants', 'tenant_*', '--', 'sh', '-c', loop.replace('touch ran', 'touch ran2')],
      { ...env, HEROKU_APP_NAME: 'shop-staging' },
    );
    expect(staging.status, staging.stdout + staging.stderr).toBe(1);
    expect(staging.stdout).toContain('database-owned-elsewhere');
    expect(existsSync(path.join(root, 'ran2'))).toBe(false);
    expect(await pgExec(url, rows)).toEqual([['b2'], ['b2']]);
    const again = runCli(root, ['release', '--tenants', 'tenant_*', '--', 'sh', '-c', loop], prod);
    expect(again.status, again.stdout + again.stderr).toBe(0);
    expect(await pgExec(url, rows)).toEqual([['c3'], ['c3']]);
  }, 120_000);

  it('fleet merge refuses shards verified against other code, and shards that overlap', async () => {
    const { url, root, env } = await fleet('merge_code');
    const dir = tempDir('preflight-merge-code-');
    const shard = (i: number, cwd = root): string => {
      const r = runCli(
        cwd,
        ['verify', '--tenants', 'tenant_*', '--shard', `${i}/2`, '--format', 'json'],
        env,
      );
      expect([0, 1]).toContain(r.status);
      return r.stdout;
    };
    writeFileSync(path.join(dir, 'shard-1.json'), shard(1));
    writeFileSync(path.join(dir, 'shard-2.json'), shard(2));
    const merged = fleetCommand({
      action: 'merge',
      cwd: dir,
      format: 'json',
      files: ['shard-1.json', 'shard-2.json'],
    });
    expect((merged.document as { total: number }).total).toBe(2);
    // the second job ran after a deploy that added a revision
    const newer = makeProject({
      [`${V}a1_step.py`]: ITEMS_A1,
      [`${V}b2_step.py`]: ITEMS_B2,
      [`${V}c3_step.py`]: migration(
        'c3',
        'b2',
        "op.add_column('items', sa.Column('price', sa.Integer()))",
        "op.drop_column('items', 'price')",
      ),
      'migrations/env.py': TENANT_ENV_PY,
    });
    writeFileSync(path.join(dir, 'shard-2-newer.json'), shard(2, newer));
    expect(() =>
      fleetCommand({
        action: 'merge',
        cwd: dir,
        format: 'json',
        files: ['shard-1.json', 'shard-2-newer.json'],
      }),
    ).toThrow(
      /^shard-2-newer\.json was verified against other code \(sha256:[0-9a-f]{64}\) than shard-1\.json/u,
    );
    // one tenant in two shards: 3 tenants for 2 would be counted
    const one = JSON.parse(readJson(dir, 'shard-1.json')) as {
      groups: { schemas: string[]; tenants: number }[];
      total: number;
    };
    const two = JSON.parse(readJson(dir, 'shard-2.json')) as typeof one;
    const stolen = [...one.groups.flatMap((g) => g.schemas)][0] ?? two.groups[0]!.schemas[0]!;
    const holder = one.groups.some((g) => g.schemas.includes(stolen)) ? two : one;
    holder.groups[0]!.schemas.push(stolen);
    holder.total++;
    writeFileSync(path.join(dir, holder === two ? 'shard-2.json' : 'shard-1.json'), JSON.stringify(holder));
    expect(() =>
      fleetCommand({ action: 'merge', cwd: dir, format: 'json', files: ['shard-1.json', 'shard-2.json'] }),
    ).toThrow(
      new RegExp(`^${stolen} is in both shard-[12]\\.json and shard-[12]\\.json: the shards overlap\\.`, 'u'),
    );
    expect(url).toContain('merge_code');
  }, 120_000);
});

function readJson(dir: string, name: string): string {
  return spawnSync('cat', [path.join(dir, name)], { encoding: 'utf8' }).stdout;
}

describe('fleets fail closed (--databases)', () => {
  it('an empty list exits 2 with ok: false; --allow-empty says it is expected', () => {
    const root = makeProject({ [`${V}a1_step.py`]: ITEMS_A1 });
    writeFileSync(path.join(root, 'tenants.txt'), '# no tenant yet\n\n');
    const r = runCli(root, ['verify', '--databases', 'tenants.txt', '--format', 'json'], {});
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, total: 0 });
    const allowed = runCli(root, ['verify', '--databases', 'tenants.txt', '--allow-empty'], {});
    expect(allowed.status).toBe(0);
    expect(allowed.stdout.trimEnd().split('\n').at(-1)).toBe(
      'OK: tenants.txt names no database, as --allow-empty allows (a fleet with no tenant yet), so nothing was verified',
    );
  });

  it("a database's shard is chosen without its secrets: rotating a password, in the userinfo or ?password=, does not move it", () => {
    const lines = (pw: string): string =>
      [
        `postgresql://app:${pw}@db.internal:5432/t1`,
        `postgresql://db.internal:5432/t2?user=app&password=${pw}`,
        `postgresql://app:${pw}@db.internal:5432/t3?sslmode=require`,
      ].join('\n');
    const before = databaseList(lines('old-pw'), {});
    const after = databaseList(lines('rotated-9'), {});
    expect(after.map((e) => e.shardKey)).toEqual(before.map((e) => e.shardKey));
    for (const e of before) expect(e.shardKey).not.toContain('old-pw');
    for (let count = 2; count <= 5; count++)
      for (let i = 0; i < before.length; i++)
        for (let index = 1; index <= count; index++)
          expect(inShard(after[i]!.shardKey, index, count)).toBe(inShard(before[i]!.shardKey, index, count));
  });
});
