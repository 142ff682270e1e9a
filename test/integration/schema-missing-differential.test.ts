import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import { exampleAlembic } from '../helpers/example-db.js';
import { pgExec } from '../helpers/pg-cluster.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { projectWith } from '../helpers/probe-app.js';

/**
 * Every kind of pending step on a table the database lacks (stamped past the revision that makes it,
 * or dropped by hand since): verify blocks with schema-object-missing, every output agrees on it (exit
 * code, JSON ok, prediction.willSucceed, the quoted line), and real Alembic then fails with that line,
 * leaving the version table where it was. The same steps on the table as it should be pass, and so
 * does Alembic.
 */
const MAKES_NOTE =
  'op.create_table("note", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("body", sa.Text()), sa.Column("tag", sa.String(20)))';

const STEPS: readonly { what: string; step: string; sqlite?: false }[] = [
  { what: 'add_column', step: 'op.add_column("note", sa.Column("extra", sa.Integer()))' },
  { what: 'create_index', step: 'op.create_index("ix_note_tag", "note", ["tag"])' },
  { what: 'alter_column (rename)', step: 'op.alter_column("note", "tag", new_column_name="label")' },
  { what: 'drop_column', step: 'op.drop_column("note", "tag")' },
  { what: 'rename_table', step: 'op.rename_table("note", "notes")' },
  { what: 'op.execute(UPDATE)', step: 'op.execute("UPDATE note SET tag = \'x\'")' },
  { what: 'op.execute(INSERT)', step: 'op.execute("INSERT INTO note (id) VALUES (1)")' },
  { what: 'drop_table', step: 'op.drop_table("note")' },
  {
    what: 'create_unique_constraint',
    step: 'op.create_unique_constraint("uq_note_tag", "note", ["tag"])',
    sqlite: false,
  },
  { what: 'alter_column (type)', step: 'op.alter_column("note", "tag", type_=sa.String(40))', sqlite: false },
];

function project(step: string): string {
  return projectWith([
    ['a1000000', MAKES_NOTE],
    ['b2000000', step],
  ]);
}

async function verified(root: string, url: string): Promise<Awaited<ReturnType<typeof verifyCommand>>> {
  return verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
}

function expectBlockedLike(
  out: Awaited<ReturnType<typeof verifyCommand>>,
  real: { status: number | null; error: string },
): void {
  const f = out.result.findings.find((x) => x.code === 'schema-object-missing');
  expect(f?.severity).toBe('error');
  expect(out.exitCode).toBe(1);
  const doc = out.document as { ok: boolean; prediction: { willSucceed: boolean; cliOutput: string | null } };
  expect(doc.ok).toBe(false);
  expect(doc.prediction.willSucceed).toBe(false);
  expect(real.status).not.toBe(0);
  // the line quoted is the one real Alembic ends with, where the server's wording is known
  if (f?.alembicError !== undefined) expect(f.alembicError).toBe(real.error);
  expect(doc.prediction.cliOutput).toBe(f?.alembicError ?? null);
}

describe('a pending step on a table the database lacks (SQLite, against real Alembic)', () => {
  const url = 'sqlite:///app.db';
  it.each(STEPS.filter((s) => s.sqlite !== false))(
    '$what: blocked, and Alembic fails as said',
    async ({ step }) => {
      const root = project(step);
      expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
      const db = new Database(path.join(root, 'app.db'));
      db.exec('DROP TABLE note');
      db.close();
      const out = await verified(root, url);
      const real = exampleAlembic(root, url, 'upgrade', 'head');
      expectBlockedLike(out, real);
      const after = new Database(path.join(root, 'app.db'));
      expect(after.prepare('SELECT version_num FROM alembic_version').all()).toEqual([
        { version_num: 'a1000000' },
      ]);
      after.close();
    },
    60_000,
  );

  it.each(STEPS.filter((s) => s.sqlite !== false))(
    '$what on the table as it should be: no finding, and Alembic succeeds',
    async ({ step }) => {
      const root = project(step);
      expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
      const out = await verified(root, url);
      expect(out.result.findings.map((f) => f.code)).not.toContain('schema-object-missing');
      expect((out.document as { prediction: { willSucceed: boolean } }).prediction.willSucceed).toBe(true);
      expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    },
    60_000,
  );

  it('a step under if: "may fail", a warning that blocks nothing; the step then fails where it runs', async () => {
    const root = project(
      'if op.get_bind().dialect.name == "sqlite":\n    op.add_column("note", sa.Column("extra", sa.Integer()))',
    );
    expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
    const db = new Database(path.join(root, 'app.db'));
    db.exec('DROP TABLE note');
    db.close();
    const out = await verified(root, url);
    const f = out.result.findings.find((x) => x.code === 'schema-object-missing')!;
    expect(f.severity).toBe('warning');
    expect(f.title).toBe('pending b2000000 may fail: the database lacks the table note');
    expect(out.exitCode).toBe(0);
    expect(exampleAlembic(root, url, 'upgrade', 'head').error).toContain('no such table: note');
  }, 60_000);
});

describe('a pending step on a table the database lacks (PostgreSQL, against real Alembic)', () => {
  const pg = postgresForSuite();
  let n = 0;
  it.each(STEPS)(
    '$what: blocked, and Alembic fails as said',
    async ({ step }) => {
      const name = `missing_${++n}`;
      await pgExec(pg().url, [`CREATE DATABASE ${name}`]);
      const url = pg().urlFor(name);
      const root = project(step);
      expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
      await pgExec(url, 'DROP TABLE note');
      const out = await verified(root, url);
      const real = exampleAlembic(root, url, 'upgrade', 'head');
      expectBlockedLike(out, real);
      expect(await pgExec(url, 'SELECT version_num FROM alembic_version')).toEqual([['a1000000']]);
    },
    60_000,
  );

  it.each(STEPS)(
    '$what on the table as it should be: no finding, and Alembic succeeds',
    async ({ step }) => {
      const name = `present_${++n}`;
      await pgExec(pg().url, [`CREATE DATABASE ${name}`]);
      const url = pg().urlFor(name);
      const root = project(step);
      expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
      const out = await verified(root, url);
      expect(out.result.findings.map((f) => f.code)).not.toContain('schema-object-missing');
      expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    },
    60_000,
  );
});

describe('an UPDATE of a column a later step adds (against real Alembic)', () => {
  const pg = postgresForSuite();
  const UPDATE = 'op.execute("UPDATE note SET extra = 1, tag = \'x\' WHERE id > 0")';
  const ADD = 'op.add_column("note", sa.Column("extra", sa.Integer()))';
  const databases = [
    { name: 'SQLite', url: async (): Promise<string> => 'sqlite:///app.db' },
    {
      name: 'PostgreSQL',
      url: async (): Promise<string> => {
        const db = `update_before_add_${Math.random().toString(36).slice(2, 8)}`;
        await pgExec(pg().url, [`CREATE DATABASE ${db}`]);
        return pg().urlFor(db);
      },
    },
  ];
  it.each(databases)(
    '$name: blocked before the column exists; the add_column first passes',
    async ({ url: make }) => {
      for (const [order, fails] of [
        [`${UPDATE}\n${ADD}`, true],
        [`${ADD}\n${UPDATE}`, false],
      ] as const) {
        const url = await make();
        const root = project(order);
        expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
        const out = await verified(root, url);
        const real = exampleAlembic(root, url, 'upgrade', 'head');
        if (fails) {
          expectBlockedLike(out, real);
          expect(out.result.findings.find((f) => f.code === 'schema-object-missing')?.message).toMatch(
            /\bextra\b/u,
          );
        } else {
          expect(out.result.findings.map((f) => f.code)).not.toContain('schema-object-missing');
          expect(out.exitCode).toBe(0);
          expect(real.status).toBe(0);
        }
      }
    },
    120_000,
  );
});
