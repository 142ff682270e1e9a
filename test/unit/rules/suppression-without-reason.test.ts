import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, makeProject, migration } from '../../helpers/project.js';

const V = 'migrations/versions/';
const PARAMS = 'op.execute(sa.text("UPDATE t SET x = :x"), {"x": 1})';

describeRule(
  'suppression-without-reason',
  {
    bad: () =>
      makeProject({
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          `${PARAMS}  # alembic-preflight: ignore execute-with-params-argument`,
          'pass',
        ),
      }),
    good: () =>
      makeProject({
        [V + 'a1_x.py']: migration(
          'a1',
          null,
          `${PARAMS}  # alembic-preflight: ignore execute-with-params-argument -- Alembic 1.8 reads it as options here`,
          'pass',
        ),
      }),
  },
  (f) => {
    expect(f.severity).toBe('warning');
    expect(f.message).toMatch(/gives no reason, so it suppresses nothing\.$/u);
  },
);

describe('# alembic-preflight: ignore comments in revision files', () => {
  it('set aside the finding on their line, with the reason, and no other', async () => {
    const body = `${PARAMS}  # alembic-preflight: ignore execute-with-params-argument -- legacy data fix\n${PARAMS}`;
    const r = await check(makeProject({ [V + 'a1_x.py']: migration('a1', null, body, 'pass') }));
    const found = r.findings.filter((f) => f.code === 'execute-with-params-argument');
    expect(found).toHaveLength(1);
    expect(r.suppressed).toEqual([
      {
        code: 'execute-with-params-argument',
        severity: 'error',
        path: `${V}a1_x.py`,
        line: found[0]!.line! - 1,
        reason: 'legacy data fix',
        directiveLine: found[0]!.line! - 1,
      },
    ]);
    expect(r.ok).toBe(false);
  });

  it('above `revision = …` cover the whole file; a missing reason or an unknown code applies nothing', async () => {
    const top = migration('a1', null, `${PARAMS}\n${PARAMS}`, 'pass').replace(
      "revision = 'a1'",
      "# alembic-preflight: ignore execute-with-params-argument, empty-downgrade -- replayed by hand in 2019\nrevision = 'a1'",
    );
    const r = await check(makeProject({ [V + 'a1_x.py']: top }));
    expect(r.findings.map((f) => f.code)).not.toContain('execute-with-params-argument');
    expect(r.suppressed.map((s) => s.code)).toEqual([
      'execute-with-params-argument',
      'execute-with-params-argument',
    ]);
    expect(r.ok).toBe(true);
    const typo = migration(
      'a1',
      null,
      `${PARAMS}  # alembic-preflight: ignore execute-with-param -- typo`,
      'pass',
    );
    const t = await check(makeProject({ [V + 'a1_x.py']: typo }));
    expect(t.findings.map((f) => f.code)).toEqual(
      expect.arrayContaining(['execute-with-params-argument', 'suppression-without-reason']),
    );
    expect(t.findings.find((f) => f.code === 'suppression-without-reason')!.message).toContain(
      "names 'execute-with-param', which no finding has",
    );
  });
});
