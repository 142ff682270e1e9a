import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';
import { exampleAlembic, exampleCopy, exampleIncident } from '../helpers/example-db.js';
import { ledgerProject, ledgerRow, sqliteWithLedger } from '../helpers/ledger-db.js';
import { alembicOnPath, PYTHON } from '../helpers/oracle.js';
import { pgExec } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { makeProject, migration } from '../helpers/project.js';
import { tempDir } from '../helpers/temp-dir.js';
import { ITEMS_A1, ITEMS_B2, TENANT_ENV_PY } from '../helpers/tenant-project.js';

/**
 * Every path on which a command exits 0, with the evidence its OK line must carry: how much was
 * checked. A path missing from this table is an OK nobody holds to account; a line that drops its
 * count fails here.
 */
interface ExitZero {
  readonly path: string;
  readonly run: () => Promise<CliRun> | CliRun;
  /** The verdict line (the last one), with its count. */
  readonly ok: RegExp;
  /** Other lines the evidence is on (the schema probes', the lock grades'). */
  readonly also?: readonly RegExp[];
}

const env = (url: string): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  DATABASE_URL: url,
  PYTHONDONTWRITEBYTECODE: '1',
  ALEMBIC_PREFLIGHT_CACHE: 'off',
});

/** The example, its SQLite database upgraded by real Alembic to `to`. */
function exampleAt(to: string): string {
  const root = exampleCopy();
  expect(exampleAlembic(root, 'sqlite:///app.db', 'upgrade', to).status).toBe(0);
  return root;
}

describe('every path that exits 0 says what it checked', () => {
  const pg = postgresForSuite();
  let n = 0;
  async function database(sql: string[] = []): Promise<string> {
    const name = `exit_zero_${++n}`;
    await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]);
    if (sql.length > 0) await pgExec(pg().urlFor(name), sql);
    return pg().urlFor(name);
  }
  /** Two tenant schemas at a1 (by real Alembic), b2 pending. */
  async function tenants(): Promise<{ root: string; url: string }> {
    const url = await database(['CREATE SCHEMA tenant_a', 'CREATE SCHEMA tenant_b']);
    const root = makeProject({
      'migrations/versions/a1_step.py': ITEMS_A1,
      'migrations/versions/b2_step.py': ITEMS_B2,
      'migrations/env.py': TENANT_ENV_PY,
    });
    for (const t of ['tenant_a', 'tenant_b'])
      expect(exampleAlembic(root, url, '-x', `tenant=${t}`, 'upgrade', 'a1').status).toBe(0);
    return { root, url };
  }

  const PATHS: readonly ExitZero[] = [
    {
      path: 'check: the files alone',
      run: () => runCli(exampleCopy(), ['check']),
      ok: /^OK: 2 revisions checked, no blocking problems \(0 errors, 0 warnings\)$/u,
    },
    {
      path: 'verify: the database at head',
      run: () => runCli(exampleAt('head'), ['verify'], env('sqlite:///app.db')),
      ok: /^OK: `alembic upgrade head` will find its revisions with nothing to apply$/u,
      also: [/^schema probes: the database agrees \(\d+ objects checked, 0 unknown\)$/mu],
    },
    {
      path: 'verify: one migration pending (SQLite)',
      run: () => runCli(exampleAt('1f2a3b4c5d6e'), ['verify'], env('sqlite:///app.db')),
      ok: /^OK: `alembic upgrade head` will find its revisions and apply 1 migration$/u,
      also: [/^schema probes: the database agrees \(\d+ objects checked, 0 unknown\)$/mu],
    },
    {
      path: 'verify: one migration pending on a table that holds rows (PostgreSQL, lock grades)',
      run: async () => {
        const url = await database();
        const root = exampleAt('head');
        writeFileSync(
          path.join(root, 'migrations/versions/3c4d_add_note.py'),
          migration(
            '3c4d',
            '2a3b4c5d6e7f',
            "op.add_column('users', sa.Column('note', sa.Text(), nullable=True))",
            'pass',
          ),
        );
        expect(exampleAlembic(root, url, 'upgrade', '2a3b4c5d6e7f').status).toBe(0);
        await pgExec(url, ["INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 10) g"]);
        return runCli(root, ['verify'], env(url));
      },
      ok: /^OK: `alembic upgrade head` will find its revisions and apply 1 migration$/u,
      also: [/^lock grades: 1 step on existing tables graded, 0 not graded \(--locks warn\)$/mu],
    },
    {
      path: 'release: applied',
      run: () => {
        const root = exampleAt('1f2a3b4c5d6e');
        const bin = alembicOnPath(tempDir('preflight-alembic-bin-'));
        return runCli(root, ['release'], {
          ...env('sqlite:///app.db'),
          PATH: `${bin}:${process.env.PATH ?? ''}`,
        });
      },
      ok: /OK: applied 1 migration, and the database is at 2a3b4c5d6e7f/u,
    },
    {
      path: 'release: nothing to run',
      run: () => runCli(exampleAt('head'), ['release'], env('sqlite:///app.db')),
      ok: /OK: the database is already at head \(2a3b4c5d6e7f\), nothing to run/u,
    },
    {
      path: 'release: a rollback the ledger proves (not migrated)',
      run: () => {
        const newer = ledgerProject(['a1', 'b2', 'c3']);
        const rows = [
          ledgerRow(newer, 'a1', null),
          ledgerRow(newer, 'b2', 'a1'),
          ledgerRow(newer, 'c3', 'b2'),
        ];
        const older = ledgerProject(['a1', 'b2']);
        const url = sqliteWithLedger(older, ['c3'], rows);
        return runCli(older, ['release'], env(url));
      },
      ok: /OK: the database is ahead of this code \(c3, a rollback\?\).*; nothing migrated/u,
    },
    {
      path: 'backfill: a dry run whose proof holds',
      run: () =>
        runCli(
          exampleIncident(),
          ['backfill', '--revision', 'guest_lockout_001', '--after', '1f2a3b4c5d6e', '--rewire'],
          env('sqlite:///app.db'),
        ),
      ok: /^OK: the proof holds for 1 placeholder \(apply with --write\); dry run: nothing written$/u,
    },
    {
      path: 'backfill: nothing to backfill',
      run: () => runCli(exampleAt('head'), ['backfill'], env('sqlite:///app.db')),
      ok: /^OK: nothing to backfill, every id resolves to a revision in the repository$/u,
    },
    {
      path: 'rehearse: up, down and up again',
      run: () => runCli(exampleAt('1f2a3b4c5d6e'), ['rehearse', '--no-drift'], env('sqlite:///app.db')),
      ok: /^OK: the migrations ran up, down and up again \(\d+ Alembic commands\), and each downgrade gave back the schema from before its upgrade$/u,
    },
    {
      path: 'verify --tenants: every tenant upgrades cleanly',
      run: async () => {
        const { root, url } = await tenants();
        return runCli(root, ['verify', '--tenants', 'tenant_*'], env(url));
      },
      ok: /^OK: all 2 tenants upgrade to head cleanly, as predicted$/u,
    },
    {
      path: 'verify --tenants --allow-empty: a first deploy with no tenant yet',
      run: async () => {
        const { root, url } = await tenants();
        return runCli(root, ['verify', '--tenants', 'nobody_*', '--allow-empty'], env(url));
      },
      ok: /^OK: no schema matches 'nobody_\*', as --allow-empty allows \(a fleet with no tenant yet\), so nothing was verified$/u,
    },
    {
      path: 'verify --databases: every listed database upgrades cleanly',
      run: () => {
        const root = exampleAt('1f2a3b4c5d6e');
        expect(exampleAlembic(root, 'sqlite:///b.db', 'upgrade', '1f2a3b4c5d6e').status).toBe(0);
        writeFileSync(path.join(root, 'databases.txt'), 'sqlite:///app.db\nsqlite:///b.db\n');
        return runCli(root, ['verify', '--databases', 'databases.txt'], env('sqlite:///app.db'));
      },
      ok: /^OK: all 2 databases upgrade to head cleanly, as predicted$/u,
    },
    {
      path: 'release --tenants: every tenant migrated by the loop',
      run: async () => {
        const { root, url } = await tenants();
        const loop = `for t in tenant_a tenant_b; do ${PYTHON} -m alembic -x tenant=$t upgrade head || exit 1; done`;
        return runCli(root, ['release', '--tenants', 'tenant_*', '--', 'sh', '-c', loop], env(url));
      },
      ok: /OK: all 2 tenants are at head/u,
    },
    {
      path: 'scan-logs: no Alembic failure in the log',
      run: () => {
        const dir = tempDir('preflight-logs-');
        writeFileSync(
          path.join(dir, 'release.log'),
          'INFO  [alembic.runtime.migration] Running upgrade a1 -> b2\n',
        );
        return runCli(dir, ['scan-logs', 'release.log']);
      },
      ok: /^OK: no Alembic failure in 1 line/u,
    },
  ];

  it.each(PATHS.map((p) => [p.path, p] as const))(
    '%s',
    async (_name, p) => {
      const r = await p.run();
      expect(r.status, r.stdout + r.stderr).toBe(0);
      const out = (r.stdout + r.stderr).trimEnd();
      const verdict =
        out
          .split('\n')
          .filter((l) => /\bOK\b/u.test(l))
          .at(-1) ?? '';
      expect(
        verdict.replace(/^alembic-preflight \w+: /u, '').replace(/ \(\d+(?:\.\d+)? s, exit 0\)$/u, ''),
        out,
      ).toMatch(p.ok);
      for (const line of p.also ?? []) expect(out, out).toMatch(line);
    },
    120_000,
  );
});
