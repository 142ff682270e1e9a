import { describe, expect, it } from 'vitest';
import { LATEST_ALEMBIC } from '../../src/alembic/config/alembic-version.js';
import { loadProject } from '../../src/alembic/loading/project-model.js';
import { DEFAULT_POLICY } from '../../src/check/policy.js';
import { runCheck } from '../../src/check/run-check.js';
import { makeProject, rev } from '../helpers/project.js';
import { diskFiles } from '../../src/project/project-files.js';

const V = 'migrations/versions/';

describe('runCheck options', () => {
  it('--ignore CODE:REVISION suppresses only that revision, CODE suppresses all', async () => {
    const root = makeProject({
      [V + 'a1_x.py']: rev('a1', null),
      [V + 'b2_x.py']: rev('b2', 'a1').replace('Revises: a1', 'Revises: q'),
      [V + 'c3_x.py']: rev('c3', 'b2').replace('Revises: b2', 'Revises: q'),
    });
    const model = await loadProject({ files: diskFiles(), cwd: root, alembicVersion: LATEST_ALEMBIC });
    expect(runCheck(model).findings.filter((f) => f.code === 'docstring-mismatch')).toHaveLength(2);
    const one = runCheck(model, { policy: { ...DEFAULT_POLICY, ignore: ['docstring-mismatch:b2'] } });
    expect(one.findings.filter((f) => f.code === 'docstring-mismatch').map((f) => f.revision)).toEqual([
      'c3',
    ]);
    expect(one.ignored).toBe(1);
    expect(
      runCheck(model, { policy: { ...DEFAULT_POLICY, ignore: ['docstring-mismatch'] } }).findings,
    ).toHaveLength(0);
  });

  it('--strict makes warnings block; errors always block', async () => {
    const root = makeProject({
      [V + 'a1_x.py']: rev('a1', null),
      [V + 'b2_x.py']: rev('b2', 'a1').replace('Revises: a1', 'Revises: q'),
    });
    const model = await loadProject({ files: diskFiles(), cwd: root, alembicVersion: LATEST_ALEMBIC });
    expect(runCheck(model).ok).toBe(true);
    expect(runCheck(model, { policy: { ...DEFAULT_POLICY, strict: true } }).ok).toBe(false);
  });
});

describe('the text report', () => {
  it('shows a repeated code in full three times, then one line per further location; JSON keeps every finding whole', async () => {
    const { checkText } = await import('../../src/report/text-report.js');
    const files: Record<string, string> = { [V + 'a1_x.py']: rev('a1', null) };
    for (let i = 2; i <= 8; i++)
      files[`${V}r${i}_x.py`] = rev(`r${i}`, i === 2 ? 'a1' : `r${i - 1}`).replace(
        /Revises: \w+/,
        'Revises: zz',
      );
    files[`${V}b9_x.py`] = rev('b9', 'r8').replace('Revises: r8', 'Revises: q1');
    const result = runCheck(
      await loadProject({ files: diskFiles(), cwd: makeProject(files), alembicVersion: LATEST_ALEMBIC }),
    );
    const found = result.findings.filter((f) => f.code === 'docstring-mismatch');
    expect(found).toHaveLength(8);
    const text = checkText(result);
    expect(text.match(/^warning \[docstring-mismatch\] /gm)).toHaveLength(3);
    expect(text.match(/^ {2}fix: Make down_revision/gm)).toHaveLength(3);
    expect(text).toContain(
      'warning [docstring-mismatch]: 5 more like these (each with its message and fix in --format json):',
    );
    // every further location is still listed, with its own title
    for (const f of found.slice(3))
      expect(text).toContain(
        `  ${f.path}:${f.line}: the docstring's Revises line is not down_revision '${f.revision === 'b9' ? 'r8' : `r${Number(f.revision!.slice(1)) - 1}`}'\n`,
      );
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'OK: 9 revisions checked, no blocking problems (0 errors, 8 warnings)',
    );
  });
});

describe('titles read whole', () => {
  it('a long first sentence is never cut inside a quoted text; the named rules give a title of their own', async () => {
    const { findingText } = await import('../../src/report/text-report.js');
    const quoted = `The docstring says "Revises: ${'a1b2c3d4e5f6, '.repeat(6)}ad23a56abf25" but down_revision is 'q1', which Alembic follows.`;
    const [title] = findingText({
      code: 'docstring-mismatch',
      severity: 'warning',
      message: quoted,
      hint: 'Fix it.',
    });
    // an even number of quotes: the cut fell outside the quoted text
    expect((title!.match(/"/gu) ?? []).length % 2).toBe(0);
    const root = makeProject({
      [V + 'a1_x.py']: rev('a1', null),
      [V + 'b2_x.py']: rev('b2', 'a1').replace('Revises: a1', `Revises: ${'ad23a56abf25'.repeat(4)}`),
    });
    const { checkText } = await import('../../src/report/text-report.js');
    const text = checkText(
      runCheck(await loadProject({ files: diskFiles(), cwd: root, alembicVersion: LATEST_ALEMBIC })),
    );
    const line = text.split('\n').find((l) => l.startsWith('warning [docstring-mismatch]'));
    expect(line).toBe("warning [docstring-mismatch] the docstring's Revises line is not down_revision 'a1'");
    // the specifics follow, whole
    expect(text.replace(/\s+/gu, ' ')).toContain(
      `the docstring says "Revises: ${'ad23a56abf25'.repeat(4)}" but down_revision is 'a1'`,
    );
  });
});
