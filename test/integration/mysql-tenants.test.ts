import { describe, expect, it } from 'vitest';
import { verifyTenantsCommand } from '../../src/commands/verify/verify-tenants-command.js';
import { exampleAlembic, exampleCopy } from '../helpers/example-db.js';
import { runCli } from '../helpers/cli.js';
import { MARIA_PASSWORD } from '../helpers/mariadb-server.js';
import { mariadbForSuite } from '../helpers/mariadb-suite.js';

// verify --tenants on MySQL: a tenant is a database on the server. Each group's prediction is held
// against real Alembic run on one of its databases.

describe('verify --tenants on MariaDB (a database per tenant)', () => {
  const maria = mariadbForSuite();

  it('groups the tenant databases by what they hold; each verdict is what real Alembic then does', async () => {
    const root = exampleCopy();
    for (const t of ['shop_0001', 'shop_0002', 'shop_0003', 'shop_0004']) {
      maria().exec(`CREATE DATABASE ${t}`);
      expect(
        exampleAlembic(root, maria().urlFor(t), 'upgrade', t === 'shop_0004' ? '1f2a3b4c5d6e' : 'head')
          .status,
      ).toBe(0);
    }
    maria().exec(
      "UPDATE shop_0003.alembic_version SET version_num = 'guest_lockout_001'; CREATE DATABASE other_app",
    );
    const out = await verifyTenantsCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: maria().urlFor('shop_0001') },
      alembicVersion: '1.8.1',
      tenants: 'shop_*',
    });
    expect(out.stdout).not.toContain(MARIA_PASSWORD);
    const doc = JSON.parse(out.stdout) as {
      total: number;
      groups: { schemas: string[]; willSucceed: boolean; pending: number; alembicError?: string }[];
    };
    expect(doc.total).toBe(4);
    const byTenant = new Map(doc.groups.flatMap((g) => g.schemas.map((s) => [s, g] as const)));
    expect(byTenant.get('shop_0001')).toBe(byTenant.get('shop_0002'));
    expect(byTenant.get('shop_0004')!.pending).toBe(1);
    expect(out.exitCode).toBe(1);
    const text = await verifyTenantsCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: maria().urlFor('shop_0001') },
      alembicVersion: '1.8.1',
      tenants: 'shop_*',
    });
    expect(text.stdout.split('\n')[0]).toBe(
      `alembic-preflight verify --tenants 'shop_*' on 127.0.0.1:${maria().port}: 4 databases; upgrade head`,
    );
    for (const t of ['shop_0001', 'shop_0003', 'shop_0004']) {
      const g = byTenant.get(t)!;
      const real = exampleAlembic(root, maria().urlFor(t), 'upgrade', 'head');
      expect(g.willSucceed, t).toBe(real.status === 0);
      if (!g.willSucceed) expect(real.error).toContain(g.alembicError!.replace(/^FAILED: /u, ''));
    }
  }, 120_000);

  it('release --tenants does not start its loop on MySQL, and says what to run instead', () => {
    const root = exampleCopy();
    const r = runCli(root, ['release', '--tenants', 'shop_*', '--', 'true'], {
      DATABASE_URL: maria().urlFor('shop_0001'),
      ALEMBIC_PREFLIGHT_CACHE: 'off',
    });
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stdout + r.stderr).toContain('release --tenants does not run on MySQL');
  }, 60_000);

  it('a tenant whose version table has no version_num is refused, as verify refuses one database', async () => {
    maria().exec('CREATE DATABASE odd_0001; CREATE TABLE odd_0001.alembic_version (revision VARCHAR(32))');
    const root = exampleCopy();
    await expect(
      verifyTenantsCommand({
        cwd: root,
        format: 'text',
        env: { DATABASE_URL: maria().urlFor('odd_0001') },
        tenants: 'odd_*',
      }),
    ).rejects.toThrow('The table odd_0001.alembic_version has no version_num column');
  }, 60_000);
});
