import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { lockFixture } from '../../helpers/lock-fixture.js';
import { postgresForSuite } from '../../helpers/postgres-suite.js';

describe('breaks-serving-release', () => {
  const pg = postgresForSuite();

  it('a pending drop_column is reported as breaking the release still serving, whatever the table size', async () => {
    const { root, url } = await lockFixture(pg(), 'serving_drop', 10, "op.drop_column('orders', 'note')");
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    const f = out.result.findings.filter((x) => x.code === 'breaks-serving-release');
    expect(f.map((x) => [x.severity, x.title, x.path, x.line])).toEqual([
      ['warning', 'drops column orders.note under the serving release', 'migrations/versions/b1_step.py', 17],
    ]);
    expect(f[0]!.hint).toContain('Expand, then contract, over two releases');
    // small table: no lock finding, only the serving one
    expect(out.result.findings.map((x) => x.code)).not.toContain('lock-on-large-table');
  }, 60_000);

  it('renames, type changes and a new NOT NULL are reported; an added nullable column and a table the upgrade creates are not', async () => {
    const steps = [
      "op.alter_column('orders', 'note', new_column_name='memo')",
      "op.alter_column('orders', 'amount', type_=sa.BigInteger())",
      "op.alter_column('orders', 'customer_id', nullable=False)",
      "op.add_column('orders', sa.Column('extra', sa.Integer(), nullable=True))",
      "op.create_table('fresh', sa.Column('id', sa.Integer(), primary_key=True))",
      "op.drop_column('fresh', 'id')",
    ].join('\n');
    const { root, url } = await lockFixture(pg(), 'serving_mixed', 10, steps);
    const out = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    expect(
      out.result.findings.filter((x) => x.code === 'breaks-serving-release').map((x) => x.title),
    ).toEqual([
      'renames column orders.note under the serving release',
      'changes the type of column orders.amount under the serving release',
      'makes column orders.customer_id NOT NULL under the serving release',
    ]);
    // a title leaves out what does not fit on the first line; the why says all of it
    expect(
      out.result.findings
        .filter((x) => x.code === 'breaks-serving-release')
        .map((x) => x.message.split('. ')[0]),
    ).toEqual([
      'op.alter_column renames column orders.note while the old release still serves',
      'op.alter_column changes the type of column orders.amount while the old release still serves',
      'op.alter_column makes column orders.customer_id NOT NULL while the old release still serves',
    ]);
  }, 60_000);
});
