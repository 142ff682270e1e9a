import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { alembicCommand, alembicTargets, ORACLE_PYTHON, PYTHON, REPO } from '../helpers/oracle.js';
import { makeBare } from '../helpers/bare.js';
import { DEFAULT_INI, makeProject, rev } from '../helpers/project.js';
import { tempDir } from '../helpers/temp-dir.js';

const V = 'migrations/versions/';

function cli(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [path.join(REPO, 'bin/alembic-preflight.js'), 'check', '--format', 'json', ...args],
    { cwd, encoding: 'utf8' },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectClean(r: { stdout: string; stderr: string }): void {
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  expect(() => JSON.parse(r.stdout)).not.toThrow(); // exactly one JSON document
}

/** The hint of the configuration error (exit 2) that check stops with in cwd. */
function configErrorHint(cwd: string, name: string): string {
  const r = cli(cwd);
  expectClean(r);
  expect(r.status, name).toBe(2);
  return (JSON.parse(r.stdout) as { error: { hint: string } }).error.hint;
}

/** Real Alembic (each release installed) lists a1 as the head of the project in cwd, and check passes there. */
function expectHeadsA1(cwd: string, name: string): void {
  for (const target of alembicTargets())
    expect(alembicCommand(cwd, ['heads'], target.env), `${name} (${target.name})`).toEqual({
      status: 0,
      last: 'a1 (head)',
    });
  expect(cli(cwd).status, name).toBe(0);
}

const findingCodes = (r: { stdout: string }): string[] =>
  (JSON.parse(r.stdout) as { findings?: { code: string }[] }).findings?.map((f) => f.code) ?? [];

describe('bad input never crashes and never passes silently', () => {
  it('binary (AppleDouble) and non-UTF-8 files are unparseable-file', () => {
    const root = makeProject({
      [V + 'a1_x.py']: rev('a1', null),
      [V + '._a1_x.py']: Buffer.from([0, 5, 22, 7, 0, 2]),
      [V + 'b2_x.py']: Buffer.concat([Buffer.from(rev('b2', 'a1')), Buffer.from([0xff, 0xfe, 0x0a])]),
    });
    const r = cli(root);
    expectClean(r);
    expect(r.status).toBe(1);
    expect(findingCodes(r).filter((c) => c === 'unparseable-file')).toHaveLength(2);
  });

  it('a revision file whose name is not UTF-8 is loaded, as real Alembic loads it', () => {
    const root = makeProject({ [V + 'b2_x.py']: rev('b2', 'a1') });
    // Node cannot name such a file with a string: write it through its bytes
    const latin = Buffer.concat([
      Buffer.from(path.join(root, V, 'a1_caf')),
      Buffer.from([0xe9]),
      Buffer.from('.py'),
    ]);
    writeFileSync(latin, rev('a1', null));
    for (const target of alembicTargets()) {
      const heads = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...target.env },
      });
      expect(heads.stdout.trim(), heads.stderr).toBe('b2 (head)');
    }
    for (const version of ['1.8.1', '1.19.2']) {
      const r = cli(root, '--no-lint', '--alembic-version', version);
      expectClean(r);
      expect(r.status, r.stdout).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.graph.heads).toEqual(['b2']);
      // the name as Python holds it (os.fsdecode): the byte escaped, not replaced
      expect(doc.graph.revisions.map((x: { path: string }) => x.path).sort()).toEqual([
        V + 'a1_caf\udce9.py',
        V + 'b2_x.py',
      ]);
    }
  });

  it('backfill rewires a child whose file name is not UTF-8 in place, and real Alembic then upgrades', () => {
    const root = makeProject(
      { [V + 'aaa_x.py']: rev('aaa', null) },
      DEFAULT_INI + 'sqlalchemy.url = sqlite:///app.db\n',
    );
    writeFileSync(
      path.join(root, 'migrations', 'env.py'),
      'from alembic import context\nfrom sqlalchemy import engine_from_config, pool\nconfig = context.config\nengine = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)\nwith engine.connect() as connection:\n    context.configure(connection=connection)\n    with context.begin_transaction():\n        context.run_migrations()\n',
    );
    const name = Buffer.concat([
      Buffer.from(path.join(root, V, 'ccc_caf')),
      Buffer.from([0xe9]),
      Buffer.from('.py'),
    ]);
    writeFileSync(name, rev('ccc', 'aaa'));
    const db = spawnSync(
      PYTHON,
      [
        '-c',
        "import sqlite3; c = sqlite3.connect('app.db'); c.execute('CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)'); c.execute(\"INSERT INTO alembic_version VALUES ('zzz')\"); c.commit()",
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(db.status, db.stderr).toBe(0);
    const r = spawnSync(
      process.execPath,
      [
        path.join(REPO, 'bin/alembic-preflight.js'),
        'backfill',
        '--database-url',
        'sqlite:///app.db',
        '--after',
        'aaa',
        '--rewire',
        '--write',
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // the file was edited under its own name: no second file beside it
    expect(
      readdirSync(path.join(root, V), { encoding: 'buffer' })
        .map((n) => n.toString('latin1'))
        .sort(),
    ).toEqual(['aaa_x.py', 'ccc_caf\u00e9.py', 'zzz_placeholder.py']);
    expect(readFileSync(name, 'utf8')).toContain("down_revision = 'zzz'");
    const up = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(up.status, up.stderr).toBe(0);
    const rows = spawnSync(
      PYTHON,
      [
        '-c',
        "import sqlite3; print([r[0] for r in sqlite3.connect('app.db').execute('SELECT version_num FROM alembic_version')])",
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(rows.stdout.trim()).toBe("['ccc']");
  });

  it('a BOM, CRLF line ends and tabs are read correctly', () => {
    const crlf =
      '\uFEFF' +
      rev('b2', 'a1')
        .replace(/\n/g, '\r\n')
        .replace('def upgrade():\r\n    pass', 'def upgrade():\r\n\tpass');
    const r = cli(makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: crlf }));
    expectClean(r);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).graph.heads).toEqual(['b2']);
  });

  it('a file of several MB is read', () => {
    const big = rev('b2', 'a1') + `\nDATA = """${'x'.repeat(4 * 1024 * 1024)}"""\n`;
    const r = cli(makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: big }));
    expectClean(r);
    expect(JSON.parse(r.stdout).graph.heads).toEqual(['b2']);
  });

  it('dangling symlinks, symlink loops and unreadable files are findings', () => {
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'c3_x.py']: rev('c3', 'a1') });
    symlinkSync(path.join(root, 'gone.py'), path.join(root, V, 'zz_dangling.py'));
    symlinkSync(path.join(root, V, 'loop_b.py'), path.join(root, V, 'loop_a.py'));
    symlinkSync(path.join(root, V, 'loop_a.py'), path.join(root, V, 'loop_b.py'));
    chmodSync(path.join(root, V, 'c3_x.py'), 0o000);
    const r = cli(root);
    expectClean(r);
    expect(r.status).toBe(1);
    const unreadable = findingCodes(r).filter((c) => c === 'unreadable-file').length;
    // root can read mode-000 files, so only the links count there
    expect(unreadable).toBeGreaterThanOrEqual(process.getuid?.() === 0 ? 2 : 3);
  });

  it('a missing or misspelt script_location is a configuration error with a suggestion (exit 2)', () => {
    const root = makeProject(
      { [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': '' },
      '[alembic]\nscript_location = migratoins\n',
    );
    const r = cli(root);
    expectClean(r);
    expect(r.status).toBe(2);
    const err = JSON.parse(r.stdout).error;
    expect(err.alembicError).toBe(
      "FAILED: Path doesn't exist: migratoins.  Please use the 'init' command to create a new scripts folder.",
    );
    expect(err.hint).toContain('script_location = migrations');
  });

  it("a script_location written for the folder above (run from the ini's folder by mistake): both fixes the hint gives work in real Alembic", () => {
    const layouts: [string, Record<string, string>, string, string][] = [
      // keep: app/alembic.ini names app/db/migrations, relative to the repository root
      [
        'ini in a subfolder',
        { 'app/db/migrations/env.py': '', 'app/db/migrations/versions/a1_x.py': rev('a1', null) },
        'app',
        '[alembic]\nscript_location = app/db/migrations\n',
      ],
      // TG_parser: migrations/alembic.ini names migrations, its own folder seen from the root
      [
        'ini beside env.py',
        { 'migrations/env.py': '', 'migrations/versions/a1_x.py': rev('a1', null) },
        'migrations',
        '[alembic]\nscript_location = migrations\n',
      ],
    ];
    for (const [name, files, sub, ini] of layouts) {
      const root = makeProject({ ...files, [`${sub}/alembic.ini`]: ini }, null);
      const cwd = path.join(root, sub);
      const hint = configErrorHint(cwd, name);
      const m =
        /Run from there \(cd (\S+) && alembic -c (\S+) …; alembic-preflight check -c \S+\), or write script_location = (\S+) so/u.exec(
          hint,
        );
      expect(m, `${name}: ${hint}`).not.toBeNull();
      const [, up, iniArg, anchored] = m!;
      for (const target of alembicTargets()) {
        expect(
          alembicCommand(cwd, ['heads'], target.env).status,
          `${name} ${target.name}: fails as it stands`,
        ).not.toBe(0);
        expect(
          alembicCommand(path.resolve(cwd, up!), ['-c', iniArg!, 'heads'], target.env),
          `${name} ${target.name}: run from ${up}`,
        ).toEqual({ status: 0, last: 'a1 (head)' });
      }
      expect(cli(path.resolve(cwd, up!), '-c', iniArg!).status, name).toBe(0);
      writeFileSync(
        path.join(cwd, 'alembic.ini'),
        ini.replace(/^script_location = .*$/mu, `script_location = ${anchored}`),
      );
      expectHeadsA1(cwd, `${name}: ${anchored}`);
    }
  });

  it("an absolute script_location of a container image (agenta: /app/oss/…/core): the hint's %(here)s form works in real Alembic", () => {
    for (const [name, sub] of [
      ['the ini beside env.py', 'api/db/migrations/core'],
      ['the ini above it', 'api'],
    ] as const) {
      const files = {
        'api/db/migrations/core/env.py': '',
        'api/db/migrations/core/versions/a1_x.py': rev('a1', null),
        '.git/HEAD': '',
      };
      const ini = '[alembic]\nscript_location = /nonexistent-image/app/db/migrations/core\n';
      const root = makeProject({ ...files, [`${sub}/alembic.ini`]: ini }, null);
      const cwd = path.join(root, sub);
      const hint = configErrorHint(cwd, name);
      const m = /Write script_location = (\S+), which finds it/u.exec(hint);
      expect(m, `${name}: ${hint}`).not.toBeNull();
      writeFileSync(path.join(cwd, 'alembic.ini'), `[alembic]\nscript_location = ${m![1]}\n`);
      expectHeadsA1(cwd, `${name}: ${m![1]}`);
    }
  });

  it("a %(here)s script_location one folder off (SAGE_app: app/alembic.ini, %(here)s/alembic, the folder beside app/): the hint says so, not 'absolute path', and its fix works in real Alembic", () => {
    const files = {
      'alembic/env.py': '',
      'alembic/versions/a1_x.py': rev('a1', null),
      'app/alembic.ini': '[alembic]\nscript_location = %(here)s/alembic\n',
      '.git/HEAD': '',
    };
    const root = makeProject(files, null);
    const cwd = path.join(root, 'app');
    const hint = configErrorHint(cwd, 'sage');
    expect(hint).not.toContain('absolute path');
    expect(hint).toContain("%(here)s/alembic is resolved against the ini's own folder");
    const m = /Write script_location = (\S+)\.$/u.exec(hint);
    expect(m, hint).not.toBeNull();
    expect(m![1]).toBe('%(here)s/../alembic');
    writeFileSync(path.join(cwd, 'alembic.ini'), `[alembic]\nscript_location = ${m![1]}\n`);
    expectHeadsA1(cwd, m![1]!);
  });
  it('an empty versions folder is a warning, not an all-clear for a stamped database', () => {
    const r = cli(makeProject({}, DEFAULT_INI));
    expectClean(r);
    expect(findingCodes(r)).toContain('no-revision-files');
  });

  it('a broken alembic.ini is a configuration error (exit 2) with what Python says', () => {
    for (const ini of [
      '[alembic]\nscript_location = a\nscript_location = b\n',
      'script_location = a\n',
      '[alembic]\nscript_location = 50%mig\n',
      '[alembic]\njust words\n',
    ]) {
      const root = makeBare({}, ini);
      const r = cli(root);
      expectClean(r);
      expect(r.status, ini).toBe(2);
      expect(JSON.parse(r.stdout).error.alembicError, ini).toMatch(/configparser\.\w+Error/);
    }
  });

  it('no configuration at all says where to run from (exit 2)', () => {
    const root = makeBare({}, '');
    writeFileSync(path.join(root, 'alembic.ini'), '');
    mkdirSync(path.join(root, 'x'));
    const r = cli(path.join(root, 'x'));
    expectClean(r);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).error.alembicError).toBe(
      "FAILED: No 'script_location' key found in configuration.",
    );
  });

  it('run from a folder above the setup, names what to run instead: an ini below, or a script folder no ini names (Neutron plug-ins)', () => {
    const root = makeProject(
      {
        'svc/db/migrations/alembic.ini': DEFAULT_INI,
        'plugin/db/migration/alembic_migrations/env.py': '',
        'plugin/db/migration/alembic_migrations/versions/liberty/expand/a1_x.py': rev('a1', null),
        'node_modules/pkg/alembic.ini': DEFAULT_INI,
      },
      null,
    );
    const r = cli(root);
    expectClean(r);
    expect(r.status).toBe(2);
    const hint = JSON.parse(r.stdout).error.hint as string;
    expect(hint).toBe(
      'This folder has no Alembic configuration; below it are 2 setups, one command for each:\n' +
        'alembic-preflight check -c svc/db/migrations/alembic.ini\n' +
        'alembic-preflight check --versions plugin/db/migration/alembic_migrations/versions --recursive',
    );
    // in the text report each is a line of its own, never joined by a shell operator
    const text = cli(root, '--format', 'text');
    expect(text.stderr + text.stdout).toContain(
      '  fix: This folder has no Alembic configuration; below it are 2 setups, one command for each:\n' +
        '       alembic-preflight check -c svc/db/migrations/alembic.ini\n' +
        '       alembic-preflight check --versions plugin/db/migration/alembic_migrations/versions --recursive\n',
    );
    // the suggested command works
    const ok = cli(root, '--versions', 'plugin/db/migration/alembic_migrations/versions', '--recursive');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).graph.heads).toEqual(['a1']);
    // nothing below: the general advice
    const empty = tempDir();
    expect(JSON.parse(cli(empty).stdout).error.hint).toContain(
      'Run alembic-preflight from the folder that holds alembic.ini',
    );
  });

  it('an ini below whose script_location is relative to its own folder (CloudSEK: migrations/alembic.ini names alembic): the hint says to run from there, and real Alembic agrees', () => {
    const root = makeProject(
      {
        'migrations/alembic.ini': '[alembic]\nscript_location = alembic\n',
        'migrations/alembic/env.py': '',
        'migrations/alembic/versions/a1_x.py': rev('a1', null),
      },
      null,
    );
    const hint = JSON.parse(cli(root).stdout).error.hint as string;
    expect(hint).toBe(
      'This folder has no Alembic configuration, but below it: cd migrations && alembic-preflight check.',
    );
    // what the hint used to say (-c migrations/alembic.ini from here) fails in Alembic: script_location is resolved against the folder it runs in
    for (const target of alembicTargets())
      expect(
        alembicCommand(root, ['-c', 'migrations/alembic.ini', 'heads'], target.env).status,
        target.name,
      ).not.toBe(0);
    expectHeadsA1(path.join(root, 'migrations'), 'cd migrations');
    // `script_location = .` beside env.py (fastapi-nextjs-template, deployed with pushd migrations && alembic upgrade head)
    const dot = makeProject(
      {
        'api/migrations/alembic.ini': '[alembic]\nscript_location = .\n',
        'api/migrations/env.py': '',
        'api/migrations/versions/a1_x.py': rev('a1', null),
        'api/app.py': '',
      },
      null,
    );
    expect(JSON.parse(cli(path.join(dot, 'api')).stdout).error.hint).toBe(
      'This folder has no Alembic configuration, but below it: cd migrations && alembic-preflight check.',
    );
    expectHeadsA1(path.join(dot, 'api/migrations'), 'script_location = .');
    // with -c from api/, the script folder is api/ (no env.py): the hint's two fixes both work in real Alembic
    const api = path.join(dot, 'api');
    const f = (
      JSON.parse(cli(api, '-c', 'migrations/alembic.ini').stdout).findings as { code: string; hint: string }[]
    ).find((x) => x.code === 'unreadable-file')!;
    expect(f.hint).toContain(
      'Run from there (cd migrations && alembic …; alembic-preflight check), or write script_location = %(here)s so that it works from any folder.',
    );
    writeFileSync(path.join(api, 'migrations/alembic.ini'), '[alembic]\nscript_location = %(here)s\n');
    for (const target of alembicTargets())
      expect(alembicCommand(api, ['-c', 'migrations/alembic.ini', 'heads'], target.env), target.name).toEqual(
        { status: 0, last: 'a1 (head)' },
      );
    expect(cli(api, '-c', 'migrations/alembic.ini').status).toBe(0);
  });

  it('unknown flags are usage errors (exit 2)', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin/alembic-preflight.js'), 'check', '--bogus'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('bogus');
  });

  it('a flag given twice, an empty value or a number out of range is a usage error (exit 2) naming the flag, for every command that takes it', () => {
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null) }, DEFAULT_INI);
    const run = (...args: string[]): { status: number | null; stderr: string } =>
      spawnSync(process.execPath, [path.join(REPO, 'bin/alembic-preflight.js'), ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: `sqlite:///${path.join(root, 'app.db')}` },
      });
    const cases: [string[], string][] = [
      // yargs made an array of these: a path.resolve TypeError (exit 70) for -c, a guess for the others
      [
        ['check', '-c', 'alembic.ini', '-c', 'other.ini'],
        '--config was given 2 times ("alembic.ini", "other.ini").',
      ],
      [['restamp', '--from', 'a1', '--from', 'b2', '--to', 'c3'], '--from was given 2 times'],
      [['verify', '--connect-timeout', '2', '--connect-timeout', '3'], '--connect-timeout was given 2 times'],
      [
        [
          'verify',
          '--database-url',
          'postgresql://u:secret@db.example.com/app',
          '--database-url',
          'sqlite:///x.db',
        ],
        '--database-url was given 2 times.',
      ],
      // a shell variable that is not set: taken as "not given", another folder or table would be read
      [['check', '--versions', ''], '--versions was given an empty value.'],
      [['check', '--versions='], '--versions was given an empty value.'],
      [['check', '-c', ''], '--config was given an empty value.'],
      [['verify', '--version-table', ''], '--version-table was given an empty value.'],
      [['verify', '--database-url', ''], '--database-url was given an empty value.'],
      // NaN, or a timeout that ends every attempt at once
      [
        ['verify', '--connect-timeout', 'abc'],
        '--connect-timeout takes a number above 0 up to 3,600 (seconds), not a word.',
      ],
      [
        ['verify', '--connect-timeout', '0'],
        '--connect-timeout takes a number above 0 up to 3,600 (seconds), not 0.',
      ],
      [['verify', '--connect-retries', '1.5'], '--connect-retries takes a whole number from 0'],
      [['verify', '--statement-timeout', '-5'], '--statement-timeout takes a whole number from 0'],
      [
        ['release', '--deadline', '-1', '--', 'true'],
        '--deadline takes a number above 0 up to 1,440 (minutes), not -1.',
      ],
      // past Node's timer limit (2^31 - 1 ms) a timer fires at once: every run would end on the spot
      [
        ['release', '--deadline', '40000', '--', 'true'],
        '--deadline takes a number above 0 up to 1,440 (minutes), not 40000.',
      ],
      [
        ['verify', '--connect-timeout', '3000000'],
        '--connect-timeout takes a number above 0 up to 3,600 (seconds), not 3000000.',
      ],
      [
        ['verify', '--statement-timeout', '99999999999'],
        '--statement-timeout takes a whole number from 0 up to 86,400,000',
      ],
      [['verify', '--connect-retries', '1000'], '--connect-retries takes a whole number from 0 up to 100'],
    ];
    for (const [args, message] of cases) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(`alembic-preflight: usage error: ${message}`);
      expect(r.stderr).not.toMatch(/secret|db\.example|x\.db/);
    }
    // the edges that are allowed
    expect(run('verify', '--statement-timeout', '0', '--connect-retries', '0').stderr).not.toContain(
      'usage error',
    );
    expect(run('check', '--versions', V, '--versions', V).stderr).not.toContain('usage error');
  });

  it('-c naming a folder or a device says so, not that it does not exist', () => {
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null) }, DEFAULT_INI);
    expect(JSON.parse(cli(root, '-c', V).stdout).error.message).toBe(
      `The config file ${V} is a folder, not a file.`,
    );
    expect(JSON.parse(cli(root, '-c', '/dev/null').stdout).error.message).toBe(
      'The config file /dev/null is not a regular file (a device or a pipe).',
    );
    expect(JSON.parse(cli(root, '-c', 'nope.ini').stdout).error.message).toBe(
      'The config file nope.ini does not exist.',
    );
  });

  it('--version prints our package version from any folder (the bundled CLI has no install folder for yargs to look in)', () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      version: string;
    };
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin/alembic-preflight.js'), '--version'], {
      cwd: makeBare({}, '[alembic]\nscript_location = migrations\n'),
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });
});
