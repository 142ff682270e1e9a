import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backfillCommand } from '../../src/commands/backfill/backfill-command.js';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import {
  commandProject,
  commandTarget,
  procfileTarget,
  releaseConfig,
} from '../../src/deploy/procfile-target.js';
import { runCli, unwrapped } from '../helpers/cli.js';
import { prepareDatabase, writeScenarioProject, type RevSpec } from '../helpers/db-scenario.js';
import { alembicOnPath, alembicTargets } from '../helpers/oracle.js';
import { makeProject } from '../helpers/project.js';
import { diskFiles } from '../../src/project/project-files.js';

const TWO_BRANCHES: RevSpec[] = [
  { id: 'a1', down: null, labels: ['left'] },
  { id: 'b1', down: 'a1' },
  { id: 'a2', down: null, labels: ['right'] },
  { id: 'b2', down: 'a2' },
];

describe('procfileTarget: the upgrade the Heroku release phase runs', () => {
  const cases: [string, string | undefined][] = [
    ['release: alembic upgrade heads', 'heads'],
    ['release: alembic -c alembic.ini upgrade heads', 'heads'],
    ['release:python -m alembic upgrade right@head', 'right@head'],
    ['release: flask db upgrade', 'head'],
    ['release: FLASK_APP=app flask db upgrade heads && echo done', 'heads'],
    ['release: ./node_modules/.bin/alembic-preflight release --target heads --always-run', 'heads'],
    ['release: npx alembic-preflight release --target=left@head', 'left@head'],
    ['release: alembic-preflight release -- alembic upgrade head', 'head'],
    // release predicts what the wrapped command runs, unless --target says otherwise
    ['release: alembic-preflight release -- alembic upgrade heads', 'heads'],
    ['release: alembic-preflight release --target head -- alembic upgrade heads', 'head'],
    ['release: alembic-preflight release -- python -m app.migrate', 'head'],
    ['release: alembic-preflight release -- alembic upgrade $T', 'head'],
    ['release: alembic upgrade head', 'head'],
    ['release: sh -c "alembic upgrade heads"', 'heads'],
    ['release: bash -lc "echo \'run alembic upgrade heads by hand\'"', undefined],
    ["release: alembic upgrade 'heads'", 'heads'],
    ['release: alembic upgrade "$TARGET"', undefined],
    // not read plainly: keep the default rather than guess
    // a script that is not there
    ['release: bash bin/release.sh', undefined],
    ['release: alembic upgrade $TARGET', undefined],
    ['release: alembic upgrade +1', undefined],
    // read as Alembic's argparse reads them: upgrade's own options, -c's attached and abbreviated forms
    ['release: alembic upgrade --tag v1 heads', 'heads'],
    ['release: alembic -calembic.ini upgrade heads 2>&1', 'heads'],
    ['release: alembic --conf=alembic.ini upgrade heads # migrate', 'heads'],
    ['release: alembic -cservices/other/alembic.ini upgrade heads', undefined],
    ['release: alembic upgrade head && alembic upgrade heads', undefined],
    ['web: alembic upgrade heads', undefined],
    // another project's ini: says nothing about the one checked here
    ['release: alembic -c services/other/alembic.ini upgrade heads', undefined],
    ['release: alembic-preflight release --config=examples/app/alembic.ini --target heads', undefined],
    ['release: alembic --config ./alembic.ini upgrade heads', 'heads'],
  ];
  it.each(cases)('%s', (line, expected) => {
    const root = makeProject({ Procfile: `web: gunicorn app:app\n${line}\n` });
    const t = procfileTarget(diskFiles(), root);
    expect(t?.target).toBe(expected);
    if (expected !== undefined) expect(t).toMatchObject({ path: 'Procfile', line: 2 });
  });

  it('keeps an upgrade that cannot migrate, with what Alembic does instead', () => {
    const t = (line: string) => procfileTarget(diskFiles(), makeProject({ Procfile: `release: ${line}\n` }));
    expect(t('alembic upgrade --sql head')).toMatchObject({
      target: 'head',
      problem: { kind: 'offline', command: 'alembic upgrade --sql head' },
    });
    expect(t('alembic upgrade heads -n db2')).toMatchObject({
      target: 'head',
      problem: { kind: 'refused', detail: 'alembic: error: unrecognized arguments: -n db2' },
    });
    expect(t('alembic -h upgrade heads')?.problem).toMatchObject({ kind: 'exits', detail: '-h' });
    // it decides the release whatever else runs: `alembic upgrade` fails before the second command
    expect(t('alembic upgrade && alembic upgrade heads')?.problem?.detail).toBe(
      'alembic upgrade: error: the following arguments are required: revision',
    );
    // another command refused is not the migration's business
    expect(t('alembic -\u0441 x current && alembic upgrade heads')).toMatchObject({ target: 'heads' });
    expect(t('alembic -\u0441 x current && alembic upgrade heads')?.problem).toBeUndefined();
    // words the shell still rewrites: not judged
    expect(t('alembic upgrade $TARGET --bogus')?.problem).toBeUndefined();
    // a later upgrade that cannot be read plainly does not hide the refusal before it, nor after it
    expect(t('alembic upgrade -c x && alembic upgrade $T')?.problem?.detail).toBe(
      'alembic: error: unrecognized arguments: -c',
    );
    expect(t('alembic -c other/alembic.ini upgrade head; alembic upgrade --sql head')?.problem?.kind).toBe(
      'offline',
    );
    expect(t('alembic upgrade $T && alembic upgrade head')).toBeUndefined();
  });

  it("reads Flask's own options before db", () => {
    const t = (line: string) =>
      procfileTarget(diskFiles(), makeProject({ Procfile: `release: ${line}\n` }))?.target;
    expect(t('flask --app app db upgrade heads')).toBe('heads');
    expect(t('flask -A app:create_app -e .env --no-debug db upgrade heads')).toBe('heads');
    expect(t('python -m flask --app=app db upgrade')).toBe('head');
    expect(t('flask --app app run')).toBeUndefined();
  });

  it('reads the last release line, the one Heroku keeps when there are several', () => {
    const t = procfileTarget(
      diskFiles(),
      makeProject({
        Procfile: 'release: alembic upgrade heads\nweb: gunicorn app:app\nrelease: alembic upgrade head\n',
      }),
    );
    expect(t).toEqual({ target: 'head', path: 'Procfile', line: 3 });
    expect(
      procfileTarget(
        diskFiles(),
        makeProject({ Procfile: 'release: alembic upgrade heads\nrelease: python seed.py\n' }),
      ),
    ).toBeUndefined();
  });

  it('is undefined without a Procfile', () => {
    expect(procfileTarget(diskFiles(), makeProject({ 'app.py': '' }))).toBeUndefined();
  });
});

describe('procfileTarget follows a shell script of the app that the release line runs', () => {
  const SCRIPT =
    '#!/bin/bash\nset -eo pipefail\n\n# Migrate to the latest revision.\nalembic upgrade heads\npython -m app seed\n';
  const followed: [string, Record<string, string>][] = [
    ['release: bash bin/release.sh', { 'bin/release.sh': SCRIPT }],
    ['release: ./release-tasks.sh', { 'release-tasks.sh': SCRIPT }],
    ['release: sh -e scripts/release', { 'scripts/release': SCRIPT }],
    // no #! line: bash runs it as a script itself
    ['release: bin/release', { 'bin/release': SCRIPT.replace('#!/bin/bash\n', '\n') }],
    ['release: /usr/bin/env bash -o pipefail bin/release.sh && echo ok', { 'bin/release.sh': SCRIPT }],
  ];
  it.each(followed)('%s', (line, files) => {
    const root = makeProject({ Procfile: `web: gunicorn app:app\n${line}\n`, ...files });
    const script = Object.keys(files)[0]!;
    expect(procfileTarget(diskFiles(), root)).toEqual({
      target: 'heads',
      path: script,
      line: 5,
      via: { path: 'Procfile', line: 2 },
    });
  });

  it("follows `pipenv run NAME` to the Pipfile's [scripts] entry (4Geeks' Flask template)", () => {
    const pipfile = (scripts: string) =>
      `[[source]]\nurl = "https://pypi.org/simple"\n\n[scripts]\nstart="flask run"\n${scripts}\n\n[packages]\nflask = "*"\n`;
    const t = (line: string, scripts: string) =>
      procfileTarget(diskFiles(), makeProject({ Procfile: `${line}\n`, Pipfile: pipfile(scripts) }));
    expect(t('release: pipenv run upgrade', 'upgrade="flask db upgrade"')).toEqual({
      target: 'head',
      path: 'Pipfile',
      line: 6,
      via: { path: 'Procfile', line: 1 },
    });
    expect(t('release: pipenv run migrate', "migrate = 'alembic upgrade heads'")).toMatchObject({
      target: 'heads',
      path: 'Pipfile',
    });
    // extra words after the name are the script's arguments
    expect(t('release: pipenv run up heads', 'up = "alembic upgrade"')).toMatchObject({ target: 'heads' });
    expect(t('release: pipenv run upgrade', 'upgrade = "alembic upgrade $TARGET"')).toBeUndefined();
    // no such script: pipenv runs the word as a command, which is not a migration
    expect(t('release: pipenv run seed', 'upgrade="flask db upgrade"')).toBeUndefined();
    // pipenv run alembic …: the command itself
    expect(t('release: pipenv run alembic upgrade heads', '')).toMatchObject({
      target: 'heads',
      path: 'Procfile',
    });
  });

  it('reads conditionals, continuations and messages as the shell runs them', () => {
    const t = (body: string) =>
      procfileTarget(
        diskFiles(),
        makeProject({ Procfile: 'release: bash release.sh\n', 'release.sh': body }),
      );
    expect(t('if [ "$RUN_MIGRATIONS" = "true" ]; then\n  alembic upgrade heads\nfi\n')).toMatchObject({
      target: 'heads',
      path: 'release.sh',
      line: 2,
    });
    expect(
      t('echo "running alembic upgrade $TARGET"\nalembic \\\n  -c alembic.ini \\\n  upgrade heads\n'),
    ).toMatchObject({ target: 'heads', line: 2 });
    expect(t('# alembic upgrade heads\nflask db upgrade\n')).toMatchObject({ target: 'head', line: 2 });
  });

  it("keeps the default where the script's upgrade is not plain, differs, or is not a shell script it can read", () => {
    const t = (line: string, files: Record<string, string>) =>
      procfileTarget(diskFiles(), makeProject({ Procfile: `${line}\n`, ...files }));
    expect(
      t('release: bash release.sh', { 'release.sh': 'alembic upgrade ${TARGET:-head}\n' }),
    ).toBeUndefined();
    expect(
      t('release: bash release.sh', { 'release.sh': 'alembic upgrade head\nalembic upgrade heads\n' }),
    ).toBeUndefined();
    // the script and the line disagree
    expect(
      t('release: alembic upgrade head && bash release.sh', { 'release.sh': 'alembic upgrade heads\n' }),
    ).toBeUndefined();
    expect(
      t('release: bash release.sh', { 'release.sh': 'alembic -c other/alembic.ini upgrade heads\n' }),
    ).toBeUndefined();
    // a Python script run directly, an inline command, a file outside the app, a missing file
    expect(
      t('release: ./release.py', { 'release.py': '#!/usr/bin/env python3\nalembic upgrade heads\n' }),
    ).toBeUndefined();
    expect(t('release: bash -c ./release.sh', { 'release.sh': 'alembic upgrade heads\n' })).toBeUndefined();
    expect(t('release: bash ../release.sh', {})).toBeUndefined();
    expect(t('release: bash missing.sh', {})).toBeUndefined();
    // one level deep: a script that runs another script is not followed further
    expect(
      t('release: bash a.sh', { 'a.sh': 'bash b.sh\n', 'b.sh': 'alembic upgrade heads\n' }),
    ).toBeUndefined();
    // a script that migrates nothing leaves the line's own target
    expect(
      t('release: bash warm.sh && alembic upgrade heads', { 'warm.sh': 'python -m app warm\n' }),
    ).toMatchObject({ target: 'heads', path: 'Procfile', line: 1 });
  });

  it('check names both the release line and the script line', () => {
    const root = writeScenarioProject({ name: 'procfile script', revs: TWO_BRANCHES, rows: 'no-table' });
    writeFileSync(path.join(root, 'Procfile'), 'release: bash bin/release.sh\n');
    mkdirSync(path.join(root, 'bin'));
    writeFileSync(path.join(root, 'bin/release.sh'), '#!/bin/bash\nset -e\nalembic upgrade heads\n');
    const text = runCli(root, ['check', '--no-lint']);
    expect(text.status, text.stdout).toBe(0);
    expect(unwrapped(text.stdout)).toContain(
      'graded for `alembic upgrade heads` (the release line in Procfile:1, at bin/release.sh:3)',
    );
    const json = JSON.parse(runCli(root, ['check', '--no-lint', '--format', 'json']).stdout) as {
      target: string;
      targetFrom: string;
      targetVia: string | null;
    };
    expect(json).toMatchObject({ target: 'heads', targetFrom: 'bin/release.sh:3', targetVia: 'Procfile:1' });
  });
});

describe('procfileTarget follows a `cd` on the release line (the app in a subfolder of the repository)', () => {
  const files = {
    '.git/HEAD': '',
    'backend/alembic.ini': '[alembic]\nscript_location = migrations\n',
    'backend/migrations/env.py': '',
    'backend/release.sh': '#!/bin/sh\nalembic upgrade heads\n',
  };
  it('reads the -c and the scripts after it from that folder; a folder the shell decides stops the reading', () => {
    const cases: [string, string | undefined][] = [
      ['release: cd backend && alembic -c alembic.ini upgrade heads', 'heads'],
      ['release: cd backend && ./release.sh', 'heads'],
      ['release: cd backend; sh release.sh', 'heads'],
      // the same -c read from the root names another ini
      ['release: alembic -c alembic.ini upgrade heads', undefined],
      ['release: cd $APP_DIR && alembic -c alembic.ini upgrade heads', undefined],
      ['release: cd ~ && alembic upgrade heads', undefined],
      // a plain upgrade after the cd reads that folder's alembic.ini
      ['release: cd backend && alembic upgrade heads', 'heads'],
      // a subshell's cd ends with it; Heroku's /app is the app root
      ['release: (cd backend && alembic -c alembic.ini upgrade heads)', 'heads'],
      [
        'release: (cd frontend && npm run build) && (cd backend && alembic -c alembic.ini upgrade heads)',
        'heads',
      ],
      ['release: ( cd backend; alembic upgrade heads )', 'heads'],
      ['release: (cd /app/backend && alembic upgrade heads)', 'heads'],
      ['release: cd /app && cd backend && sh release.sh', 'heads'],
      ['release: (cd $APP_DIR && npm run build) && cd backend && alembic upgrade heads', 'heads'],
      // run from the root: the root's alembic.ini, not backend's
      ['release: (cd backend && npm run build) && alembic -c alembic.ini upgrade heads', undefined],
      ['release: (cd $APP_DIR && alembic upgrade heads)', undefined],
    ];
    for (const [line, expected] of cases) {
      const root = makeProject({ ...files, Procfile: `${line}\n` }, null);
      const backend = path.join(root, 'backend');
      expect(procfileTarget(diskFiles(), backend, path.join(backend, 'alembic.ini'))?.target, line).toBe(
        expected,
      );
      // an ini the line reads after its cd is not adopted for a check run from the root, where its paths would not resolve
      expect(releaseConfig(diskFiles(), root), line).toBeUndefined();
    }
  });

  it('check from backend/ grades two heads for the upgrade heads the line runs (no false block), as real Alembic runs it', () => {
    const root = makeProject(
      {
        ...files,
        'backend/migrations/versions/a1_x.py':
          "revision = 'a1'\ndown_revision = None\ndef upgrade():\n    pass\n",
        'backend/migrations/versions/b1_x.py':
          "revision = 'b1'\ndown_revision = None\ndef upgrade():\n    pass\n",
        Procfile: 'release: cd backend && alembic -c alembic.ini upgrade heads\n',
      },
      null,
    );
    const r = runCli(path.join(root, 'backend'), ['check', '--no-lint']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('graded for `alembic upgrade heads` (the release line in ../Procfile:1)');
    // the same upgrade in a subshell, after another subshell's cd
    const SUBSHELL = '(cd backend && true) && (cd backend && alembic -c alembic.ini upgrade heads)';
    writeFileSync(path.join(root, 'Procfile'), `release: ${SUBSHELL}\n`);
    const sub = runCli(path.join(root, 'backend'), ['check', '--no-lint']);
    expect(sub.status, sub.stdout + sub.stderr).toBe(0);
    expect(sub.stdout).toContain('graded for `alembic upgrade heads` (the release line in ../Procfile:1)');
    // both lines work in Alembic from the root (an offline run: the SQL for both branches, no database)
    for (const t of alembicTargets()) {
      const bin = alembicOnPath(path.join(root, '.bin'));
      writeFileSync(
        path.join(root, 'backend/migrations/env.py'),
        'from alembic import context\ncontext.configure(url="sqlite://")\nwith context.begin_transaction():\n    context.run_migrations()\n',
      );
      for (const line of ['cd backend && alembic -c alembic.ini upgrade heads', SUBSHELL]) {
        const real = spawnSync('/bin/sh', ['-c', line.replace('heads', 'heads --sql')], {
          cwd: root,
          encoding: 'utf8',
          env: {
            ...process.env,
            ...t.env,
            PATH: `${bin}:${process.env.PATH ?? ''}`,
            PYTHONDONTWRITEBYTECODE: '1',
          },
        });
        expect(real.status, t.name + real.stderr).toBe(0);
        expect(real.stdout, t.name).toContain("INSERT INTO alembic_version (version_num) VALUES ('a1')");
        expect(real.stdout, t.name).toContain("INSERT INTO alembic_version (version_num) VALUES ('b1')");
      }
    }
  });
});

describe('commandTarget: the upgrade a command wrapped by `release --` runs', () => {
  it('reads the command as a release line: directly, through a script, or not at all', () => {
    const root = makeProject({
      'bin/migrate.sh': '#!/bin/sh\nalembic upgrade heads\n',
      'other/alembic.ini': '',
    });
    expect(commandTarget(diskFiles(), ['alembic', 'upgrade', 'heads'], root)).toEqual({
      target: 'heads',
      direct: true,
    });
    expect(
      commandTarget(
        diskFiles(),
        ['python', '-m', 'alembic', '-c', 'alembic.ini', 'upgrade', 'left@head'],
        root,
      ),
    ).toEqual({ target: 'left@head', direct: true });
    expect(commandTarget(diskFiles(), ['flask', 'db', 'upgrade'], root)).toEqual({
      target: 'head',
      direct: true,
    });
    expect(commandTarget(diskFiles(), ['bash', 'bin/migrate.sh'], root)).toEqual({
      target: 'heads',
      direct: false,
    });
    expect(
      commandTarget(diskFiles(), ['sh', '-c', 'alembic upgrade heads && python -m app seed'], root),
    ).toEqual({ target: 'heads', direct: true });
    for (const argv of [
      ['alembic', 'upgrade', '$T'],
      ['python', 'manage.py', 'migrate'],
      ['alembic', '-c', 'other/alembic.ini', 'upgrade', 'heads'],
      ['alembic', 'upgrade', '+1'],
    ]) {
      expect(commandTarget(diskFiles(), argv, root), argv.join(' ')).toBeUndefined();
    }
    // -c names this project's ini: still read
    expect(
      commandTarget(
        diskFiles(),
        ['alembic', '-c', 'other/alembic.ini', 'upgrade', 'heads'],
        root,
        path.join(root, 'other/alembic.ini'),
      ),
    ).toEqual({ target: 'heads', direct: true });
  });
});

describe('commandProject: the -c and -n of the upgrade a command wrapped by `release --` runs', () => {
  it('reads them as the command passes them to Alembic, and only when written plainly and the same for every upgrade', () => {
    expect(commandProject(['alembic', '-c', 'db/alembic.ini', 'upgrade', 'head'])).toEqual({
      config: 'db/alembic.ini',
    });
    expect(
      commandProject([
        'python',
        '-m',
        'alembic',
        '--config=db/alembic.ini',
        '-n',
        'tenant',
        'upgrade',
        'heads',
      ]),
    ).toEqual({ config: 'db/alembic.ini', name: 'tenant' });
    expect(
      commandProject([
        'sh',
        '-c',
        '"alembic --config db/alembic.ini --name tenant upgrade head && python seed.py"',
      ]),
    ).toEqual({ config: 'db/alembic.ini', name: 'tenant' });
    expect(commandProject(['alembic', '-c', 'config-1/alembic.ini', 'upgrade', 'head'])).toEqual({
      config: 'config-1/alembic.ini',
    });
    // alembic started directly gets its words as they are: no shell expands a `$` or splits a blank
    expect(commandProject(['alembic', '-c', '$ALEMBIC_INI', 'upgrade', 'head'])).toEqual({
      config: '$ALEMBIC_INI',
    });
    expect(commandProject(['alembic', '-c', 'my db/alembic.ini', 'upgrade', 'head'])).toEqual({
      config: 'my db/alembic.ini',
    });
    // nothing to adopt: no option, a variable the shell expands, two upgrades that disagree, not an upgrade, a script, flask
    for (const argv of [
      ['alembic', 'upgrade', 'head'],
      ['sh', '-c', 'alembic -c $ALEMBIC_INI upgrade head'],
      ['sh', '-c', 'alembic -c a.ini upgrade head && alembic -c b.ini upgrade head'],
      ['sh', '-c', 'alembic -c a.ini upgrade head && alembic upgrade head'],
      ['alembic', '-c', 'db/alembic.ini', 'current'],
      ['bash', 'bin/migrate.sh'],
      ['sh', '-c', 'bash -c x'],
      ['flask', 'db', 'upgrade'],
    ]) {
      expect(commandProject(argv), argv.join(' ')).toEqual({});
    }
  });
});

describe('releaseConfig: the ini the release phase migrates, for a checkout whose root has no alembic.ini', () => {
  const files = {
    'db/alembic.ini': '[alembic]\nscript_location = %(here)s/migrations\n',
    'db/migrations/env.py': '',
    'bin/release.sh': '#!/bin/sh\nset -e\nalembic -c db/alembic.ini upgrade heads\n',
  };
  it('is the -c of every upgrade the release line runs, on the line or in its script; nothing when none, several or a variable', () => {
    const cases: [string, { config: string; from: string } | undefined][] = [
      ['release: alembic -c db/alembic.ini upgrade head', { config: 'db/alembic.ini', from: 'Procfile:1' }],
      [
        'release: python -m alembic --config=db/alembic.ini upgrade heads',
        { config: 'db/alembic.ini', from: 'Procfile:1' },
      ],
      [
        'release: ./node_modules/.bin/alembic-preflight release -c db/alembic.ini',
        { config: 'db/alembic.ini', from: 'Procfile:1' },
      ],
      [
        'release: alembic-preflight release -c db/alembic.ini -- bash bin/release.sh',
        { config: 'db/alembic.ini', from: 'Procfile:1' },
      ],
      [
        'release: alembic-preflight release -- alembic -c db/alembic.ini upgrade head',
        { config: 'db/alembic.ini', from: 'Procfile:1' },
      ],
      ['release: bash bin/release.sh', { config: 'db/alembic.ini', from: 'bin/release.sh:3' }],
      [
        'release: alembic -c db/alembic.ini upgrade $TARGET',
        { config: 'db/alembic.ini', from: 'Procfile:1' },
      ],
      ['release: alembic upgrade head', undefined],
      ['release: alembic -c db/alembic.ini upgrade head && alembic -c other.ini upgrade head', undefined],
      ['release: alembic -c other.ini upgrade $T && alembic -c db/alembic.ini upgrade head', undefined],
      ['release: alembic -c db/alembic.ini upgrade head && alembic upgrade head', undefined],
      ['release: alembic -c $INI upgrade head', undefined],
      ['release: alembic -c db/missing.ini upgrade head', undefined],
      ['release: python manage.py migrate', undefined],
    ];
    for (const [line, expected] of cases) {
      const root = makeProject({ ...files, Procfile: `${line}\nweb: gunicorn app:app\n` }, null);
      expect(releaseConfig(diskFiles(), root), line).toEqual(expected);
    }
  });

  it('check reads that ini, says so, and grades for that line; -c, $ALEMBIC_CONFIG or ./alembic.ini keep their say', () => {
    const root = makeProject(
      {
        ...files,
        'db/migrations/versions/a1_x.py': "revision = 'a1'\ndown_revision = None\ndef upgrade():\n    pass\n",
        'db/migrations/versions/b1_x.py': "revision = 'b1'\ndown_revision = None\ndef upgrade():\n    pass\n",
        Procfile: 'release: alembic -c db/alembic.ini upgrade heads\n',
      },
      null,
    );
    const text = runCli(root, ['check', '--no-lint']);
    expect(text.status, text.stdout + text.stderr).toBe(0);
    expect(text.stdout).toContain('db/alembic.ini, as the release line in Procfile:1 names it');
    expect(text.stdout).toContain('graded for `alembic upgrade heads`');
    const json = JSON.parse(runCli(root, ['check', '--no-lint', '--format', 'json']).stdout) as {
      config: { configFile: string; configFileFrom: string | null };
      graph: { heads: string[] };
    };
    expect(json.config).toMatchObject({ configFile: 'db/alembic.ini', configFileFrom: 'Procfile:1' });
    expect(json.graph.heads.sort()).toEqual(['a1', 'b1']);
    // what the user says wins: here an ini of another project, which has no revisions
    writeFileSync(path.join(root, 'other.ini'), '[alembic]\nscript_location = %(here)s/other\n');
    mkdirSync(path.join(root, 'other/versions'), { recursive: true });
    writeFileSync(path.join(root, 'other/env.py'), '');
    for (const [args, env] of [
      [['-c', 'other.ini'], {}],
      [[], { ALEMBIC_CONFIG: 'other.ini' }],
    ] as const) {
      const doc = JSON.parse(
        runCli(root, ['check', '--no-lint', '--format', 'json', ...args], env).stdout,
      ) as { config: { configFile: string; configFileFrom: string | null } };
      expect(doc.config, JSON.stringify(args)).toEqual(
        expect.objectContaining({ configFile: 'other.ini', configFileFrom: null }),
      );
    }
    writeFileSync(path.join(root, 'alembic.ini'), '[alembic]\nscript_location = %(here)s/other\n');
    expect(
      (
        JSON.parse(runCli(root, ['check', '--no-lint', '--format', 'json']).stdout) as {
          config: { configFile: string; configFileFrom: string | null };
        }
      ).config,
    ).toEqual(expect.objectContaining({ configFile: 'alembic.ini', configFileFrom: null }));
  });
});

describe("procfileTarget reads heroku.yml's release command (the container stack)", () => {
  const manifest = (release: string) =>
    `build:\n  docker:\n    web: Dockerfile\n${release}run:\n  web: gunicorn app:app\n`;
  it.each([
    ['a list', 'release:\n  image: web\n  command:\n    - alembic upgrade heads\n', 7],
    [
      "a list at the key's indent, quoted",
      'release:\n  command:\n  - "alembic upgrade heads"\n  image: web\n',
      6,
    ],
    ['one string', 'release:  # migrations\n  command: alembic upgrade heads  # all branches\n', 5],
    ['a flow list', "release:\n  command: ['alembic upgrade heads']\n", 5],
  ])('%s', (_name, release, line) => {
    expect(procfileTarget(diskFiles(), makeProject({ 'heroku.yml': manifest(release) }))).toEqual({
      target: 'heads',
      path: 'heroku.yml',
      line,
    });
  });

  it('follows the script the manifest runs, and names the manifest line', () => {
    const root = makeProject({
      'heroku.yml': manifest('release:\n  image: worker\n  command:\n    - ./deployment-tasks.sh\n'),
      'deployment-tasks.sh': '#!/bin/sh\nalembic upgrade heads\n',
    });
    expect(procfileTarget(diskFiles(), root)).toEqual({
      target: 'heads',
      path: 'deployment-tasks.sh',
      line: 2,
      via: { path: 'heroku.yml', line: 7 },
    });
  });

  it('with a Procfile too: the same target is taken, different ones are not guessed between', () => {
    const both = (procfile: string, release: string) =>
      procfileTarget(diskFiles(), makeProject({ Procfile: procfile, 'heroku.yml': manifest(release) }));
    expect(
      both('release: alembic upgrade heads\n', 'release:\n  command:\n    - alembic upgrade heads\n'),
    ).toMatchObject({ target: 'heads', path: 'Procfile' });
    expect(
      both('release: alembic upgrade head\n', 'release:\n  command:\n    - alembic upgrade heads\n'),
    ).toBeUndefined();
    // a manifest without a release section leaves the Procfile's
    expect(both('release: alembic upgrade heads\n', '')).toMatchObject({ target: 'heads', path: 'Procfile' });
    // another section's command is not the release command
    expect(
      procfileTarget(
        diskFiles(),
        makeProject({ 'heroku.yml': 'run:\n  web:\n    command:\n      - alembic upgrade heads\n' }),
      ),
    ).toBeUndefined();
  });
});

describe('check without --target grades for the Procfile release line', () => {
  it('upgrade heads in the Procfile: several heads warn, and the report names the line', () => {
    const root = writeScenarioProject({ name: 'procfile heads', revs: TWO_BRANCHES, rows: 'no-table' });
    writeFileSync(path.join(root, 'Procfile'), 'release: alembic upgrade heads\nweb: gunicorn app:app\n');
    const text = runCli(root, ['check', '--no-lint']);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('graded for `alembic upgrade heads` (the release line in Procfile:1)');
    const json = JSON.parse(runCli(root, ['check', '--no-lint', '--format', 'json']).stdout) as {
      target: string;
      targetFrom: string;
      findings: { code: string; severity: string }[];
    };
    expect(json.target).toBe('heads');
    expect(json.targetFrom).toBe('Procfile:1');
    expect(json).toHaveProperty('targetVia', null);
    expect(json.findings.find((f) => f.code === 'multiple-heads')?.severity).toBe('warning');
    // an explicit --target wins over the Procfile
    const explicit = JSON.parse(
      runCli(root, ['check', '--no-lint', '--format', 'json', '--target', 'head']).stdout,
    ) as { ok: boolean; target: string; targetFrom: string };
    expect(explicit).toMatchObject({ ok: false, target: 'head', targetFrom: '--target' });
  });

  it('upgrade head in the Procfile, or a script it does not follow: several heads block', () => {
    for (const line of ['release: alembic upgrade head', 'release: bash bin/release.sh']) {
      const root = writeScenarioProject({ name: 'procfile head', revs: TWO_BRANCHES, rows: 'no-table' });
      writeFileSync(path.join(root, 'Procfile'), `${line}\n`);
      const r = runCli(root, ['check', '--no-lint', '--format', 'json']);
      expect(r.status, line).toBe(1);
      const doc = JSON.parse(r.stdout) as {
        target: string;
        targetFrom: string | null;
        findings: { code: string; severity: string }[];
      };
      expect(doc.target, line).toBe('head');
      expect(doc.targetFrom, line).toBe(line.includes('alembic') ? 'Procfile:1' : null);
      expect(doc.findings.find((f) => f.code === 'multiple-heads')?.severity, line).toBe('error');
    }
  });
});

describe('verify without --target predicts what the Procfile release line runs', () => {
  it('upgrade heads in the Procfile: several heads are fine on a new database; without it they block', async () => {
    const s = { name: 'verify procfile', revs: TWO_BRANCHES, rows: 'no-table' as const };
    const root = writeScenarioProject(s);
    const url = await prepareDatabase(s, 'sqlite', root);
    const plain = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      alembicVersion: '1.8.1',
    });
    expect(plain.exitCode).toBe(1);
    expect(plain.result.database.prediction.target).toBe('head');
    writeFileSync(path.join(root, 'Procfile'), 'release: alembic upgrade heads\n');
    const deploy = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      alembicVersion: '1.8.1',
    });
    expect(deploy.exitCode, deploy.stdout).toBe(0);
    expect(deploy.result.database.prediction.target).toBe('heads');
    expect(deploy.result.targetFrom).toBe('Procfile:1');
    expect(deploy.stdout).toContain('graded for `alembic upgrade heads` (the release line in Procfile:1)');
    // --target still wins
    const explicit = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      alembicVersion: '1.8.1',
      target: 'head',
    });
    expect(explicit.exitCode).toBe(1);
    expect(explicit.result.targetFrom).toBeUndefined();
  });
});

describe('backfill and restamp without --target prove what the Procfile release line runs', () => {
  it('backfill: a placeholder on one of two branches proves for upgrade heads, and fails the proof for head', async () => {
    const s = { name: 'backfill procfile', revs: TWO_BRANCHES, rows: ['guest1'] };
    const root = writeScenarioProject(s);
    const url = await prepareDatabase(s, 'sqlite', root);
    const run = (target?: string) =>
      backfillCommand({
        cwd: root,
        format: 'text',
        env: { DATABASE_URL: url },
        alembicVersion: '1.8.1',
        after: ['b1'],
        git: false,
        target,
      });
    const plain = await run();
    expect(plain.exitCode, plain.stdout).toBe(1);
    expect(plain.stdout).toContain('Multiple head revisions are present');
    writeFileSync(path.join(root, 'Procfile'), 'release: alembic upgrade heads\n');
    const deploy = await run();
    expect(deploy.exitCode, deploy.stdout).toBe(0);
    expect(deploy.stdout).toContain('target: `alembic upgrade heads`, the release line in Procfile:1');
    expect(deploy.stdout).toContain('`alembic upgrade heads` runs a2 → b2');
    expect(deploy.outcome).toMatchObject({ target: 'heads', targetFrom: 'Procfile:1' });
    // --target still wins
    const explicit = await run('head');
    expect(explicit.exitCode).toBe(1);
    expect(explicit.outcome.targetFrom).toBeUndefined();
  });

  it('restamp: the dry run predicts the upgrade the release line runs', async () => {
    const s = { name: 'restamp procfile', revs: TWO_BRANCHES, rows: ['oldb1', 'b2'] };
    const root = writeScenarioProject(s);
    const url = await prepareDatabase(s, 'sqlite', root);
    const env = { DATABASE_URL: url };
    expect(runCli(root, ['restamp', '--from', 'oldb1', '--to', 'b1'], env).stdout).toContain(
      'then `alembic upgrade head` is still predicted to fail: FAILED: Multiple head revisions',
    );
    writeFileSync(path.join(root, 'Procfile'), 'release: alembic upgrade heads\n');
    const dry = runCli(root, ['restamp', '--from', 'oldb1', '--to', 'b1'], env);
    expect(dry.status, dry.stdout).toBe(0);
    expect(dry.stdout).toContain('target: `alembic upgrade heads`, the release line in Procfile:1');
    expect(dry.stdout).toContain('then `alembic upgrade heads` runs nothing');
  });
});
