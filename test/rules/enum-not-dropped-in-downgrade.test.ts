import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { makeProject, migration } from '../helpers/project.js';

const V = 'migrations/versions/';
const UP = "op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('status', sa.Enum('new', 'paid', name='order_status')))";

describeRule(
  'enum-not-dropped-in-downgrade',
  {
    bad: () => makeProject({ [V + 'a1_x.py']: migration('a1', null, UP, "op.drop_table('orders')") }),
    good: () =>
      makeProject({
        [V + 'a1_x.py']: migration('a1', null, UP, "op.drop_table('orders')\nsa.Enum(name='order_status').drop(op.get_bind(), checkfirst=True)"),
        [V + 'b2_x.py']: migration('b2', 'a1', "op.create_table('t', sa.Column('k', sa.Enum('a', name='kind')))", "op.drop_table('t')\nop.execute('DROP TYPE IF EXISTS kind')"),
        [V + 'c3_x.py']: migration('c3', 'b2', "op.add_column('t', sa.Column('k2', postgresql.ENUM('a', name='kind', create_type=False)))", "op.drop_column('t', 'k2')"),
      }),
  },
  (f) => {
    expect(f.message).toContain("'order_status'");
    expect(f.line).toBe(17);
    expect(f.hint).toContain('sa.Enum(name="order_status").drop(op.get_bind(), checkfirst=True)');
  },
);
