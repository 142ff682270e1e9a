import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRule } from '../helpers/describe-rule.js';
import { check, makeProject, rev } from '../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'script-location-unresolved',
  {
    bad: () => makeProject({[V+'a1_x.py']: rev('a1', null)}, '[alembic]\nscript_location = mypkg:migrations\n'),
    good: () => makeProject({'mypkg/migrations/versions/a1_x.py': rev('a1', null)}, '[alembic]\nscript_location = mypkg:migrations\n'),
  },
  (f) => {
    expect(f.alembicError).toBe("ModuleNotFoundError: No module named 'mypkg'");
  },
);

describe('script-location-unresolved from a subfolder of the repository', () => {
  it('names the folder the package is importable from', async () => {
    const root = makeProject({ '.git/HEAD': 'ref: refs/heads/main\n', 'mypkg/db/alembic/versions/a1_x.py': rev('a1', null), 'mypkg/db/alembic/alembic.ini': '[alembic]\nscript_location = mypkg.db:alembic\n' }, null);
    const sub = path.join(root, 'mypkg', 'db', 'alembic');
    const r = await check(sub, 'latest', { lint: false });
    const f = r.findings.find((x) => x.code === 'script-location-unresolved');
    expect(f?.message).toContain(`which is not importable from this folder: the package is in ${root}.`);
    expect(f?.severity).toBe('error');
    // the cause alone: no warning that the (unresolved) locations hold no files (aim)
    expect(r.findings.map((x) => x.code)).not.toContain('no-revision-files');
  });
});
