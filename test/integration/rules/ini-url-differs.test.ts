import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { iniUrlConnection } from '../../../src/alembic/env/env-database-url.js';
import { sameDatabase } from '../../../src/database/database-url.js';
import { runCli } from '../../helpers/cli.js';
import { ORACLE_PYTHON, PYTHON } from '../../helpers/oracle.js';
import { DEFAULT_INI, makeProject, onlineEnvPy, rev } from '../../helpers/project.js';
import { tempDir } from '../../helpers/temp-dir.js';

const V = 'migrations/versions/';
/** Alembic's template env.py (the URL from alembic.ini), with `store` where a project sets its own. */
const project = (iniUrlLine: string, store = ''): string =>
  makeProject(
    {
      [V + 'a1_x.py']: rev('a1', null),
      [V + 'b2_x.py']: rev('b2', 'a1'),
      'migrations/env.py': onlineEnvPy(store),
      'migrations/script.py.mako': '',
    },
    DEFAULT_INI + iniUrlLine,
  );

const ENGINE_DIRECT =
  'engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)';
const ENGINE_NAMED = 'url = config.get_main_option("sqlalchemy.url")\nengine = create_engine(url)';
/** An env.py that builds its engine with create_engine from the ini's URL (`body` inside run_migrations_online), offline branch included. */
const createEngineEnvPy = (body: string): string =>
  `from alembic import context\nfrom sqlalchemy import create_engine, pool\n\nconfig = context.config\n\n\ndef run_migrations_offline():\n    url = config.get_main_option("sqlalchemy.url")\n    context.configure(url=url, literal_binds=True)\n    with context.begin_transaction():\n        context.run_migrations()\n\n\ndef run_migrations_online():\n${body
    .split('\n')
    .map((l) => `    ${l}`)
    .join(
      '\n',
    )}\n    with engine.connect() as connection:\n        context.configure(connection=connection)\n        with context.begin_transaction():\n            context.run_migrations()\n\n\nif context.is_offline_mode():\n    run_migrations_offline()\nelse:\n    run_migrations_online()\n`;
const engineProject = (body: string, iniUrlLine: string): string =>
  makeProject(
    {
      [V + 'a1_x.py']: rev('a1', null),
      [V + 'b2_x.py']: rev('b2', 'a1'),
      'migrations/env.py': createEngineEnvPy(body),
      'migrations/script.py.mako': '',
    },
    DEFAULT_INI + iniUrlLine,
  );

/** A real SQLite file whose alembic_version holds `row`. */
function database(row: string): { file: string; url: string } {
  const file = path.join(tempDir(), 'app.db');
  const init = spawnSync(PYTHON, [
    '-c',
    `import sqlite3; c = sqlite3.connect(${JSON.stringify(file)}); c.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"); c.execute("INSERT INTO alembic_version VALUES ('${row}')"); c.commit()`,
  ]);
  expect(init.status).toBe(0);
  return { file, url: `sqlite:///${file}` };
}

const upgrade = (root: string, env: Record<string, string>) =>
  spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '', PYTHONDONTWRITEBYTECODE: '1', ...env },
  });

type Found = {
  code: string;
  severity: string;
  path: string;
  line: number;
  message: string;
  hint: string;
  alembicError?: string;
};
const found = (stdout: string): Found[] =>
  (JSON.parse(stdout).findings as Found[]).filter((f) => f.code === 'ini-url-differs');
const lastLine = (text: string): string => text.trim().split('\n').at(-1)!;

describe("ini-url-differs: env.py connects with alembic.ini's URL, not the one verify read", () => {
  it('blocks when alembic.ini names another database, which real Alembic upgrades (and fails on); the hint moves env.py to ours', () => {
    const checked = database('b2'); // at head: on its own, an all-clear
    const real = database('guest_lockout_001');
    const root = project(`sqlalchemy.url = ${real.url}\n`);
    const env = { DATABASE_URL: checked.url };
    const r = runCli(root, ['verify', '--format', 'json'], env);
    expect(r.status).toBe(1);
    const [f] = found(r.stdout);
    expect(f).toMatchObject({ severity: 'error', path: 'alembic.ini', line: 4 });
    expect(f!.message).toContain(
      'env.py builds its engine from alembic.ini (engine_from_config, migrations/env.py:9)',
    );
    expect(f!.message).toContain('another database than $DATABASE_URL');
    expect(r.stdout + r.stderr).not.toContain(real.file);
    // real Alembic goes to the ini's database, and fails there
    const up = upgrade(root, env);
    expect(up.status).not.toBe(0);
    expect(up.stdout + up.stderr).toContain("Can't locate revision identified by 'guest_lockout_001'");
    // the hint's line, put where env.py sets its URL: the finding is gone and Alembic upgrades the database verify read
    const store = /config\.set_main_option\(.*\)\)/u.exec(f!.hint)![0];
    const fixed = project(`sqlalchemy.url = ${real.url}\n`, `${store}\n`);
    const again = runCli(fixed, ['verify', '--format', 'json'], env);
    expect(found(again.stdout)).toEqual([]);
    expect(again.status).toBe(0);
    expect(upgrade(fixed, env).status).toBe(0);
  });

  it('says the failure real Alembic prints when the ini holds the template URL, a blank one or none', () => {
    const db = database('a1');
    for (const [line, at] of [
      ['sqlalchemy.url = driver://user:pass@localhost/dbname\n', 4],
      ['sqlalchemy.url =\n', 4],
      ['', 1],
    ] as const) {
      const root = project(line);
      const r = runCli(root, ['verify', '--format', 'json'], { DATABASE_URL: db.url });
      expect(r.status, line).toBe(1);
      const [f] = found(r.stdout);
      expect(f, line).toMatchObject({ severity: 'error', path: 'alembic.ini', line: at });
      const up = upgrade(root, { DATABASE_URL: db.url });
      expect(up.status).not.toBe(0);
      // SQLAlchemy 1.4 (Debian's) ends the blank URL's message "from string ''"; 2.x, which we quote, "from given URL string"
      const real = lastLine(up.stdout + up.stderr).replace("from string ''", 'from given URL string');
      expect(f!.alembicError, line).toBe(real);
    }
  });

  it('is quiet when the ini names the database verify read, however the URL is written', () => {
    const db = database('a1');
    const root = project('sqlalchemy.url = sqlite:///%(here)s/app.db\n');
    // the same file through %(here)s and through an absolute path
    const local = path.join(root, 'app.db');
    spawnSync('cp', [db.file, local]);
    expect(
      found(runCli(root, ['verify', '--format', 'json'], { DATABASE_URL: `sqlite:///${local}` }).stdout),
    ).toEqual([]);
    expect(
      sameDatabase(
        'postgres://u:secret@db.example.com/app',
        'postgresql+psycopg2://other@DB.example.com:5432/app?sslmode=require',
        '/',
      ),
    ).toBe('same');
    expect(
      sameDatabase('postgres://u@db.example.com/app', 'postgres://u@db.example.com/app_staging', '/'),
    ).toBe('different');
    expect(sameDatabase('postgres://u@db.example.com/app', 'postgres://u@db.example.com:5433/app', '/')).toBe(
      'different',
    );
    // a MySQL server and a PostgreSQL one are two databases; one MySQL database whichever driver reaches it
    expect(sameDatabase('mysql://h/app', 'postgres://h/app', '/')).toBe('different');
    expect(
      sameDatabase('mysql+pymysql://u@db.example.com/app', 'mysql+mysqldb://v@db.example.com:3306/app', '/'),
    ).toBe('same');
    expect(sameDatabase('oracle://h/app', 'postgres://h/app', '/')).toBe('unknown');
    // this machine however named (CI writes localhost in one place and 127.0.0.1 in another), a socket folder
    for (const local of [
      'postgresql://127.0.0.1/app',
      'postgresql://[::1]/app',
      'postgresql:///app',
      'postgresql://localhost./app',
      'postgresql:///app?host=/var/run/postgresql',
    ]) {
      expect(sameDatabase(local, 'postgres://u@LOCALHOST:5432/app', '/'), local).toBe('same');
    }
    expect(sameDatabase('postgresql://127.0.0.1/app', 'postgresql://localhost/other', '/')).toBe('different');
    expect(sameDatabase('postgresql://127.0.0.1:5433/app', 'postgresql://localhost/app', '/')).toBe(
      'different',
    );
    expect(
      sameDatabase('postgresql:///app?host=/tmp', 'postgresql:///app?host=/var/run/postgresql', '/'),
    ).toBe('unknown');
    expect(sameDatabase('postgresql://db.example.com/app', 'postgresql://localhost/app', '/')).toBe(
      'different',
    );
  });

  it('is quiet whenever env.py may connect some other way, and reads the template as Alembic ships it', () => {
    const generic = readFileSync(
      path.join(
        path.dirname(
          spawnSync(PYTHON, ['-c', 'import alembic; print(alembic.__file__)'], {
            encoding: 'utf8',
          }).stdout.trim(),
        ),
        'templates/generic/env.py',
      ),
      'utf8',
    );
    expect(iniUrlConnection(generic)).toEqual({
      line: generic.split('\n').findIndex((l) => l.includes('engine_from_config(')) + 1,
      via: 'engine_from_config',
    });
    const online = onlineEnvPy('');
    expect(iniUrlConnection(online)).toEqual({ line: 9, via: 'engine_from_config' });
    for (const other of [
      'config.set_main_option("sqlalchemy.url", settings.DATABASE_URL)',
      'config.set_section_option(config.config_ini_section, "DB_HOST", os.environ["DB_HOST"])',
      'section = config.get_section(config.config_ini_section, {})\nsection["sqlalchemy.url"] = get_url()',
      'connectable = config.attributes.get("connection", None)',
      'engine = create_engine(get_url())',
      'db = context.get_x_argument(as_dictionary=True).get("db")',
      'from flask import current_app',
      // seen in public projects: a url= that overrides the section's, another section
      'def run_migrations_online():\n    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", url=get_engine_url())',
      'def run_migrations_online():\n    engine = engine_from_config(config.get_section("production", {}), prefix="sqlalchemy.")',
    ]) {
      expect(iniUrlConnection(onlineEnvPy(other + '\n')), other).toBeNull();
    }
    // env.py without engine_from_config (Flask-Migrate's, ours): nothing is claimed
    expect(iniUrlConnection('from alembic import context\n')).toBeNull();
  });

  it('reads create_engine(config.get_main_option("sqlalchemy.url")) as the ini\'s URL too, directly or through a name bound to nothing else', () => {
    const claimed = [
      ENGINE_DIRECT,
      ENGINE_NAMED,
      'url = context.config.get_main_option("sqlalchemy.url")\nengine = create_async_engine(url)',
      "engine = create_engine(config.get_main_option('sqlalchemy.url'))",
    ];
    for (const body of claimed)
      expect(iniUrlConnection(createEngineEnvPy(body)), body).toMatchObject({ via: 'create_engine' });
    for (const body of [
      'url = config.get_main_option("sqlalchemy.url")\nurl = fix(url)\nengine = create_engine(url)',
      'url = config.get_main_option("sqlalchemy.url")\nurl += "?sslmode=require"\nengine = create_engine(url)',
      'url, other = config.get_main_option("sqlalchemy.url"), 1\nengine = create_engine(url)',
      'def make(url):\n    return create_engine(url)\nengine = make(settings.DB)',
      'for url in urls:\n    engine = create_engine(url)',
      'engine = create_engine(config.get_main_option("sqlalchemy.url", "sqlite://"))',
      'engine = create_engine(config.get_main_option("sqlalchemy.url") + "?x=1")',
      'engine = create_engine(get_url())',
      'url = config.get_main_option("sqlalchemy.url")\nengine = create_engine(url)\nengine = create_engine(os.environ["DATABASE_URL"])',
    ])
      expect(iniUrlConnection(createEngineEnvPy(body)), body).toBeNull();
  });

  it('blocks create_engine(config.get_main_option("sqlalchemy.url")) on another database or none, as real Alembic fails', () => {
    const checked = database('b2');
    const real = database('guest_lockout_001');
    const env = { DATABASE_URL: checked.url };
    for (const body of [ENGINE_DIRECT, ENGINE_NAMED]) {
      const root = engineProject(body, `sqlalchemy.url = ${real.url}\n`);
      const r = runCli(root, ['verify', '--format', 'json'], env);
      expect(r.status, body).toBe(1);
      const [f] = found(r.stdout);
      expect(f!.message).toContain(
        'create_engine(config.get_main_option("sqlalchemy.url")), migrations/env.py:',
      );
      const up = upgrade(root, env);
      expect(up.status).not.toBe(0);
      expect(up.stdout + up.stderr).toContain("Can't locate revision identified by 'guest_lockout_001'");
      // the same database: quiet, and Alembic upgrades it
      const same = engineProject(body, `sqlalchemy.url = ${checked.url}\n`);
      const ok = runCli(same, ['verify', '--format', 'json'], env);
      expect(found(ok.stdout)).toEqual([]);
      expect(ok.status, ok.stdout).toBe(0);
      expect(upgrade(same, env).status).toBe(0);
    }
    // no sqlalchemy.url: get_main_option gives None, which create_engine refuses
    const none = engineProject(ENGINE_DIRECT, '');
    const [f] = found(runCli(none, ['verify', '--format', 'json'], env).stdout);
    expect(f).toMatchObject({ severity: 'error', path: 'alembic.ini', line: 1 });
    const up = upgrade(none, env);
    expect(up.status).not.toBe(0);
    // SQLAlchemy 1.4 (Debian's) fails on None before its check; 2.x, which we quote, says so
    const said = lastLine(up.stdout + up.stderr);
    expect([
      f!.alembicError,
      "AttributeError: 'NoneType' object has no attribute '_instantiate_plugins'",
    ]).toContain(said);
  });
});
