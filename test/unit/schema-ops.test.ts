import { describe, expect, it } from 'vitest';
import { schemaOps, type SchemaOp } from '../../src/check/schema/schema-ops.js';
import { sqlOps } from '../../src/check/schema/sql-ops.js';
import { SchemaState } from '../../src/check/schema/schema-state.js';
import { revisionFile } from '../helpers/probe-app.js';
import { rng } from '../helpers/rng.js';

/** The steps of a revision whose upgrade() body is `body` (module-level `head` above it), without lines. */
function steps(body: string, head = ''): unknown[] {
  const text = revisionFile('a1', null, body).replace(
    'import sqlalchemy as sa\n',
    `import sqlalchemy as sa\n${head}\n`,
  );
  return schemaOps(text).map((op) => withoutLine(op));
}

/** A step without its line (and a forget's reason blanked): what the assertions compare. */
function withoutLine(op: SchemaOp): unknown {
  const copy: Record<string, unknown> = { ...op };
  delete copy.line;
  if ('why' in copy) copy.why = undefined;
  return copy;
}

const forgetAll = { op: 'forget', kind: null, table: null, name: null, why: undefined };

describe('schemaOps: what upgrade() certainly does', () => {
  it('create_table: the enum types it makes first, the table, its columns, named constraints and indexes', () => {
    expect(
      steps(
        [
          'op.create_table("users",',
          '    sa.Column("id", sa.Integer(), primary_key=True),',
          '    sa.Column("kind", sa.Enum("a", "b", name="user_kind")),',
          '    sa.Column("mood", postgresql.ENUM("x", name="mood", create_type=False)),',
          '    sa.UniqueConstraint("id", name="uq_users_id"),',
          '    sa.Index("ix_users_kind", "kind"),',
          ')',
        ].join('\n'),
      ),
    ).toEqual([
      { op: 'create', obj: { kind: 'type', name: 'user_kind' }, strict: true, once: true },
      { op: 'create', obj: { kind: 'table', name: 'users' }, strict: true },
      // the primary key's constraint is named by the server (users_pkey) or a naming convention
      { op: 'forget', kind: 'constraint', table: 'users', name: null },
      { op: 'create', obj: { kind: 'column', table: 'users', name: 'id' }, strict: false },
      { op: 'create', obj: { kind: 'column', table: 'users', name: 'kind' }, strict: false },
      { op: 'create', obj: { kind: 'column', table: 'users', name: 'mood' }, strict: false },
      { op: 'create', obj: { kind: 'constraint', table: 'users', name: 'uq_users_id' }, strict: false },
      { op: 'create', obj: { kind: 'index', name: 'ix_users_kind', table: 'users' }, strict: false },
    ]);
  });

  it('constraints the server names: create_table and add_column leave them unknown by name, named ones known', () => {
    const forgets = (body: string): number =>
      steps(body).filter(
        (o) =>
          JSON.stringify(o) === JSON.stringify({ op: 'forget', kind: 'constraint', table: 't', name: null }),
      ).length;
    expect(forgets('op.create_table("t", sa.Column("a", sa.Integer()), sa.UniqueConstraint("a"))')).toBe(1);
    expect(forgets('op.create_table("t", sa.Column("p", sa.Integer(), sa.ForeignKey("u.id")))')).toBe(1);
    expect(forgets('op.create_table("t", sa.Column("a", sa.Integer(), unique=True))')).toBe(1);
    expect(forgets('op.add_column("t", sa.Column("p", sa.Integer(), sa.ForeignKey("u.id")))')).toBe(1);
    // every constraint named, or none at all: nothing is left to the server
    expect(
      forgets(
        'op.create_table("t", sa.Column("a", sa.Integer(), primary_key=False), sa.UniqueConstraint("a", name="uq_a"))',
      ),
    ).toBe(0);
    expect(forgets('op.add_column("t", sa.Column("b", sa.Integer(), unique=False))')).toBe(0);
  });

  it('columns, indexes, constraints and renames, keyword arguments too', () => {
    expect(
      steps(
        [
          'op.add_column("users", sa.Column("email", sa.String(255)))',
          'op.create_index(op.f("ix_users_email"), "users", ["email"], unique=True)',
          'op.create_index("ix_maybe", "users", ["email"], if_not_exists=True)',
          'op.alter_column(table_name="users", column_name="email", new_column_name="mail")',
          'op.create_foreign_key("fk_s_u", "sessions", "users", ["user_id"], ["id"])',
          'op.drop_constraint("fk_s_u", "sessions", type_="foreignkey")',
          'op.drop_index("ix_users_email", table_name="users")',
          'op.rename_table("users", "accounts")',
          'op.drop_table("legacy")',
        ].join('\n'),
      ),
    ).toEqual([
      { op: 'create', obj: { kind: 'column', table: 'users', name: 'email' }, strict: true },
      { op: 'create', obj: { kind: 'index', name: 'ix_users_email', table: 'users' }, strict: true },
      { op: 'create', obj: { kind: 'index', name: 'ix_maybe', table: 'users' }, strict: false },
      { op: 'need', obj: { kind: 'column', table: 'users', name: 'email' } },
      { op: 'rename', obj: { kind: 'column', table: 'users', name: 'email' }, to: 'mail' },
      { op: 'create', obj: { kind: 'constraint', table: 'sessions', name: 'fk_s_u' }, strict: true },
      { op: 'drop', obj: { kind: 'constraint', table: 'sessions', name: 'fk_s_u' }, strict: true },
      { op: 'drop', obj: { kind: 'index', name: 'ix_users_email' }, strict: true },
      { op: 'rename', obj: { kind: 'table', name: 'users' }, to: 'accounts' },
      { op: 'drop', obj: { kind: 'table', name: 'legacy' }, strict: true },
    ]);
  });

  it('batch operations take their table from the with-statement', () => {
    expect(
      steps(
        [
          'with op.batch_alter_table("users", schema=None) as batch_op:',
          '    batch_op.add_column(sa.Column("x", sa.Integer()))',
          '    batch_op.drop_column("y")',
        ].join('\n'),
      ),
    ).toEqual([
      { op: 'create', obj: { kind: 'column', table: 'users', name: 'x' }, strict: true, batch: true },
      { op: 'drop', obj: { kind: 'column', table: 'users', name: 'y' }, strict: true, batch: true },
      // the server drops the constraints that involve a dropped column: unknown by name from here
      { op: 'forget', kind: 'constraint', table: 'users', name: null },
    ]);
  });

  it('a step under if, for or try, or in a helper the module defines, makes its objects unknown', () => {
    const why = undefined;
    expect(
      steps(
        ['if op.get_bind().dialect.name == "postgresql":', '    op.drop_table("legacy")', 'helper()'].join(
          '\n',
        ),
        'def helper():\n    op.add_column("users", sa.Column("x", sa.Integer()))\n',
      ),
    ).toEqual([
      {
        op: 'forget',
        kind: 'table',
        table: null,
        name: 'legacy',
        why,
        // what the step does where it runs stays, so that one that would fail is reported as one that may
        maybe: { op: 'drop', obj: { kind: 'table', name: 'legacy' }, strict: true, line: 20 },
      },
      {
        op: 'forget',
        kind: 'column',
        table: 'users',
        name: 'x',
        why,
        maybe: { op: 'create', obj: { kind: 'column', table: 'users', name: 'x' }, strict: true, line: 9 },
      },
    ]);
    expect(
      steps(['for t in ["a", "b"]:', '    op.add_column(t, sa.Column("x", sa.Integer()))'].join('\n')),
    ).toEqual([{ op: 'forget', kind: 'column', table: null, name: 'x', why }]);
  });

  it('what cannot be read at all makes everything unknown from there', () => {
    expect(steps('create_views(op)', 'from myapp.db import create_views\n')).toEqual([forgetAll]);
    expect(steps('op.execute(f"ALTER TABLE {name} ADD COLUMN x int")')).toEqual([forgetAll]);
    expect(steps('op.execute(SQL)', 'SQL = helper()\n')).toEqual([forgetAll]);
    // rows only, by a template's literal keyword or by SQLAlchemy's constructs
    expect(
      steps(
        'op.execute(f"UPDATE {table} SET x = 1")\nop.execute(users.update().values(x=1))\nop.bulk_insert(t, [])',
      ),
    ).toEqual([]);
    // names from SQLAlchemy and the standard library build values; they run no DDL
    expect(
      steps(
        't = table("users", column("id"))\nlog.info(datetime.now())',
        'from sqlalchemy.sql import table, column\nfrom datetime import datetime\n',
      ),
    ).toEqual([]);
  });

  it('literal SQL, through sa.text() and names bound to it', () => {
    expect(
      steps(
        'op.execute(sa.text(DDL))',
        'DDL = """\nCREATE TYPE mood AS ENUM (\'sad\');\nALTER TABLE users ADD COLUMN mood mood, DROP COLUMN IF EXISTS old;\n"""\n',
      ),
    ).toEqual([
      // marked as read from SQL: what SQLite makes of it is SQLite's, not Alembic's dialect's
      { op: 'create', obj: { kind: 'type', name: 'mood' }, strict: true, sql: true },
      { op: 'need', obj: { kind: 'table', name: 'users' } },
      { op: 'create', obj: { kind: 'column', table: 'users', name: 'mood' }, strict: true, sql: true },
      { op: 'drop', obj: { kind: 'column', table: 'users', name: 'old' }, strict: false, sql: true },
      { op: 'forget', kind: 'constraint', table: 'users', name: null },
    ]);
  });

  it('a multi-database script and an unreadable file are unknown as a whole', () => {
    expect(
      schemaOps(
        revisionFile('a1', null, 'globals()["upgrade_%s" % engine]()') +
          '\ndef upgrade_engine1():\n    op.drop_table("x")\n',
      ).map((o) => o.op),
    ).toEqual(['forget']);
    expect(schemaOps('def upgrade():\n    op.execute("unclosed)\n').map((o) => o.op)).toEqual(['forget']);
  });

  it('a batch alias among several with-items, and steps under match, a nested def and a decorator', () => {
    expect(
      steps(
        [
          'with lock, op.batch_alter_table("users") as b:',
          '    b.drop_column("y")',
          'with (op.batch_alter_table("orders") as o):',
          '    o.drop_column("z")',
          'match kind:',
          '    case "a":',
          '        op.drop_table("t")',
          '@register(op.drop_table("d"))',
          'def later():',
          '    op.drop_index("ix")',
        ].join('\n'),
      ),
    ).toEqual([
      // the alias is the second item's, then one in brackets (a reading of a first bare item alone missed both)
      { op: 'drop', obj: { kind: 'column', table: 'users', name: 'y' }, strict: true, batch: true },
      { op: 'forget', kind: 'constraint', table: 'users', name: null, why: undefined },
      { op: 'drop', obj: { kind: 'column', table: 'orders', name: 'z' }, strict: true, batch: true },
      { op: 'forget', kind: 'constraint', table: 'orders', name: null, why: undefined },
      // a case body and a nested def's body may not run: what they would do is kept as `maybe`
      {
        ...forgetAll,
        kind: 'table',
        name: 't',
        maybe: { op: 'drop', obj: { kind: 'table', name: 't' }, strict: true, line: 23 },
      },
      // a decorator runs where it stands
      { op: 'drop', obj: { kind: 'table', name: 'd' }, strict: true },
      {
        ...forgetAll,
        kind: 'index',
        name: 'ix',
        maybe: { op: 'drop', obj: { kind: 'index', name: 'ix' }, strict: true, line: 26 },
      },
    ]);
  });
});

describe('sqlOps', () => {
  const ops = (sql: string): unknown[] =>
    sqlOps(sql, 1).map((op) => {
      const r = withoutLine(op) as Record<string, unknown>;
      delete r.why;
      return r;
    });

  it('tables with their columns, views, indexes and types; IF [NOT] EXISTS is not strict', () => {
    expect(
      ops(
        'CREATE TABLE IF NOT EXISTS "Audit" (id serial PRIMARY KEY, "Kind" text, CONSTRAINT pk CHECK (id > 0))',
      ),
    ).toEqual([
      { op: 'create', obj: { kind: 'table', name: 'Audit' }, strict: false },
      { op: 'create', obj: { kind: 'column', table: 'Audit', name: 'id' }, strict: false },
      { op: 'create', obj: { kind: 'column', table: 'Audit', name: 'Kind' }, strict: false },
    ]);
    expect(
      ops('CREATE UNIQUE INDEX CONCURRENTLY ix_a ON Audit (id); DROP INDEX IF EXISTS ix_b; DROP TYPE mood'),
    ).toEqual([
      { op: 'create', obj: { kind: 'index', name: 'ix_a', table: 'audit' }, strict: true },
      { op: 'drop', obj: { kind: 'index', name: 'ix_b' }, strict: false },
      { op: 'drop', obj: { kind: 'type', name: 'mood' }, strict: true },
    ]);
    expect(ops('CREATE OR REPLACE VIEW v AS SELECT 1')).toEqual([
      { op: 'create', obj: { kind: 'table', name: 'v' }, strict: false },
      { op: 'forget', kind: 'column', table: 'v', name: null },
    ]);
  });

  it('statements that touch nothing compared are no step; others make everything unknown', () => {
    expect(
      ops(
        "SELECT 1; GRANT SELECT ON users TO r; CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; COMMENT ON TABLE users IS 'x'",
      ),
    ).toEqual([]);
    // an extension is the database's: created (strict without IF NOT EXISTS) and dropped by name; its
    // types go with a drop, and with CASCADE whatever depends on them
    expect(
      ops(
        'CREATE EXTENSION IF NOT EXISTS citext; CREATE EXTENSION "uuid-ossp" WITH SCHEMA public; DROP EXTENSION IF EXISTS hstore, ltree; DROP EXTENSION postgis CASCADE; DROP TABLE extension',
      ),
    ).toEqual([
      { op: 'create', obj: { kind: 'extension', name: 'citext' }, strict: false },
      { op: 'create', obj: { kind: 'extension', name: 'uuid-ossp' }, strict: true },
      { op: 'drop', obj: { kind: 'extension', name: 'hstore' }, strict: false },
      { op: 'drop', obj: { kind: 'extension', name: 'ltree' }, strict: false },
      { op: 'forget', kind: 'type', table: null, name: null },
      { op: 'drop', obj: { kind: 'extension', name: 'postgis' }, strict: true },
      { op: 'forget', kind: null, table: null, name: null },
      { op: 'drop', obj: { kind: 'table', name: 'extension' }, strict: true },
    ]);
    // a statement on rows needs its table (the upgrade fails on "does not exist" without it)
    expect(
      ops(
        'UPDATE users SET x = 1; INSERT INTO "Log" VALUES (1); DELETE FROM only_rows; TRUNCATE TABLE t; UPDATE app.users SET x = 1',
      ),
    ).toEqual([
      { op: 'need', obj: { kind: 'table', name: 'users' } },
      { op: 'need', obj: { kind: 'column', table: 'users', name: 'x' } },
      { op: 'need', obj: { kind: 'table', name: 'Log' } },
      { op: 'need', obj: { kind: 'table', name: 'only_rows' } },
      { op: 'need', obj: { kind: 'table', name: 't' } },
    ]);
    // an UPDATE needs each column it sets, read up to WHERE, FROM or RETURNING; any other form, none
    expect(
      ops(
        `UPDATE users AS u SET "Note" = 'a, b', total = coalesce(x, (1, 2)) FROM o WHERE o.id = u.id; UPDATE users SET (a, b) = (1, 2); UPDATE users SET users.a = 1`,
      ),
    ).toEqual([
      { op: 'need', obj: { kind: 'table', name: 'users' } },
      { op: 'need', obj: { kind: 'column', table: 'users', name: 'Note' }, values: ['a, b'] },
      { op: 'need', obj: { kind: 'column', table: 'users', name: 'total' } },
      { op: 'need', obj: { kind: 'table', name: 'users' } },
      { op: 'need', obj: { kind: 'table', name: 'users' } },
    ]);
    // the value a column is set to, where it is a plain string literal (alone or cast): an enum's value
    // the same migration added may not be written before it commits
    expect(
      ops(`UPDATE orders SET status = 'archived'::status, note = 'x' || note, kind = 'a' WHERE id = 1`),
    ).toEqual([
      { op: 'need', obj: { kind: 'table', name: 'orders' } },
      { op: 'need', obj: { kind: 'column', table: 'orders', name: 'status' }, values: ['archived'] },
      { op: 'need', obj: { kind: 'column', table: 'orders', name: 'note' } },
      { op: 'need', obj: { kind: 'column', table: 'orders', name: 'kind' }, values: ['a'] },
    ]);
    expect(ops("DO $$ BEGIN EXECUTE 'DROP TABLE users'; END $$")).toEqual([
      { op: 'forget', kind: null, table: null, name: null },
    ]);
    expect(ops('DROP TABLE other.users')).toEqual([{ op: 'forget', kind: 'table', table: null, name: null }]);
  });

  it('ALTER TABLE actions, and an action it does not model forgets the table', () => {
    expect(ops('ALTER TABLE users RENAME COLUMN a TO b, ADD CONSTRAINT uq UNIQUE (b)')).toEqual([
      { op: 'need', obj: { kind: 'table', name: 'users' } },
      { op: 'need', obj: { kind: 'column', table: 'users', name: 'a' } },
      { op: 'rename', obj: { kind: 'column', table: 'users', name: 'a' }, to: 'b' },
      { op: 'create', obj: { kind: 'constraint', table: 'users', name: 'uq' }, strict: true },
    ]);
    expect(ops('ALTER TABLE users ATTACH PARTITION p FOR VALUES IN (1)')).toEqual([
      { op: 'need', obj: { kind: 'table', name: 'users' } },
      { op: 'forget', kind: null, table: 'users', name: null },
    ]);
  });

  it("an enum's labels: ADD VALUE (strict without IF NOT EXISTS), RENAME VALUE; a label not a plain literal is unknown", () => {
    const label = (table: string, name: string) => ({ kind: 'label', table, name });
    expect(
      ops(
        "ALTER TYPE status ADD VALUE 'it''s' BEFORE 'open'; ALTER TYPE \"Mood\" ADD VALUE IF NOT EXISTS 'Ok'; ALTER TYPE status RENAME VALUE 'a' TO 'b'",
      ),
    ).toEqual([
      { op: 'create', obj: label('status', "it's"), strict: true, sql: true },
      { op: 'create', obj: label('Mood', 'Ok'), strict: false, sql: true },
      { op: 'rename', obj: label('status', 'a'), to: 'b' },
    ]);
    expect(ops("ALTER TYPE status ADD VALUE E'x'; ALTER TYPE app.status ADD VALUE 'x'")).toEqual([
      { op: 'forget', kind: 'label', table: 'status', name: null },
      { op: 'forget', kind: 'type', table: null, name: null },
    ]);
  });
});

describe('SchemaState: the replay', () => {
  const replay = (ops: SchemaOp[]): SchemaState => {
    const s = new SchemaState(() => 'unknown');
    for (const op of ops) s.apply(op, 'r');
    return s;
  };
  const col = (table: string, name: string) => ({ kind: 'column' as const, table, name });

  it('a dropped table takes its columns and indexes; a re-created one starts empty', () => {
    const s = replay([
      { op: 'create', obj: { kind: 'table', name: 't' }, strict: true, line: 1 },
      { op: 'create', obj: col('t', 'a'), strict: false, line: 1 },
      { op: 'create', obj: { kind: 'index', name: 'ix', table: 't' }, strict: true, line: 2 },
      { op: 'drop', obj: { kind: 'table', name: 't' }, strict: true, line: 3 },
      { op: 'create', obj: { kind: 'table', name: 't' }, strict: true, line: 4 },
    ]);
    expect(s.get(col('t', 'a'))).toBe('absent');
    expect(s.get({ kind: 'index', name: 'ix' })).toBe('absent');
    expect(s.get({ kind: 'table', name: 't' })).toBe('present');
  });

  it("an enum's labels: a dropped type takes them; a type created or renamed has labels the replay does not know", () => {
    const label = (name: string, table = 'status') => ({ kind: 'label' as const, table, name });
    const type = (name: string) => ({ kind: 'type' as const, name });
    const s = replay([
      { op: 'create', obj: label('a'), strict: true, line: 1 },
      { op: 'create', obj: label('b'), strict: true, line: 1 },
      { op: 'forget', kind: 'label', table: 'status', name: 'b', line: 2, why: 'x' },
    ]);
    expect([s.get(label('a')), s.get(label('b')), s.get(label('c'))]).toEqual([
      'present',
      'unknown',
      'unknown',
    ]);
    s.apply({ op: 'drop', obj: type('status'), strict: true, line: 3 }, 'r');
    expect([s.get(label('a')), s.get(label('c'))]).toEqual(['absent', 'absent']);
    s.apply({ op: 'create', obj: type('status'), strict: true, line: 4 }, 'r');
    expect(s.get(label('a'))).toBe('unknown');
    s.apply({ op: 'create', obj: label('z'), strict: true, line: 5 }, 'r');
    s.apply({ op: 'rename', obj: type('status'), to: 'status_old', line: 6 }, 'r');
    expect([s.get(label('z')), s.get(label('z', 'status_old'))]).toEqual(['unknown', 'unknown']);
    // a step the reading cannot follow on types reaches their labels
    const t = replay([
      { op: 'create', obj: label('a'), strict: true, line: 1 },
      { op: 'forget', kind: 'type', table: null, name: null, line: 2, why: 'x' },
    ]);
    expect(t.get(label('a'))).toBe('unknown');
  });

  it('a renamed table keeps its columns, an unknown step in between is overridden by a later one', () => {
    const s = replay([
      { op: 'create', obj: { kind: 'table', name: 't' }, strict: true, line: 1 },
      { op: 'create', obj: col('t', 'a'), strict: false, line: 1 },
      { op: 'forget', kind: 'column', table: null, name: 'b', line: 2, why: 'x' },
      { op: 'rename', obj: { kind: 'table', name: 't' }, to: 'u', line: 3 },
      { op: 'create', obj: col('u', 'c'), strict: true, line: 4 },
    ]);
    expect(s.get(col('u', 'a'))).toBe('present');
    expect(s.get(col('t', 'a'))).toBe('absent');
    expect(s.get(col('u', 'b'))).toBe('unknown');
    expect(s.get(col('u', 'c'))).toBe('present');
    expect(s.get({ kind: 'table', name: 't' })).toBe('absent');
  });
});

describe('SchemaState.takeTouched: the objects whose presence a step may change', () => {
  it('names every object whose presence changed, over 3,000 random steps', () => {
    const next = rng(57);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const tables = ['t1', 't2', 't3'];
    const names = ['a', 'b', 'c'];
    const indexes = ['i1', 'i2', 'i3'];
    const s = new SchemaState(() => 'unknown');
    const states = (): Map<string, string> =>
      new Map([...s.objects()].map((o) => [s.key(o.obj), `${o.state}/${o.by?.revision ?? ''}`]));
    const types = ['e1', 'e2'];
    // an enum's steps: its labels come and go with the type
    const typeStep = (step: number): SchemaOp => {
      const e = pick(types);
      const r = next();
      return r < 0.4
        ? {
            op: pick(['create', 'drop'] as const),
            obj: { kind: 'label', table: e, name: pick(names) },
            strict: true,
            line: step,
          }
        : r < 0.6
          ? {
              op: pick(['create', 'drop'] as const),
              obj: { kind: 'type', name: e },
              strict: true,
              line: step,
            }
          : r < 0.75
            ? { op: 'rename', obj: { kind: 'type', name: e }, to: pick(types), line: step }
            : r < 0.85
              ? {
                  op: 'rename',
                  obj: { kind: 'label', table: e, name: pick(names) },
                  to: pick(names),
                  line: step,
                }
              : {
                  op: 'forget',
                  kind: pick(['label', 'type'] as const),
                  table: next() < 0.5 ? e : null,
                  name: next() < 0.5 ? pick(names) : null,
                  line: step,
                  why: 'x',
                };
    };
    for (let step = 0; step < 3000; step++) {
      const before = states();
      const t = pick(tables);
      const r = next();
      const op: SchemaOp =
        next() < 0.25
          ? typeStep(step)
          : r < 0.15
            ? { op: 'create', obj: { kind: 'table', name: t }, strict: true, line: step }
            : r < 0.35
              ? {
                  op: pick(['create', 'drop'] as const),
                  obj: { kind: 'column', table: t, name: pick(names) },
                  strict: true,
                  line: step,
                }
              : r < 0.45
                ? {
                    op: 'create',
                    obj: { kind: 'index', name: pick(indexes), table: t },
                    strict: true,
                    line: step,
                  }
                : r < 0.55
                  ? {
                      op: 'drop',
                      obj: { kind: pick(['table', 'index'] as const), name: pick([...tables, ...indexes]) },
                      strict: true,
                      line: step,
                    }
                  : r < 0.7
                    ? { op: 'rename', obj: { kind: 'table', name: t }, to: pick(tables), line: step }
                    : r < 0.8
                      ? {
                          op: 'rename',
                          obj: { kind: 'column', table: t, name: pick(names) },
                          to: pick(names),
                          line: step,
                        }
                      : r < 0.95
                        ? {
                            op: 'forget',
                            kind: pick(['column', 'constraint', 'index', null] as const),
                            table: t,
                            name: next() < 0.5 ? pick(names) : null,
                            line: step,
                            why: 'x',
                          }
                        : {
                            op: 'forget',
                            kind: null,
                            table: null,
                            name: next() < 0.5 ? pick(tables) : null,
                            line: step,
                            why: 'x',
                          };
      s.apply(op, `r${step}`);
      const touched = s.takeTouched();
      if (touched === 'all') continue;
      for (const [key, now] of states())
        if (before.get(key) !== now)
          expect(touched.has(key), `${JSON.stringify(op)} changed ${key}`).toBe(true);
    }
  });
});
