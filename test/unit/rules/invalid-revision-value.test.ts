import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, DEFAULT_INI, makeProject } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'invalid-revision-value',
  {
    bad: () => makeProject({ [V + 'a1_x.py']: 'revision = 333\ndown_revision = None\n' }, DEFAULT_INI),
    good: () => makeProject({ [V + 'a1_x.py']: 'revision = "333"\ndown_revision = None\n' }, DEFAULT_INI),
  },
  (f) => {
    expect(f.alembicError).toBe("TypeError: 'int' object is not iterable");
  },
);

describe('invalid-revision-value: revision = ""', () => {
  it('is an error, and check finishes (an empty id once looped forever in filename-convention)', async () => {
    const root = makeProject(
      {
        [V + 'a1_x.py']: 'revision = "a1"\ndown_revision = None\n',
        [V + 'b2_x.py']: 'revision = ""\ndown_revision = "a1"\n',
      },
      DEFAULT_INI,
    );
    const r = await check(root, 'latest');
    const f = r.findings.find((x) => x.code === 'invalid-revision-value');
    expect(f?.severity).toBe('error');
    expect(f?.message).toContain('silently runs no migration');
    expect(r.ok).toBe(false);
  }, 10_000);
});

describe("invalid-revision-value: an id that is one of Alembic's words", () => {
  it.each(['head', 'heads', 'base'])('revision = %s is an error', async (id) => {
    const root = makeProject(
      {
        [V + 'a1_x.py']: 'revision = "a1"\ndown_revision = None\n',
        [V + 'b2_x.py']: `revision = "${id}"\ndown_revision = "a1"\n`,
      },
      DEFAULT_INI,
    );
    const r = await check(root, 'latest');
    const f = r.findings.find((x) => x.code === 'invalid-revision-value');
    expect(f?.message).toContain(`revision = '${id}' is one of Alembic's own words`);
    expect(r.ok).toBe(false);
  });
});
