import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { alembicCommand, alembicTargets } from '../../helpers/oracle.js';
import { DEFAULT_INI, check, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'multiple-heads',
  {
    bad: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + 'b2_x.py']: rev('b2', 'a1'),
          [V + 'c3_x.py']: rev('c3', 'a1'),
        },
        DEFAULT_INI,
      ),
    good: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + 'b2_x.py']: rev('b2', 'a1'),
          [V + 'c3_x.py']: rev('c3', 'a1'),
          [V + 'm4_x.py']: rev('m4', "('b2', 'c3')"),
        },
        DEFAULT_INI,
      ),
  },
  (f) => {
    expect(f.alembicError).toContain("Multiple head revisions are present for given argument 'head'");
    expect(f.fix).toMatch(/^alembic merge -m "merge heads" \S+ \S+$/u);
  },
);

describe('multiple-heads that only a file Python cannot parse makes', () => {
  // a merge conflict left in c3: Alembic stops at it; without it b2 looks like a head beside d4
  const conflicted = `${rev('c3', 'b2')}<<<<<<< HEAD\nx = 1\n=======\nx = 2\n>>>>>>> feature\n`;

  it('is information pointing at that file, not a call to merge (sync-engine)', async () => {
    const root = makeProject(
      {
        [V + 'a1_x.py']: rev('a1', null),
        [V + 'b2_x.py']: rev('b2', 'a1'),
        [V + 'c3_x.py']: conflicted,
        [V + 'd4_x.py']: rev('d4', 'c3'),
      },
      DEFAULT_INI,
    );
    const r = await check(root, 'latest', { lint: false });
    const heads = r.findings.find((f) => f.code === 'multiple-heads');
    expect(heads?.severity).toBe('info');
    expect(heads?.message).toContain(
      'only because migrations/versions/c3_x.py, which Python cannot parse, is left out',
    );
    expect(heads?.hint).not.toContain('alembic merge');
    expect(heads?.fix).toBeUndefined();
    expect(r.findings.find((f) => f.code === 'unparseable-file')?.severity).toBe('error');
    // the claim holds: with the conflict resolved, real Alembic sees one head
    writeFileSync(path.join(root, V, 'c3_x.py'), rev('c3', 'b2'));
    for (const t of alembicTargets()) expect(alembicCommand(root, ['heads'], t.env).last).toBe('d4 (head)');
  });

  it('stays an error when a second head would remain with the file', async () => {
    const root = makeProject(
      {
        [V + 'a1_x.py']: rev('a1', null),
        [V + 'b2_x.py']: rev('b2', 'a1'),
        [V + 'c3_x.py']: conflicted,
        [V + 'd4_x.py']: rev('d4', 'c3'),
        [V + 'e5_x.py']: rev('e5', 'a1'),
      },
      DEFAULT_INI,
    );
    const heads = (await check(root, 'latest', { lint: false })).findings.find(
      (f) => f.code === 'multiple-heads',
    );
    expect(heads?.severity).toBe('error');
    expect(heads?.fix).toMatch(/^alembic merge -m "merge heads" /u);
  });
});
