import { describe, expect, it } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { check, makeProject, migration } from '../helpers/project.js';

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

describe('enum-not-dropped-in-downgrade: a type created only when missing', () => {
  const reported = async (upgrade: string): Promise<number> =>
    (await check(makeProject({ [V + 'a1_x.py']: migration('a1', null, upgrade, "op.drop_column('annotation', 'status')") }))).findings.filter((f) => f.code === 'enum-not-dropped-in-downgrade').length;
  const ENUM = "status_type = postgresql.ENUM('APPROVED', 'SPAM', name='moderationstatus')";
  const ADD = "op.add_column('annotation', sa.Column('status', status_type, nullable=True))";

  it('is quiet when upgrade() creates it with checkfirst=True: the next upgrade does not fail (Hypothesis)', async () => {
    expect(await reported(`${ENUM}\nstatus_type.create(op.get_bind(), checkfirst=True)\n${ADD}`)).toBe(0);
    expect(await reported(`${ENUM}\nstatus_type.create(op.get_bind(), True)\n${ADD}`)).toBe(0);
    expect(await reported(`postgresql.ENUM('a', name='moderationstatus').create(op.get_bind(), checkfirst=True)`)).toBe(0);
  });

  it('still reports a plain create, checkfirst=False, or checkfirst on another type', async () => {
    expect(await reported(`${ENUM}\nstatus_type.create(op.get_bind())\n${ADD}`)).toBe(1);
    expect(await reported(`${ENUM}\nstatus_type.create(op.get_bind(), checkfirst=False)\n${ADD}`)).toBe(1);
    expect(await reported(`${ENUM}\nother = postgresql.ENUM('b', name='other')\nother.create(op.get_bind(), checkfirst=True)\nstatus_type.create(op.get_bind())\n${ADD}`)).toBe(1);
  });
});
