import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'missing-down-revision',
  {
    bad: () =>
      makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'gone999') }, DEFAULT_INI),
    good: () =>
      makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1') }, DEFAULT_INI),
  },
  (f) => {
    expect(f.alembicError).toBe("KeyError: 'gone999'");
    expect(f.line).toBe(9);
  },
);

describe('missing-down-revision: a down_revision that is not a string', () => {
  it('shows the value as Python would, not as an internal key, and the TypeError Alembic raises', async () => {
    const root = makeProject(
      { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: "revision = 'b2'\ndown_revision = 1234\n" },
      DEFAULT_INI,
    );
    const r = await check(root, 'latest');
    const f = r.findings.find((x) => x.code === 'missing-down-revision');
    expect(f?.message).toContain('down_revision holds 1234, which is not a string');
    expect(f?.alembicError).toBe('TypeError: sequence item 0: expected str instance, int found');
    expect(f?.hint).toContain('Quote the id');
    expect(`${f?.message}${f?.hint}`).not.toContain('\u0000');
  });
});
