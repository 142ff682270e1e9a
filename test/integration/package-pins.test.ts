import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pinnedVersion } from '../../src/packaging/package-pins.js';
import { dynoMarkers } from '../../src/packaging/requirement-marker.js';
import { ORACLE_PYTHON, REPO } from '../helpers/oracle.js';
import { rng } from '../helpers/rng.js';
import { tempDir } from '../helpers/temp-dir.js';
import { runCli, unwrapped } from '../helpers/cli.js';
import { makeProject, rev } from '../helpers/project.js';

const files =
  (map: Record<string, string>) =>
  (rel: string): string | undefined =>
    map[rel];

describe('the version a project really installs', () => {
  it('reads each lockfile and manifest format', () => {
    const cases: [Record<string, string>, string, string][] = [
      [
        {
          'poetry.lock':
            '[[package]]\nname = "Alembic"\nversion = "1.16.1"\n\n[[package]]\nname = "sqlalchemy"\nversion = "2.0.1"\n',
        },
        '1.16.1',
        'poetry.lock:2',
      ],
      [
        {
          'uv.lock':
            'version = 1\n[[package]]\nname = "alembic"\nversion = "1.14.0"\nsource = { registry = "https://example.org/simple" }\n',
        },
        '1.14.0',
        'uv.lock:3',
      ],
      [{ 'pdm.lock': '[[package]]\nname = "alembic"\nversion = "1.12.1"\n' }, '1.12.1', 'pdm.lock:2'],
      [
        { 'Pipfile.lock': JSON.stringify({ default: { alembic: { version: '==1.11.3' } }, develop: {} }) },
        '1.11.3',
        'Pipfile.lock:1',
      ],
      [
        {
          'pyproject.toml':
            '[project]\nname = "app"\ndependencies = ["flask>=3", "alembic[tz] == 1.13.2 ; python_version >= \'3.9\'"]\n',
        },
        '1.13.2',
        'pyproject.toml:3',
      ],
      [
        { 'pyproject.toml': '[tool.poetry.dependencies]\npython = "^3.11"\nalembic = "1.10.4"\n' },
        '1.10.4',
        'pyproject.toml:3',
      ],
      [
        { 'setup.cfg': '[options]\ninstall_requires =\n    flask\n    alembic==1.9.4\n' },
        '1.9.4',
        'setup.cfg:4',
      ],
      [
        { 'setup.py': "setup(name='app', install_requires=['flask', 'alembic==0.9.10'])\n" },
        '0.9.10',
        'setup.py:1',
      ],
      [
        {
          'requirements.txt': 'flask\n-r requirements/base.txt\n',
          'requirements/base.txt': 'alembic==1.7.7  # pinned\n',
        },
        '1.7.7',
        'requirements/base.txt:1 (via requirements.txt)',
      ],
      [
        { 'requirements.txt': 'alembic>=1.7\n-c constraints.txt\n', 'constraints.txt': 'alembic==1.8.1\n' },
        '1.8.1',
        'constraints.txt:1 (via requirements.txt)',
      ],
      [
        { 'requirements.txt': '--requirement=prod.txt\n', 'prod.txt': 'Alembic \\\n  ==1.6.5\n' },
        '1.6.5',
        'prod.txt:1 (via requirements.txt)',
      ],
    ];
    for (const [tree, version, source] of cases)
      expect(pinnedVersion('alembic', files(tree)), JSON.stringify(tree)).toEqual({ version, source });
  });

  it('only an exact version counts, and names are compared as PEP 503 does', () => {
    expect(
      pinnedVersion('alembic', files({ 'requirements.txt': 'alembic>=1.9\nalembic~=1.9\nalembic==1.9.*\n' })),
    ).toBeUndefined();
    expect(pinnedVersion('flask-migrate', files({ 'requirements.txt': 'Flask_Migrate==4.0.4\n' }))).toEqual({
      version: '4.0.4',
      source: 'requirements.txt:1',
    });
    expect(
      pinnedVersion(
        'alembic',
        files({ 'pyproject.toml': '[tool.poetry.dependencies]\nalembic = "^1.13"\n' }),
      ),
    ).toBeUndefined();
    // includes that loop end
    expect(
      pinnedVersion('alembic', files({ 'requirements.txt': '-r a.txt\n', 'a.txt': '-r requirements.txt\n' })),
    ).toBeUndefined();
  });

  it('reads them in the order Heroku installs from: Pipfile.lock, requirements.txt, poetry.lock, uv.lock', () => {
    const all = {
      'Pipfile.lock': JSON.stringify({ default: { alembic: { version: '==1.11.0' } } }),
      'requirements.txt': 'alembic==1.12.0\n',
      'poetry.lock': '[[package]]\nname = "alembic"\nversion = "1.13.0"\n',
      'uv.lock': '[[package]]\nname = "alembic"\nversion = "1.14.0"\n',
    };
    expect(pinnedVersion('alembic', files(all))?.source).toMatch(/^Pipfile\.lock/u);
    const { 'Pipfile.lock': _p, ...noPipenv } = all;
    expect(pinnedVersion('alembic', files(noPipenv))?.source).toBe('requirements.txt:1');
    const { 'requirements.txt': _r, ...noPip } = noPipenv;
    expect(pinnedVersion('alembic', files(noPip))?.source).toBe('poetry.lock:2');
    void [_p, _r];
  });

  it('the report says which release it models and where that came from', () => {
    const root = makeProject({
      'migrations/versions/a1_x.py': rev('a1', null),
      'poetry.lock': '[[package]]\nname = "alembic"\nversion = "1.16.1"\n',
    });
    const text = unwrapped(runCli(root, ['check', '--no-lint']).stdout).split('\n')[0];
    expect(text).toContain('modelling Alembic 1.16.1 from poetry.lock:2');
    expect(JSON.parse(runCli(root, ['check', '--no-lint', '--format', 'json']).stdout)).toMatchObject({
      alembicVersion: '1.16.1',
      alembicVersionFrom: 'poetry.lock:2',
    });
    const bare = makeProject({ 'migrations/versions/a1_x.py': rev('a1', null) });
    expect(unwrapped(runCli(bare, ['check', '--no-lint']).stdout).split('\n')[0]).toMatch(
      /modelling Alembic [\d.]+, the newest \(no pin found\)/u,
    );
  });
});

/** A requirements file of the kinds pip-compile, Poetry's export and hand-written ones produce, around alembic's pin. */
function requirementsFile(next: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const version = (): string => `1.${Math.floor(next() * 14) + 1}.${Math.floor(next() * 4)}`;
  const hashes = (): string =>
    Array.from(
      { length: 1 + Math.floor(next() * 3) },
      (_, i) => ` \\\n    --hash=sha256:${(i + 1).toString(16).repeat(64)}`,
    ).join('');
  const marker = (): string =>
    pick([
      '',
      '',
      ' ; python_version < "3.10"',
      ' ; python_version >= "3.9"',
      '; python_full_version >= "3.11.2"',
      ' ; sys_platform == "win32"',
      ' ; platform_system == "Linux" and python_version >= "3.8"',
      ' ; (python_version < "3.8" or python_version >= "3.12")',
      ' ; extra == "dev"',
      " ; os_name != 'nt'",
      ' ; "linux" in sys_platform',
    ]);
  const name = (): string => pick(['alembic', 'Alembic', 'ALEMBIC', 'alembic[tz]']);
  const lines: string[] = [];
  for (let i = 0, n = 2 + Math.floor(next() * 6); i < n; i++) {
    lines.push(
      pick([
        `${name()}==${version()}${marker()}${next() < 0.5 ? hashes() : ''}`,
        `${name()} == ${version()}${marker()}`,
        `${name()}==${version()}  # via flask-migrate`,
        `${name()} \\\n    ==${version()}`,
        `# ${name()}==${version()}`,
        `${name()}>=${version()}`,
        `${name()}==1.${Math.floor(next() * 9)}.*`,
        `flask==3.0.${Math.floor(next() * 3)}${next() < 0.5 ? hashes() : ''}`,
        'sqlalchemy>=2.0',
        '',
        '--index-url https://pypi.org/simple',
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('requirements files as pip reads them', () => {
  it('pins, lines and markers agree with pip itself on 400 generated files (hashes, continuations, markers, extras)', () => {
    const next = rng(67);
    const dir = tempDir('preflight-pins-');
    const python = '3.11.4';
    const texts: string[] = [];
    for (let i = 0; i < 400; i++) {
      const text = requirementsFile(next);
      texts.push(text);
      writeFileSync(path.join(dir, `r${i}.txt`), text);
    }
    const r = spawnSync(
      ORACLE_PYTHON,
      [
        path.join(REPO, 'test/oracle/pip_pins.py'),
        python,
        ...texts.map((_, i) => path.join(dir, `r${i}.txt`)),
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const pip = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { version: string | null; line: number | null });
    const markers = dynoMarkers({ text: python });
    const seen = { pinned: 0, skipped: 0 };
    texts.forEach((text, i) => {
      const ours = pinnedVersion('alembic', files({ 'requirements.txt': text }), markers);
      const want = pip[i]!;
      expect(
        ours
          ? { version: ours.version, line: Number(/:(\d+)$/u.exec(ours.source)?.[1]) }
          : { version: null, line: null },
        text,
      ).toEqual(want);
      if (want.version) seen.pinned++;
      else seen.skipped++;
    });
    // the files exercise both outcomes
    expect(seen.pinned).toBeGreaterThan(100);
    expect(seen.skipped).toBeGreaterThan(20);
  });

  it("pip-compile's hash-pinned format gives the pin, and the header names the file and line", () => {
    const root = makeProject({
      'migrations/versions/a1_x.py': rev('a1', null),
      'requirements.txt':
        '#\n# This file is autogenerated by pip-compile\n#\nalembic==1.11.3 \\\n    --hash=sha256:0123 \\\n    --hash=sha256:4567\n    # via flask-migrate\n',
    });
    const first = unwrapped(runCli(root, ['check', '--no-lint']).stdout).split('\n')[0];
    expect(first).toContain('modelling Alembic 1.11.3 from requirements.txt:4');
  });
});

describe('advice that depends on the Flask-Migrate release checks it', () => {
  const FLASK_ENV =
    "from flask import current_app\n\nconfig.set_main_option('sqlalchemy.url', str(current_app.extensions['migrate'].db.engine.url))\n";

  function stampedFlaskApp(pin: string): string {
    const root = makeProject(
      {
        'migrations/alembic.ini': '[alembic]\n',
        'migrations/env.py': FLASK_ENV,
        'migrations/versions/a1_x.py': rev('a1', null),
        'requirements.txt': `Flask-Migrate==${pin}\n`,
      },
      null,
    );
    const made = spawnSync('/usr/bin/python3', [
      '-c',
      "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)'); c.execute(\"INSERT INTO alembic_version VALUES ('gone1')\"); c.commit()",
      path.join(root, 'app.db'),
    ]);
    expect(made.status).toBe(0);
    return root;
  }

  it('stamp --purge is not offered through flask db before 4.0.6, where real Flask-Migrate has no such option', () => {
    const old = runCli(stampedFlaskApp('4.0.4'), ['verify', '--no-git'], {
      DATABASE_URL: 'sqlite:///app.db',
    });
    expect(unwrapped(old.stdout)).toContain(
      '`flask db stamp --purge` needs Flask-Migrate 4.0.6 or later, and this project pins Flask-Migrate 4.0.4',
    );
    const recent = runCli(stampedFlaskApp('4.0.7'), ['verify', '--no-git'], {
      DATABASE_URL: 'sqlite:///app.db',
    });
    expect(recent.stdout).toContain('flask db stamp --purge a1');
    expect(recent.stdout).not.toContain('needs Flask-Migrate 4.0.6');
    // the installed Flask-Migrate (Debian's 4.0.4) refuses the option, as the note says
    const app = makeProject(
      {
        'app.py':
          'from flask import Flask\nfrom flask_sqlalchemy import SQLAlchemy\nfrom flask_migrate import Migrate\napp = Flask(__name__)\napp.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"\nMigrate(app, SQLAlchemy(app))\n',
      },
      null,
    );
    const real = spawnSync('flask', ['db', 'stamp', '--purge', 'head'], {
      cwd: app,
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin' },
    });
    expect(real.status).toBe(2);
    expect(real.stderr).toContain('No such option: --purge');
  });
});
