import { cpSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINEAR_BOUND } from '../../helpers/growth.js';
import type { Finding } from '../../../src/check/finding.js';
import { describeRule } from '../../helpers/describe-rule.js';
import { alembicCommand, alembicTargets } from '../../helpers/oracle.js';
import { check, DEFAULT_INI, makeProject, onlineEnvPy, rev, SCRIPT_MAKO } from '../../helpers/project.js';
import { tempDir } from '../../helpers/temp-dir.js';

const V = 'migrations/versions/';

/** The rule's findings on a one-revision project with these deploy files. */
async function hazards(files: Record<string, string>): Promise<Finding[]> {
  return (await check(makeProject({ [V + 'a1_x.py']: rev('a1', null), ...files }))).findings.filter(
    (f) => f.code === 'deploy-script-hazard',
  );
}

describeRule(
  'deploy-script-hazard',
  {
    bad: () =>
      makeProject({
        [V + 'a1_x.py']: rev('a1', null),
        Procfile: 'release: alembic upgrade head || true\nweb: gunicorn app:app\n',
      }),
    good: () =>
      makeProject({
        [V + 'a1_x.py']: rev('a1', null),
        Procfile: 'release: alembic upgrade head\nweb: gunicorn app:app\n',
        'bin/migrate.sh': '#!/bin/sh\nset -e\n# never: alembic stamp head\nalembic upgrade head || exit 1\n',
      }),
  },
  (f) => {
    expect(f.path).toBe('Procfile');
    expect(f.line).toBe(1);
    expect(f.message).toContain('|| true');
  },
);

describe('deploy-script-hazard, the other two hazards', () => {
  it('reports a stamp fallback and heads against head', async () => {
    const found = await hazards({
      Procfile: 'release: alembic upgrade heads\n',
      'bin/deploy.sh': '#!/bin/sh\npython -m alembic upgrade head || alembic stamp head\n',
    });
    expect(found.map((f) => `${f.path}:${f.line}`).sort()).toEqual(['Procfile:1', 'bin/deploy.sh:2']);
    expect(found.find((f) => f.path === 'Procfile')!.message).toContain('bin/deploy.sh:2');
    expect(found.find((f) => f.path === 'bin/deploy.sh')!.message).toContain('stamp head');
  });
});

describe('deploy-script-hazard with Alembic in a subfolder of the repository', () => {
  it('reads the deploy files at the repository root (a Procfile, a Dockerfile and the script it copies), shown relative to the folder checked', async () => {
    const files = {
      '.git/HEAD': 'ref: refs/heads/main\n',
      Procfile: 'release: cd backend && alembic upgrade head || true\nweb: gunicorn app:app\n',
      'Dockerfile.migrations':
        'FROM python:3.12-slim\nCOPY scripts/run_migrations.sh ./run_migrations.sh\nCMD ["sh", "./run_migrations.sh"]\n',
      'scripts/run_migrations.sh':
        'set -e\nif [ -z "$(ls -A migrations/versions)" ]; then\n    alembic -c alembic.ini revision --autogenerate -m "Initial commit"\nfi\nalembic -c alembic.ini upgrade head\n',
      'frontend/scripts/build.sh': 'alembic upgrade head || true\n',
      'backend/migrations/versions/a1_x.py': rev('a1', null),
      'backend/alembic.ini': DEFAULT_INI,
    };
    const root = makeProject(files, null);
    const found = (await check(path.join(root, 'backend'))).findings.filter(
      (f) => f.code === 'deploy-script-hazard',
    );
    expect(found.map((f) => `${f.severity} ${f.path}:${f.line}`).sort()).toEqual([
      'warning ../Procfile:1',
      'warning ../scripts/run_migrations.sh:3',
    ]);
    // inside a shell `if` (a first migration bootstrapped while the repository has none) it is a warning; after `fi`, an error again
    expect(found.find((f) => f.path === '../scripts/run_migrations.sh')!.message).toContain(
      'whenever the shell `if` around it holds',
    );
    const after = (
      await check(
        makeProject(
          {
            ...files,
            'scripts/run_migrations.sh':
              'if [ -n "$BOOTSTRAP" ]; then alembic revision -m first; fi\nif [ -z "$X" ]; then\n  echo no\nfi\nflask db migrate\nalembic upgrade head\n',
          },
          null,
        ).concat('/backend'),
      )
    ).findings;
    expect(
      after
        .filter((f) => f.code === 'deploy-script-hazard' && f.path === '../scripts/run_migrations.sh')
        .map((f) => `${f.severity} ${f.line}`)
        .sort(),
    ).toEqual(['error 5', 'warning 1']);
    // outside a git repository the folders above are not the project's
    const loose = makeProject(
      Object.fromEntries(Object.entries(files).filter(([k]) => k !== '.git/HEAD')),
      null,
    );
    expect(
      (await check(path.join(loose, 'backend'))).findings.filter((f) => f.code === 'deploy-script-hazard'),
    ).toEqual([]);
  });
});

describe('deploy-script-hazard on a generated file', () => {
  it('reads a script with a huge line in seconds, not minutes, and still reports the lines around it', async () => {
    // a minified or generated file under scripts/ that mentions alembic again and again on one line:
    // each mention was tried against the rest of the line, a minute for this one
    const project = (n: number) => ({
      Procfile: 'release: alembic upgrade head\n',
      'scripts/bundle.sh': `#!/bin/sh\n${'alembic '.repeat(n)}\nalembic upgrade heads || true\n`,
    });
    // the cost at 8× the line grows about 8× (a whole check, best of two), never the 64× of a rescan per mention
    const best = async (n: number): Promise<number> => {
      let ms = Infinity;
      for (let i = 0; i < 2; i++) {
        const started = performance.now();
        await hazards(project(n));
        ms = Math.min(ms, performance.now() - started);
      }
      return ms;
    };
    await best(7_500);
    expect((await best(60_000)) / (await best(7_500))).toBeLessThan(LINEAR_BOUND());
    const found = await hazards(project(60_000));
    expect(found.map((f) => `${f.path}:${f.line}`).sort()).toEqual([
      'scripts/bundle.sh:3',
      'scripts/bundle.sh:3',
    ]);
  }, 120_000);
});

describe('deploy-script-hazard and flask db', () => {
  it('reads `flask db upgrade` with no revision as head, in the Procfile and in the Pipfile scripts a release line runs', async () => {
    const found = await hazards({
      // 4Geeks' Flask template: `release: pipenv run upgrade`, the command in the Pipfile's [scripts]
      Procfile: 'release: pipenv run upgrade\nweb: gunicorn wsgi --chdir ./src/\n',
      Pipfile: '[scripts]\nstart = "flask run -p 3001"\nupgrade = "flask db upgrade || true"\n',
      'bin/deploy.sh': '#!/bin/sh\nset -e\nFLASK_APP=app.py flask db upgrade\n',
      '.github/workflows/ci.yml': 'jobs:\n  t:\n    steps:\n      - run: alembic upgrade heads\n',
    });
    expect(found.map((f) => `${f.path}:${f.line}`).sort()).toEqual([
      '.github/workflows/ci.yml:4',
      'Pipfile:3',
    ]);
    expect(found.find((f) => f.path === 'Pipfile')!.message).toContain('|| true');
    // `upgrade heads` against the Pipfile's, the first `flask db upgrade` met
    expect(found.find((f) => f.path === '.github/workflows/ci.yml')!.message).toMatch(
      /`upgrade head` in (Pipfile:3|bin\/deploy\.sh:3)/,
    );
  });

  it("reads Flask's own options before db (`flask --app app db upgrade`, Flask >= 2.2)", async () => {
    const found = await hazards({
      Procfile: 'release: flask --app app:create_app db upgrade || true\n',
      'bin/deploy.sh': '#!/bin/sh\nflask -e .env.prod --debug db upgrade heads\nflask -A app db stamp head\n',
    });
    expect(found.map((f) => `${f.path}:${f.line}`).sort()).toEqual([
      'Procfile:1',
      'bin/deploy.sh:2',
      'bin/deploy.sh:3',
    ]);
    expect(found.find((f) => f.line === 2)!.message).toContain('`upgrade head` in Procfile:1');
  });

  it('leaves `flask db upgrade REV` and `flask db upgrade --sql` alone, as for alembic with a revision', async () => {
    expect(
      await hazards({
        Procfile: 'release: flask db upgrade a1 || true\n',
        'bin/sql.sh': '#!/bin/sh\nflask db upgrade --sql > out.sql || true\nalembic upgrade heads\n',
      }),
    ).toEqual([]);
  });
});

describe('deploy-script-hazard and a Procfile with several release lines', () => {
  const found = (procfile: string): Promise<Finding[]> => hazards({ Procfile: procfile });

  it('reports each release line that a later one replaces, naming the one Heroku keeps and the joined line', async () => {
    const f = await found(
      'release: alembic upgrade head\nweb: gunicorn app:app\n# release: old\nrelease: python seed.py\n',
    );
    expect(f.map((x) => `${x.path}:${x.line}`)).toEqual(['Procfile:1']);
    expect(f[0]!.message).toContain('`release: alembic upgrade head` never runs');
    expect(f[0]!.message).toContain('(Procfile:4, `python seed.py`)');
    // the dropped line migrates and the kept one does not
    expect(f[0]!.message).toContain('the deploy runs no migration');
    expect(f[0]!.hint).toContain('`release: alembic upgrade head && python seed.py`');
  });

  it('says nothing of a lost migration when the kept line migrates', async () => {
    const f = await found(
      'release: python -m app warm\nrelease: flask db migrate\nrelease: flask db upgrade\n',
    );
    expect(f.map((x) => x.line)).toEqual([1, 2]);
    expect(f.every((x) => !x.message.includes('runs no migration'))).toBe(true);
  });

  it('leaves one release line, and other process types named twice, alone', async () => {
    expect(await found('web: gunicorn a:app\nweb: gunicorn b:app\nrelease: alembic upgrade head\n')).toEqual(
      [],
    );
  });
});

describe('deploy-script-hazard: a process that migrates each time it starts', () => {
  const atStart = (found: Finding[]): Finding[] =>
    found.filter((f) => f.message.includes('every time one of its dynos starts'));

  it('reports the web (or worker) line that migrates, and moves the migration to a release line', async () => {
    const [web, ...more] = atStart(
      await hazards({
        Procfile:
          'web: flask db upgrade && gunicorn --bind 0.0.0.0:$PORT app:app\nworker: python worker.py\n',
      }),
    );
    expect(more).toEqual([]);
    expect(web).toMatchObject({ severity: 'warning', path: 'Procfile', line: 1 });
    expect(web!.message).toContain(
      '`web:` runs the migration every time one of its dynos starts, not once per deploy',
    );
    expect(web!.hint).toBe(
      'Move it to the release phase: `release: flask db upgrade` and `web: gunicorn --bind 0.0.0.0:$PORT app:app` (on Railway or Render, their preDeployCommand).',
    );
    const [worker] = atStart(
      await hazards({
        Procfile: 'web: gunicorn app:app\nworker: python -m alembic upgrade head && celery -A tasks worker\n',
      }),
    );
    expect(worker).toMatchObject({ line: 2 });
    expect(worker!.hint).toContain(
      '`release: python -m alembic upgrade head` and `worker: celery -A tasks worker`',
    );
  });

  it('says the upgrade is a second one when the release line migrates already', async () => {
    const [f] = atStart(
      await hazards({
        Procfile: 'release: alembic upgrade head\nweb: alembic upgrade head && uvicorn main:app\n',
      }),
    );
    expect(f!.line).toBe(2);
    expect(f!.message).toContain('after the release phase already did (Procfile:1)');
    expect(f!.hint).toBe('Drop the migration from the `web:` line: `web: uvicorn main:app`.');
  });

  it('leaves a release line, a process that runs Alembic for anything but an upgrade, and a local Procfile.dev alone', async () => {
    expect(
      atStart(
        await hazards({
          Procfile:
            'release: alembic upgrade head && python seed.py\nweb: gunicorn app:app\nclock: alembic current\n',
          'Procfile.dev': 'web: flask db upgrade && flask run\n',
        }),
      ),
    ).toEqual([]);
  });
});

describe('deploy-script-hazard: a migration generated where the app is deployed', () => {
  const at = (found: Finding[]): string[] =>
    found
      .filter((f) => f.message.includes('runs where the app is deployed'))
      .map((f) => `${f.severity} ${f.path}:${f.line} ${f.message.split('`')[1]}`)
      .sort();

  it('is an error in a release line, a process line, heroku.yml, app.json, a Dockerfile, and a script any of them names', async () => {
    expect(
      at(
        await hazards({
          Procfile:
            'release: flask db upgrade || flask db stamp head || flask db migrate || flask db upgrade && flask seed-db\n',
        }),
      ),
    ).toEqual(['error Procfile:1 flask db migrate']);
    expect(
      at(
        await hazards({
          Procfile:
            'web: alembic revision --autogenerate -m auto && alembic upgrade head && uvicorn app:app\n',
        }),
      ),
    ).toEqual(['error Procfile:1 alembic revision --autogenerate']);
    expect(
      at(
        await hazards({
          'heroku.yml':
            'release:\n  command:\n    - python -m alembic -c alembic.ini revision --autogenerate\n',
        }),
      ),
    ).toEqual(['error heroku.yml:3 alembic revision --autogenerate']);
    expect(
      at(
        await hazards({
          'app.json': '{"scripts": {"postdeploy": "flask db init && flask db migrate && flask db upgrade"}}',
        }),
      ),
    ).toEqual(['error app.json:1 flask db init']);
    expect(
      at(
        await hazards({
          Dockerfile:
            'FROM python:3.12\nCMD ["sh", "-c", "alembic revision --autogenerate && alembic upgrade head && uvicorn app:app"]\n',
        }),
      ),
    ).toEqual(['error Dockerfile:2 alembic revision --autogenerate']);
    expect(
      at(
        await hazards({
          Procfile: 'release: ./bin/release.sh\n',
          'bin/release.sh': '#!/bin/sh\nset -e\nflask --app app db migrate -m deploy\nflask db upgrade\n',
        }),
      ),
    ).toEqual(['error bin/release.sh:3 flask db migrate']);
    // 4Geeks' Flask template runs the Pipfile's scripts
    expect(
      at(
        await hazards({
          Procfile: 'release: pipenv run migrate && pipenv run upgrade\n',
          Pipfile:
            '[scripts]\nstart = "flask run"\nmigrate = "flask db migrate"\nupgrade = "flask db upgrade"\n',
        }),
      ),
    ).toEqual(['error Pipfile:3 flask db migrate']);
    expect(
      at(
        await hazards({
          Dockerfile: 'COPY entrypoint.sh /entrypoint.sh\nENTRYPOINT ["/entrypoint.sh"]\n',
          'entrypoint.sh': '#!/bin/sh\nalembic revision --autogenerate\nalembic upgrade head\nexec "$@"\n',
        }),
      ),
    ).toEqual(['error entrypoint.sh:2 alembic revision --autogenerate']);
  });

  it('is quiet where developers generate migrations, in an earlier release line that never runs, in a comment or a message, and for other commands', async () => {
    expect(
      at(
        await hazards({
          Procfile: 'release: pipenv run upgrade\n',
          Pipfile: '[scripts]\nmigrate = "flask db migrate"\nupgrade = "flask db upgrade"\n',
        }),
      ),
    ).toEqual([]);
    expect(
      at(
        await hazards({
          Makefile: 'migration:\n\talembic revision --autogenerate -m "$(m)"\n',
          'scripts/makemigration.sh': '#!/bin/sh\nflask db migrate -m "$1"\n',
          'docker-compose.yml':
            'services:\n  api:\n    command: sh -c "alembic revision --autogenerate && uvicorn app:app"\n',
          Procfile: 'web: gunicorn app:app\n',
        }),
      ),
    ).toEqual([]);
    // the replaced line is reported as never running, not as generating
    expect(at(await hazards({ Procfile: 'release: flask db migrate\nrelease: flask db upgrade\n' }))).toEqual(
      [],
    );
    expect(
      at(
        await hazards({
          Procfile:
            '# release: alembic revision --autogenerate\nrelease: echo "run alembic revision locally" && alembic upgrade head\n',
        }),
      ),
    ).toEqual([]);
    // a message in the -c of a shell from anywhere on the path, as the release line's reader takes it
    expect(
      at(
        await hazards({
          Dockerfile: 'FROM python:3.12\nRUN /usr/local/bin/bash -c "echo run alembic revision by hand"\n',
        }),
      ),
    ).toEqual([]);
    expect(
      at(
        await hazards({
          Procfile: 'release: alembic -x revision=1 upgrade head && flask db upgrade && alembic history\n',
        }),
      ),
    ).toEqual([]);
  });
});

describe('deploy-script-hazard: a migration generated at deploy, against real Alembic', () => {
  it('the first deploy applies a file only its dyno had; the next deploy, from the same repository, cannot locate that revision', async () => {
    for (const target of alembicTargets()) {
      const db = path.join(tempDir(), 'prod.db');
      const repo = makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          'migrations/env.py': onlineEnvPy(''),
          'migrations/script.py.mako': SCRIPT_MAKO,
          Procfile: 'release: alembic revision -m auto && alembic upgrade head\n',
        },
        `${DEFAULT_INI}sqlalchemy.url = sqlite:///${db}\n`,
      );
      expect(at(await hazards0(repo)), target.name).toEqual(['error Procfile:1 alembic revision']);
      // each deploy runs the release line in a fresh copy of the repository, as a dyno does
      const dyno = (): string => {
        const d = path.join(tempDir(), 'app');
        cpSync(repo, d, { recursive: true });
        return d;
      };
      const first = dyno();
      expect(alembicCommand(first, ['revision', '-m', 'auto'], target.env).status, target.name).toBe(0);
      expect(alembicCommand(first, ['upgrade', 'head'], target.env).status, target.name).toBe(0);
      const made = readdirSync(path.join(first, V)).find((f) => f.endsWith('_auto.py'))!;
      const second = alembicCommand(dyno(), ['upgrade', 'head'], target.env);
      expect(second.status, target.name).not.toBe(0);
      expect(second.last, target.name).toContain(
        `Can't locate revision identified by '${made.split('_')[0]}'`,
      );
    }
  });

  const at = (found: Finding[]): string[] =>
    found
      .filter((f) => f.message.includes('runs where the app is deployed'))
      .map((f) => `${f.severity} ${f.path}:${f.line} ${f.message.split('`')[1]}`);
  const hazards0 = async (root: string): Promise<Finding[]> =>
    (await check(root)).findings.filter((f) => f.code === 'deploy-script-hazard');
});
