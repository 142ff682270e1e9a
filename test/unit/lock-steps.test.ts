import { describe, expect, it } from 'vitest';
import { lockSteps } from '../../src/check/schema/schema-ops.js';
import { conflicts, gradeLock } from '../../src/check/schema/lock-grade.js';
import { migration } from '../helpers/project.js';

const steps = (body: string) =>
  lockSteps(migration('b1', 'a0', body, 'pass')).steps.map((s) => ({
    call: s.call,
    table: s.table,
    flags: s.flags,
    conditional: s.conditional,
    ...(s.index ? { index: s.index } : {}),
    ...(s.batch ? { batch: true } : {}),
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
          "op.execute(build_sql())\nop.add_column('orders', sa.Column('x', sa.Integer()), schema='audit')",
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
    const { sqlLockSteps } = await import('../../src/check/schema/sql-lock-steps.js');
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
      steps: [],
      unread: ['ALTER TABLE orders SetLogged', 'ALTER TABLE on audit.orders, outside the schema read'],
    });
    expect(parse('ALTER TABLE orders ADD COLUM x int')).toBeUndefined();
  });
});
