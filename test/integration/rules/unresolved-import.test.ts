import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/check/finding.js';
import { describeRule } from '../../helpers/describe-rule.js';
import { alembicCommand, alembicTargets, oracleGraph } from '../../helpers/oracle.js';
import { check, DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

/** The modules unresolved-import names: one per warning, or the list of the info given when nothing is declared. */
function modulesOf(findings: readonly Finding[]): string[] {
  return findings
    .filter((f) => f.code === 'unresolved-import')
    .flatMap((f) => {
      if (f.severity !== 'info') return [/imports (\w+)/.exec(f.message)![1]!];
      const list = /modules imported by migrations or env\.py \(([^)]*)\)/.exec(f.message)?.[1];
      return list ? list.split(', ') : [/^\S+: (\w+), imported/.exec(f.message)![1]!];
    });
}

describeRule(
  'unresolved-import',
  {
    bad: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null, 'from myapp.models import GUID'),
          'requirements.txt': 'SQLAlchemy\n',
        },
        DEFAULT_INI,
      ),
    good: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null, 'from myapp.models import GUID'),
          'myapp/models.py': 'GUID = 1\n',
          'requirements.txt': 'SQLAlchemy\n',
        },
        DEFAULT_INI,
      ),
  },
  (f) => {
    expect(f.message).toContain('imports myapp');
  },
);

describe('unresolved-import: declared distributions', () => {
  const imports =
    'import oslo_utils\nimport zope.interface\nimport yaml\nimport extra_pkg\nimport cfg_pkg\nimport missing_pkg\nfrom PIL import Image\nimport slugify\nimport argon2';
  const unresolved = async (files: Record<string, string>): Promise<string[]> => {
    const r = await check(
      makeProject({ [V + 'a1_x.py']: rev('a1', null, imports), ...files }, DEFAULT_INI),
      'latest',
      { lint: false },
    );
    return r.findings
      .filter((f) => f.code === 'unresolved-import')
      .map((f) => /imports (\w+)/.exec(f.message)![1]!);
  };

  it('compares names as pip does, knows distributions named unlike their module, follows -r includes and reads requirements/, setup.cfg and pyproject', async () => {
    expect(
      await unresolved({
        'requirements.txt': 'oslo.utils>=4.0 # Apache-2.0\nzope.interface\n-r requirements/extra.txt\n',
        'requirements/extra.txt': 'PyYAML==6.0\nExtra.Pkg\n',
        'requirements/python3/requirements.txt': 'argon2-cffi==23.1.0\n',
        'setup.cfg': '[options]\ninstall_requires =\n    cfg-pkg>=1\n\n[metadata]\nname = x\n',
        'pyproject.toml': '[tool.poetry.dependencies]\npython-slugify = "^8.0.0"\nPillow = "^10"\n',
      }),
    ).toEqual(['missing_pkg']);
  });

  it('knows SQLAlchemy extensions whose module is named otherwise (fides: sqlalchemy-citext provides citext)', async () => {
    const r = await check(
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null, 'import citext\nimport snowflake.sqlalchemy\nimport missing_pkg'),
          'pyproject.toml':
            '[project]\nname = "x"\ndependencies = ["sqlalchemy-citext==1.8.0", "snowflake-sqlalchemy"]\n',
        },
        DEFAULT_INI,
      ),
      'latest',
      { lint: false },
    );
    expect(modulesOf(r.findings)).toEqual(['missing_pkg']);
  });

  it("takes a distribution whose name is an object's own property in JavaScript for what it is (conda's constructor)", async () => {
    const r = await check(
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null, 'import constructor\nimport missing_pkg'),
          'requirements.txt': 'constructor\n__proto__\n',
        },
        DEFAULT_INI,
      ),
      'latest',
      { lint: false },
    );
    expect(
      r.findings
        .filter((f) => f.code === 'unresolved-import')
        .map((f) => /imports (\w+)/.exec(f.message)![1]),
    ).toEqual(['missing_pkg']);
  });

  it("reads the dependency files of the folders above, up to the git repository's root (pgAdmin runs Alembic from web/)", async () => {
    const files = {
      [`web/${V}a1_x.py`]: rev('a1', null, 'import flask\nimport flask_security'),
      'web/alembic.ini': DEFAULT_INI,
      'requirements.txt': 'Flask==3.*\nFlask-Security-Too>=5\n',
    };
    const named = async (root: string): Promise<string[]> =>
      modulesOf((await check(path.join(root, 'web'), 'latest', { lint: false })).findings);
    const outside = makeProject(files, null);
    // not a repository: a folder above the project is someone else's, so nothing is declared (one info names both)
    expect((await named(outside)).sort()).toEqual(['flask', 'flask_security']);
    const repo = makeProject(files, null);
    mkdirSync(path.join(repo, '.git'));
    expect(await named(repo)).toEqual([]);
  });

  it('takes what a lock file pins as installed, transitive packages included (Tracecat imports yaml and an extra of fastapi-users)', async () => {
    const uv =
      '[[package]]\nname = "oslo-utils"\nversion = "4.0"\ndependencies = [\n    { name = "pyyaml" },\n]\n\n[[package]]\nname = "pyyaml"\nversion = "6.0.2"\n';
    const poetry =
      '[[package]]\nname = "zope.interface"\nversion = "6.0"\n\n[package.dependencies]\nsetuptools = "*"\n';
    const pipfile = JSON.stringify({
      _meta: {},
      default: { 'extra-pkg': { version: '==1' } },
      develop: { 'cfg-pkg': { version: '==2' } },
    });
    const named = (
      await unresolved({ 'uv.lock': uv, 'poetry.lock': poetry, 'Pipfile.lock': pipfile })
    ).sort();
    expect(named).toEqual(['PIL', 'argon2', 'missing_pkg', 'slugify']);
    // a name inside an entry (a dependency's inline table, a [package.dependencies] key) is not a pin of its own
    expect(
      await unresolved({
        'uv.lock': '[[package]]\nname = "app"\ndependencies = [{ name = "missing-pkg" }]\n',
      }),
    ).toContain('missing_pkg');
  });

  it("takes a package at the git repository's root for the project's own (Designate runs Alembic from designate/storage/sqlalchemy)", async () => {
    const ini = '[alembic]\nscript_location = migrations\n';
    const files = {
      [`designate/storage/sqlalchemy/${V}a1_x.py`]: rev(
        'a1',
        null,
        'from designate.storage import sqlalchemy as s\nimport elsewhere',
      ),
      'designate/storage/sqlalchemy/alembic.ini': ini,
      'designate/storage/sqlalchemy/requirements.txt': 'SQLAlchemy\n',
      'designate/__init__.py': '',
    };
    const named = async (root: string): Promise<string[]> =>
      modulesOf(
        (await check(path.join(root, 'designate/storage/sqlalchemy'), 'latest', { lint: false })).findings,
      );
    // outside a repository the folders above are someone else's
    expect((await named(makeProject(files, null))).sort()).toEqual(['designate', 'elsewhere']);
    const repo = makeProject(files, null);
    mkdirSync(path.join(repo, '.git'));
    expect(await named(repo)).toEqual(['elsewhere']);
  });

  it("takes a package in src/ for the project's own when the project is packaged (peter_sslers: setup.py with package_dir src)", async () => {
    const files = {
      [V + 'a1_x.py']: rev('a1', null, 'import myapp\nimport elsewhere'),
      'src/myapp/__init__.py': '',
    };
    const named = async (extra: Record<string, string>): Promise<string[]> =>
      modulesOf(
        (await check(makeProject({ ...files, ...extra }, DEFAULT_INI), 'latest', { lint: false })).findings,
      );
    expect(
      await named({
        'setup.py': 'from setuptools import setup\nsetup(name="myapp", package_dir={"": "src"})\n',
      }),
    ).toEqual(['elsewhere']);
    expect(await named({ 'setup.cfg': '[metadata]\nname = myapp\n' })).toEqual(['elsewhere']);
    expect(
      await named({
        'pyproject.toml': '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
      }),
    ).toEqual(['elsewhere']);
    expect(await named({ 'pyproject.toml': '[project]\nname = "myapp"\nversion = "1"\n' })).toEqual([
      'elsewhere',
    ]);
    // nothing builds the project: src/ is not on Python's path, and the fix says how to put it there
    expect(await named({})).toEqual(['myapp', 'elsewhere']);
    const toolsOnly = await check(
      makeProject(
        {
          ...files,
          'pyproject.toml': '[tool.black]\nline-length = 100\n',
          'requirements.txt': 'SQLAlchemy\n',
        },
        DEFAULT_INI,
      ),
      'latest',
      { lint: false },
    );
    const mine = toolsOnly.findings.find(
      (f) => f.code === 'unresolved-import' && f.message.includes('imports myapp'),
    );
    expect(mine?.message).toContain('src/myapp');
  });

  it("reads setup.py's literal requirement lists without running it (REANA declares SQLAlchemy-Utils there)", async () => {
    const setupPy = [
      'from setuptools import setup',
      'extras_require = {"docs": ["Sphinx>=1"], "tests": ["extra-pkg"]}',
      'install_requires = [',
      '    "oslo.utils>=4",  # pinned',
      '    "SQLAlchemy-Utils[encrypted]>=0.41",',
      ']',
      'setup(name="cfg-pkg", install_requires=install_requires, extras_require=extras_require,',
      '      tests_require=["PyYAML"], classifiers=["Argon2 :: Slugify"])',
      '',
    ].join('\n');
    const named = (await unresolved({ 'setup.py': setupPy })).sort();
    // the package's own name, a dict's keys and other keywords' strings declare nothing
    expect(named).toEqual(['PIL', 'argon2', 'cfg_pkg', 'missing_pkg', 'slugify', 'zope']);
  });

  it('knows the usual renamings without a table entry: a release digit (progressbar2), python-X, X-python (Funnel declares progressbar2)', async () => {
    const imports = 'import progressbar\nimport fancylib\nimport toolkit\nimport progress';
    const r = await check(
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null, imports),
          'requirements.txt': 'progressbar2\npython-fancylib\ntoolkit-python\n',
        },
        DEFAULT_INI,
      ),
      'latest',
      { lint: false },
    );
    expect(
      r.findings
        .filter((f) => f.code === 'unresolved-import')
        .map((f) => /imports (\w+)/.exec(f.message)![1]!),
    ).toEqual(['progress']);
  });

  it("counts what a requirement's extras install: the extra's own name, and the packages of well-known extras named otherwise (deepchecks declares dotenv as pydantic[dotenv,email])", async () => {
    const imports =
      'import dotenv\nimport email_validator\nimport redis\nimport uvloop\nimport greenlet\nimport asyncpg\nimport bcrypt\nimport cryptography\nimport notdeclared';
    const declared = async (files: Record<string, string>): Promise<string[]> => {
      const r = await check(
        makeProject({ [V + 'a1_x.py']: rev('a1', null, imports), ...files }, DEFAULT_INI),
        'latest',
        { lint: false },
      );
      return r.findings
        .filter((f) => f.code === 'unresolved-import')
        .map((f) => /imports (\w+)/.exec(f.message)![1]!);
    };
    const everyExtra =
      'pydantic[dotenv,email]~=1.10.9\ncelery [ redis ]\nuvicorn[standard]>=0.20\nSQLAlchemy[postgresql_asyncpg]==2.0.1\npasslib[bcrypt]\npython-jose[cryptography]\n';
    expect(await declared({ 'requirements.txt': everyExtra })).toEqual(['notdeclared']);
    // the same in pyproject.toml (PEP 621 and Poetry's extras = [...]) and setup.py
    expect(
      await declared({
        'pyproject.toml': `[project]\nname = "x"\ndependencies = [${everyExtra
          .trim()
          .split('\n')
          .map((l) => JSON.stringify(l))
          .join(', ')}]\n`,
      }),
    ).toEqual(['notdeclared']);
    expect(
      await declared({
        'pyproject.toml':
          '[tool.poetry.dependencies]\npydantic = { version = "^1.10", extras = ["dotenv", "email"] }\ncelery = { extras = ["redis"], version = "*" }\n',
      }),
    ).toEqual(['uvloop', 'greenlet', 'asyncpg', 'bcrypt', 'cryptography', 'notdeclared']);
    expect(
      await declared({
        'setup.py': `from setuptools import setup\nsetup(install_requires=[${everyExtra
          .trim()
          .split('\n')
          .map((l) => JSON.stringify(l))
          .join(', ')}])\n`,
      }),
    ).toEqual(['notdeclared']);
    // without the extras, only the distributions themselves
    expect(
      await declared({ 'requirements.txt': 'pydantic\ncelery\nuvicorn\nSQLAlchemy\npasslib\npython-jose\n' }),
    ).toEqual([
      'dotenv',
      'email_validator',
      'redis',
      'uvloop',
      'greenlet',
      'asyncpg',
      'bcrypt',
      'cryptography',
      'notdeclared',
    ]);
  });

  it('reads the distribution of a VCS or URL requirement from its #egg= fragment, else the repository name (hasjob, lastuser install coaster from git)', async () => {
    const imports = 'import coaster\nimport baseframe\nimport lastuser_core\nimport unnamed';
    const reqs =
      'git+https://github.com/hasgeek/coaster#egg=coaster\n-e git+https://github.com/hasgeek/baseframe.git@main#subdirectory=x&egg=baseframe\ngit+https://github.com/hasgeek/lastuser-core.git@v2\nhttps://example.com/unnamed.zip\n';
    const r = await check(
      makeProject({ [V + 'a1_x.py']: rev('a1', null, imports), 'requirements.txt': reqs }, DEFAULT_INI),
      'latest',
      { lint: false },
    );
    expect(
      r.findings
        .filter((f) => f.code === 'unresolved-import')
        .map((f) => /imports (\w+)/.exec(f.message)![1]!),
    ).toEqual(['unnamed']);
  });

  it('leaves a lazy import (PEP 810, Python 3.15) alone: it loads the module at first use, not when Alembic loads the file', async () => {
    const header = 'lazy import missing_lazy\nlazy from other_lazy import thing\nimport missing_eager\n';
    const r = await check(
      makeProject({ [V + 'a1_x.py']: header + rev('a1', null), '.python-version': '3.15\n' }, DEFAULT_INI),
    );
    expect(r.findings.filter((f) => f.code === 'unresolved-import').map((f) => f.line)).toEqual([3]);
  });

  it('names every import in one info when the project declares nothing at all (packit-service installs its packages with Ansible)', async () => {
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null, imports) }, DEFAULT_INI);
    const r = await check(root, 'latest', { lint: false });
    const found = r.findings.filter((f) => f.code === 'unresolved-import');
    // at the first of them
    const first =
      1 +
      readFileSync(path.join(root, V + 'a1_x.py'), 'utf8')
        .split('\n')
        .indexOf('import oslo_utils');
    expect(found.map((f) => [f.severity, f.path, f.line])).toEqual([['info', V + 'a1_x.py', first]]);
    expect(found[0]!.message).toContain('the project declares no dependencies');
    expect(modulesOf(found).sort()).toEqual(
      [
        'PIL',
        'argon2',
        'cfg_pkg',
        'extra_pkg',
        'missing_pkg',
        'oslo_utils',
        'slugify',
        'yaml',
        'zope',
      ].sort(),
    );
    // one declared distribution, even an unrelated one, and each import is judged on its own again
    expect((await unresolved({ 'requirements.txt': 'SQLAlchemy\n' })).sort()).toEqual(
      [
        'PIL',
        'argon2',
        'cfg_pkg',
        'extra_pkg',
        'missing_pkg',
        'oslo_utils',
        'slugify',
        'yaml',
        'zope',
      ].sort(),
    );
    // a relative import is an error whatever is declared
    const relative = await check(
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null, 'from .helpers import x\nimport missing_pkg') },
        DEFAULT_INI,
      ),
      'latest',
      { lint: false },
    );
    expect(
      relative.findings
        .filter((f) => f.code === 'unresolved-import')
        .map((f) => f.severity)
        .sort(),
    ).toEqual(['error', 'info']);
    // env.py's imports join the list, those inside the functions an upgrade calls too
    const envPy =
      'from alembic import context\nimport dotenv_pkg\n\n\ndef run_migrations_online():\n    from settings_pkg import url\n    context.configure(url=url)\n\n\nrun_migrations_online()\n';
    const withEnv = await check(
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null, 'import missing_pkg'), 'migrations/env.py': envPy },
        DEFAULT_INI,
      ),
      'latest',
      { lint: false },
    );
    expect(modulesOf(withEnv.findings).sort()).toEqual(['dotenv_pkg', 'missing_pkg', 'settings_pkg']);
  });

  it('reads pyproject.toml as TOML: PEP 621, optional and PEP 735 groups, Poetry tables, and nothing else', async () => {
    const imports =
      'import requests\nimport rich\nimport httpx\nimport black\nimport freezegun\nimport pytest\nimport name\nimport version';
    const pyproject = [
      '[project]',
      'name = "myapp"',
      'version = "1.0"',
      'dependencies = ["requests>=2", "rich[jupyter] ; python_version > \'3.8\'"]',
      '[project.optional-dependencies]',
      'http = ["httpx"]',
      '[dependency-groups]',
      'lint = ["black"]',
      '[tool.poetry.group.test.dependencies]',
      'freezegun = "^1"',
      '[tool.poetry.dev-dependencies]',
      'pytest = { version = "^8" }',
      '',
    ].join('\n');
    const r = await check(
      makeProject({ [V + 'a1_x.py']: rev('a1', null, imports), 'pyproject.toml': pyproject }, DEFAULT_INI),
      'latest',
      { lint: false },
    );
    const named = r.findings
      .filter((f) => f.code === 'unresolved-import')
      .map((f) => /imports (\w+)/.exec(f.message)![1]!);
    expect(named.sort()).toEqual(['name', 'version']);
  });

  it("says where the repository keeps a package that is off Python's path, and the prepend_sys_path that fixes it, as real Alembic confirms (bazarr keeps app in bazarr/app)", async () => {
    const repo = makeProject(
      {
        'migrations/versions/a1_x.py': rev('a1', null, 'from app.database import TABLES'),
        'migrations/alembic.ini': '[alembic]\nscript_location = %(here)s\n',
        'bazarr/app/__init__.py': '',
        'bazarr/app/database.py': 'TABLES = 1\n',
      },
      null,
    );
    mkdirSync(path.join(repo, '.git'));
    const cwd = path.join(repo, 'migrations');
    const found = (await check(cwd, 'latest', { lint: false })).findings.filter(
      (f) => f.code === 'unresolved-import',
    );
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toContain(
      "imports app, which the repository has at ../bazarr/app, but not on Python's path",
    );
    expect(found[0]!.hint).toContain('prepend_sys_path = %(here)s/../bazarr');
    expect(oracleGraph(cwd, { ini: 'alembic.ini' }).error?.message).toContain("No module named 'app'");
    // the hint, applied: Alembic imports it, and the finding is gone
    appendFileSync(path.join(cwd, 'alembic.ini'), 'prepend_sys_path = %(here)s/../bazarr\n');
    const after = oracleGraph(cwd, { ini: 'alembic.ini' });
    expect(after.ok).toBe(true);
    expect(after.heads).toEqual(['a1']);
    expect((await check(cwd, 'latest', { lint: false })).findings.map((f) => f.code)).not.toContain(
      'unresolved-import',
    );
  });
});

describe('unresolved-import: env.py', () => {
  const envPy = (imports: string): string =>
    `${imports}\nfrom alembic import context\nfrom sqlalchemy import create_engine\n\nwith create_engine("sqlite:///app.db").connect() as connection:\n    context.configure(connection=connection)\n    with context.begin_transaction():\n        context.run_migrations()\n`;
  const findings = async (root: string) =>
    (await check(root, 'latest', { lint: false })).findings.filter((f) => f.code === 'unresolved-import');

  it('reports what env.py imports at module level and nothing declares, which real Alembic fails on for upgrade but not for heads; a declared package or one guarded by try is fine', async () => {
    const root = makeProject(
      {
        [V + 'a1_x.py']: rev('a1', null),
        'migrations/env.py': envPy(
          'import os\nfrom dotenv_missing import load_dotenv\ntry:\n    import colorama_missing\nexcept ImportError:\n    colorama_missing = None',
        ),
        'requirements.txt': 'SQLAlchemy\n',
      },
      DEFAULT_INI,
    );
    const [f, ...rest] = await findings(root);
    expect(rest).toEqual([]);
    expect(f?.path).toBe('migrations/env.py');
    expect(f?.line).toBe(2);
    expect(f?.severity).toBe('warning');
    expect(f?.message).toContain('env.py imports dotenv_missing');
    for (const target of alembicTargets()) {
      expect(alembicCommand(root, ['heads'], target.env).status, target.name).toBe(0);
      const up = alembicCommand(root, ['upgrade', 'head'], target.env);
      expect(up.status, target.name).not.toBe(0);
      expect(up.last, target.name).toBe("ModuleNotFoundError: No module named 'dotenv_missing'");
    }
    writeFileSync(path.join(root, 'requirements.txt'), 'SQLAlchemy\ndotenv-missing==1.0\n');
    expect(await findings(root)).toEqual([]);
  });

  it('a relative import in env.py is an error, with the ImportError real Alembic raises', async () => {
    const root = makeProject(
      {
        [V + 'a1_x.py']: rev('a1', null),
        'migrations/env.py': envPy('from .models import Base'),
        'migrations/models.py': 'Base = None\n',
      },
      DEFAULT_INI,
    );
    const [f] = await findings(root);
    expect(f?.severity).toBe('error');
    for (const target of alembicTargets()) {
      expect(alembicCommand(root, ['upgrade', 'head'], target.env).last, target.name).toBe(f?.alembicError);
    }
  });

  it("reports an import inside a function the online upgrade calls (the template's run_migrations_online, the async template's run_sync callback), as real Alembic fails on it; not one in offline-only code, an autogenerate hook or a try", async () => {
    const envWithFunctions = [
      'import asyncio',
      'from alembic import context',
      'from sqlalchemy import create_engine',
      '',
      '',
      'def include_object(obj, name, type_, reflected, compare_to):',
      '    from hook_only_missing import decide',
      '    return decide(obj)',
      '',
      '',
      'def run_migrations_offline():',
      '    from offline_only_missing import url',
      '    context.configure(url=url)',
      '',
      '',
      'def do_run_migrations(connection):',
      '    from callback_missing import metadata',
      '    context.configure(connection=connection, include_object=include_object)',
      '    with context.begin_transaction():',
      '        context.run_migrations()',
      '',
      '',
      'def run_migrations_online():',
      '    try:',
      '        from guarded_missing import settings',
      '    except ImportError:',
      '        settings = None',
      '    with create_engine("sqlite:///app.db").connect() as connection:',
      '        from online_missing import hook',
      '        do_run_migrations(connection)',
      '',
      '',
      'if context.is_offline_mode():',
      '    run_migrations_offline()',
      'else:',
      '    run_migrations_online()',
      '',
    ].join('\n');
    const root = makeProject(
      {
        [V + 'a1_x.py']: rev('a1', null),
        'migrations/env.py': envWithFunctions,
        'requirements.txt': 'SQLAlchemy\n',
      },
      DEFAULT_INI,
    );
    const fs = await findings(root);
    expect(fs.map((f) => [f.line, /imports (\w+)/.exec(f.message)?.[1]])).toEqual([
      [17, 'callback_missing'],
      [29, 'online_missing'],
    ]);
    expect(fs[0]!.message).toContain('env.py imports callback_missing inside do_run_migrations()');
    // real Alembic fails on the first one the run reaches: the callback runs inside the with block, after online_missing
    for (const target of alembicTargets()) {
      expect(alembicCommand(root, ['heads'], target.env).status, target.name).toBe(0);
      const up = alembicCommand(root, ['upgrade', 'head'], target.env);
      expect(up.last, target.name).toBe("ModuleNotFoundError: No module named 'online_missing'");
    }
    // with both declared, the upgrade runs: the offline, hook and guarded imports never ran
    writeFileSync(path.join(root, 'requirements.txt'), 'SQLAlchemy\ncallback-missing\nonline-missing\n');
    expect(await findings(root)).toEqual([]);
    mkdirSync(path.join(root, 'online_missing'));
    writeFileSync(path.join(root, 'online_missing', '__init__.py'), 'hook = None\n');
    writeFileSync(path.join(root, 'callback_missing.py'), 'metadata = None\n');
    for (const target of alembicTargets()) {
      const up = alembicCommand(root, ['upgrade', 'head'], target.env);
      expect(up.status, `${target.name}: ${up.last}`).toBe(0);
    }
  });
});

describe('unresolved-import: one finding per module', () => {
  it('says the why and the fix once per module and lists the other lines that import it; real Alembic fails on the first', async () => {
    const cwd = makeProject(
      {
        [V + 'a1_x.py']: rev('a1', null, 'from myapp.models import GUID'),
        [V + 'b2_x.py']: rev('b2', 'a1', 'import os\nfrom myapp.models import GUID'),
        [V + 'c3_x.py']: rev('c3', 'b2', 'from myapp.models import GUID\nimport missing_pkg'),
        'requirements.txt': 'SQLAlchemy\n',
      },
      DEFAULT_INI,
    );
    const r = await check(cwd, 'latest', { lint: false });
    const found = r.findings.filter((f) => f.code === 'unresolved-import');
    expect(found.map((f) => [f.path, f.line, /imports (\w+)/.exec(f.message)?.[1]])).toEqual([
      [V + 'a1_x.py', expect.any(Number), 'myapp'],
      [V + 'c3_x.py', expect.any(Number), 'missing_pkg'],
    ]);
    const [myapp, missing] = found;
    const b2Line = readFileSync(path.join(cwd, V + 'b2_x.py'), 'utf8')
      .split('\n')
      .findIndex((l) => l.startsWith('from myapp'));
    expect(myapp!.message).toMatch(
      new RegExp(
        `The same import is on 2 other lines: ${V}b2_x\\.py:${b2Line + 1}, ${V}c3_x\\.py:\\d+\\.$`,
        'u',
      ),
    );
    expect(missing!.message).not.toContain('The same import');
    // the module it names is the one real Alembic stops on
    expect(oracleGraph(cwd, { ini: 'alembic.ini' }).error?.message).toContain("No module named 'myapp'");
  });
});
