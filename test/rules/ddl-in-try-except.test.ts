import { expect } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { makeProject, migration } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'ddl-in-try-except',
  {
    bad: () =>
      makeProject({
        [V + 'a1_x.py']: migration('a1', null, "try:\n    op.create_index('ix_a', 'a', ['x'])\nexcept Exception:\n    pass", "op.drop_index('ix_a')"),
      }),
    // a savepoint, a re-raise and a plain check are all fine
    good: () =>
      makeProject({
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          "try:\n    with op.get_bind().begin_nested():\n        op.create_index('ix_a', 'a', ['x'])\nexcept Exception:\n    pass\ntry:\n    op.drop_index('ix_b')\nexcept Exception:\n    log('x')\n    raise\ntry:\n    import json\nexcept ImportError:\n    json = None",
          "op.drop_index('ix_a')",
        ),
      }),
  },
  (f) => {
    expect(f.severity).toBe('error');
    expect(f.line).toBe(17);
    expect(f.message).toContain('op.create_index');
    expect(f.message).toContain('current transaction is aborted');
    expect(f.hint).toContain('begin_nested');
  },
);
