import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { DEFAULT_INI, check, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'docstring-mismatch',
  {
    bad: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + 'b2_x.py']: rev('b2', 'a1').replace('Revises: a1', 'Revises: zz9'),
        },
        DEFAULT_INI,
      ),
    good: () =>
      makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1') }, DEFAULT_INI),
  },
  (f) => {
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('Revises: zz9');
  },
);

describe('docstring-mismatch reads the ways a "Revises:" line is written', () => {
  const mismatches = async (files: Record<string, string>): Promise<string[]> =>
    (await check(makeProject(files, DEFAULT_INI))).findings
      .filter((f) => f.code === 'docstring-mismatch')
      .map((f) => f.message);

  it('takes "Revises: None" for a base and a tuple repr for a merge (quay, Manila, Octavia, privacyIDEA)', async () => {
    expect(
      await mismatches({
        [V + 'a1_x.py']: rev('a1', null).replace('Revises: \n', 'Revises: None\n'),
        [V + 'b2_x.py']: rev('b2', 'a1'),
        [V + 'c3_x.py']: rev('c3', 'a1'),
        [V + 'd4_x.py']: rev('d4', "('b2', 'c3')").replace('Revises: b2, c3', "Revises: ('b2', 'c3')"),
      }),
    ).toEqual([]);
  });

  it('still reports a tuple or None that disagrees', async () => {
    const found = await mismatches({
      [V + 'a1_x.py']: rev('a1', null),
      [V + 'b2_x.py']: rev('b2', 'a1').replace('Revises: a1', 'Revises: None'),
      [V + 'c3_x.py']: rev('c3', 'a1'),
      [V + 'd4_x.py']: rev('d4', "('b2', 'c3')").replace('Revises: b2, c3', "Revises: ('b2', 'a1')"),
    });
    expect(found).toHaveLength(2);
    expect(found[0]).toContain('Revises: None');
    expect(found[1]).toContain("Revises: ('b2', 'a1')");
  });
});
