import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import { exampleAlembic, exampleCopy } from '../helpers/example-db.js';
import { projectWith } from '../helpers/probe-app.js';
import { runCli } from '../helpers/cli.js';
import { MARIA_PASSWORD } from '../helpers/mariadb-server.js';
import { mariadbForSuite } from '../helpers/mariadb-suite.js';

// The commands besides verify and release on a real MariaDB server, judged by the rows they leave
// (restamp, ledger owner) or leave alone (the dry runs, backfill, graph, verify --databases).

describe('restamp, ledger, backfill, graph and verify --databases on MariaDB', () => {
  const maria = mariadbForSuite();
  const cli = (root: string, args: string[], url: string) =>
    runCli(root, args, { DATABASE_URL: url, ALEMBIC_PREFLIGHT_CACHE: 'off' });

  /** The example migrated to its head by real Alembic, then its row replaced by `row`. */
  function stamped(db: string, row: string): { root: string; url: string } {
    maria().exec(`CREATE DATABASE ${db}`);
    const root = exampleCopy();
    const url = maria().urlFor(db);
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    maria().exec(`UPDATE ${db}.alembic_version SET version_num = '${row}'`);
    return { root, url };
  }

  it('restamp: a dry run changes nothing; --yes replaces the one row, and real Alembic then agrees', () => {
    const { root, url } = stamped('restamp', 'renamed0001');
    const dry = cli(root, ['restamp', '--from', 'renamed0001', '--to', '2a3b4c5d6e7f'], url);
    expect(dry.status, dry.stdout + dry.stderr).toBe(0);
    expect(maria().exec('SELECT version_num FROM restamp.alembic_version')).toEqual([['renamed0001']]);
    const yes = cli(root, ['restamp', '--from', 'renamed0001', '--to', '2a3b4c5d6e7f', '--yes'], url);
    expect(yes.status, yes.stdout + yes.stderr).toBe(0);
    expect(yes.stdout + yes.stderr).not.toContain(MARIA_PASSWORD);
    expect(maria().exec('SELECT version_num FROM restamp.alembic_version')).toEqual([['2a3b4c5d6e7f']]);
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
  }, 60_000);

  it('ledger owner --set --yes writes the one owner row beside the version table; ledger owner reads it', () => {
    const { root, url } = stamped('owned', '2a3b4c5d6e7f');
    const set = cli(root, ['ledger', 'owner', '--set', 'shop-prod', '--yes'], url);
    expect(set.status, set.stdout + set.stderr).toBe(0);
    expect(maria().exec('SELECT app FROM owned.alembic_preflight_owner')).toEqual([['shop-prod']]);
    // a database plain Alembic migrated had no ledger: the hand-over created it
    expect(set.stdout).toContain('Created the ledger');
    expect(
      maria().exec(
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'owned' AND TABLE_NAME = 'alembic_preflight_history'",
      ),
    ).toEqual([['1']]);
    // read back with the ledger, on the connection verify reads the version table on
    const show = cli(root, ['ledger', 'owner'], url);
    expect(show.status, show.stdout + show.stderr).toBe(0);
    expect(show.stdout).toContain('Owner: shop-prod (handed to it with ledger owner --set).');
  }, 60_000);

  it('backfill places the hand-stamped id by the schema and writes only with --write; graph marks it', () => {
    const { root, url } = stamped('incident', 'guest_lockout_001');
    // it places the id by the schema it reads from information_schema: all up to 2a3b4c5d6e7f is there
    const plan = cli(root, ['backfill'], url);
    expect(plan.stdout).toContain('guest_lockout_001: placeholder after 2a3b4c5d6e7f');
    expect(plan.stdout).toContain(
      'placed by: the schema: the database has exactly what the migrations up to 2a3b4c5d6e7f leave',
    );
    expect(plan.status, plan.stdout).toBe(0);
    expect(maria().exec('SELECT version_num FROM incident.alembic_version')).toEqual([['guest_lockout_001']]);
    // the placeholder it writes says where the id was read, never the host
    const written = cli(
      root,
      ['backfill', '--revision', 'guest_lockout_001', '--after', '2a3b4c5d6e7f', '--write'],
      url,
    );
    expect(written.status, written.stdout + written.stderr).toBe(0);
    const file = readdirSync(path.join(root, 'migrations/versions')).find((f) =>
      f.startsWith('guest_lockout_001'),
    )!;
    const text = readFileSync(path.join(root, 'migrations/versions', file), 'utf8');
    expect(text).toContain('Revises: 2a3b4c5d6e7f');
    expect(text).not.toContain('127.0.0.1');
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    const graph = cli(root, ['graph', '--format', 'text'], url);
    expect(graph.stdout + graph.stderr).toContain('guest_lockout_001');
  }, 60_000);

  it('verify --databases reads each MySQL database listed and groups them by verdict', () => {
    const a = stamped('fleet_a', '2a3b4c5d6e7f');
    stamped('fleet_b', 'guest_lockout_001');
    const list = path.join(a.root, 'databases.txt');
    writeFileSync(list, `${maria().urlFor('fleet_a')}\n${maria().urlFor('fleet_b')}\n`);
    const r = runCli(a.root, ['verify', '--databases', list], { ALEMBIC_PREFLIGHT_CACHE: 'off' });
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/2 databases/u);
    expect(r.stdout).toContain('guest_lockout_001');
    expect(r.stdout + r.stderr).not.toContain(MARIA_PASSWORD);
  }, 60_000);

  it("a step in a try body whose except misses MariaDB's error class fails the upgrade; one that catches it is a warning", async () => {
    for (const [db, caught, blocks] of [
      ['try_missed', 'OperationalError', true],
      ['try_caught', 'ProgrammingError', false],
    ] as const) {
      maria().exec(`CREATE DATABASE ${db}`);
      const url = maria().urlFor(db);
      const root = projectWith([
        ['a1000000', 'op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))'],
        [
          'b2000000',
          `try:\n    op.add_column("token", sa.Column("x", sa.Integer()))\nexcept sa.exc.${caught}:\n    pass`,
        ],
      ]);
      expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
      const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
      const f = out.result.findings.find((x) => x.code === 'schema-object-missing');
      const real = exampleAlembic(root, url, 'upgrade', 'head');
      if (blocks) {
        // 1146 reaches SQLAlchemy as ProgrammingError: `except OperationalError` lets it through
        expect(real.error).toMatch(/ProgrammingError.*1146/u);
        expect([f?.severity, f?.alembicError, out.exitCode]).toEqual(['error', real.error, 1]);
        expect(maria().exec(`SELECT version_num FROM ${db}.alembic_version`)).toEqual([['a1000000']]);
      } else {
        expect([f?.severity, out.exitCode, real.status]).toEqual(['warning', 0, 0]);
        expect(maria().exec(`SELECT version_num FROM ${db}.alembic_version`)).toEqual([['b2000000']]);
      }
    }
  }, 90_000);

  it('a server running read_only: verify blocks with the error real Alembic then prints', async () => {
    maria().exec(
      "CREATE DATABASE ro; CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'app-pw'; GRANT ALL ON ro.* TO 'app'@'127.0.0.1'",
    );
    const root = exampleCopy();
    const url = `mysql+pymysql://app:app-pw@127.0.0.1:${maria().port}/ro`;
    maria().exec('SET GLOBAL read_only = 1');
    try {
      const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
      const f = out.result.findings.find((x) => x.code === 'database-not-writable')!;
      const real = exampleAlembic(root, url, 'upgrade', 'head');
      expect(real.status).not.toBe(0);
      expect(f.alembicError).toBe(real.error);
      expect(out.exitCode).toBe(1);
    } finally {
      maria().exec('SET GLOBAL read_only = 0');
    }
    // the server's own users, with SUPER, may write: not a finding for them
    const admin = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: maria().urlFor('ro') },
    });
    expect(admin.result.findings.map((x) => x.code)).not.toContain('database-not-writable');
  }, 60_000);

  it("a user without INSERT on the version table: predicted with MariaDB's 1142, after the migration's DDL stays", async () => {
    maria().exec(
      "CREATE DATABASE grants; CREATE USER 'ddl'@'127.0.0.1' IDENTIFIED BY 'ddl-pw'; GRANT SELECT, CREATE, ALTER, INDEX, DROP, REFERENCES ON grants.* TO 'ddl'@'127.0.0.1'",
    );
    const root = exampleCopy();
    const url = `mysql+pymysql://ddl:ddl-pw@127.0.0.1:${maria().port}/grants`;
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    const f = out.result.findings.find((x) => x.code === 'database-not-writable')!;
    expect(f.message).toContain('this user has no INSERT privilege on grants.alembic_version');
    expect(out.exitCode).toBe(1);
    const real = exampleAlembic(root, url, 'upgrade', 'head');
    expect(f.alembicError).toBe(real.error);
    // as predicted: the first migration's table is there, the version table empty
    expect(maria().exec('SHOW TABLES FROM grants')).toEqual([['alembic_version'], ['users']]);
    expect(maria().exec('SELECT COUNT(*) FROM grants.alembic_version')).toEqual([['0']]);
    // without CREATE it fails before anything runs
    maria().exec(
      "CREATE DATABASE nocreate; GRANT SELECT, INSERT, UPDATE, DELETE ON nocreate.* TO 'ddl'@'127.0.0.1'",
    );
    const none = `mysql+pymysql://ddl:ddl-pw@127.0.0.1:${maria().port}/nocreate`;
    const g = (
      await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: none } })
    ).result.findings.find((x) => x.code === 'database-not-writable')!;
    expect(g.alembicError).toBe(exampleAlembic(root, none, 'upgrade', 'head').error);
    expect(maria().exec('SHOW TABLES FROM nocreate')).toEqual([]);
  }, 60_000);
});
