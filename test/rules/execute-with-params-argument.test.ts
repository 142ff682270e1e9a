import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { makeProject, migration } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'execute-with-params-argument',
  {
    bad: () => makeProject({ [V + 'a1_x.py']: migration('a1', null, 'op.execute(sa.text("UPDATE t SET x = :x"), {"x": 1})', 'pass') }),
    good: () =>
      makeProject({
        [V + 'a1_x.py']: migration('a1', null, 'op.execute(sa.text("UPDATE t SET x = :x").bindparams(x=1))\nop.get_bind().execute(sa.text("UPDATE t SET x = :x"), {"x": 1})\nop.execute("SELECT 1", execution_options={"a": 1})', 'pass'),
      }),
  },
  (f) => {
    expect(f.severity).toBe('error');
    expect(f.message).toContain('{"x": 1}');
    expect(f.hint).toContain('.bindparams(');
  },
);
