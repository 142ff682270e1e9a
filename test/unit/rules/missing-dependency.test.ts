import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'missing-dependency',
  {
    bad: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1', "depends_on = 'a1xx'") },
        DEFAULT_INI,
      ),
    good: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1', "depends_on = 'a1'") },
        DEFAULT_INI,
      ),
  },
  (f) => {
    expect(f.alembicError).toBe("KeyError: 'a1xx'");
  },
);

describe('missing-dependency in several revisions', () => {
  it('names every KeyError Alembic may raise first, because it walks a Python set of revisions (run-to-run order)', async () => {
    const dep = (id: string, down: string | null, deps: string) =>
      rev(id, down).replace('depends_on = None', `depends_on = ${deps}`);
    const r = await check(
      makeProject({
        [V + 'a1_x.py']: dep('a1', null, "'gone1'"),
        [V + 'b2_x.py']: dep('b2', 'a1', "('gone2', 'gone4')"),
        [V + 'c3_x.py']: dep('c3', 'b2', "'gone3'"),
      }),
    );
    // gone4 is never first: b2's own dependencies are walked in tuple order
    expect([r.alembicError, ...r.alembicErrorAlternatives].sort()).toEqual([
      "KeyError: 'gone1'",
      "KeyError: 'gone2'",
      "KeyError: 'gone3'",
    ]);
    const single = await check(makeProject({ [V + 'a1_x.py']: dep('a1', null, "('gone1', 'gone2')") }));
    expect(single.alembicError).toBe("KeyError: 'gone1'");
    expect(single.alembicErrorAlternatives).toEqual([]);
  });
});
