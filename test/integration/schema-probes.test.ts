import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { backfillCommand } from '../../src/commands/backfill/backfill-command.js';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import { exampleAlembic } from '../helpers/example-db.js';
import { pgExec } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { PROBE_APP, projectWith, revisionFile } from '../helpers/probe-app.js';

/**
 * The schema probes against real Alembic: the probe app migrated by Alembic, the database then
 * changed by hand, and each verdict held to what `alembic upgrade head` really does next.
 */
interface Db {
  url: string;
  exec(sql: string): Promise<void>;
}

async function verify(root: string, db: Db) {
  const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: db.url } });
  const codes = out.result.findings.map((f) => f.code);
  const blocking = out.result.findings.find((f) => f.severity === 'error' && f.alembicError !== undefined);
  return { out, codes, blocking, find: (code: string) => out.result.findings.find((f) => f.code === code) };
}

/** Real `alembic upgrade head` next: it fails exactly where the verdict said, or succeeds where it said OK. */
function agreesWithAlembic(
  root: string,
  db: Db,
  v: Awaited<ReturnType<typeof verify>>,
  expectFailure: boolean,
): void {
  const real = exampleAlembic(root, db.url, 'upgrade', 'head');
  if (!expectFailure) {
    expect(v.out.exitCode).toBe(0);
    expect(real.status, real.error).toBe(0);
    return;
  }
  expect(v.out.exitCode).toBe(1);
  expect(real.status).not.toBe(0);
  if (v.blocking) expect(v.blocking.alembicError).toBe(real.error);
}

function suite(name: string, open: () => Promise<Db>, postgres: boolean): void {
  describe(name, () => {
    const migrated = async (to: string): Promise<{ root: string; db: Db }> => {
      const db = await open();
      const root = projectWith(PROBE_APP);
      if (!postgres) db.url = `sqlite:///${path.join(root, 'app.db')}`;
      const r = exampleAlembic(root, db.url, 'upgrade', to);
      expect(r.status, r.error).toBe(0);
      return { root, db };
    };

    it('a healthy database: the probes agree, and say how much they compared', async () => {
      const { root, db } = await migrated('head');
      const v = await verify(root, db);
      // users, its two columns and index, the column and index dropped since, sessions and its two
      // columns, audit and its two columns; PostgreSQL adds audit's enum type
      expect(v.out.stdout).toContain(
        `schema probes: the database agrees (${postgres ? 13 : 12} objects checked, 0 unknown)`,
      );
      expect(v.codes.filter((c) => c.startsWith('schema-'))).toEqual([]);
      agreesWithAlembic(root, db, v, false);
    }, 60_000);

    it('stamped back to b2000000 over the schema of head: blocks where Alembic fails', async () => {
      const { root, db } = await migrated('head');
      expect(exampleAlembic(root, db.url, 'stamp', 'b2000000').status).toBe(0);
      const v = await verify(root, db);
      // c3000000's first step drops a column that is gone already: SQLite's batch copy fails on it
      // (a KeyError), PostgreSQL's ALTER TABLE with UndefinedColumn
      expect(v.find('schema-object-missing')?.message).toContain(
        'The pending migration c3000000 (migrations/versions/c3000000_step.py:17) drops the column users.nickname',
      );
      if (postgres)
        expect(v.blocking?.alembicError).toBe(
          'sqlalchemy.exc.ProgrammingError: (psycopg2.errors.UndefinedColumn) column "nickname" of relation "users" does not exist',
        );
      agreesWithAlembic(root, db, v, true);
    }, 60_000);

    it('a column (and its index) dropped by hand: a warning that names both; Alembic has nothing to run', async () => {
      const { root, db } = await migrated('head');
      await db.exec(
        postgres
          ? 'ALTER TABLE users DROP COLUMN email'
          : 'DROP INDEX ix_users_email; ALTER TABLE users DROP COLUMN email',
      );
      const v = await verify(root, db);
      const f = v.find('schema-behind-stamp')!;
      expect(f.revision).toBe('a1000000');
      expect(f.message).toContain(
        'the column users.email, the index ix_users_email it creates are not in the database',
      );
      expect(v.out.stdout).toContain('schema probes: 2 objects differ (schema-behind-stamp)');
      agreesWithAlembic(root, db, v, false);
    }, 60_000);

    it('an index the pending migration drops was dropped by hand: blocks on "does not exist"', async () => {
      const { root, db } = await migrated('b2000000');
      await db.exec('DROP INDEX ix_sessions_user');
      const v = await verify(root, db);
      const f = v.find('schema-object-missing')!;
      expect(f.revision).toBe('c3000000');
      expect(f.message).toContain('drops the index ix_sessions_user, which is not in the database');
      expect(f.message).toContain('b2000000 (migrations/versions/b2000000_step.py:');
      expect(v.find('schema-behind-stamp')?.message).toContain(
        'the index ix_sessions_user it creates is not in the database',
      );
      agreesWithAlembic(root, db, v, true);
    }, 60_000);

    it('a column the pending migration adds was added by hand: blocks on "already exists"', async () => {
      const { root, db } = await migrated('a1000000');
      await db.exec('ALTER TABLE users ADD COLUMN nickname VARCHAR(50)');
      const v = await verify(root, db);
      if (postgres)
        expect(v.find('schema-ahead-of-stamp')?.message).toContain(
          'the column users.nickname, which the pending migration b2000000 creates',
        );
      // on SQLite a run of b2000000 that stopped after its first step leaves the same schema: said so
      else
        expect(v.find('migration-partly-applied')?.evidence?.map((e) => e.text)).toEqual([
          'There: creates the column users.nickname (line 16).',
          'Not there: creates the table sessions (line 17); creates the index ix_sessions_user (line 22).',
        ]);
      agreesWithAlembic(root, db, v, true);
    }, 60_000);

    it('a row no file defines: the finding names the revision whose schema the catalog matches', async () => {
      const { root, db } = await migrated('head');
      await db.exec("UPDATE alembic_version SET version_num = 'guest_lockout_001'");
      const v = await verify(root, db);
      const f = v.find('stamped-revision-missing');
      const n = postgres ? 13 : 12;
      expect(f?.evidence?.find((e) => e.label === 'schema')?.text).toMatch(
        new RegExp(
          `^The database has exactly what the migrations up to c3000000 leave: all ${n} objects they name are as they leave them \\([1-9]\\d* there, \\d+ absent\\); the next closest is up to b2000000, with `,
          'u',
        ),
      );
      // the evidence names the parent, so the fix is the one command with it filled in
      expect(f?.fix).toBe('alembic-preflight backfill --after c3000000 --rewire --write');
    }, 60_000);

    it('a row no file defines on a database with none of the tables: nothing is claimed, nothing ranked', async () => {
      const { root, db } = await migrated('base');
      await db.exec("INSERT INTO alembic_version (version_num) VALUES ('guest_lockout_001')");
      const v = await verify(root, db);
      const f = v.find('stamped-revision-missing');
      expect(f?.evidence?.find((e) => e.label === 'schema')?.text).toBe(
        'Nothing could be compared: the database has none of the objects the migrations create.',
      );
      expect(f?.message).not.toMatch(/agree|matches|closest/u);
      expect(f?.fix).toBe('alembic-preflight backfill  # lists where the placeholder could go');
      expect(v.out.stdout).not.toMatch(/agree/u);
      const listed = await backfillCommand({ cwd: root, format: 'text', env: { DATABASE_URL: db.url } });
      expect(listed.stdout).toContain(
        'The schema cannot tell: the database has none of the objects the migrations create, so nothing could be compared.',
      );
      expect(listed.stdout).not.toMatch(/objects they name are as they leave them/u);
      expect(listed.stdout).toContain('--after <REV>');
    }, 60_000);

    it('--no-schema-probes reads no catalog and claims nothing', async () => {
      const { root, db } = await migrated('a1000000');
      await db.exec('ALTER TABLE users ADD COLUMN nickname VARCHAR(50)');
      const out = await verifyCommand({
        cwd: root,
        format: 'text',
        env: { DATABASE_URL: db.url },
        schemaProbes: false,
      });
      expect(out.result.database?.schema).toBeUndefined();
      expect(out.stdout).not.toContain('Schema probes');
    }, 60_000);
  });
}

suite(
  'schema probes on SQLite, against real Alembic',
  async () => {
    const db: Db = {
      url: '',
      async exec(sql) {
        const conn = new Database(db.url.slice('sqlite:///'.length));
        conn.exec(sql);
        conn.close();
      },
    };
    return db;
  },
  false,
);

describe('PostgreSQL', () => {
  const pg = postgresForSuite();
  let n = 0;
  suite(
    'schema probes on PostgreSQL, against real Alembic',
    async () => {
      const name = `probes_${++n}`;
      await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]);
      const url = pg().urlFor(name);
      return { url, exec: async (sql: string) => void (await pgExec(url, sql)) };
    },
    true,
  );

  it('a type a downgrade left behind: the pending create_table fails on its enum, as Alembic does', async () => {
    const name = `probes_${++n}`;
    await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]);
    const db: Db = {
      url: pg().urlFor(name),
      exec: async (sql) => void (await pgExec(pg().urlFor(name), sql)),
    };
    const root = projectWith(PROBE_APP);
    expect(exampleAlembic(root, db.url, 'upgrade', 'b2000000').status).toBe(0);
    await db.exec("CREATE TYPE audit_kind AS ENUM ('login', 'logout')");
    const v = await verify(root, db);
    expect(v.find('schema-ahead-of-stamp')?.message).toContain(
      'the type audit_kind, which the pending migration c3000000 creates',
    );
    agreesWithAlembic(root, db, v, true);
  }, 60_000);
});

describe('schema probes and a decorated upgrade()', () => {
  it('a migration a decorator skips on SQLite is not held against a SQLite database (real Alembic skips it)', async () => {
    const root = projectWith([
      ['a1000000', 'op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))'],
    ]);
    const skip =
      'def skip_on_sqlite(fn):\n    def run():\n        if op.get_bind().dialect.name != "sqlite":\n            fn()\n    return run\n\n\n@skip_on_sqlite\ndef upgrade():';
    const decorated = revisionFile(
      'b2000000',
      'a1000000',
      'op.create_table("pg_only", sa.Column("id", sa.Integer(), primary_key=True))',
    ).replace('def upgrade():', skip);
    expect(decorated).toContain('@skip_on_sqlite\ndef upgrade():\n    op.create_table("pg_only"');
    writeFileSync(path.join(root, 'migrations', 'versions', 'b2000000_step.py'), decorated);
    const url = `sqlite:///${path.join(root, 'app.db')}`;
    const real = exampleAlembic(root, url, 'upgrade', 'head');
    expect(real.status, real.error).toBe(0);
    const tables = new Database(path.join(root, 'app.db'), { readonly: true });
    expect(tables.prepare("SELECT name FROM sqlite_master WHERE name = 'pg_only'").all()).toEqual([]);
    tables.close();
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    expect(out.result.findings.map((f) => f.code)).not.toContain('schema-behind-stamp');
    expect(out.exitCode).toBe(0);
  }, 60_000);
});
