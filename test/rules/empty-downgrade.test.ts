import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { makeProject, migration } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'empty-downgrade',
  {
    bad: () => makeProject({ [V + 'a1_x.py']: migration('a1', null, "op.add_column('t', sa.Column('x', sa.Integer()))", '"""Nothing."""\n# op.drop_column(\'t\', \'x\')\npass') }),
    good: () =>
      makeProject({
        [V + 'a1_x.py']: migration('a1', null, "op.add_column('t', sa.Column('x', sa.Integer()))", "op.drop_column('t', 'x')"),
        [V + 'b2_x.py']: migration('b2', 'a1', "op.execute('UPDATE t SET x = 1')", 'raise NotImplementedError("irreversible: data fix")'),
        [V + 'c3_x.py']: migration('c3', 'b2', 'pass', 'pass'),
      }),
  },
  (f) => {
    expect(f.line).toBe(20);
    expect(f.message).toContain('op.add_column');
    expect(f.hint).toContain('NotImplementedError');
  },
);
