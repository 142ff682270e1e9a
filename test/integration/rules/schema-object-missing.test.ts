import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { exampleAlembic } from '../../helpers/example-db.js';
import { pgExec } from '../../helpers/pg-cluster.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';
import { projectWith } from '../../helpers/probe-app.js';

/** users with a nickname column, then a revision that drops it. */
const DROPS_NICKNAME: readonly (readonly [string, string])[] = [
  [
    'a1000000',
    'op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("nickname", sa.String(50)))',
  ],
  ['b2000000', 'op.drop_column("users", "nickname")'],
];

describe('schema-object-missing', () => {
  it('SQLite: the column the pending migration drops is gone already; real Alembic fails there', async () => {
    const root = projectWith(DROPS_NICKNAME);
    const url = 'sqlite:///app.db';
    expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
    // the column dropped by hand, as a hotfix would
    expect(exampleAlembic(root, url, 'upgrade', 'b2000000').status).toBe(0);
    expect(exampleAlembic(root, url, 'stamp', 'a1000000').status).toBe(0);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    const f = out.result.findings.find((x) => x.code === 'schema-object-missing')!;
    expect(f.severity).toBe('error');
    expect(f.message).toContain(
      'The pending migration b2000000 (migrations/versions/b2000000_step.py:16) drops the column users.nickname, which is not in the database',
    );
    expect(out.exitCode).toBe(1);
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).not.toBe(0);
  }, 60_000);

  it('stays quiet when the column is there', async () => {
    const root = projectWith(DROPS_NICKNAME);
    const url = 'sqlite:///app.db';
    expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    expect(out.result.findings.map((x) => x.code)).not.toContain('schema-object-missing');
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
  }, 60_000);

  it.each([
    ['alter_column', 'b.alter_column("code", nullable=True)', true],
    ['drop_column', 'b.drop_column("code")', true],
    ['add_column', 'b.add_column(sa.Column("extra", sa.Integer()))', false],
    ['create_index', 'b.create_index("ix_attribute_code", ["code"])', false],
  ])(
    'SQLite: a batch on a table that is gone quotes NoSuchTableError where the batch copies it (%s)',
    async (_op, step, copies) => {
      const root = projectWith([
        [
          'a1000000',
          'op.create_table("attribute", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("code", sa.String(10)))',
        ],
        ['b2000000', `with op.batch_alter_table("attribute") as b:\n        ${step}`],
      ]);
      const url = 'sqlite:///app.db';
      expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
      // the table dropped by hand
      const db = new Database(path.join(root, 'app.db'));
      db.exec('DROP TABLE attribute');
      db.close();
      const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
      const f = out.result.findings.find((x) => x.code === 'schema-object-missing')!;
      const real = exampleAlembic(root, url, 'upgrade', 'head');
      expect(real.status).not.toBe(0);
      if (copies) {
        expect(real.error).toBe('sqlalchemy.exc.NoSuchTableError: attribute');
        expect(f.alembicError).toBe(real.error);
      } else {
        // whether this batch copies the table depends on the rest of its block: no quote, and no guess
        expect(real.error).toMatch(/no such table: (main\.)?attribute$/u);
        expect(f.alembicError).toBeUndefined();
        expect(f.message).toContain(
          'which is not in the database: `alembic upgrade head` will fail there (its exact error depends on what else the batch block does: not quoted)',
        );
      }
    },
    60_000,
  );

  it.each([
    // SQLite raises OperationalError: an except for another class lets it through, the upgrade stops
    ['sa.exc.ProgrammingError', 'blocks'],
    ['(IntegrityError, KeyError)', 'blocks'],
    ['ProgrammingError as e', 'blocks'],
    // controls: caught, or a class this reading does not know (it may catch it): a warning, exit 0
    ['sa.exc.OperationalError', 'passes'],
    ['Exception', 'passes'],
    ['', 'passes'],
    ['AppError', 'unknown'],
  ])(
    'SQLite: a step in a try body whose except does not catch OperationalError fails the upgrade (except %s)',
    async (caught, expected) => {
      const body = [
        'try:',
        '    op.add_column("token", sa.Column("x", sa.Integer()))',
        `except ${caught}:`,
        '    pass',
        'op.create_table("other", sa.Column("id", sa.Integer(), primary_key=True))',
      ].join('\n');
      const root = projectWith([
        ['a1000000', 'op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))'],
        [
          'b2000000',
          `from sqlalchemy.exc import IntegrityError, ProgrammingError\n\nclass AppError(Exception):\n    pass\n\n${body}`,
        ],
      ]);
      const url = 'sqlite:///app.db';
      expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
      const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
      const f = out.result.findings.find((x) => x.code === 'schema-object-missing');
      const real = exampleAlembic(root, url, 'upgrade', 'head');
      if (expected === 'blocks') {
        expect(real.error).toBe(
          'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such table: token',
        );
        expect([f?.severity, f?.alembicError, out.exitCode]).toEqual(['error', real.error, 1]);
        return;
      }
      // a warning: the step may fail, and whether the except catches it is not known for certain here
      expect([f?.severity, out.exitCode]).toEqual(['warning', 0]);
      expect(real.status).toBe(expected === 'passes' ? 0 : 1);
    },
    60_000,
  );

  describe('PostgreSQL', () => {
    const pg = postgresForSuite();
    it('the exception line is the one real Alembic prints', async () => {
      await pgExec(pg().url, ['DROP DATABASE IF EXISTS probe_missing', 'CREATE DATABASE probe_missing']);
      const url = pg().urlFor('probe_missing');
      const root = projectWith(DROPS_NICKNAME);
      expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
      await pgExec(url, 'ALTER TABLE users DROP COLUMN nickname');
      const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
      const f = out.result.findings.find((x) => x.code === 'schema-object-missing')!;
      const real = exampleAlembic(root, url, 'upgrade', 'head');
      expect(real.status).not.toBe(0);
      expect(f.alembicError).toBe(real.error);
      // a1000000 creates it and is recorded as applied
      expect(f.message).toContain(
        'a1000000 (migrations/versions/a1000000_step.py:16) creates it and is recorded as applied',
      );
      expect(f.hint).toContain('alembic stamp base, then alembic upgrade head');
    }, 60_000);

    it.each([
      ['a constraint', 'op.drop_constraint("uq_attribute_code", "attribute", type_="unique")'],
      ['a column', 'op.drop_column("attribute", "code")'],
    ])(
      '%s of a table that is gone: the line quoted is the missing table, as PostgreSQL reports it first',
      async (_what, step) => {
        const name = `probe_gone_${_what.length}`;
        await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`]);
        const url = pg().urlFor(name);
        const root = projectWith([
          [
            'a1000000',
            'op.create_table("attribute", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("code", sa.String(10)), sa.UniqueConstraint("code", name="uq_attribute_code"))',
          ],
          ['b2000000', step],
        ]);
        expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
        await pgExec(url, 'DROP TABLE attribute');
        const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
        const f = out.result.findings.find((x) => x.code === 'schema-object-missing')!;
        const real = exampleAlembic(root, url, 'upgrade', 'head');
        expect(real.status).not.toBe(0);
        expect(real.error).toContain('relation "attribute" does not exist');
        expect(f.alembicError).toBe(real.error);
      },
      60_000,
    );

    /** A fresh database taken through `revisions` by verify's prediction and by real Alembic. */
    async function fromEmpty(db: string, revisions: readonly (readonly [string, string])[]) {
      await pgExec(pg().url, [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`]);
      const url = pg().urlFor(db);
      const root = projectWith(revisions);
      const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
      return { out, real: exampleAlembic(root, url, 'upgrade', 'head') };
    }
    const PARENT = 'op.create_table("parent", sa.Column("id", sa.Integer(), primary_key=True))';

    it('a constraint the server named in the same run (child_code_key, forward_email_parent_id_fkey after a rename) is no block: real Alembic drops it', async () => {
      for (const [db, revisions] of [
        [
          'probe_implicit_unique',
          [
            [
              'a1000000',
              `${PARENT}\nop.create_table("child", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("code", sa.String(10)), sa.UniqueConstraint("code"))`,
            ],
            ['b2000000', 'op.drop_constraint("child_code_key", "child", type_="unique")'],
          ],
        ],
        [
          'probe_implicit_fkey',
          [
            [
              'a1000000',
              `${PARENT}\nop.create_table("forward_email", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("parent_id", sa.Integer(), sa.ForeignKey("parent.id")))`,
            ],
            ['b2000000', 'op.rename_table("forward_email", "contact")'],
            ['c3000000', 'op.drop_constraint("forward_email_parent_id_fkey", "contact", type_="foreignkey")'],
          ],
        ],
      ] as const) {
        const { out, real } = await fromEmpty(db, revisions);
        expect(real.status, real.error).toBe(0);
        expect(out.result.findings.map((x) => x.code)).not.toContain('schema-object-missing');
        expect(out.exitCode).toBe(0);
      }
    }, 90_000);

    it("a step in a try body whose except catches the error: PostgreSQL's aborted transaction fails the upgrade, as real Alembic does", async () => {
      const tried = (step: string): string =>
        `try:\n    ${step}\nexcept sa.exc.ProgrammingError:\n    print("skipped")\nop.create_table("other", sa.Column("id", sa.Integer(), primary_key=True))`;
      const addToMissing = 'op.add_column("token", sa.Column("x", sa.Integer()))';
      const { out, real } = await fromEmpty('probe_caught', [['a1000000', tried(addToMissing)]]);
      expect(real.status).not.toBe(0);
      expect(real.error).toMatch(/InFailedSqlTransaction\) current transaction is aborted/u);
      expect(out.exitCode).toBe(1);
      const f = out.result.findings.find((x) => x.code === 'schema-object-missing')!;
      expect([f.severity, f.alembicError]).toEqual(['error', real.error]);
      // controls: outside the transaction (autocommit_block), or under a savepoint, the except carries on
      for (const [db, body] of [
        [
          'probe_caught_autocommit',
          `with op.get_context().autocommit_block():\n    ${tried(addToMissing).replace(/\n/gu, '\n    ')}`,
        ],
        ['probe_caught_savepoint', tried(`with op.get_bind().begin_nested():\n        ${addToMissing}`)],
      ] as const) {
        const control = await fromEmpty(db, [['a1000000', body]]);
        expect(control.real.status, `${db}: ${control.real.error}`).toBe(0);
        expect(control.out.exitCode, db).toBe(0);
      }
    }, 90_000);

    it('control: where every constraint is named, one the same run never made still blocks, as real Alembic fails', async () => {
      const { out, real } = await fromEmpty('probe_never_made', [
        [
          'a1000000',
          `${PARENT}\nop.create_table("child", sa.Column("id", sa.Integer()), sa.Column("code", sa.String(10)), sa.UniqueConstraint("code", name="uq_child_code"))`,
        ],
        ['b2000000', 'op.drop_constraint("uq_other", "child", type_="unique")'],
      ]);
      expect(real.status).not.toBe(0);
      expect(out.exitCode).toBe(1);
      expect(out.result.findings.find((x) => x.code === 'schema-object-missing')?.alembicError).toBe(
        real.error,
      );
    }, 60_000);
  });
});
