import { describe, expect, it } from 'vitest';
import { lockSteps } from '../../src/check/schema/schema-ops.js';
import { conflicts, gradeLock } from '../../src/check/schema/lock-grade.js';
import { sqlLockSteps } from '../../src/check/schema/sql-lock-steps.js';
import { migration } from '../helpers/project.js';

const steps = (body: string) =>
  lockSteps(migration('b1', 'a0', body, 'pass')).steps.map((s) => ({
    call: s.call,
    table: s.table,
    flags: s.flags,
    conditional: s.conditional,
    ...(s.index ? { index: s.index } : {}),
    ...(s.batch ? { batch: true } : {}),
    ...(s.schema ? { schema: s.schema } : {}),
  }));

describe('lock steps read from upgrade()', () => {
  it("reads each locking call's table and the keywords that change its lock", () => {
    expect(
      steps(
        [
          "op.add_column('orders', sa.Column('a', sa.Integer(), server_default=sa.text('now()')))",
          "op.add_column('orders', sa.Column('b', sa.Float(), server_default=sa.func.random()))",
          "op.add_column('orders', sa.Column('c', sa.Integer(), server_default=sa.text(make_default())))",
          "op.add_column('orders', sa.Column('d', sa.Integer(), sa.Identity()))",
          "op.drop_index('ix_note')",
          "op.create_index('ix_a', 'orders', ['a'], postgresql_concurrently=True)",
          "op.add_column('elsewhere', sa.Column('e', sa.Integer()), schema='audit')",
          "op.create_table('fresh', sa.Column('id', sa.Integer()))",
        ].join('\n'),
      ),
    ).toEqual([
      { call: 'add_column', table: 'orders', flags: ['default-constant'], conditional: false },
      { call: 'add_column', table: 'orders', flags: ['default-volatile'], conditional: false },
      { call: 'add_column', table: 'orders', flags: ['default-expression'], conditional: false },
      { call: 'add_column', table: 'orders', flags: ['identity-or-computed'], conditional: false },
      { call: 'drop_index', table: '', flags: [], conditional: false, index: 'ix_note' },
      { call: 'create_index', table: 'orders', flags: ['concurrently'], conditional: false, index: 'ix_a' },
      // graded only where audit is the schema whose sizes were read
      { call: 'add_column', table: 'elsewhere', flags: [], conditional: false, schema: 'audit' },
    ]);
  });

  it("keeps a step under if as conditional, and takes a batch operation's table from its with-statement", () => {
    expect(
      steps(
        "if context.get_x_argument(as_dictionary=True).get('big'):\n    op.alter_column('orders', 'amount', nullable=False)\nwith op.batch_alter_table('orders') as b:\n    b.alter_column('note', type_=sa.Text())",
      ),
    ).toEqual([
      { call: 'alter_column', table: 'orders', flags: ['not-null'], conditional: true },
      { call: 'alter_column', table: 'orders', flags: ['type'], conditional: false, batch: true },
    ]);
  });

  it('says which lines it could not follow', () => {
    expect(
      lockSteps(
        migration(
          'b1',
          'a0',
          "op.execute(build_sql())\nop.add_column('orders', sa.Column('x', sa.Integer()), schema=schema_of())",
          'pass',
        ),
      ).unread,
    ).toEqual([
      { line: 17, why: 'SQL built at run time' },
      { line: 18, why: 'op.add_column on a table the reading cannot name or outside the schema read' },
    ]);
  });
});

describe('lock grades by server version', () => {
  const addWithDefault = {
    call: 'add_column',
    table: 't',
    flags: ['default-constant' as const],
    line: 1,
    conditional: false,
  };
  it('a constant default rewrites before PostgreSQL 11 and is stored in the catalog from 11 on', () => {
    expect(gradeLock(addWithDefault, 10).work).toBe('rewrite');
    expect(gradeLock(addWithDefault, 11).work).toBe('instant');
  });

  it("follows PostgreSQL's conflict table", () => {
    expect(conflicts('AccessShareLock', 'ACCESS EXCLUSIVE')).toBe(true);
    expect(conflicts('AccessShareLock', 'SHARE UPDATE EXCLUSIVE')).toBe(false);
    expect(conflicts('RowExclusiveLock', 'SHARE')).toBe(true);
    expect(conflicts('RowExclusiveLock', 'SHARE UPDATE EXCLUSIVE')).toBe(false);
    expect(conflicts('ShareUpdateExclusiveLock', 'SHARE UPDATE EXCLUSIVE')).toBe(true);
  });
});

describe("lock steps read from SQL by PostgreSQL's parser", () => {
  it('gives each ALTER TABLE subcommand, index and rename its step, and says what it does not model', async () => {
    const { loadSqlParser } = await import('../../src/workspace/sql-parser.js');
    const parse = (await loadSqlParser())!;
    const read = (sql: string) => {
      const got = sqlLockSteps(parse(sql)!, 3, false);
      return {
        steps: got.steps.map((s) => [
          s.call,
          s.table,
          ...s.flags,
          ...(s.references ? [`-> ${s.references}`] : []),
        ]),
        unread: got.unread,
      };
    };
    expect(
      read(
        'ALTER TABLE orders ADD COLUMN a int NOT NULL DEFAULT 0, ADD COLUMN b uuid DEFAULT gen_random_uuid(), ALTER COLUMN c SET NOT NULL; CREATE UNIQUE INDEX CONCURRENTLY ix ON orders (a)',
      ),
    ).toEqual({
      steps: [
        ['add_column', 'orders', 'not-null', 'default-constant'],
        ['add_column', 'orders', 'default-volatile'],
        ['alter_column', 'orders', 'not-null'],
        ['create_index', 'orders', 'concurrently'],
      ],
      unread: [],
    });
    expect(
      read(
        'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES customers (id) NOT VALID; ALTER TABLE orders VALIDATE CONSTRAINT fk; ALTER TABLE orders RENAME TO purchases',
      ).steps,
    ).toEqual([
      ['create_foreign_key', 'orders', 'not-valid', '-> customers'],
      ['validate_constraint', 'orders'],
      ['rename_table', 'orders', 'rename'],
    ]);
    expect(
      read(
        'ALTER TABLE orders SET LOGGED; ALTER TABLE audit.orders ADD COLUMN x int; UPDATE orders SET a = 1',
      ),
    ).toEqual({
      steps: [['update_rows', 'orders']],
      unread: ['ALTER TABLE orders SetLogged', 'ALTER TABLE on audit.orders, outside the schema read'],
    });
    expect(parse('ALTER TABLE orders ADD COLUM x int')).toBeUndefined();
    // a named check that one column holds no NULL keeps its name and condition (SET NOT NULL may use it)
    const checks = sqlLockSteps(
      parse(
        'ALTER TABLE orders ADD CONSTRAINT "ck_Note" CHECK ("Note" IS NOT NULL) NOT VALID; ALTER TABLE orders ADD CONSTRAINT ck2 CHECK (a IS NOT NULL AND b > 0)',
      )!,
      3,
      false,
    ).steps.map((s) => s.data);
    expect(checks).toEqual([{ name: 'ck_Note', condition: '"Note" IS NOT NULL' }, { name: 'ck2' }]);
  });
});

describe('lock steps of the statements that rewrite, rebuild, lock or change rows', () => {
  it('CLUSTER, VACUUM FULL, REINDEX, LOCK TABLE, UPDATE and DELETE; a schema-qualified name in the schema read', async () => {
    const { loadSqlParser } = await import('../../src/workspace/sql-parser.js');
    const parse = (await loadSqlParser())!;
    const read = (sql: string, schema?: string) => {
      const got = sqlLockSteps(parse(sql)!, 3, false, schema);
      return {
        steps: got.steps.map((s) => [
          s.call,
          s.table || `index ${s.index}`,
          ...s.flags,
          ...(s.lockMode ? [s.lockMode] : []),
        ]),
        unread: got.unread,
      };
    };
    expect(
      read(
        'CLUSTER orders USING orders_pkey; VACUUM FULL orders; VACUUM orders; REINDEX TABLE CONCURRENTLY orders; REINDEX INDEX ix_note; LOCK TABLE orders IN SHARE MODE; DELETE FROM orders WHERE id < 5; UPDATE public.orders SET a = 1',
        'public',
      ),
    ).toEqual({
      steps: [
        ['cluster', 'orders'],
        ['vacuum_full', 'orders'],
        ['reindex', 'orders', 'concurrently'],
        ['reindex', 'index ix_note'],
        ['lock_table', 'orders', 'SHARE'],
        ['delete_rows', 'orders', 'where'],
        ['update_rows', 'orders'],
      ],
      unread: [],
    });
    // another schema, and a statement whose lock is not modelled
    expect(
      read(
        'UPDATE audit.orders SET a = 1; CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f()',
        'public',
      ),
    ).toEqual({
      steps: [],
      unread: [
        'UPDATE on audit.orders, outside the schema read',
        'CreateTrig statement, whose lock is not modelled',
      ],
    });
    expect(
      gradeLock({ call: 'cluster', table: 'orders', flags: [], line: 1, conditional: false }, 15),
    ).toMatchObject({
      mode: 'ACCESS EXCLUSIVE',
      work: 'rewrite',
    });
    expect(
      gradeLock({ call: 'update_rows', table: 'orders', flags: ['where'], line: 1, conditional: false }, 15),
    ).toMatchObject({
      mode: 'ROW EXCLUSIVE',
      work: 'scan',
      rowLocks: true,
      uncertain: 'unless its WHERE clause picks few rows through an index',
    });
  });
});

describe('what add_column and batch_alter_table emit besides the operation', () => {
  it("unique=True, index=True, a CheckConstraint and a ForeignKey; recreate='always'; names from constants and locals", () => {
    const file = migration(
      'b1',
      'a0',
      [
        "op.add_column(TABLE, sa.Column('a', sa.Integer(), sa.ForeignKey('customers.id'), sa.CheckConstraint('a > 0'), unique=True, index=True))",
        "t = 'orders'",
        "op.create_index('ix_b', t, ['b'])",
        "with op.batch_alter_table(TABLE, recreate='always') as b:",
        "    b.alter_column('c', nullable=True)",
      ].join('\n'),
      'pass',
      'import sqlalchemy as sa\nTABLE = "orders"\n',
    );
    expect(
      lockSteps(file).steps.map((s) => [
        s.call,
        s.table,
        ...s.flags,
        ...(s.references ? [`-> ${s.references}`] : []),
      ]),
    ).toEqual([
      ['add_column', 'orders'],
      ['create_unique_constraint', 'orders'],
      ['create_index', 'orders'],
      ['create_foreign_key', 'orders', '-> customers'],
      ['create_check_constraint', 'orders'],
      ['create_index', 'orders'],
      ['alter_column', 'orders', 'recreate'],
    ]);
    expect(lockSteps(file).unread).toEqual([]);
  });
});

describe('the lock_timeout statements set', () => {
  it("reads SET, SET LOCAL and set_config with PostgreSQL's units; 0 is a setting", async () => {
    const { sqlTimeouts, timeoutMs, envPyTimeout } =
      await import('../../src/check/schema/timeout-setting.js');
    expect(['5s', '5000', '1min', '250ms', '0', '2h', 'x'].map(timeoutMs)).toEqual([
      5000,
      5000,
      60_000,
      250,
      0,
      7_200_000,
      undefined,
    ]);
    expect(
      sqlTimeouts(
        "SET lock_timeout = '5s'; SET LOCAL lock_timeout TO 100; SELECT set_config('lock_timeout', '0', false)",
      ),
    ).toEqual([
      { ms: 5000, local: false },
      { ms: 100, local: true },
      { ms: 0, local: false },
    ]);
    // env.py: a docstring, a comment and run_migrations_offline set nothing; the migrating path's last value wins
    const env = [
      '"""Set lock_timeout = \'9s\' in production."""',
      '# SET lock_timeout = 1',
      'def run_migrations_offline():',
      '    context.execute("SET lock_timeout = \'7s\'")',
      'def run_migrations_online():',
      '    engine = create_engine(url, connect_args={"options": "-c lock_timeout=3000"})',
      '    with engine.connect() as c:',
      '        c.exec_driver_sql("SET lock_timeout = 0")',
      '',
    ].join('\n');
    expect(envPyTimeout(env)).toEqual({ ms: 0, line: 8 });
    expect(envPyTimeout(env.replace('SET lock_timeout = 0', 'SELECT 1'))).toEqual({ ms: 3000, line: 6 });
    expect(envPyTimeout(env.split('\n').slice(0, 4).join('\n'))).toBeUndefined();
  });
});

describe('SQL templates', () => {
  it('an f-string or str.format with every field known is literal SQL; an unknown field stands for itself', async () => {
    const { lockSteps: read } = await import('../../src/check/schema/schema-ops.js');
    const sql = (body: string) =>
      read(migration('b1', 'a0', body, 'pass', 'import sqlalchemy as sa\nTABLE = "orders"\n')).sql.map(
        (q) => [q.sql, q.template === true],
      );
    expect(sql('op.execute(f"ALTER TABLE {TABLE} ADD COLUMN x int")')).toEqual([
      ['ALTER TABLE orders ADD COLUMN x int', false],
    ]);
    expect(sql('n = "note"\nop.execute("UPDATE {} SET {col} = 0".format(TABLE, col=n))')).toEqual([
      ['UPDATE orders SET note = 0', false],
    ]);
    expect(sql('op.execute(f"UPDATE {name()} SET a = {{1}}")')).toEqual([
      ['UPDATE __preflight_run_time__ SET a = {1}', true],
    ]);
    expect(sql('op.execute("DELETE FROM %s" % TABLE)')).toEqual([
      ['DELETE FROM __preflight_run_time__', true],
    ]);
  });
});
