import { describe, expect, it } from 'vitest';
import { loadProjectConfig } from '../../src/alembic/config/alembic-config.js';
import { LATEST_ALEMBIC } from '../../src/alembic/config/alembic-version.js';
import { envHandover } from '../../src/alembic/env/env-handover.js';
import { DEFAULT_INI, makeProject, rev } from '../helpers/project.js';
import { diskFiles } from '../../src/project/project-files.js';

// env.py that calls an imported function instead of context.configure(): which module decides the version table
const MODULE =
  "from alembic import context\n\ndef run():\n    context.configure(connection=None, version_table='shared')\n";

async function handover(
  envPy: string,
  files: Record<string, string | Buffer> = { 'tools/__init__.py': '', 'tools/migrate.py': MODULE },
): Promise<unknown> {
  const root = makeProject(
    { 'migrations/versions/a1_x.py': rev('a1', null), 'migrations/env.py': envPy, ...files },
    DEFAULT_INI,
  );
  const config = await loadProjectConfig({ files: diskFiles(), cwd: root, alembicVersion: LATEST_ALEMBIC });
  const h = envHandover(envPy, config);
  return h && { kind: h.kind, module: h.module, line: h.line };
}

describe('envHandover', () => {
  it('follows each form of import to the module of the repository that configures', async () => {
    const followed = (line: number) => ({ kind: 'followed', module: 'tools.migrate', line });
    expect(await handover('from alembic import context\nfrom tools.migrate import run\n\nrun()\n')).toEqual(
      followed(4),
    );
    expect(await handover('from tools.migrate import (run as go)\ngo()\n')).toEqual(followed(2));
    expect(await handover('import tools.migrate\ntools.migrate.run()\n')).toEqual(followed(2));
    expect(await handover('import os, tools.migrate as m\nif True:\n    m.run()\n')).toEqual(followed(3));
    // the settings read first come from another module: the one that configures is the one followed
    expect(
      await handover(
        'from app.settings import get_settings\nfrom tools.migrate import run\nget_settings()\nrun()\n',
        {
          'tools/__init__.py': '',
          'tools/migrate.py': MODULE,
          'app/__init__.py': '',
          'app/settings.py': 'def get_settings():\n    return {}\n',
        },
      ),
    ).toEqual(followed(4));
  });

  it('a module from elsewhere, or one of the repository that configures nothing, is unknown', async () => {
    expect(
      await handover(
        'from fastapi_tenant.alembic.env import run_shared_migrations\nrun_shared_migrations()\n',
      ),
    ).toEqual({ kind: 'unknown', module: 'fastapi_tenant.alembic.env', line: 2 });
    expect(
      await handover('from tools.migrate import run\nrun()\n', {
        'tools/__init__.py': '',
        'tools/migrate.py': 'def run():\n    pass\n',
      }),
    ).toEqual({ kind: 'unknown', module: 'tools.migrate', line: 2 });
  });

  it('nothing to follow: env.py configures itself, calls nothing it imported, or imports only the standard library and Alembic', async () => {
    expect(
      await handover(
        "from tools.migrate import run\nfrom alembic import context\ncontext.configure(url='sqlite://')\nrun()\n",
      ),
    ).toBeUndefined();
    expect(await handover('from tools.migrate import VERSION\nprint(VERSION)\n')).toBeUndefined();
    expect(
      await handover(
        'import os\nfrom logging.config import fileConfig\nfrom alembic import context\nfileConfig("x.ini")\nos.getcwd()\n',
      ),
    ).toBeUndefined();
  });

  it('reads the module as Python decodes it, and skips one that cannot be read', async () => {
    // a BOM and a latin-1 coding line: Python imports both, and so the module is followed
    expect(
      await handover('from tools.migrate import run\nrun()\n', {
        'tools/__init__.py': '',
        'tools/migrate.py': '\ufeff' + MODULE,
      }),
    ).toEqual({ kind: 'followed', module: 'tools.migrate', line: 2 });
    const latin1 = Buffer.from(`# -*- coding: latin-1 -*-\n# \u00e9t\u00e9\n${MODULE}`, 'latin1');
    expect(
      await handover('from tools.migrate import run\nrun()\n', {
        'tools/__init__.py': '',
        'tools/migrate.py': latin1,
      }),
    ).toMatchObject({ kind: 'followed' });
    // a folder named like the module file: unknown, not a crash
    expect(
      await handover('from tools.migrate import run\nrun()\n', {
        'tools/__init__.py': '',
        'tools/migrate.py/x': '',
      }),
    ).toEqual({ kind: 'unknown', module: 'tools.migrate', line: 2 });
  });
});
