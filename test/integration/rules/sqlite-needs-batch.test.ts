import Database from 'better-sqlite3';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { exampleAlembic } from '../../helpers/example-db.js';
import { projectWith } from '../../helpers/probe-app.js';
import { PYTHON } from '../../helpers/oracle.js';
import { tempDir } from '../../helpers/temp-dir.js';

const MAKES_NOTE =
  'op.create_table("note", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("tag", sa.String(20)))';

// a primary key, a UNIQUE column, an indexed column and a plain one
const MAKES_WIDE_NOTE =
  'op.create_table("note", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("tag", sa.String(20)), sa.Column("code", sa.String(10), unique=True), sa.Column("extra", sa.Integer()))\nop.create_index("ix_note_tag", "note", ["tag"])';

function pending(step: string, first = MAKES_NOTE): string {
  return projectWith([
    ['a1000000', first],
    ['b2000000', step],
  ]);
}

describe('sqlite-needs-batch, against real Alembic on SQLite', () => {
  const url = 'sqlite:///app.db';
  it.each([
    ['a type change', 'op.alter_column("note", "tag", type_=sa.String(40))', MAKES_NOTE],
    [
      'a nullability change',
      'op.alter_column("note", "tag", existing_type=sa.String(20), nullable=False)',
      MAKES_NOTE,
    ],
    ['a constraint added', 'op.create_unique_constraint("uq_note_tag", "note", ["tag"])', MAKES_NOTE],
    [
      'a foreign key added',
      'op.create_foreign_key("fk_note_self", "note", "note", ["id"], ["id"])',
      MAKES_NOTE,
    ],
    [
      'an unnamed foreign key added (the form autogenerate writes)',
      'op.create_foreign_key(None, "note", "note", ["id"], ["id"])',
      MAKES_NOTE,
    ],
    ['an unnamed unique constraint added', 'op.create_unique_constraint(None, "note", ["tag"])', MAKES_NOTE],
    [
      'an unnamed foreign key in batch mode, env.py passing no target_metadata to name it',
      'with op.batch_alter_table("note") as b:\n    b.create_foreign_key(None, "note", ["id"], ["id"])',
      MAKES_NOTE,
    ],
    ['a primary key column dropped', 'op.drop_column("note", "id")', MAKES_WIDE_NOTE],
    ['a UNIQUE column dropped', 'op.drop_column("note", "code")', MAKES_WIDE_NOTE],
    ['an indexed column dropped', 'op.drop_column("note", "tag")', MAKES_WIDE_NOTE],
    [
      'a column declared UNIQUE in hand-written SQL, dropped',
      'op.drop_column("note", "code")',
      'op.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, code TEXT UNIQUE)")',
    ],
  ])(
    '%s outside batch_alter_table: blocked with the line Alembic ends with',
    async (_what, step, first) => {
      const root = pending(step, first);
      expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
      const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
      const f = out.result.findings.find((x) => x.code === 'sqlite-needs-batch')!;
      expect(f.severity).toBe('error');
      expect(f.path).toBe('migrations/versions/b2000000_step.py');
      expect(out.exitCode).toBe(1);
      const doc = out.document as { ok: boolean; prediction: { willSucceed: boolean; cliOutput: string } };
      expect(doc.ok).toBe(false);
      expect(doc.prediction.willSucceed).toBe(false);
      const real = exampleAlembic(root, url, 'upgrade', 'head');
      expect(real.status).not.toBe(0);
      expect(f.alembicError).toBe(real.error);
      expect(doc.prediction.cliOutput).toBe(real.error);
      const db = new Database(path.join(root, 'app.db'));
      expect(db.prepare('SELECT version_num FROM alembic_version').all()).toEqual([
        { version_num: 'a1000000' },
      ]);
      db.close();
    },
    60_000,
  );

  it.each([
    [
      'a type change in batch mode',
      'with op.batch_alter_table("note") as b:\n    b.alter_column("tag", type_=sa.String(40))',
    ],
    ['a rename only', 'op.alter_column("note", "tag", new_column_name="label")'],
    [
      'a step only PostgreSQL runs',
      'if op.get_bind().dialect.name == "postgresql":\n    op.alter_column("note", "tag", type_=sa.String(40))',
    ],
    ['a plain column dropped', 'op.drop_column("note", "extra")', MAKES_WIDE_NOTE],
    [
      'an indexed column dropped in batch mode',
      'op.drop_index("ix_note_tag", table_name="note")\nwith op.batch_alter_table("note") as b:\n    b.drop_column("tag")',
      MAKES_WIDE_NOTE,
    ],
  ])(
    '%s: no finding, and Alembic succeeds',
    async (_what, step, first?: string) => {
      const root = pending(step, first);
      expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
      const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
      expect(out.result.findings.map((x) => x.code)).not.toContain('sqlite-needs-batch');
      expect(out.exitCode).toBe(0);
      expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
    },
    60_000,
  );
});

describe('sqlite-needs-batch: an unnamed constraint in batch mode', () => {
  it("passes where env.py's target_metadata has a naming convention to name it, as Alembic does", async () => {
    const root = pending(
      'with op.batch_alter_table("note") as b:\n    b.create_foreign_key(None, "note", ["id"], ["id"])',
    );
    const env = path.join(root, 'migrations', 'env.py');
    writeFileSync(
      env,
      readFileSync(env, 'utf8').replace(
        'target_metadata = None',
        'import sqlalchemy as sa\ntarget_metadata = sa.MetaData(naming_convention={"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"})',
      ),
    );
    const url = 'sqlite:///app.db';
    expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
    const out = await verifyCommand({ cwd: root, format: 'json', env: { DATABASE_URL: url } });
    expect(out.result.findings.map((x) => x.code)).not.toContain('sqlite-needs-batch');
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
  }, 60_000);
});

describe("sqlite-needs-batch: DROP COLUMN by the app's SQLite version", () => {
  const url = 'sqlite:///app.db';
  // Heroku-20's Python links SQLite 3.31, which has no DROP COLUMN. No such SQLite can be installed here,
  // so an interpreter named by `alembic`'s shebang stands in for that Python: it answers the one question
  // the tool asks it (sqlite3.sqlite_version) as 3.31.1 would. The real Python here (3.40) is the control.
  function oldSqlitePython(): string {
    const bin = tempDir('preflight-old-sqlite-');
    const python = path.join(bin, 'python3.8');
    writeFileSync(
      python,
      `#!/bin/sh\ncase "$*" in *sqlite_version*) echo 3.31.1; exit 0;; esac\nexec ${PYTHON} "$@"\n`,
    );
    chmodSync(python, 0o755);
    writeFileSync(path.join(bin, 'alembic'), `#!${python}\nimport sys\n`);
    chmodSync(path.join(bin, 'alembic'), 0o755);
    return bin;
  }

  it('a plain column dropped outside batch mode: blocked on SQLite 3.31, not on the SQLite this Python links', async () => {
    const root = pending('op.drop_column("note", "extra")', MAKES_WIDE_NOTE);
    expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
    const old = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: url, PATH: `${oldSqlitePython()}:${process.env.PATH ?? ''}` },
    });
    const f = old.result.findings.find((x) => x.code === 'sqlite-needs-batch');
    expect(f?.message).toContain("which the app's SQLite 3.31.1 cannot drop (DROP COLUMN came in 3.35.0)");
    expect(f?.alembicError).toBe(
      'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) near "DROP": syntax error',
    );
    expect(old.exitCode).toBe(1);
    const current = await verifyCommand({
      cwd: root,
      format: 'json',
      env: { DATABASE_URL: url, PATH: process.env.PATH ?? '' },
    });
    expect(current.result.findings.map((x) => x.code)).not.toContain('sqlite-needs-batch');
    expect(current.exitCode).toBe(0);
    expect(exampleAlembic(root, url, 'upgrade', 'head').status).toBe(0);
  }, 60_000);
});
