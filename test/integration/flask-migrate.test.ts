import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON, REPO } from '../helpers/oracle.js';
import { unwrapped } from '../helpers/cli.js';
import { makeProject, migration, rev } from '../helpers/project.js';

// the lines of Flask-Migrate's env.py template that identify it
const FLASK_ENV =
  "from flask import current_app\n\nconfig.set_main_option('sqlalchemy.url', str(current_app.extensions['migrate'].db.engine.url))\n";
// what `flask db init` writes: no script_location, because flask db sets it
const FLASK_INI =
  '[alembic]\n# template used to generate migration files\n# file_template = %%(rev)s_%%(slug)s\n\n[loggers]\nkeys = root\n';

function run(cwd: string, ...args: string[]): { status: number | null; stdout: string } {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin/alembic-preflight.js'), 'check', ...args], {
    cwd,
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout };
}

function flaskApp(env = FLASK_ENV): string {
  return makeProject(
    {
      'migrations/alembic.ini': FLASK_INI,
      'migrations/env.py': env,
      'migrations/versions/a1_x.py': rev('a1', null),
      'migrations/versions/b2_x.py': rev('b2', 'a1'),
    },
    null,
  );
}

describe('Flask-Migrate layout (script_location set by flask db, not by the ini)', () => {
  it('works from the app root with no flags, and says what it assumed', () => {
    const root = flaskApp();
    const r = run(root, '--format', 'json');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.config).toMatchObject({
      configFile: 'migrations/alembic.ini',
      scriptLocation: 'migrations',
      flaskMigrate: true,
      versionLocations: ['migrations/versions'],
    });
    expect(doc.graph.heads).toEqual(['b2']);
    expect(unwrapped(run(root).stdout).split('\n')[0]).toContain(
      "script_location migrations, as Flask-Migrate's `flask db` sets it",
    );
  });

  it('works with -c migrations/alembic.ini', () => {
    const r = run(flaskApp(), '-c', 'migrations/alembic.ini', '--format', 'json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).config.flaskMigrate).toBe(true);
  });

  it("follows flask db where the ini's own script_location finds no env.py from here (ihatemoney: script_location = .)", () => {
    const root = makeProject(
      {
        'app/migrations/alembic.ini': '[alembic]\nscript_location = .\n',
        'app/migrations/env.py': FLASK_ENV,
        'app/migrations/versions/a1_x.py': rev('a1', null),
      },
      null,
    );
    const doc = JSON.parse(run(root, '-c', 'app/migrations/alembic.ini', '--format', 'json').stdout);
    expect(doc.config).toMatchObject({
      scriptLocation: 'app/migrations',
      flaskMigrate: true,
      versionLocations: ['app/migrations/versions'],
    });
    expect(doc.graph.heads).toEqual(['a1']);
    // from the folder itself the ini's value is right, and plain Alembic is modelled
    const inside = JSON.parse(run(path.join(root, 'app/migrations'), '--format', 'json').stdout);
    expect(inside.config).toMatchObject({ scriptLocation: '.', flaskMigrate: false });
    expect(inside.graph.heads).toEqual(['a1']);
  });

  it("from the app root, follows flask db whatever the ini's script_location says (sbc-pay: script_location = .)", () => {
    const root = makeProject(
      {
        'migrations/alembic.ini': '[alembic]\nscript_location = .\n',
        'migrations/env.py': FLASK_ENV,
        'migrations/versions/a1_x.py': rev('a1', null),
      },
      null,
    );
    const r = run(root, '--format', 'json');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.config).toMatchObject({
      configFile: 'migrations/alembic.ini',
      scriptLocation: 'migrations',
      flaskMigrate: true,
      versionLocations: ['migrations/versions'],
    });
    expect(doc.graph.heads).toEqual(['a1']);
  });

  it('from the app root, an env.py rewritten to build the app itself counts when the project declares Flask-Migrate (ghostportal)', () => {
    // ghostportal's env.py calls create_app() and has none of the template's current_app lines
    const files = {
      'migrations/alembic.ini': '[alembic]\nscript_location = migrations\n',
      'migrations/env.py': 'from alembic import context\nfrom app import create_app\napp = create_app()\n',
      'migrations/versions/a1_x.py': rev('a1', null),
    };
    const declared = makeProject(
      { ...files, 'requirements.txt': 'flask==3.1.0\nFlask-Migrate==4.0.7\n' },
      null,
    );
    const doc = JSON.parse(run(declared, '--format', 'json').stdout);
    expect(doc.config).toMatchObject({
      configFile: 'migrations/alembic.ini',
      scriptLocation: 'migrations',
      flaskMigrate: true,
    });
    expect(doc.graph.heads).toEqual(['a1']);
    // without Flask-Migrate nothing is assumed, and the fix names the ini below (Alembic 1.8.1's wording)
    const plain = makeProject(files, null);
    const r = run(plain, '--alembic-version', '1.8.1', '--format', 'json');
    expect(r.status).toBe(2);
    const err = JSON.parse(r.stdout).error;
    expect(err.alembicError).toBe(
      "FAILED: No config file 'alembic.ini' found, or file has no '[alembic]' section",
    );
    expect(err.hint).toContain('alembic-preflight check -c migrations/alembic.ini');
  });

  it('an ini without script_location beside any other env.py is still the error Alembic prints (exit 2)', () => {
    const root = flaskApp('from alembic import context\n');
    const r = run(root, '-c', 'migrations/alembic.ini', '--format', 'json');
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error.alembicError).toBe(
      "FAILED: No 'script_location' key found in configuration.",
    );
    // and from the root, with no alembic.ini there, nothing is assumed
    expect(run(root, '--format', 'json').status).toBe(2);
  });

  it('an ordinary project is not marked', () => {
    const root = makeProject({ 'migrations/env.py': '', 'migrations/versions/a1_x.py': rev('a1', null) });
    expect(JSON.parse(run(root, '--format', 'json').stdout).config.flaskMigrate).toBe(false);
  });
});

describe('text report', () => {
  it('names the upgrade as the project runs it: flask db upgrade in a Flask-Migrate project, alembic upgrade elsewhere', () => {
    const root = flaskApp();
    writeFileSync(path.join(root, 'migrations/versions/c3_x.py'), rev('c3', 'a1'));
    writeFileSync(path.join(root, 'Procfile'), 'release: flask db upgrade heads\n');
    expect(run(root).stdout).toContain(
      'graded for `flask db upgrade heads` (the release line in Procfile:1)',
    );
    const plain = makeProject({
      'migrations/env.py': '',
      'migrations/versions/a1_x.py': rev('a1', null),
      'migrations/versions/c3_x.py': rev('c3', null),
      Procfile: 'release: alembic upgrade heads\n',
    });
    expect(run(plain).stdout).toContain(
      'graded for `alembic upgrade heads` (the release line in Procfile:1)',
    );
    // verify's verdict too
    const db = path.join(root, 'app.db');
    const made = spawnSync(PYTHON, [
      '-c',
      "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)'); c.execute(\"INSERT INTO alembic_version VALUES ('guest1')\"); c.commit()",
      db,
    ]);
    expect(made.status).toBe(0);
    const verify = () =>
      spawnSync(
        process.execPath,
        [
          path.join(REPO, 'bin/alembic-preflight.js'),
          'verify',
          '--database-url',
          'sqlite:///app.db',
          '--no-git',
        ],
        { cwd: root, encoding: 'utf8' },
      );
    const v = verify();
    expect(v.status, v.stdout + v.stderr).toBe(1);
    expect(v.stdout).toContain(
      "BLOCKED: `flask db upgrade heads` will fail: Can't locate revision identified by 'guest1'",
    );
    // and the findings that name the upgrade name it as the verdict does, never as `alembic upgrade`
    expect(v.stdout).toContain('`flask db upgrade heads`');
    expect(v.stdout).not.toMatch(/`alembic upgrade/u);
    const pending = spawnSync(PYTHON, [
      '-c',
      'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("UPDATE alembic_version SET version_num = \'a1\'"); c.commit()',
      db,
    ]);
    expect(pending.status).toBe(0);
    const behind = verify();
    expect(behind.stdout).toMatch(
      /^OK: `flask db upgrade heads` will find its revisions and apply 2 migrations/mu,
    );
    expect(behind.stdout).not.toMatch(/`alembic upgrade/u);
  });

  it("writes the fix in flask db's words in a Flask-Migrate project only, with nothing left to translate", () => {
    const root = flaskApp();
    writeFileSync(path.join(root, 'migrations/versions/c3_x.py'), rev('c3', 'a1'));
    const out = run(root).stdout;
    expect(out).toContain('[multiple-heads]');
    expect(out).toContain('fix: flask db merge -m "merge heads" b2 c3');
    expect(out).not.toContain("Flask-Migrate project: run the fixes' alembic commands through flask db");
    const plain = makeProject({
      'migrations/env.py': '',
      'migrations/versions/a1_x.py': rev('a1', null),
      'migrations/versions/b2_x.py': rev('b2', 'a1'),
      'migrations/versions/c3_x.py': rev('c3', 'a1'),
    });
    const plainOut = run(plain).stdout;
    expect(plainOut).toContain('[multiple-heads]');
    expect(plainOut).not.toContain('flask db');
    // nothing to run, nothing said
    expect(run(flaskApp()).stdout).not.toContain('Flask-Migrate project: run');
  });

  it("names a lint finding's location once", () => {
    const root = flaskApp();
    const rel = 'migrations/versions/c3_x.py';
    writeFileSync(
      path.join(root, rel),
      migration('c3', 'b2', "op.add_column('t', sa.Column('x', sa.Integer()))", 'pass'),
    );
    const out = run(root).stdout;
    // the finding's block: its title, then the location on a line of its own, and nowhere else
    const block = out.slice(out.indexOf('warning [empty-downgrade]')).split('\n\n')[0]!;
    expect(block).toMatch(
      /^warning \[empty-downgrade\] downgrade\(\) does nothing.*\n {2}--> migrations\/versions\/c3_x\.py:\d+\n/u,
    );
    expect(block.split(rel)).toHaveLength(2);
  });
});
