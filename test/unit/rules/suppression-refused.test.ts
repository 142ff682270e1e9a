import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, check, makeProject, migration, rev } from '../../helpers/project.js';
import { runCheck } from '../../../src/check/run-check.js';
import { DEFAULT_POLICY } from '../../../src/check/policy.js';

const V = 'migrations/versions/';
const LONG = 'guest_lockout_and_password_reset_000000001';
const PARAMS = 'op.execute(sa.text("UPDATE t SET x = :x"), {"x": 1})';
/** A 3.12-only line: an f-string that reuses its own quotes. */
const NESTED = '\nX = f"{"nested"}"\n';

describeRule(
  'suppression-refused',
  {
    // a 40-character id: the upgrade fails on alembic_version's VARCHAR(32), whatever a comment says
    bad: () =>
      makeProject(
        {
          [V + 'x_long.py']: rev(LONG, null).replace(
            `revision = '${LONG}'`,
            `# alembic-preflight: ignore revision-id-too-long -- we widened the column\nrevision = '${LONG}'`,
          ),
        },
        DEFAULT_INI,
      ),
    // a lint, an advisory finding, is suppressed as before
    good: () =>
      makeProject(
        {
          [V + 'a1_x.py']: migration(
            'a1',
            null,
            `${PARAMS}  # alembic-preflight: ignore execute-with-params-argument -- Alembic 1.8 reads it as options here`,
            'pass',
          ),
        },
        DEFAULT_INI,
      ),
  },
  (f, r) => {
    expect(f.severity).toBe('warning');
    expect(f.message).toBe(
      `The "# alembic-preflight: ignore revision-id-too-long" at ${V}x_long.py:8 is not applied: revision-id-too-long predicts a failure (${LONG}), so it can be fixed but not suppressed.`,
    );
    expect(r.findings.find((x) => x.code === 'revision-id-too-long')?.severity).toBe('error');
    expect(r.suppressed).toEqual([]);
    expect(r.ok).toBe(false);
  },
);

describe('no suppression turns a predicted failure into OK', () => {
  it('needs-newer-python on a 3.11 app: the comment is refused, and check still blocks', async () => {
    const file = rev('b2', 'a1', NESTED).replace(
      'X = f"{"nested"}"',
      'X = f"{"nested"}"  # alembic-preflight: ignore needs-newer-python -- we run 3.12 in CI',
    );
    const r = await check(
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: file, 'runtime.txt': 'python-3.11.9\n' },
        DEFAULT_INI,
      ),
    );
    expect(r.findings.find((f) => f.code === 'needs-newer-python')?.severity).toBe('error');
    expect(r.findings.map((f) => f.code)).toContain('suppression-refused');
    expect(r.ok).toBe(false);
  });

  it('an ignore in the settings, or --ignore, is refused for a predicted failure and applied to a lint', async () => {
    const root = makeProject(
      {
        [V + 'x_long.py']: rev(LONG, null),
        [V + 'a1_x.py']: migration('a1', LONG, PARAMS, 'pass'),
        'pyproject.toml':
          '[[tool.alembic-preflight.ignore]]\nrule = "revision-id-too-long"\nreason = "we widened the column"\n\n[[tool.alembic-preflight.ignore]]\nrule = "execute-with-params-argument"\nreason = "pinned to Alembic 1.8"\n',
      },
      DEFAULT_INI,
    );
    const r = await check(root);
    const codes = r.findings.map((f) => f.code);
    expect(codes).toContain('revision-id-too-long');
    expect(codes).not.toContain('execute-with-params-argument');
    expect(r.findings.find((f) => f.code === 'suppression-refused')!.message).toBe(
      `The ignore of revision-id-too-long in the settings is not applied: revision-id-too-long predicts a failure (${LONG}), so it can be fixed but not suppressed.`,
    );
    expect(r.ok).toBe(false);
    const flag = runCheck(r.model, { policy: { ...DEFAULT_POLICY, ignore: ['revision-id-too-long'] } });
    expect(flag.findings.map((f) => f.code)).toEqual(
      expect.arrayContaining(['revision-id-too-long', 'suppression-refused']),
    );
    expect(flag.ok).toBe(false);
  });
});
