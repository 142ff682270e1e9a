import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LATEST_ALEMBIC } from '../../../src/alembic/config/alembic-version.js';
import { loadProject } from '../../../src/alembic/loading/project-model.js';
import { describeRule } from '../../helpers/describe-rule.js';
import { alembicCommand, alembicTargets } from '../../helpers/oracle.js';
import { check, makeProject, rev } from '../../helpers/project.js';
import { diskFiles } from '../../../src/project/project-files.js';
import { checkModel } from '../../../src/workspace/open-project.js';

const PKG = 'src/mypkg/';
const files = (ini: string): Record<string, string> => ({
  'pyproject.toml': '[project]\nname = "mypkg"\nversion = "1"\n',
  [PKG + '__init__.py']: '',
  [PKG + 'migrations/env.py']: 'from alembic import context\n',
  [PKG + 'migrations/versions/a1_x.py']: rev('a1', null),
  [PKG + 'migrations/versions/b2_x.py']: rev('b2', 'a1'),
  'alembic.ini': ini,
});
const BARE = '[alembic]\nscript_location = mypkg:migrations\n';
const PREPENDED = '[alembic]\nscript_location = mypkg:migrations\nprepend_sys_path = %(here)s/src\n';

describeRule(
  'script-location-needs-install',
  { bad: () => makeProject(files(BARE), null), good: () => makeProject(files(PREPENDED), null) },
  (f, r) => {
    expect(f.severity).toBe('warning');
    expect(f.path).toBe('alembic.ini');
    expect(f.line).toBe(2);
    expect(f.message).toContain('names the package mypkg, which is in src/');
    expect(f.alembicError).toBe("ModuleNotFoundError: No module named 'mypkg'");
    expect(f.hint).toContain('prepend_sys_path = %(here)s/src in [alembic] of alembic.ini');
    // the revisions are read from the src layout, not left unresolved
    expect(r.model.map.heads).toEqual(['b2']);
    expect(r.findings.map((x) => x.code)).not.toContain('script-location-unresolved');
  },
);

describe('script-location-needs-install against real Alembic', () => {
  for (const t of alembicTargets()) {
    it(`Alembic ${t.version}: fails on the bare ini, finds the same head with the hint's prepend_sys_path, and so do we`, async () => {
      const bare = makeProject(files(BARE), null);
      const failed = alembicCommand(bare, ['heads'], t.env);
      expect(failed.status).not.toBe(0);
      expect(failed.last).toContain("No module named 'mypkg'");
      const fixed = makeProject(files(PREPENDED), null);
      const ok = alembicCommand(fixed, ['heads'], t.env);
      expect(ok.status).toBe(0);
      expect(ok.last).toMatch(/^b2 \(head\)/);
      const r = await check(fixed, t.version);
      expect(r.model.map.heads).toEqual(['b2']);
      // the hint's form for an ini one folder below the project
      const below = files('');
      delete below['alembic.ini'];
      const nested = makeProject(
        { ...below, 'db/alembic.ini': PREPENDED.replace('%(here)s/src', '%(here)s/../src') },
        null,
      );
      expect(alembicCommand(nested, ['-c', 'db/alembic.ini', 'heads'], t.env).last).toMatch(/^b2 \(head\)/);
      expect(r.findings.filter((x) => x.severity === 'error')).toEqual([]);
    });
  }

  it('writes the hint relative to an ini below the project, and into pyproject.toml when that configures', async () => {
    const rest = files('');
    delete rest['alembic.ini'];
    const nested = makeProject({ ...rest, 'db/alembic.ini': BARE }, null);
    const m = await loadProject({
      files: diskFiles(),
      cwd: nested,
      configFile: path.join(nested, 'db/alembic.ini'),
      alembicVersion: LATEST_ALEMBIC,
    });
    const hintOf = async (model: typeof m): Promise<string | undefined> =>
      (await checkModel(model, {})).findings.find((f) => f.code === 'script-location-needs-install')?.hint;
    expect(await hintOf(m)).toContain('prepend_sys_path = %(here)s/../src in [alembic] of db/alembic.ini');
    expect(m.map.heads).toEqual(['b2']);
    const toml = makeProject(
      {
        ...rest,
        'pyproject.toml':
          '[project]\nname = "mypkg"\nversion = "1"\n\n[tool.alembic]\nscript_location = "mypkg:migrations"\n',
      },
      null,
    );
    const t = await loadProject({
      files: diskFiles(),
      cwd: toml,
      configFile: path.join(toml, 'pyproject.toml'),
      alembicVersion: LATEST_ALEMBIC,
    });
    expect(await hintOf(t)).toContain(
      'prepend_sys_path = ["%(here)s/src"] in [tool.alembic] of pyproject.toml',
    );
  });

  it('is found from an ini inside the package too (Prefect keeps alembic.ini in src/prefect/server/database/)', async () => {
    const rest = files('');
    delete rest['alembic.ini'];
    const root = makeProject(
      { '.git/HEAD': 'ref: refs/heads/main\n', ...rest, [PKG + 'alembic.ini']: BARE },
      null,
    );
    const r = await check(path.join(root, 'src/mypkg'), 'latest');
    expect(r.findings.map((x) => x.code)).toContain('script-location-needs-install');
    expect(r.findings.map((x) => x.code)).not.toContain('script-location-unresolved');
    expect(r.model.map.heads).toEqual(['b2']);
    expect(r.findings.find((x) => x.code === 'script-location-needs-install')?.hint).toContain(
      'prepend_sys_path = %(here)s/.. in [alembic] of alembic.ini',
    );
  });

  it('stays an error when no project file builds the src folder', async () => {
    const noProject = files(BARE);
    delete noProject['pyproject.toml'];
    const r = await check(makeProject(noProject, null), 'latest');
    expect(r.findings.map((x) => x.code)).toContain('script-location-unresolved');
    expect(r.findings.map((x) => x.code)).not.toContain('script-location-needs-install');
  });
});
