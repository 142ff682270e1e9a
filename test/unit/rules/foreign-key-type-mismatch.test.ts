import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/check/finding.js';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, makeProject, migration } from '../../helpers/project.js';

const V = 'migrations/versions/';
const USERS = "op.create_table('users', sa.Column('id', postgresql.UUID(as_uuid=True), primary_key=True))";

describeRule(
  'foreign-key-type-mismatch',
  {
    // the referenced key's type comes from an earlier migration (and survives a rename)
    bad: () =>
      makeProject({
        [V + 'a1_x.py']: migration('a1', null, USERS, "op.drop_table('users')"),
        [V + 'b2_x.py']: migration(
          'b2',
          'a1',
          "op.rename_table('users', 'accounts')",
          "op.rename_table('accounts', 'users')",
        ),
        [V + 'c3_x.py']: migration(
          'c3',
          'b2',
          "op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('account_id', sa.Integer(), sa.ForeignKey('accounts.id')))",
          "op.drop_table('orders')",
        ),
      }),
    good: () =>
      makeProject({
        [V + 'a1_x.py']: migration('a1', null, USERS, "op.drop_table('users')"),
        [V + 'b2_x.py']: migration(
          'b2',
          'a1',
          "op.rename_table('users', 'accounts')",
          "op.rename_table('accounts', 'users')",
        ),
        [V + 'c3_x.py']: migration(
          'c3',
          'b2',
          "op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('account_id', postgresql.UUID(as_uuid=True), sa.ForeignKey('accounts.id')), sa.Column('owner_id', sa.ForeignKey('accounts.id')))",
          "op.drop_table('orders')",
        ),
        // altered to match before the key is created
        [V + 'd4_x.py']: migration(
          'd4',
          'c3',
          "op.add_column('orders', sa.Column('buyer', sa.Integer()))\nop.alter_column('orders', 'buyer', type_=postgresql.UUID(as_uuid=True))\nop.create_foreign_key('fk_buyer', 'orders', 'accounts', ['buyer'], ['id'])",
          "op.drop_column('orders', 'buyer')",
        ),
      }),
  },
  (f) => {
    expect(f.revision).toBe('c3');
    expect(f.message).toContain(
      'orders.account_id (sa.Integer()) references accounts.id (postgresql.UUID(as_uuid=True)',
    );
    expect(f.message).toContain('incompatible types: integer and uuid');
    expect(f.hint).toContain('postgresql.UUID(as_uuid=True)');
  },
);

describe('foreign-key-type-mismatch: the replay never claims a type it could not see', () => {
  const INT_USERS = "op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True))";
  const TEXT_FK =
    "op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('user_id', sa.UnicodeText(), sa.ForeignKey('users.id')))";
  const project = (changeIds: string, header?: string): string =>
    makeProject({
      [V + 'a1_x.py']: migration('a1', null, INT_USERS, "op.drop_table('users')"),
      [V + 'b2_x.py']: migration('b2', 'a1', changeIds, 'pass', header),
      [V + 'c3_x.py']: migration('c3', 'b2', TEXT_FK, "op.drop_table('orders')"),
    });
  const fkFindings = async (dir: string): Promise<Finding[]> =>
    (await check(dir, 'latest')).findings.filter((f) => f.code === 'foreign-key-type-mismatch');

  it('still reports when the change in between touches another column', async () => {
    const found = await fkFindings(project("op.alter_column('users', 'name', type_=sa.UnicodeText())"));
    expect(found.map((f) => [f.revision, f.severity])).toEqual([['c3', 'error']]);
  });

  it('a table name in a variable makes that column unknown in every table (CKAN converts ids in a loop)', async () => {
    expect(
      await fkFindings(project("for t in ['users']:\n    op.alter_column(t, 'id', type_=sa.UnicodeText)")),
    ).toEqual([]);
  });

  it('a batch table in a variable does too', async () => {
    expect(
      await fkFindings(
        project(
          "for t in ['users']:\n    with op.batch_alter_table(t) as b:\n        b.alter_column('id', type_=sa.UnicodeText)",
        ),
      ),
    ).toEqual([]);
  });

  it('a column re-added under a table name in a variable does too', async () => {
    expect(
      await fkFindings(
        project(
          "for t in ['users']:\n    op.drop_column(t, 'id')\n    op.add_column(t, sa.Column('id', sa.UnicodeText()))",
        ),
      ),
    ).toEqual([]);
  });

  it('raw SQL that alters the table forgets it', async () => {
    expect(await fkFindings(project('op.execute("ALTER TABLE users ALTER COLUMN id TYPE text")'))).toEqual(
      [],
    );
  });

  it('raw SQL built at run time forgets every table', async () => {
    expect(
      await fkFindings(
        project("for t in ['users']:\n    op.execute(f'ALTER TABLE {t} ALTER COLUMN id TYPE text')"),
      ),
    ).toEqual([]);
    expect(
      await fkFindings(project("op.execute('ALTER TABLE %s ALTER COLUMN id TYPE text' % 'users')")),
    ).toEqual([]);
  });

  it("replays the module's own helper functions where upgrade() calls them", async () => {
    const helper =
      "import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n\n\ndef _to_text(table):\n    op.alter_column('users', 'id', type_=sa.UnicodeText())\n";
    expect(await fkFindings(project("_to_text('users')", helper))).toEqual([]);
    // and sees a mismatch made inside one: the key is on line 12, in _create()
    const bad = makeProject({
      [V + 'a1_x.py']: migration(
        'a1',
        null,
        '_create()',
        "op.drop_table('orders')\nop.drop_table('users')",
        'import sqlalchemy as sa\n\n\ndef _create():\n    ' + INT_USERS + '\n    ' + TEXT_FK + '\n',
      ),
    });
    expect((await fkFindings(bad)).map((f) => f.line)).toEqual([12]);
  });

  it("a project's own type is not the SQLAlchemy type its name suggests (tacker's types.Uuid is a String(36) TypeDecorator)", async () => {
    const header =
      'import sqlalchemy as sa\nfrom app.db import types\nfrom app.db.types import Uuid as AppUuid\n';
    const dir = makeProject({
      [V + 'a1_x.py']: migration(
        'a1',
        null,
        "op.create_table('subs', sa.Column('id', types.Uuid(length=36), primary_key=True), sa.Column('key', AppUuid(), unique=True))",
        "op.drop_table('subs')",
        header,
      ),
      [V + 'b2_x.py']: migration(
        'b2',
        'a1',
        "op.create_table('filters', sa.Column('sub_id', sa.String(length=36), sa.ForeignKey('subs.id')), sa.Column('sub_key', sa.String(36), sa.ForeignKey('subs.key')))",
        "op.drop_table('filters')",
        header,
      ),
    });
    expect(await fkFindings(dir)).toEqual([]);
    // SQLAlchemy's own Uuid, however it is imported, still is one
    const sqla = makeProject({
      [V + 'a1_x.py']: migration(
        'a1',
        null,
        "op.create_table('subs', sa.Column('id', sa.types.Uuid(), primary_key=True), sa.Column('key', U(), unique=True))",
        "op.drop_table('subs')",
        'import sqlalchemy as sa\nfrom sqlalchemy import Uuid as U\n',
      ),
      [V + 'b2_x.py']: migration(
        'b2',
        'a1',
        "op.create_table('filters', sa.Column('sub_id', sa.String(length=36), sa.ForeignKey('subs.id')), sa.Column('sub_key', sa.String(36), sa.ForeignKey('subs.key')))",
        "op.drop_table('filters')",
      ),
    });
    expect((await fkFindings(sqla)).map((f) => [f.revision, f.severity])).toEqual([
      ['b2', 'error'],
      ['b2', 'error'],
    ]);
  });

  it('types of one family (varchar and text) are a warning, not a blocking error: PostgreSQL creates the key', async () => {
    const dir = makeProject({
      [V + 'a1_x.py']: migration(
        'a1',
        null,
        "op.create_table('tags', sa.Column('id', sa.UnicodeText(), primary_key=True))",
        "op.drop_table('tags')",
      ),
      [V + 'b2_x.py']: migration(
        'b2',
        'a1',
        "op.create_table('items', sa.Column('tag_id', sa.String(100), sa.ForeignKey('tags.id')))",
        "op.drop_table('items')",
      ),
    });
    const r = await check(dir, 'latest');
    expect(r.findings.filter((f) => f.code === 'foreign-key-type-mismatch').map((f) => f.severity)).toEqual([
      'warning',
    ]);
    expect(r.ok).toBe(true);
  });

  it('text and a varchar without a length are one type to PostgreSQL (Fides keys taxonomy parents this way)', async () => {
    const fk = (refType: string, colType: string) =>
      fkFindings(
        makeProject({
          [V + 'a1_x.py']: migration(
            'a1',
            null,
            `op.create_table('tags', sa.Column('id', ${refType}, primary_key=True))`,
            "op.drop_table('tags')",
          ),
          [V + 'b2_x.py']: migration(
            'b2',
            'a1',
            `op.create_table('items', sa.Column('tag_id', ${colType}, sa.ForeignKey('tags.id')))`,
            "op.drop_table('items')",
          ),
        }),
      );
    expect(await fk('sa.String()', 'sa.Text()')).toEqual([]);
    expect(await fk('sa.Text()', 'sa.String')).toEqual([]);
    expect(await fk('sa.Text()', 'sa.String(length=36)')).toHaveLength(1);
    expect(await fk('sa.Text()', 'sa.CHAR()')).toHaveLength(1);
  });
});

describe('foreign-key-type-mismatch: the files the replay skips never change a site', () => {
  const fk = async (files: Record<string, string>): Promise<string[]> =>
    (await check(makeProject(files), 'latest')).findings
      .filter((f) => f.code === 'foreign-key-type-mismatch')
      .map((f) => `${f.revision}:${f.severity}`);
  const ORDERS =
    "op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('user_id', sa.String(36), sa.ForeignKey('users.id')))";

  it('follows a rename back to where the referenced table was created', async () => {
    expect(
      await fk({
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          "op.create_table('accounts', sa.Column('id', sa.Integer(), primary_key=True))",
          "op.drop_table('accounts')",
        ),
        [V + 'b2_x.py']: migration(
          'b2',
          'a1',
          "op.rename_table('accounts', 'users')",
          "op.rename_table('users', 'accounts')",
        ),
        [V + 'c3_x.py']: migration(
          'c3',
          'b2',
          "op.create_table('unrelated', sa.Column('id', sa.Integer()))",
          "op.drop_table('unrelated')",
        ),
        [V + 'd4_x.py']: migration('d4', 'c3', ORDERS, "op.drop_table('orders')"),
      }),
    ).toEqual(['d4:error']);
  });

  it('replays a file whose operation names its table through a variable, which makes the type unknown', async () => {
    expect(
      await fk({
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          "op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True))",
          "op.drop_table('users')",
        ),
        [V + 'b2_x.py']: migration(
          'b2',
          'a1',
          "op.alter_column(TABLE, 'id', type_=sa.String(36))",
          'pass',
          "import sqlalchemy as sa\nTABLE = 'us' + 'ers'\n",
        ),
        [V + 'c3_x.py']: migration('c3', 'b2', ORDERS, "op.drop_table('orders')"),
      }),
    ).toEqual([]);
  });
});

describe('foreign-key-type-mismatch reads only the types it knows', () => {
  it("takes a type named like an object's own property in JavaScript (constructor) for an unknown type: nothing to compare", async () => {
    const r = await check(
      makeProject({
        [V + 'a1_x.py']: migration('a1', null, USERS, "op.drop_table('users')"),
        [V + 'b2_x.py']: migration(
          'b2',
          'a1',
          "op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('user_id', constructor, sa.ForeignKey('users.id')))",
          "op.drop_table('orders')",
        ),
      }),
    );
    expect(r.findings.filter((f: Finding) => f.code === 'foreign-key-type-mismatch')).toEqual([]);
  });
});

describe('foreign-key-type-mismatch: the message when both tables are created in the same migration', () => {
  it('says the type is the one the migrations up to this line leave, not one an earlier migration left (Lukovka)', async () => {
    const up =
      "op.create_table('depots', sa.Column('id', sa.BigInteger(), primary_key=True))\nop.create_table('lots', sa.Column('id', sa.BigInteger(), primary_key=True), sa.Column('depot_id', sa.Integer(), sa.ForeignKey('depots.id')))";
    const found = (
      await check(
        makeProject({
          ['migrations/versions/a1_x.py']: migration(
            'a1',
            null,
            up,
            "op.drop_table('lots')\nop.drop_table('depots')",
          ),
        }),
      )
    ).findings.filter((f) => f.code === 'foreign-key-type-mismatch');
    expect(
      found.map((f) =>
        f.message.includes('depots.id (sa.BigInteger(), as the migrations up to this line leave it)'),
      ),
    ).toEqual([true]);
    expect(found[0]!.message).not.toContain('before this one');
  });
});
