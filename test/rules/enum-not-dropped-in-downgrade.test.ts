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

describe('enum-not-dropped-in-downgrade: a type renamed away', () => {
  const reported = async (downgrade: string): Promise<number> => {
    const upgrade = "op.execute('ALTER TYPE servicetype RENAME TO servicetype_old')\nt = postgresql.ENUM('mailgun', name='servicetype')\nt.create(op.get_bind())\nop.add_column('config', sa.Column('service', t))\nop.drop_column('config', 'service_old')\nop.execute('DROP TYPE servicetype_old')";
    return (await check(makeProject({ [V + 'a1_x.py']: migration('a1', null, upgrade, downgrade) }))).findings.filter((f) => f.code === 'enum-not-dropped-in-downgrade').length;
  };

  it('is quiet when downgrade() renames the type out of the way, as the swap-an-enum pattern does (Fides)', async () => {
    expect(await reported("op.execute('alter type servicetype rename to servicetype_old')\nop.drop_column('config', 'service')\nop.execute('drop type servicetype_old')")).toBe(0);
    expect(await reported("op.execute('ALTER TYPE public.\"servicetype\" RENAME TO servicetype_old')\nop.drop_column('config', 'service')")).toBe(0);
  });

  it('still reports when downgrade() renames another type, or only a value', async () => {
    expect(await reported("op.execute('ALTER TYPE servicetype_x RENAME TO y')\nop.drop_column('config', 'service')")).toBe(1);
    expect(await reported("op.execute(\"ALTER TYPE servicetype RENAME VALUE 'a' TO 'b'\")\nop.drop_column('config', 'service')")).toBe(1);
  });
});

describe('enum-not-dropped-in-downgrade: alter_column types', () => {
  it('does not take existing_type= or type_= of alter_column for a created type (Fides turns an enum column into a string)', async () => {
    const count = async (upgrade: string, downgrade: string): Promise<number> =>
      (await check(makeProject({ [V + 'a1_x.py']: migration('a1', null, upgrade, downgrade, 'import sqlalchemy as sa\nfrom app.models import ConsentMechanism\n') }))).findings.filter((f) => f.code === 'enum-not-dropped-in-downgrade').length;
    const down = "op.alter_column('history', 'preference', type_=sa.Enum(ConsentMechanism), existing_type=sa.String())\nop.drop_column('history', 'extra')";
    expect(await count("op.alter_column('history', 'preference', type_=sa.String(), existing_type=sa.Enum(ConsentMechanism))\nop.add_column('history', sa.Column('extra', sa.String()))", down)).toBe(0);
    // a column created with the type still counts
    expect(await count("op.add_column('history', sa.Column('extra', sa.Enum(ConsentMechanism)))", down)).toBe(1);
  });
});
