import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LATEST_ALEMBIC } from '../../../src/alembic/config/alembic-version.js';
import { loadProject } from '../../../src/alembic/loading/project-model.js';
import { checkModel } from '../../../src/workspace/open-project.js';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, makeProject, rev } from '../../helpers/project.js';
import { diskFiles } from '../../../src/project/project-files.js';

const V = 'migrations/versions/';

describeRule(
  'script-location-unresolved',
  {
    bad: () =>
      makeProject({ [V + 'a1_x.py']: rev('a1', null) }, '[alembic]\nscript_location = mypkg:migrations\n'),
    good: () =>
      makeProject(
        { 'mypkg/migrations/versions/a1_x.py': rev('a1', null) },
        '[alembic]\nscript_location = mypkg:migrations\n',
      ),
  },
  (f) => {
    expect(f.alembicError).toBe("ModuleNotFoundError: No module named 'mypkg'");
  },
);

describe('script-location-unresolved from a subfolder of the repository', () => {
  it('names the folder the package is importable from', async () => {
    const root = makeProject(
      {
        '.git/HEAD': 'ref: refs/heads/main\n',
        'mypkg/db/alembic/versions/a1_x.py': rev('a1', null),
        'mypkg/db/alembic/alembic.ini': '[alembic]\nscript_location = mypkg.db:alembic\n',
      },
      null,
    );
    const sub = path.join(root, 'mypkg', 'db', 'alembic');
    const r = await check(sub, 'latest', { lint: false });
    const f = r.findings.find((x) => x.code === 'script-location-unresolved');
    expect(f?.message).toContain(`which is not importable from this folder: the package is in ${root}.`);
    expect(f?.severity).toBe('error');
    // the cause alone: no warning that the (unresolved) locations hold no files (aim)
    expect(r.findings.map((x) => x.code)).not.toContain('no-revision-files');
  });

  it('is the only finding: env.py and what it would set are not looked for in the wrong folder (rally)', async () => {
    // rally/common/db/alembic.ini: script_location = rally.common.db:migrations, the template URL, which
    // rally's own code replaces in env.py; run from the ini's folder, Alembic stops at the import
    const ini =
      '[alembic]\nscript_location = mypkg.db:migrations\nsqlalchemy.url = driver://user:pass@localhost/dbname\n';
    const env =
      'from alembic import context\nfrom mypkg.db import api\n\ncontext.configure(connection=api.engine().connect())\n';
    const root = makeProject(
      {
        '.git/HEAD': 'ref: refs/heads/main\n',
        'mypkg/__init__.py': '',
        'mypkg/db/__init__.py': '',
        'mypkg/db/migrations/env.py': env,
        'mypkg/db/migrations/versions/a1_x.py': rev('a1', null),
        'mypkg/db/alembic.ini': ini,
      },
      null,
    );
    const sub = path.join(root, 'mypkg', 'db');
    expect((await check(sub, 'latest')).findings.map((x) => x.code)).toEqual(['script-location-unresolved']);
    // from the repository's root the package is found, env.py is read, and nothing else is reported
    const top = await checkModel(
      await loadProject({
        files: diskFiles(),
        cwd: root,
        configFile: path.join(sub, 'alembic.ini'),
        alembicVersion: LATEST_ALEMBIC,
      }),
      {},
    );
    expect(top.findings.filter((x) => x.severity === 'error')).toEqual([]);
  });
});
