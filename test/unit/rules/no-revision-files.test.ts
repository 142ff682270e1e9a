import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'no-revision-files',
  {
    bad: () => makeProject({}, DEFAULT_INI),
    good: () => makeProject({ [V + 'a1_x.py']: rev('a1', null) }, DEFAULT_INI),
  },
  (f) => {
    expect(f.message).toContain('No revision files');
  },
);

describe('no-revision-files: an ini with several environments', () => {
  const hint = async (ini: string): Promise<string> =>
    (await check(makeProject({ 'pv/versions/a1_x.py': rev('a1', null) }, ini))).findings.find(
      (f) => f.code === 'no-revision-files',
    )!.hint;

  it('names the other sections that set a script_location, and how to check them (nowcasting_datamodel keeps [pv] and [forecast])', async () => {
    const ini =
      '[alembic]\nscript_location = .\n\n[loggers]\nkeys = root\n\n[pv]\nscript_location = %(here)s/pv\n\n[forecast]\nscript_location = %(here)s/forecast\n';
    const h = await hint(ini);
    expect(h).toContain('also configures [pv], [forecast]');
    expect(h).toContain('-n pv');
  });

  it('does not take a [DEFAULT] script_location, which every section inherits, for another environment', async () => {
    expect(
      await hint('[DEFAULT]\nscript_location = .\n\n[alembic]\n\n[loggers]\nkeys = root\n'),
    ).not.toContain('also configures');
  });
});

describe('no-revision-files: the revisions are in a folder the configuration does not name', () => {
  it('is a configuration error naming the folder when another folder holds revision files', async () => {
    const r = await check(
      makeProject(
        {
          'migrations/sqlite_versions/a1_x.py': rev('a1', null),
          'migrations/sqlite_versions/b2_x.py': rev('b2', 'a1'),
          'app/models.py': 'revision = 1\n',
        },
        DEFAULT_INI,
      ),
    );
    const f = r.findings.find((x) => x.code === 'no-revision-files')!;
    expect([f.severity, f.configuration]).toEqual(['error', true]);
    expect(f.title).toBe(
      'no revision files in migrations/versions, but migrations/sqlite_versions holds some',
    );
    expect(f.hint).toContain('--versions migrations/sqlite_versions');
  });

  it('stays a warning on a project just initialised: nothing anywhere reads like a revision', async () => {
    const r = await check(makeProject({ 'app/models.py': 'revision = 1\ndown = 2\n' }, DEFAULT_INI));
    const f = r.findings.find((x) => x.code === 'no-revision-files')!;
    expect(f.severity).toBe('warning');
    expect(f.configuration).toBeUndefined();
  });
});
