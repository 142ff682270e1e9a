import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { multiDatabaseSetup } from '../../../src/alembic/env/env-setup-facts.js';
import { runCli, unwrapped } from '../../helpers/cli.js';
import { alembicCommand, alembicTargets, PYTHON } from '../../helpers/oracle.js';
import { DEFAULT_INI, makeProject, onlineEnvPy, rev } from '../../helpers/project.js';
import { tempDir } from '../../helpers/temp-dir.js';

type Found = { code: string; severity: string; path: string; line: number; message: string; hint: string };
const found = (stdout: string): Found[] =>
  (JSON.parse(stdout).findings as Found[]).filter((f) => f.code === 'other-databases-not-verified');
const lastLine = (text: string): string => text.trim().split('\n').at(-1)!;

/** Sets the one row of a SQLite database's alembic_version (as a hand-stamp would). */
function stamp(file: string, row: string): void {
  const r = spawnSync(PYTHON, [
    '-c',
    `import sqlite3; c = sqlite3.connect(${JSON.stringify(file)}); c.execute("UPDATE alembic_version SET version_num = '${row}'"); c.commit()`,
  ]);
  expect(r.status).toBe(0);
}

/** The one row of a SQLite database's alembic_version. */
function rowOf(file: string): string {
  return spawnSync(
    PYTHON,
    [
      '-c',
      `import sqlite3; print(sqlite3.connect(${JSON.stringify(file)}).execute("SELECT version_num FROM alembic_version").fetchone()[0])`,
    ],
    { encoding: 'utf8' },
  ).stdout.trim();
}

/**
 * A project real Alembic writes from its multidb template, with one revision applied by real Alembic to
 * two SQLite databases, engine1's and engine2's (alembic.ini's sections name them).
 */
function multidbProject(env: Record<string, string>): {
  root: string;
  one: string;
  two: string;
  databasesLine: number;
} {
  const root = tempDir();
  const run = (...args: string[]): void => {
    const r = alembicCommand(root, args, env);
    expect(r.status, r.last).toBe(0);
  };
  run('init', '--template', 'multidb', 'migrations');
  const one = path.join(root, 'one.db');
  const two = path.join(root, 'two.db');
  const iniPath = path.join(root, 'alembic.ini');
  const ini = readFileSync(iniPath, 'utf8')
    .replace(/(\[engine1\]\s*sqlalchemy\.url = ).*/u, `$1sqlite:///${one}`)
    .replace(/(\[engine2\]\s*sqlalchemy\.url = ).*/u, `$1sqlite:///${two}`);
  expect(ini).toContain(`sqlite:///${two}`);
  writeFileSync(iniPath, ini);
  run('revision', '-m', 'first', '--rev-id', 'a1');
  run('upgrade', 'head');
  const databasesLine = ini.split('\n').findIndex((l) => l.startsWith('databases =')) + 1;
  return { root, one, two, databasesLine };
}

describe('other-databases-not-verified: env.py migrates several databases and verify read one', () => {
  for (const target of alembicTargets()) {
    it(`names the databases verify did not read, in a project real Alembic ${target.version} writes from its multidb template; the verdict covers only the one read`, () => {
      const { root, one, two, databasesLine } = multidbProject(target.env);
      // engine2 hand-stamped with a revision no file has: real Alembic's upgrade fails as a whole
      stamp(two, 'guest_lockout_001');
      const up = alembicCommand(root, ['upgrade', 'head'], target.env);
      expect(up.status).not.toBe(0);
      expect(up.last).toContain("Can't locate revision identified by 'guest_lockout_001'");

      // verify on engine1 alone: its own table is fine, and the report says what it did not read
      const r = runCli(root, ['verify', '--format', 'json'], { DATABASE_URL: `sqlite:///${one}` });
      expect(r.status).toBe(0);
      const [f] = found(r.stdout);
      expect(f).toMatchObject({ severity: 'warning', path: 'alembic.ini', line: databasesLine });
      expect(f!.message).toContain("alembic.ini's databases = engine1, engine2");
      expect(f!.message).toContain(
        'This verdict is about engine1 ($DATABASE_URL); verify did not read the version table of engine2',
      );
      const engine2 =
        readFileSync(path.join(root, 'alembic.ini'), 'utf8').split('\n').indexOf('[engine2]') + 1;
      expect(f!.hint).toContain(
        `alembic-preflight verify --database-url "<the URL of [engine2] in alembic.ini:${engine2}>"`,
      );
      expect(f!.hint).not.toContain('[engine1]');
      const text = runCli(root, ['verify'], { DATABASE_URL: `sqlite:///${one}` });
      expect(lastLine(text.stdout)).toBe(
        'OK: `alembic upgrade head` will find its revisions with nothing to apply; the other databases env.py migrates were not read (other-databases-not-verified)',
      );

      // the hint's command, run on engine2, blocks with what real Alembic printed
      const other = runCli(root, ['verify'], { DATABASE_URL: `sqlite:///${two}` });
      expect(other.status).toBe(1);
      expect(other.stdout).toContain("Can't locate revision identified by 'guest_lockout_001'");
      expect(unwrapped(other.stdout)).toContain('verify did not read the version table of engine1');
      // and its re-stamp says what real Alembic's stamp does here: it writes every database
      expect(unwrapped(other.stdout)).toContain(
        '(replaces every row; here it stamps every database env.py migrates, not only this one;',
      );
      stamp(one, 'a0');
      expect(alembicCommand(root, ['stamp', '--purge', 'a1'], target.env).status).toBe(0);
      expect([one, two].map(rowOf)).toEqual(['a1', 'a1']);
    });
  }

  it('blocks when none of the listed databases is the one read: Alembic migrates the two and never touches it', () => {
    const { root, one, two } = multidbProject({});
    const elsewhere = path.join(tempDir(), 'staging.db');
    writeFileSync(elsewhere, readFileSync(one));
    // the listed databases move on; the one verify read is left where it was
    writeFileSync(
      path.join(root, 'migrations/versions/b2_second.py'),
      readFileSync(path.join(root, 'migrations/versions/a1_first.py'), 'utf8')
        .replace("revision = 'a1'", "revision = 'b2'")
        .replace('down_revision = None', "down_revision = 'a1'"),
    );
    const r = runCli(root, ['verify', '--format', 'json'], { DATABASE_URL: `sqlite:///${elsewhere}` });
    expect(r.status).toBe(1);
    const [f] = found(r.stdout);
    expect(f!.severity).toBe('error');
    expect(f!.message).toContain(
      'None of their sqlalchemy.url options names the database verify read ($DATABASE_URL)',
    );
    expect(f!.hint).toContain('[engine1]');
    expect(f!.hint).toContain('[engine2]');
    expect(alembicCommand(root, ['upgrade', 'head']).status).toBe(0);
    expect([one, two, elsewhere].map(rowOf)).toEqual(['b2', 'b2', 'a1']);
  });

  it("cannot tell which database was read when env.py takes the sections' URLs from elsewhere: every listed one is named", () => {
    const { root, one } = multidbProject({});
    const envPy = path.join(root, 'migrations/env.py');
    writeFileSync(
      envPy,
      readFileSync(envPy, 'utf8').replace(
        'config = context.config\n',
        'config = context.config\nimport os\nfor _name in ("engine1", "engine2"):\n    config.set_section_option(_name, "sqlalchemy.url", os.environ[_name.upper() + "_URL"])\n',
      ),
    );
    const r = runCli(root, ['verify', '--format', 'json'], { DATABASE_URL: `sqlite:///${one}` });
    expect(r.status).toBe(0);
    const [f] = found(r.stdout);
    expect(f!.severity).toBe('warning');
    expect(f!.message).toContain('Which of them $DATABASE_URL names cannot be told from alembic.ini');
    expect(f!.message).toContain('did not read the version table of engine1, engine2');
  });

  it('says nothing for a databases list of one name whose URL is the one read', () => {
    const { root, one } = multidbProject({});
    const iniPath = path.join(root, 'alembic.ini');
    writeFileSync(
      iniPath,
      readFileSync(iniPath, 'utf8').replace('databases = engine1, engine2', 'databases = engine1'),
    );
    const r = runCli(root, ['verify', '--format', 'json'], { DATABASE_URL: `sqlite:///${one}` });
    expect(r.status).toBe(0);
    expect(found(r.stdout)).toEqual([]);
    expect(lastLine(runCli(root, ['verify'], { DATABASE_URL: `sqlite:///${one}` }).stdout)).toBe(
      'OK: `alembic upgrade head` will find its revisions with nothing to apply',
    );
  });

  it("reads a Flask-Migrate multidb env.py (the app's binds), and release prints the warning before it runs nothing", () => {
    const env = [
      'from alembic import context',
      'from flask import current_app',
      '',
      'USE_TWOPHASE = False',
      'config = context.config',
      'bind_names = list(current_app.config["SQLALCHEMY_BINDS"].keys())',
      '',
      'def run_migrations_online():',
      "    engines = {'': {'engine': current_app.extensions['migrate'].db.engine}}",
      '    for name in bind_names:',
      "        engines[name] = {'engine': current_app.extensions['migrate'].db.get_engine(bind=name)}",
      '    for name, rec in engines.items():',
      '        context.configure(',
      "            connection=rec['connection'],",
      '            upgrade_token="%s_upgrades" % name,',
      '        )',
      '        context.run_migrations(engine_name=name)',
      '',
      'run_migrations_online()',
      '',
    ].join('\n');
    expect(multiDatabaseSetup(env)).toEqual({ line: 15, names: 'binds' });
    const root = makeProject(
      {
        'migrations/versions/a1_x.py': rev('a1', null),
        'migrations/env.py': env,
        'migrations/script.py.mako': '',
      },
      DEFAULT_INI,
    );
    const db = path.join(tempDir(), 'app.db');
    const init = spawnSync(PYTHON, [
      '-c',
      `import sqlite3; c = sqlite3.connect(${JSON.stringify(db)}); c.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"); c.execute("INSERT INTO alembic_version VALUES ('a1')"); c.commit()`,
    ]);
    expect(init.status).toBe(0);
    const r = runCli(root, ['verify', '--format', 'json'], { DATABASE_URL: `sqlite:///${db}` });
    const [f] = found(r.stdout);
    expect(f).toMatchObject({ severity: 'warning', path: 'migrations/env.py', line: 15 });
    expect(f!.message).toContain("the application's main database and each bind of SQLALCHEMY_BINDS");
    const release = runCli(root, ['release'], { DATABASE_URL: `sqlite:///${db}` });
    expect(release.status).toBe(0);
    expect(release.stdout).toMatch(
      /^warning \[other-databases-not-verified\] .*\n {2}--> migrations\/env\.py:15$/mu,
    );
    expect(lastLine(release.stdout)).toMatch(
      /^alembic-preflight release: OK: the database is already at head/u,
    );
  });

  it('finds no second database in a single-database env.py, nor in an engine_name= outside run_migrations or an offline-only run', () => {
    expect(multiDatabaseSetup(onlineEnvPy(''))).toBeNull();
    expect(
      multiDatabaseSetup(
        'from alembic import context\nlog(engine_name="x")\ncontext.configure(connection=c)\n',
      ),
    ).toBeNull();
    const offline =
      'from alembic import context\n\nif context.is_offline_mode():\n    for name in names:\n        context.configure(url=u)\n        context.run_migrations(engine_name=name)\nelse:\n    run()\n';
    expect(multiDatabaseSetup(offline)).toBeNull();
    expect(
      multiDatabaseSetup(offline.replace('    run()', '    context.run_migrations(engine_name=n)')),
    ).toEqual({ line: 8, names: 'unknown' });
  });
});
