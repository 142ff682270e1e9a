import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, makeProject, migration } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'execute-with-params-argument',
  {
    bad: () =>
      makeProject({
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          'op.execute(sa.text("UPDATE t SET x = :x"), {"x": 1})',
          'pass',
        ),
      }),
    good: () =>
      makeProject({
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          'op.execute(sa.text("UPDATE t SET x = :x").bindparams(x=1))\nop.get_bind().execute(sa.text("UPDATE t SET x = :x"), {"x": 1})\nop.execute("SELECT 1", execution_options={"a": 1})',
          'pass',
        ),
      }),
  },
  (f) => {
    expect(f.severity).toBe('error');
    expect(f.message).toContain('{"x": 1}');
    expect(f.hint).toContain('.bindparams(');
  },
);

describe('execute-with-params-argument: Python 3.15 lazy imports', () => {
  it('still reads `op` and `sa` when the migration imports them lazily (PEP 810), which the lint grammar does not know', async () => {
    const file = migration('a1', null, 'op.execute(sa.text("UPDATE t SET x = :x"), {"x": 1})', 'pass')
      .replace('from alembic import op', 'lazy from alembic import op')
      .replace('import sqlalchemy as sa', 'lazy import sqlalchemy as sa');
    expect(file).toContain('lazy import sqlalchemy as sa');
    const r = await check(makeProject({ [V + 'a1_x.py']: file, '.python-version': '3.15\n' }));
    expect(r.findings.map((f) => f.code)).toContain('execute-with-params-argument');
  });
});
