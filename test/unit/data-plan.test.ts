import { describe, expect, it } from 'vitest';
import { rowStatement, statementsOf } from '../../src/check/schema/row-sql.js';
import { dataPlan } from '../../src/check/schema/data-plan.js';
import { lockSteps } from '../../src/check/schema/schema-ops.js';
import { predictUpgrade } from '../../src/alembic/graph/upgrade-plan.js';
import { loadProject } from '../../src/alembic/loading/project-model.js';
import { LATEST_ALEMBIC } from '../../src/alembic/config/alembic-version.js';
import { diskFiles } from '../../src/project/project-files.js';
import type { VersionTableState } from '../../src/database/version-table.js';
import { makeProject, migration, rev } from '../helpers/project.js';
import { insertedKeysSql } from '../../src/database/probe-sql.js';

describe('what literal SQL does to rows', () => {
  it('reads an UPDATE: its table, each assignment, its condition', () => {
    expect(rowStatement("UPDATE t SET c = 'a, b', d = coalesce(e, 1) WHERE c IS NULL")).toEqual({
      kind: 'update',
      table: 't',
      sets: [
        { column: 'c', value: "'a, b'" },
        { column: 'd', value: 'coalesce(e, 1)' },
      ],
      where: 'c IS NULL',
    });
    expect(rowStatement('update "Orders" set "Note" = 1')).toEqual({
      kind: 'update',
      table: 'Orders',
      sets: [{ column: 'Note', value: '1' }],
    });
  });

  it('reads DELETE and INSERT, and leaves every other form as other', () => {
    expect(rowStatement('DELETE FROM t')).toEqual({ kind: 'delete', table: 't' });
    expect(rowStatement('DELETE FROM t WHERE p_id NOT IN (SELECT id FROM p)')).toEqual({
      kind: 'delete',
      table: 't',
      where: 'p_id NOT IN (SELECT id FROM p)',
    });
    expect(rowStatement('INSERT INTO t (a) VALUES (1)')).toEqual({ kind: 'insert', table: 't' });
    for (const other of [
      'UPDATE t SET c = o.c FROM o WHERE o.id = t.id',
      'UPDATE public.t SET c = 1',
      'DELETE FROM t USING o WHERE o.id = t.id',
      'UPDATE t SET c = 1 RETURNING id',
      'WITH x AS (SELECT 1) UPDATE t SET c = 1',
      'ALTER TABLE t ADD COLUMN c int',
      'UPDATE t SET (a, b) = (1, 2)',
    ])
      expect(rowStatement(other), other).toEqual({ kind: 'other' });
  });

  it('splits statements at top-level semicolons only', () => {
    expect(statementsOf("UPDATE t SET c = ';'; DELETE FROM t; -- done;\n")).toEqual([
      "UPDATE t SET c = ';'",
      'DELETE FROM t',
      '-- done;',
    ]);
  });
});

async function plan(
  upgrade: string,
  tables = ['t', 'p', 'alembic_version'],
  dialect: VersionTableState['dialect'] = 'postgresql',
  catalog?: VersionTableState['catalog'],
) {
  const root = makeProject({
    'migrations/versions/a0_base.py': rev('a0', null),
    'migrations/versions/b1_step.py': migration('b1', 'a0', upgrade, 'pass', 'import sqlalchemy as sa\n'),
  });
  const model = await loadProject({ files: diskFiles(), cwd: root, alembicVersion: LATEST_ALEMBIC });
  const prediction = predictUpgrade(model.map, 'head', ['a0'], 'alembic_version');
  const state = {
    dialect,
    tables,
    rows: ['a0'],
    versionTable: 'alembic_version',
    ...(catalog ? { catalog } : {}),
  } as unknown as VersionTableState;
  return dataPlan(model, state, prediction);
}

describe('the data plan: which steps ask the rows, and what earlier steps leave', () => {
  it('asks of each step that depends on rows, with its columns and names', async () => {
    const p = await plan(
      [
        "op.alter_column('t', 'c', nullable=False)",
        "op.add_column('t', sa.Column('d', sa.Integer(), nullable=False))",
        "op.add_column('t', sa.Column('e', sa.Integer(), nullable=False, server_default='0'))",
        "op.create_unique_constraint('uq', 't', ['c', 'd'])",
        "op.create_index('ix', 't', ['c'])",
        "op.create_index('ix_u', 't', ['c'], unique=True, postgresql_where=sa.text('c > 0'))",
        "op.create_foreign_key('fk', 't', 'p', ['p_id'], ['id'])",
        "op.create_foreign_key('fk2', 't', 'p', ['p_id'], ['id'], postgresql_not_valid=True)",
        "op.create_check_constraint('ck', 't', 'c > 0')",
        "op.create_check_constraint('ck2', 't', sa.column('c') > 0)",
      ].join('\n'),
    );
    expect(p.probes.map((x) => [x.kind, x.call, x.columns, x.name ?? null])).toEqual([
      ['not-null', 'alter_column', ['c'], null],
      ['rows-exist', 'add_column', ['d'], null],
      ['foreign-key', 'create_foreign_key', ['p_id'], 'fk'],
    ]);
    expect(p.settled.map((x) => [x.probe.kind, x.result, x.why])).toEqual([
      // d is added earlier in the same upgrade, with no default: NULL in every row, and NULLs do not collide
      ['unique', 'passes', 'migrations/versions/b1_step.py:17 adds the column: NULL in every row'],
      // a CHECK may read any column: a column whose values an earlier step sets (a server default) leaves its rows unknown
      [
        'check',
        'not-checked',
        'op.add_column at migrations/versions/b1_step.py:18 changes the columns of t first',
      ],
    ]);
  });

  it("reads fix's forms: NOT VALID then VALIDATE asks the rows at the VALIDATE; its catalog guards run the step", async () => {
    const p = await plan(
      [
        'if not op.get_bind().execute(',
        '    sa.text("SELECT 1 FROM pg_constraint WHERE conname = :name"), {"name": "fk"},',
        ').scalar():',
        "    op.create_foreign_key('fk', 't', 'p', ['p_id'], ['id'], postgresql_not_valid=True)",
        'with op.get_context().autocommit_block():',
        '    op.execute(\'ALTER TABLE "t" VALIDATE CONSTRAINT "fk"\')',
        "op.create_foreign_key('fk2', 't', 'p', ['p_id'], ['id'], postgresql_not_valid=True)",
        'with op.get_context().autocommit_block():',
        '    valid = op.get_bind().execute(sa.text("SELECT 1")).scalar()',
        '    if valid is False:',
        '        op.execute(\'DROP INDEX CONCURRENTLY "uq"\')',
        '    if valid is not True:',
        "        op.create_index('uq', 't', ['c'], unique=True, postgresql_concurrently=True)",
        'ok = True',
        'if ok is not True:',
        "    op.create_index('uq2', 't', ['d'], unique=True)",
        "op.alter_column('t', 'c', nullable=False)",
      ].join('\n'),
    );
    // fk at its VALIDATE (line 21), not conditional; fk2 is never validated: no question; the unique
    // index under `valid is not True` runs; uq2 under an ordinary if may not; nothing read as a change to t
    expect(p.probes.map((x) => [x.kind, x.name ?? x.columns.join(), x.line, x.conditional])).toEqual([
      ['foreign-key', 'fk', 21, false],
      ['unique', 'uq', 28, false],
      ['unique', 'uq2', 31, true],
      ['not-null', 'c', 32, false],
    ]);
  });

  it('tests what a backfill leaves: the UPDATE becomes the value, a DELETE narrows the rows', async () => {
    const p = await plan(
      [
        'op.execute("UPDATE t SET c = 0 WHERE c IS NULL AND kind = \'a\'")',
        'op.execute("DELETE FROM t WHERE c IS NULL")',
        "op.alter_column('t', 'c', nullable=False)",
      ].join('\n'),
    );
    expect(p.probes).toHaveLength(1);
    expect(p.probes[0]!.value).toEqual({
      added: false,
      fills: [{ value: '0', where: "c IS NULL AND kind = 'a'" }],
    });
    expect(p.probes[0]!.keep).toBe('NOT COALESCE((c IS NULL), FALSE)');
  });

  it('does not guess past a step it cannot follow: it names that step', async () => {
    for (const [step, why] of [
      [
        'op.execute("INSERT INTO t (id) VALUES (9)")',
        'SQL at migrations/versions/b1_step.py:16 inserts rows into t first',
      ],
      [
        "op.bulk_insert(sa.table('t', sa.column('id')), [{'id': 9}])",
        'op.bulk_insert at migrations/versions/b1_step.py:16 may change the rows of t first',
      ],
      [
        'op.execute(f"UPDATE t SET c = {value}")',
        'SQL built at run time at migrations/versions/b1_step.py:16 may change the rows of t first',
      ],
      [
        'op.execute("UPDATE t SET c = o.c FROM o")',
        'SQL at migrations/versions/b1_step.py:16 runs SQL on t first',
      ],
    ] as const) {
      const p = await plan(`${step}\nop.alter_column('t', 'c', nullable=False)`);
      // the bulk_insert's own question about its keys aside
      expect(
        p.probes.filter((x) => x.kind !== 'inserted-keys'),
        step,
      ).toEqual([]);
      expect(
        p.settled.map((x) => [x.result, x.why]),
        step,
      ).toEqual([['not-checked', why]]);
    }
  });

  it('passes a DELETE of every row, and a column added with a server default, without a read', async () => {
    const p = await plan(
      [
        'op.execute("DELETE FROM t")',
        "op.create_index('ix', 't', ['c'], unique=True)",
        "op.add_column('p', sa.Column('d', sa.Integer(), server_default='1'))",
        "op.alter_column('p', 'd', nullable=False)",
      ].join('\n'),
    );
    expect(p.probes).toEqual([]);
    expect(p.settled.map((x) => [x.probe.kind, x.result])).toEqual([
      ['unique', 'passes'],
      ['not-null', 'passes'],
    ]);
  });

  it('leaves a table the upgrade creates alone, and what each database does not check', async () => {
    expect((await plan("op.create_index('ix', 'fresh', ['c'], unique=True)")).probes).toEqual([]);
    // MySQL fills a new NOT NULL column; SQLite checks no foreign key and refuses ALTER outside batch
    expect(
      (await plan("op.add_column('t', sa.Column('d', sa.Integer(), nullable=False))", undefined, 'mysql'))
        .probes,
    ).toEqual([]);
    expect(
      (await plan("op.create_foreign_key('fk', 't', 'p', ['p_id'], ['id'])", undefined, 'sqlite')).probes,
    ).toEqual([]);
    expect((await plan("op.alter_column('t', 'c', nullable=False)", undefined, 'sqlite')).probes).toEqual([]);
  });
});

describe('type changes whose conversion may change or refuse the values', () => {
  const catalog = (types: [string, string, string][]): VersionTableState['catalog'] => ({
    columns: types.map(([t, c]) => [t, c] as const),
    indexes: [],
    declaredTypes: types,
  });
  const alter = (col: string, type: string): string =>
    `with op.batch_alter_table("t") as b:\n    b.alter_column('${col}', type_=${type})`;
  const kinds = async (
    upgrade: string,
    dialect: VersionTableState['dialect'],
    types: [string, string, string][],
  ) =>
    (await plan(upgrade, ['t', 'alembic_version'], dialect, catalog(types))).probes.map(
      (p) => `${p.columns[0]}:${p.kind}:${p.castTo}`,
    );

  it("asks of SQLite's batch CAST only where SQLAlchemy's type class changes to a number", async () => {
    const types: [string, string, string][] = [
      ['t', 's', 'varchar(50)'],
      ['t', 'n', 'integer'],
      ['t', 'f', 'float'],
      ['t', 'd', 'text'],
      ['t', 'x', ''],
    ];
    const upgrade = [
      alter('s', 'sa.Integer()'),
      alter('n', 'sa.BigInteger()'),
      alter('f', 'sa.Integer()'),
      alter('d', 'sa.Date()'),
      alter('x', 'sa.Float()'),
      alter('s', 'sa.Text()'),
      alter('s', 'sa.JSON()'),
    ].join('\n');
    // Integer to BigInteger and String to Text keep their class (no CAST); JSON is never cast
    expect(await kinds(upgrade, 'sqlite', types)).toEqual([
      's:convert:INTEGER',
      'f:convert:INTEGER',
      'd:convert:NUMERIC',
      'x:convert:REAL',
    ]);
    // outside batch mode SQLite cannot alter a column at all (sqlite-needs-batch says so)
    expect(await kinds(`op.alter_column('t', 's', type_=sa.Integer())`, 'sqlite', types)).toEqual([]);
  });

  it('asks of MySQL a string column made an integer, and no other change', async () => {
    const types: [string, string, string][] = [
      ['t', 's', 'varchar'],
      ['t', 'b', 'char'],
      ['t', 'n', 'int'],
    ];
    const upgrade = [
      `op.alter_column('t', 's', type_=sa.BigInteger())`,
      `op.alter_column('t', 'b', type_=sa.Boolean())`,
      `op.alter_column('t', 'n', type_=sa.BigInteger())`,
    ].join('\n');
    expect(await kinds(upgrade, 'mysql', types)).toEqual(['s:convert:bigint', 'b:convert:tinyint']);
  });
});

describe("op.bulk_insert's rows", () => {
  it('reads a literal list of dicts, and asks whether the table holds their keys', async () => {
    const { probes } = await plan(
      `op.execute("DELETE FROM t WHERE id = 4")\nop.bulk_insert(sa.table('t', sa.column('id')), [{'id': 4, 'c': 'x'}, {"id": 5, 'c': None, 'b': True}, {'c': -1}])`,
    );
    expect(probes).toHaveLength(1);
    const p = probes[0]!;
    expect(p.kind).toBe('inserted-keys');
    // a negative number is an expression, not a literal the reading compares
    expect(p.inserts).toEqual([{ id: '4', c: 'x' }, { id: '5', c: null, b: true }, { c: undefined }]);
    // the key's values go as parameters; the row with no id gets its key from the database
    expect(insertedKeysSql(p, 'postgresql', ['id'], 'id')).toEqual({
      sql: 'SELECT "id" FROM "t" WHERE "id" IN ($1, $2) AND (NOT COALESCE((id = 4), FALSE)) LIMIT 4',
      params: ['4', '5'],
    });
    expect(insertedKeysSql(p, 'sqlite', ['id', 'z'])).toEqual({
      passes: 'the rows leave the primary key to the database',
    });
    expect(insertedKeysSql(p, 'mysql', ['id', 'c'])).toMatchObject({
      sql: 'SELECT 1 FROM `t` WHERE (`id`, `c`) IN ((?, ?)) AND (NOT COALESCE((id = 4), FALSE)) LIMIT 4',
      params: ['4', 'x'],
    });
    expect(insertedKeysSql(p, 'postgresql', [])).toEqual({ passes: 't has no primary key' });
    expect(insertedKeysSql(p, 'postgresql', ['c'])).toHaveProperty('unknown');
  });

  it('settles two rows with one key without a read, and leaves rows it cannot read unasked', async () => {
    const { probes } = await plan(
      `op.bulk_insert(sa.table('t'), [{'id': 1}, {'id': 1}])\nop.bulk_insert(sa.table('p'), ROWS)\nop.bulk_insert(sa.table('p'), [{**base}])`,
    );
    expect(probes.map((p) => p.table)).toEqual(['t']);
    expect(insertedKeysSql(probes[0]!, 'sqlite', ['id'])).toEqual({ duplicates: 1 });
  });
});

describe('the data arguments the step reading keeps', () => {
  it('reads columns, names and flags, positionally and by keyword, in and out of batch mode', () => {
    const steps = lockSteps(
      migration(
        'b1',
        'a0',
        [
          "op.create_unique_constraint(constraint_name='uq', table_name='t', columns=('a', 'b'))",
          "with op.batch_alter_table('t') as b:",
          "    b.create_foreign_key('fk', 'p', ['p_id'], ['id'])",
          "    b.create_index('ix', ['c'], unique=True, postgresql_nulls_not_distinct=True)",
          "    b.create_check_constraint('ck', sa.text('c > 0'))",
        ].join('\n'),
        'pass',
      ),
    ).steps;
    expect(steps.map((s) => [s.call, s.table, s.data])).toEqual([
      ['create_unique_constraint', 't', { name: 'uq', columns: ['a', 'b'] }],
      ['create_foreign_key', 't', { name: 'fk', columns: ['p_id'], referencedColumns: ['id'] }],
      ['create_index', 't', { name: 'ix', columns: ['c'], unique: true, nullsNotDistinct: true }],
      ['create_check_constraint', 't', { name: 'ck', condition: 'c > 0' }],
    ]);
  });
});
