import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { makeProject, migration } from '../helpers/project.js';

const V = 'migrations/versions/';
const USERS = "op.create_table('users', sa.Column('id', postgresql.UUID(as_uuid=True), primary_key=True))";

describeRule(
  'foreign-key-type-mismatch',
  {
    // the referenced key's type comes from an earlier migration (and survives a rename)
    bad: () =>
      makeProject({
        [V + 'a1_x.py']: migration('a1', null, USERS, "op.drop_table('users')"),
        [V + 'b2_x.py']: migration('b2', 'a1', "op.rename_table('users', 'accounts')", "op.rename_table('accounts', 'users')"),
        [V + 'c3_x.py']: migration('c3', 'b2', "op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('account_id', sa.Integer(), sa.ForeignKey('accounts.id')))", "op.drop_table('orders')"),
      }),
    good: () =>
      makeProject({
        [V + 'a1_x.py']: migration('a1', null, USERS, "op.drop_table('users')"),
        [V + 'b2_x.py']: migration('b2', 'a1', "op.rename_table('users', 'accounts')", "op.rename_table('accounts', 'users')"),
        [V + 'c3_x.py']: migration(
          'c3',
          'b2',
          "op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('account_id', postgresql.UUID(as_uuid=True), sa.ForeignKey('accounts.id')), sa.Column('owner_id', sa.ForeignKey('accounts.id')))",
          "op.drop_table('orders')",
        ),
        // altered to match before the key is created
        [V + 'd4_x.py']: migration('d4', 'c3', "op.add_column('orders', sa.Column('buyer', sa.Integer()))\nop.alter_column('orders', 'buyer', type_=postgresql.UUID(as_uuid=True))\nop.create_foreign_key('fk_buyer', 'orders', 'accounts', ['buyer'], ['id'])", "op.drop_column('orders', 'buyer')"),
      }),
  },
  (f) => {
    expect(f.revision).toBe('c3');
    expect(f.message).toContain('orders.account_id (sa.Integer()) references accounts.id (postgresql.UUID(as_uuid=True)');
    expect(f.message).toContain('incompatible types: integer and uuid');
    expect(f.hint).toContain('postgresql.UUID(as_uuid=True)');
  },
);
