import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { describeRule } from '../../helpers/describe-rule.js';
import { ORACLE_PYTHON, PYTHON } from '../../helpers/oracle.js';
import { check, makeProject, onlineEnvPy, rev } from '../../helpers/project.js';
import { tempDir } from '../../helpers/temp-dir.js';

const V = 'migrations/versions/';
const project = (store: string): string =>
  makeProject({
    [V + 'a1_x.py']: rev('a1', null),
    'migrations/env.py': onlineEnvPy(store),
    'migrations/script.py.mako': '',
  });

const UNESCAPED = 'url = os.environ["DATABASE_URL"]\nconfig.set_main_option("sqlalchemy.url", url)';

describeRule(
  'url-percent-not-escaped',
  {
    bad: () => project(UNESCAPED),
    good: () =>
      project(
        'url = os.environ["DATABASE_URL"]\nconfig.set_main_option("sqlalchemy.url", url.replace("%", "%%"))',
      ),
  },
  (f) => {
    expect(f.severity).toBe('warning');
    expect(f.path).toBe('migrations/env.py');
    expect(f.line).toBe(7);
    expect(f.hint).toContain('url.replace("%", "%%")');
  },
);

describe('url-percent-not-escaped: what counts as escaped, and literals', () => {
  const codes = async (store: string): Promise<string[]> =>
    (await check(project(store))).findings
      .filter((f) => f.code === 'url-percent-not-escaped')
      .map((f) => `${f.severity}:${f.line}`);

  it('an escape on the line that reads the variable, or in the call through another quote style', async () => {
    expect(
      await codes(
        'url = os.getenv("DATABASE_URL").replace("%", "%%")\nconfig.set_main_option("sqlalchemy.url", url)',
      ),
    ).toEqual([]);
    expect(
      await codes(
        "config.set_section_option(config.config_ini_section, 'sqlalchemy.url', os.environ['DATABASE_URL'].replace('%', '%%'))",
      ),
    ).toEqual([]);
    expect(
      await codes(
        'config.set_section_option(config.config_ini_section, "sqlalchemy.url", os.environ["DATABASE_URL"])',
      ),
    ).toEqual(['warning:6']);
    // another option is not the URL
    expect(await codes('config.set_main_option("script_location", os.environ["X"])')).toEqual([]);
  });

  it('a replace() whose arguments are not both string literals is not the escape (and is read to the end)', async () => {
    // these once sent the reader into an endless loop (openstack/skyline-apiserver's env.py has the first)
    expect(
      await codes(
        'db_url = db_url.replace(dialect="mysql+pymysql")\nconfig.set_main_option("sqlalchemy.url", db_url)',
      ),
    ).toEqual(['warning:7']);
    expect(
      await codes(
        'url = os.environ["DATABASE_URL"].replace(OLD, NEW)\nconfig.set_main_option("sqlalchemy.url", url)',
      ),
    ).toEqual(['warning:7']);
    expect(
      await codes(
        'PCT = "%"\nconfig.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"].replace(PCT, "%%"))',
      ),
    ).toEqual(['warning:7']);
    expect(
      await codes(
        'url = os.environ["DATABASE_URL"].replace(dialect="x").replace("%", "%%")\nconfig.set_main_option("sqlalchemy.url", url)',
      ),
    ).toEqual([]);
  });

  it('a call only offline mode runs is a warning even when the URL written there holds a bare %', async () => {
    const env = (body: string): string =>
      `import os\nfrom alembic import context\n\nconfig = context.config\n\n${body}\n`;
    const at = async (text: string): Promise<string[]> => {
      const root = makeProject({
        [V + 'a1_x.py']: rev('a1', null),
        'migrations/env.py': env(text),
        'migrations/script.py.mako': '',
      });
      return (await check(root)).findings
        .filter((f) => f.code === 'url-percent-not-escaped')
        .map(
          (f) => `${f.severity}:${f.line}:${/only offline mode runs/.test(f.message) ? 'offline' : 'online'}`,
        );
    };
    const STORE = 'config.set_main_option("sqlalchemy.url", "postgresql://app:p%40ss@db/app")';
    const ONLINE = 'def run_migrations_online():\n    context.configure(url=os.environ["DATABASE_URL"])\n';
    // the template's shape: a function named only under the offline test
    expect(
      await at(
        `def run_migrations_offline():\n    ${STORE}\n\n${ONLINE}\nif context.is_offline_mode():\n    run_migrations_offline()\nelse:\n    run_migrations_online()`,
      ),
    ).toEqual(['warning:7:offline']);
    // the negated test: its else is the offline branch; a one-line block
    expect(
      await at(
        `def offline():\n    ${STORE}\n\n${ONLINE}\nif not context.is_offline_mode():\n    run_migrations_online()\nelse:\n    offline()`,
      ),
    ).toEqual(['warning:7:offline']);
    expect(
      await at(
        `def offline():\n    ${STORE}\n\n${ONLINE}\nif context.is_offline_mode(): offline()\nelse: run_migrations_online()`,
      ),
    ).toEqual(['warning:7:offline']);
    // the call itself under the test, at module level
    expect(await at(`if context.is_offline_mode():\n    ${STORE}`)).toEqual(['warning:7:offline']);
    // the test inside another function still decides
    expect(
      await at(
        `def offline():\n    ${STORE}\n\n${ONLINE}\ndef main():\n    if context.is_offline_mode():\n        offline()\n    else:\n        run_migrations_online()\n\nmain()`,
      ),
    ).toEqual(['warning:7:offline']);
    // named in online code too, or in the else of the plain test, or never: it may run online
    expect(
      await at(
        `def setup():\n    ${STORE}\n\n${ONLINE}\nif context.is_offline_mode():\n    setup()\nelse:\n    setup()\n    run_migrations_online()`,
      ),
    ).toEqual(['error:7:online']);
    expect(
      await at(
        `def setup():\n    ${STORE}\n\n${ONLINE}\nif context.is_offline_mode():\n    pass\nelse:\n    setup()`,
      ),
    ).toEqual(['error:7:online']);
    expect(
      await at(`def setup():\n    ${STORE}\n\nsetup()\nif context.is_offline_mode():\n    setup()`),
    ).toEqual(['error:7:online']);
    expect(await at(`def unused():\n    ${STORE}`)).toEqual(['error:7:online']);
    // another test (elif, a different flag) is not offline
    expect(await at(`if os.environ.get("OFFLINE"):\n    ${STORE}`)).toEqual(['error:7:online']);
  });

  it('a URL written in env.py is judged as it is: an error only when it holds a bare %', async () => {
    expect(await codes('config.set_main_option("sqlalchemy.url", "postgresql://app:p%40ss@db/app")')).toEqual(
      ['error:6'],
    );
    expect(
      await codes('config.set_main_option("sqlalchemy.url", "postgresql://app:p%%40ss@db/app")'),
    ).toEqual([]);
    expect(await codes('config.set_main_option("sqlalchemy.url", "sqlite:///app.db")')).toEqual([]);
  });
});

describe('url-percent-not-escaped in verify, against real Alembic', () => {
  // a SQLite file whose name has a space, written %20 in the URL: the same % a URL-encoded password has
  const database = (): { url: string; plain: string } => {
    const dir = tempDir();
    const db = path.join(dir, 'app db.sqlite');
    const init = spawnSync(PYTHON, [
      '-c',
      `import sqlite3; c = sqlite3.connect(${JSON.stringify(db)}); c.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"); c.execute("INSERT INTO alembic_version VALUES ('a1')"); c.commit()`,
    ]);
    expect(init.status).toBe(0);
    const plain = path.join(dir, 'plain.sqlite');
    copyFileSync(db, plain);
    return { url: `sqlite:///${db.replace(/ /g, '%20')}`, plain: `sqlite:///${plain}` };
  };

  it('a URL holding %: verify blocks (exit 1) without printing the URL, and alembic upgrade head fails with ValueError', async () => {
    const root = project(UNESCAPED);
    const { url } = database();
    const out = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      alembicVersion: '1.8.1',
    });
    expect(out.exitCode).toBe(1);
    const f = out.result.findings.find((x) => x.code === 'url-percent-not-escaped')!;
    expect(f.severity).toBe('error');
    expect(f.alembicError).toBe(
      "ValueError: invalid interpolation syntax in '<the database URL, not shown>'",
    );
    expect(out.stdout).not.toContain('app%20db');
    const alembic = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: url },
    });
    expect(alembic.status).not.toBe(0);
    expect(alembic.stderr.trim().split('\n').at(-1)).toMatch(
      /^ValueError: invalid interpolation syntax in '.*app%20db\.sqlite' at position \d+$/,
    );
  });

  it('the same env.py with a URL holding no %: a warning, and alembic upgrade head succeeds', async () => {
    const root = project(UNESCAPED);
    const { plain } = database();
    const out = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: plain },
      alembicVersion: '1.8.1',
    });
    expect(out.exitCode).toBe(0);
    expect(out.result.findings.find((x) => x.code === 'url-percent-not-escaped')?.severity).toBe('warning');
    const alembic = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: plain },
    });
    expect(alembic.status, alembic.stderr).toBe(0);
  });

  it('stored only in offline mode: the URL holding % passes verify with a warning; alembic upgrade head succeeds, and only --sql fails', async () => {
    const env = [
      'import os',
      'from alembic import context',
      'from sqlalchemy import create_engine, pool',
      '',
      'config = context.config',
      '',
      '',
      'def run_migrations_offline():',
      '    url = os.environ["DATABASE_URL"]',
      '    config.set_main_option("sqlalchemy.url", url)',
      '    context.configure(url=url, literal_binds=True)',
      '    with context.begin_transaction():',
      '        context.run_migrations()',
      '',
      '',
      'def run_migrations_online():',
      '    engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)',
      '    with engine.connect() as connection:',
      '        context.configure(connection=connection)',
      '        with context.begin_transaction():',
      '            context.run_migrations()',
      '',
      '',
      'if context.is_offline_mode():',
      '    run_migrations_offline()',
      'else:',
      '    run_migrations_online()',
      '',
    ].join('\n');
    const root = makeProject({
      [V + 'a1_x.py']: rev('a1', null),
      'migrations/env.py': env,
      'migrations/script.py.mako': '',
    });
    const { url } = database();
    const out = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      alembicVersion: '1.8.1',
    });
    expect(out.exitCode, out.stdout).toBe(0);
    const f = out.result.findings.find((x) => x.code === 'url-percent-not-escaped')!;
    expect(f.severity).toBe('warning');
    expect(f.line).toBe(10);
    expect(f.message).toContain('the URL it stores holds a bare %, so `alembic upgrade --sql`');
    expect(out.stdout).not.toContain('app%20db');
    const alembic = (...args: string[]) =>
      spawnSync(ORACLE_PYTHON, ['-m', 'alembic', ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, DATABASE_URL: url },
      });
    const online = alembic('upgrade', 'head');
    expect(online.status, online.stderr).toBe(0);
    const offline = alembic('upgrade', 'head', '--sql');
    expect(offline.status).not.toBe(0);
    expect(offline.stderr.trim().split('\n').at(-1)).toMatch(
      /^ValueError: invalid interpolation syntax in '.*app%20db\.sqlite' at position \d+$/,
    );
  });

  it('escaped: the URL holding % passes verify, and alembic upgrade head succeeds with it', async () => {
    const root = project(
      'url = os.environ["DATABASE_URL"]\nconfig.set_main_option("sqlalchemy.url", url.replace("%", "%%"))',
    );
    const { url } = database();
    const out = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      alembicVersion: '1.8.1',
    });
    expect(out.exitCode).toBe(0);
    expect(out.result.findings.map((x) => x.code)).not.toContain('url-percent-not-escaped');
    const alembic = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: url },
    });
    expect(alembic.status, alembic.stderr).toBe(0);
  });

  // the value configparser sees decides, not an escape somewhere in the file
  const cases: [string, string, boolean][] = [
    [
      'an escape of another variable (a decoy)',
      'safe = os.environ["DATABASE_URL"].replace("%", "%%")\nurl = os.environ["DATABASE_URL"]\nconfig.set_main_option("sqlalchemy.url", url)',
      false,
    ],
    [
      'the variable escaped where it is assigned, then passed on through another',
      'raw = os.environ["DATABASE_URL"].replace("%", "%%")\nurl = raw\nconfig.set_main_option("sqlalchemy.url", url)',
      true,
    ],
    [
      'a function that returns the escaped URL',
      'def get_url():\n    url = os.environ["DATABASE_URL"]\n    return url.replace("%", "%%")\nconfig.set_main_option("sqlalchemy.url", get_url())',
      true,
    ],
    [
      'a function that escapes a copy but returns the raw URL',
      'def get_url():\n    url = os.environ["DATABASE_URL"]\n    shown = url.replace("%", "%%")\n    return url\nconfig.set_main_option("sqlalchemy.url", get_url())',
      false,
    ],
  ];
  for (const [name, store, escaped] of cases) {
    it(`${name}: ${escaped ? 'passes, and alembic upgrade head succeeds' : 'blocks, and alembic upgrade head fails with ValueError'}`, async () => {
      const root = project(store);
      const { url } = database();
      const out = await verifyCommand({
        cwd: root,
        format: 'text',
        env: { DATABASE_URL: url },
        alembicVersion: '1.8.1',
      });
      expect(out.exitCode).toBe(escaped ? 0 : 1);
      const alembic = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, DATABASE_URL: url },
      });
      if (escaped) expect(alembic.status, alembic.stderr).toBe(0);
      else expect(alembic.stderr).toContain('ValueError: invalid interpolation syntax');
    });
  }
});
