import { describe, expect, it } from 'vitest';
import { splitStatements } from '../../../src/check/lint/migration-ops.js';
import { TEST_DB_ENV_PY, useAlembicOnPostgres } from '../../helpers/alembic-on-postgres.js';
import { describeRule } from '../../helpers/describe-rule.js';
import { alembicTargets } from '../../helpers/oracle.js';
import { check, makeProject, migration } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'empty-downgrade',
  {
    bad: () =>
      makeProject({
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          "op.add_column('t', sa.Column('x', sa.Integer()))",
          '"""Nothing."""\n# op.drop_column(\'t\', \'x\')\npass',
        ),
      }),
    good: () =>
      makeProject({
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          "op.add_column('t', sa.Column('x', sa.Integer()))",
          "op.drop_column('t', 'x')",
        ),
        [V + 'b2_x.py']: migration(
          'b2',
          'a1',
          "op.execute('UPDATE t SET x = 1')",
          'raise NotImplementedError("irreversible: data fix")',
        ),
        [V + 'c3_x.py']: migration('c3', 'b2', 'pass', 'pass'),
      }),
  },
  (f) => {
    expect(f.line).toBe(20);
    expect(f.message).toContain('op.add_column');
    expect(f.hint).toContain('NotImplementedError');
  },
);

describe('empty-downgrade: data migrations', () => {
  const reported = async (upgrade: string, header?: string): Promise<boolean> => {
    const r = await check(
      makeProject({ [V + 'a1_x.py']: migration('a1', null, upgrade, '# nothing to undo\npass', header) }),
    );
    return r.findings.some((f) => f.code === 'empty-downgrade');
  };

  it('is quiet when upgrade() only reads or changes rows (Indico fixes data this way)', async () => {
    expect(
      await reported(
        "op.execute('''\n    -- restrict creation\n    UPDATE categories SET restricted = true WHERE NOT deleted;\n''')",
      ),
    ).toBe(false);
    expect(
      await reported(
        "conn = op.get_bind()\nfor row in conn.execute(sa.text('SELECT id FROM t')):\n    conn.execute(sa.text('UPDATE t SET x = 1 WHERE id = :id'), {'id': row.id})",
      ),
    ).toBe(false);
    expect(await reported("op.bulk_insert(sa.table('t', sa.column('x')), [{'x': 1}])")).toBe(false);
  });

  it('reads SQL through op.get_bind().execute and literals joined with + (quay backfills this way)', async () => {
    expect(await reported("op.get_bind().execute(sa.text('UPDATE t SET x = 1'))")).toBe(false);
    expect(
      await reported(
        'conn = op.get_bind()\nconn.execute(\n    "insert into score (id, s) SELECT id, 0 FROM "\n    + "repo WHERE id not in (select id from score)"\n)',
      ),
    ).toBe(false);
    expect(await reported("op.get_bind().execute(sa.text('DROP TABLE t'))")).toBe(true);
    expect(await reported("op.execute('ALTER TABLE t ' + 'ADD COLUMN y int')")).toBe(true);
    expect(await reported("op.execute('UPDATE t SET x = ' + VALUE)")).toBe(true);
  });

  it('takes SQLAlchemy Core statements that read or change rows for data (pgAdmin fixes settings this way)', async () => {
    expect(
      await reported(
        "t = sa.Table('server', sa.MetaData())\nop.execute(\n    t.update().where(t.c.timeout == 0)\n    .values(timeout=10)\n)",
      ),
    ).toBe(false);
    expect(
      await reported(
        "op.execute(sa.insert(t).values(name='editor'))\nop.get_bind().execute(postgresql.insert(t).values(x=1).on_conflict_do_nothing())",
      ),
    ).toBe(false);
    expect(
      await reported(
        'rows = op.get_bind().execute(sa.select(t.c.id)).fetchall()\nop.execute(t.delete().where(t.c.id == 1))',
      ),
    ).toBe(false);
    expect(await reported('op.execute(sa.schema.CreateTable(t))')).toBe(true);
    expect(await reported("op.execute(t.update().values(x=1))\nop.drop_table('old')")).toBe(true);
  });

  it('follows Core statements through names, parentheses, import aliases and text().bindparams() (Onyx backfills this way)', async () => {
    const header =
      'import sqlalchemy as sa\nfrom sqlalchemy.dialects.postgresql import insert as pg_insert\n';
    const withImports = async (upgrade: string): Promise<boolean> => reported(upgrade, header);
    // a statement bound to a name, then executed (alone or with a method added)
    expect(
      await withImports(
        'stmt = sa.select(t.c.id).where(t.c.x.isnot(None))\nrows = op.get_bind().execute(stmt).fetchall()',
      ),
    ).toBe(false);
    expect(
      await withImports(
        'stmt = (\n    t.update()\n    .where(t.c.id == 1)\n    .values(x=2)\n)\nop.get_bind().execute(stmt)',
      ),
    ).toBe(false);
    expect(
      await withImports(
        "ins = pg_insert(t).values(id=1)\nop.get_bind().execute(ins.on_conflict_do_update(index_elements=['id'], set_={'x': ins.excluded.x}))",
      ),
    ).toBe(false);
    // an import alias names the construct
    expect(
      await withImports("op.execute(pg_insert(t).from_select(['a'], sel).on_conflict_do_nothing())"),
    ).toBe(false);
    // text() with parameters attached
    expect(
      await withImports(
        "op.get_bind().execute(sa.text('SELECT id FROM t WHERE name IN :n').bindparams(sa.bindparam('n', expanding=True)), {'n': ['a']})",
      ),
    ).toBe(false);
    expect(
      await withImports("op.get_bind().execute(sa.text('DROP TABLE t').execution_options(autocommit=True))"),
    ).toBe(true);
    // a name bound to something that is not a statement, or bound twice, still counts
    expect(await withImports('stmt = sa.schema.CreateTable(t)\nop.execute(stmt)')).toBe(true);
    expect(await withImports('stmt = sa.select(t)\nstmt = sa.schema.DropTable(t)\nop.execute(stmt)')).toBe(
      true,
    );
    expect(await withImports('op.execute(make_insert(t))')).toBe(true);
  });

  it('reads an f-string as one statement whose fields name tables and columns (Funnel and Augur update rows in a loop)', async () => {
    expect(
      await reported(
        'for table, col in COLUMNS:\n    op.execute(sa.text(f\'\'\'\n        UPDATE "{table}" SET "{col}" = lower("{col}");\n    \'\'\'))',
      ),
    ).toBe(false);
    expect(await reported('op.execute(f"DELETE FROM {table} WHERE id = {row_id!r}")')).toBe(false);
    // a field where a statement starts, several statements, or DDL: still a schema change
    expect(await reported('op.execute(f"{verb} TABLE {table}")')).toBe(true);
    expect(await reported('op.execute(f"UPDATE {t} SET a = 1; DROP TABLE {t}_old")')).toBe(true);
    expect(await reported('op.execute(f"ALTER TABLE {t} ADD COLUMN x int")')).toBe(true);
  });

  it('reads SQL templates filled by .format() and %, joined with f-strings, or dedented and stripped (GOV.UK Notify fixes rows this way)', async () => {
    expect(
      await reported(
        "op.execute(\"update services set email_from = 'x' where id = '{}'\".format(service_id))",
      ),
    ).toBe(false);
    expect(await reported('op.execute("DELETE FROM t WHERE id = \'%s\'" % row_id)')).toBe(false);
    expect(
      await reported(
        'op.execute(\n    "INSERT INTO rates(id, rate) "\n    f"VALUES(\'{uuid.uuid4()}\', 0.0172)"\n)',
      ),
    ).toBe(false);
    expect(
      await reported(
        'op.execute(textwrap.dedent("""\n    INSERT INTO t (a) (SELECT a FROM u)\n    ON CONFLICT DO NOTHING;\n""").strip())',
      ),
    ).toBe(false);
    expect(
      await reported(
        'conn = op.get_bind()\nrows = conn.execute(sa.text(textwrap.dedent("""\n    SELECT id FROM users\n""")))',
      ),
    ).toBe(false);
    // the template itself is DDL, or holds several statements: still counted
    expect(await reported("op.execute('ALTER TABLE {} ADD COLUMN x int'.format(t))")).toBe(true);
    expect(await reported("op.execute('UPDATE {0} SET a = 1; DROP TABLE {0}'.format(t))")).toBe(true);
  });

  it('takes TRUNCATE, VALIDATE CONSTRAINT and maintenance (VACUUM, REINDEX, REFRESH MATERIALIZED VIEW) as nothing to undo', async () => {
    expect(await reported("op.execute('TRUNCATE broadcast_event, broadcast_message;')")).toBe(false);
    expect(
      await reported('op.execute(\'ALTER TABLE notifications VALIDATE CONSTRAINT "chk_postage_null"\')'),
    ).toBe(false);
    expect(await reported("op.execute('REFRESH MATERIALIZED VIEW stats; REINDEX TABLE t')")).toBe(false);
    expect(
      await reported("op.execute('ALTER TABLE notifications ADD CONSTRAINT c CHECK (x) NOT VALID')"),
    ).toBe(true);
    expect(await reported("op.execute('ALTER TABLE t VALIDATE CONSTRAINT c, ADD COLUMN y int')")).toBe(true);
  });

  it('takes grants, revokes and comments as nothing to undo: a re-run applies them again without failing', async () => {
    expect(await reported("op.execute('GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader')")).toBe(false);
    expect(
      await reported("op.execute('REVOKE ALL ON t FROM PUBLIC; COMMENT ON TABLE t IS \\'users\\'')"),
    ).toBe(false);
    expect(
      await reported(
        "op.execute('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO reader')",
      ),
    ).toBe(false);
    expect(await reported("op.execute('GRANT SELECT ON t TO reader; ALTER TABLE t ADD COLUMN y int')")).toBe(
      true,
    );
  });

  it('is quiet when upgrade() only adds enum values, which PostgreSQL cannot drop (SkyPortal adds API names this way)', async () => {
    expect(
      await reported(
        'with op.get_context().autocommit_block():\n    op.execute("ALTER TYPE followup_apis ADD VALUE IF NOT EXISTS \'IOOAPI\'")\n    op.execute(sa.text("alter type followup_apis add value \'SPRAT\'"))',
      ),
    ).toBe(false);
    expect(await reported('op.execute("ALTER TYPE t ADD VALUE \'x\'; ALTER TABLE u ADD COLUMN y int")')).toBe(
      true,
    );
    expect(await reported("op.execute(\"ALTER TYPE t RENAME VALUE 'x' TO 'y'\")")).toBe(true);
    expect(
      await reported(
        "op.execute(\"ALTER TYPE t ADD VALUE 'x'\")\nop.add_column('u', sa.Column('y', sa.Integer()))",
      ),
    ).toBe(true);
  });

  it('reads SQL held in a module-level constant (Fides keeps its data fixes at the top of the file)', async () => {
    const withHeader = (header: string, upgrade: string): Promise<boolean> =>
      reported(upgrade, `import sqlalchemy as sa\nfrom sqlalchemy import text\n${header}\n`);
    expect(
      await withHeader(
        'QUERY = text("""\n    UPDATE t SET active = true\n""")',
        'op.get_bind().execute(QUERY)',
      ),
    ).toBe(false);
    expect(await withHeader("QUERY = 'DELETE FROM t WHERE x'", 'op.execute(text(QUERY))')).toBe(false);
    expect(await withHeader("QUERY = 'DROP TABLE t'", 'op.execute(QUERY)')).toBe(true);
    // rebound or computed: unknown, so it still counts
    expect(
      await withHeader("QUERY = 'UPDATE t SET x = 1'\nQUERY = 'DROP TABLE t'", 'op.execute(QUERY)'),
    ).toBe(true);
    expect(
      await withHeader("QUERY = 'UPDATE t SET x = 1'", "QUERY = 'DROP TABLE t'\nop.execute(QUERY)"),
    ).toBe(true);
    expect(
      await withHeader("QUERY = 'UPDATE t SET x = 1'\nQUERY += '; DROP TABLE u'", 'op.execute(QUERY)'),
    ).toBe(true);
    expect(
      await withHeader(
        "QUERY = 'UPDATE t SET x = 1'",
        "for QUERY in ['DROP TABLE t']:\n    op.execute(QUERY)",
      ),
    ).toBe(true);
    expect(await withHeader('QUERY = build()', 'op.execute(QUERY)')).toBe(true);
  });

  it('reads SQL held in a local variable assigned once before the call (Fides builds text() queries this way)', async () => {
    expect(
      await reported(
        'query: TextClause = sa.text(\n    """\n    UPDATE t SET active = true WHERE NOT active;\n    """\n)\nbind = op.get_bind()\nbind.execute(query)',
      ),
    ).toBe(false);
    expect(await reported("q = 'DROP TABLE t'\nop.execute(q)")).toBe(true);
    expect(
      await reported(
        "for row in rows:\n    if row.x:\n        q = sa.text('INSERT INTO h (id) VALUES (:id)')\n        op.get_bind().execute(q, {'id': row.id})",
      ),
    ).toBe(false);
    // assigned in a branch, twice, after the call, or shadowing a parameter: unknown, so it counts
    expect(await reported("if x:\n    q = 'UPDATE t SET x = 1'\nop.execute(q)")).toBe(true);
    expect(await reported("q = 'UPDATE t SET x = 1'\nq = 'DROP TABLE t'\nop.execute(q)")).toBe(true);
    expect(await reported("op.execute(q)\nq = 'UPDATE t SET x = 1'")).toBe(true);
    expect(
      await reported(
        "q = 'UPDATE t SET x = 1'\nwith op.get_context().autocommit_block() as q:\n    op.execute(q)",
      ),
    ).toBe(true);
  });

  it('follows a name assigned again for each statement to the last assignment before the call, and escapes of % (RefStack)', async () => {
    const loop =
      "conn = op.get_bind()\nfor user in rows:\n    query = \"delete from user where openid='%s'\" % (user,)\n    conn.execute(query.replace('%', '%%'))\n    query = \"update user set openid='%s'\" % (user,)\n    conn.execute(query.replace('%', '%%'))";
    expect(await reported(loop)).toBe(false);
    expect(await reported("q = 'DROP TABLE t'\nop.execute(q)\nq = 'UPDATE t SET x = 1'\nop.execute(q)")).toBe(
      true,
    );
    // a later value can come round again in a loop entered after the assignment
    expect(
      await reported("q = 'UPDATE t SET x = 1'\nfor r in rows:\n    op.execute(q)\n    q = 'DROP TABLE t'"),
    ).toBe(true);
    // a replace that writes words could write another statement
    expect(
      await reported("q = 'UPDATE t SET x = 1'\nop.execute(q.replace('UPDATE t SET x = 1', 'DROP TABLE t'))"),
    ).toBe(true);
  });

  it('cites the first schema change, not a SHOW or SET before it (Fides reads server_version first)', async () => {
    const r = await check(
      makeProject({
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          "bind = op.get_bind()\nbind.execute('SHOW server_version;')\nbind.execute(sa.text('SET LOCAL statement_timeout = 0'))\nbind.execute(sa.text('CREATE AGGREGATE array_accum (anyarray) (sfunc = array_cat, stype = anyarray)'))",
          'pass',
        ),
      }),
    );
    const f = r.findings.find((x) => x.code === 'empty-downgrade');
    expect(f?.message).toContain('bind.execute(…) at line 20');
    expect(
      await reported("op.get_bind().execute('SHOW server_version')\nop.execute('SET search_path TO app')"),
    ).toBe(false);
  });

  it("does not count another library's query.execute() as a schema change (quay's peewee models)", async () => {
    expect(
      await reported(
        'for t in AccessToken.select():\n    AccessToken.update(code=None).where(AccessToken.id == t.id).execute()',
      ),
    ).toBe(false);
  });

  it('still reports DDL in op.execute, SQL it cannot read, and DDL beside a data change', async () => {
    expect(await reported("op.execute('ALTER TABLE t ADD COLUMN y int')")).toBe(true);
    expect(await reported("op.execute('UPDATE t SET x = 1; CREATE INDEX ix ON t (x)')")).toBe(true);
    expect(await reported('op.execute(SQL)')).toBe(true);
    expect(await reported("op.execute('UPDATE t SET x = 1')\nop.drop_column('t', 'y')")).toBe(true);
  });
});

// polarsource/polar replaces a trigger function with CREATE OR REPLACE and leaves downgrade() empty on purpose
const FUNCTION = `op.execute(sa.text("""
    CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $$
    BEGIN
        NEW.updated := now();
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql;
"""))`;

describe('empty-downgrade: changes that can run again', () => {
  const found = async (upgrade: string, downgrade = 'pass'): Promise<string[]> => {
    const r = await check(makeProject({ [V + 'a1_x.py']: migration('a1', null, upgrade, downgrade) }));
    return r.findings.filter((f) => f.code === 'empty-downgrade').map((f) => f.severity);
  };

  it('splits SQL where PostgreSQL does: not inside a dollar-quoted body, a string, an identifier or a comment', () => {
    expect(
      splitStatements(
        'CREATE FUNCTION f() RETURNS int AS $$ BEGIN x := 1; RETURN x; END $$ LANGUAGE plpgsql; SELECT 1',
      ),
    ).toEqual([
      'CREATE FUNCTION f() RETURNS int AS $$ BEGIN x := 1; RETURN x; END $$ LANGUAGE plpgsql',
      'SELECT 1',
    ]);
    expect(splitStatements('CREATE FUNCTION g() AS $body$ a; $$ b; $body$; DROP TABLE t')).toEqual([
      'CREATE FUNCTION g() AS $body$ a; $$ b; $body$',
      'DROP TABLE t',
    ]);
    expect(splitStatements("UPDATE t SET s = 'a;b''c'; -- x; y\nUPDATE \"a;b\" SET x = 1 /* ; */")).toEqual([
      "UPDATE t SET s = 'a;b''c'",
      'UPDATE "a;b" SET x = 1',
    ]);
    // a $ inside a name or a positional parameter starts no body
    expect(splitStatements('SELECT a$b, $1; SELECT 2')).toEqual(['SELECT a$b, $1', 'SELECT 2']);
  });

  it('an info, not a warning, when every change is CREATE OR REPLACE or CREATE … IF NOT EXISTS; nothing when downgrade() says why in a comment', async () => {
    expect(await found(FUNCTION)).toEqual(['info']);
    expect(
      await found(
        "op.execute('CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON t (x)')\nop.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')",
      ),
    ).toEqual(['info']);
    expect(await found("op.create_index('ix', 't', ['x'], if_not_exists=True)")).toEqual(['info']);
    expect(await found(FUNCTION, '# the older code works with the new function\npass')).toEqual([]);
    // anything else beside it, a plain CREATE, or if_not_exists=False: still a warning
    expect(await found(`${FUNCTION}\nop.add_column('t', sa.Column('x', sa.Integer()))`)).toEqual(['warning']);
    expect(
      await found("op.execute('CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql')"),
    ).toEqual(['warning']);
    expect(await found("op.create_index('ix', 't', ['x'], if_not_exists=False)")).toEqual(['warning']);
    // a comment excuses only changes that can run again
    expect(await found("op.add_column('t', sa.Column('x', sa.Integer()))", '# no way back\npass')).toEqual([
      'warning',
    ]);
  });
});

describe('empty-downgrade against real Alembic and PostgreSQL: after an empty downgrade, upgrading again', () => {
  const alembicOnPostgres = useAlembicOnPostgres();

  const cases = [
    { name: 'CREATE OR REPLACE FUNCTION succeeds (info)', upgrade: FUNCTION, severity: 'info', again: true },
    {
      name: 'CREATE TABLE fails, as the warning says',
      upgrade: "op.create_table('t2', sa.Column('id', sa.Integer(), primary_key=True))",
      severity: 'warning',
      again: false,
    },
  ];
  const target = alembicTargets().at(-1)!;
  for (const c of cases) {
    it(`Alembic ${target.version}: ${c.name}`, async () => {
      const dir = makeProject({
        'migrations/env.py': TEST_DB_ENV_PY,
        [V + 'a1_x.py']: migration('a1', null, c.upgrade, 'pass'),
      });
      const r = await check(dir);
      expect(r.findings.filter((f) => f.code === 'empty-downgrade').map((f) => f.severity)).toEqual([
        c.severity,
      ]);
      const alembic = await alembicOnPostgres(dir, target.env);
      for (const step of [
        ['upgrade', 'head'],
        ['downgrade', 'base'],
      ]) {
        const run = alembic(...step);
        expect(run.ok, run.out.slice(-600)).toBe(true);
      }
      const again = alembic('upgrade', 'head');
      expect(again.ok, again.out.slice(-600)).toBe(c.again);
      if (!c.again) expect(again.stderr).toContain('already exists');
    });
  }
});
