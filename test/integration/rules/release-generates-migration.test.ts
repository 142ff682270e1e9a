import { cpSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/check/finding.js';
import { checkCommand } from '../../../src/commands/check/check-command.js';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import type { CheckResult } from '../../../src/check/run-check.js';
import { describeRule } from '../../helpers/describe-rule.js';
import { prepareDatabase, writeScenarioProject } from '../../helpers/db-scenario.js';
import { alembicCommand, alembicOnPath, alembicTargets } from '../../helpers/oracle.js';
import { DEFAULT_INI, makeProject, onlineEnvPy, rev, SCRIPT_MAKO } from '../../helpers/project.js';
import { tempDir } from '../../helpers/temp-dir.js';

const V = 'migrations/versions/';
const CODE = 'release-generates-migration';

/** check as the CLI runs it (the Procfile is read), lints on or off. */
async function viaCommand(root: string, lint = false, lintOnly = false): Promise<CheckResult> {
  return (await checkCommand({ cwd: root, env: {}, lint, lintOnly, format: 'text' })).result;
}

function project(files: Record<string, string>, ini = DEFAULT_INI): string {
  return makeProject({ [V + 'a1_x.py']: rev('a1', null), ...files }, ini);
}

/** `severity code path:line command` of the findings that name a generating command. */
function at(found: readonly Finding[]): string[] {
  return found
    .filter((f) => f.code === CODE || f.message.includes('runs where the app is deployed'))
    .map((f) => `${f.severity} ${f.code} ${f.path}:${f.line} ${f.message.split('`')[1]}`);
}

describeRule(
  CODE,
  {
    bad: () =>
      project({ Procfile: 'release: flask db migrate && flask db upgrade\nweb: gunicorn app:app\n' }),
    good: () => project({ Procfile: 'release: flask db upgrade\nweb: gunicorn app:app\n' }),
    run: (root) => viaCommand(root),
  },
  (f, r) => {
    expect(f.severity).toBe('error');
    expect(f.path).toBe('Procfile');
    expect(f.line).toBe(1);
    expect(f.message).toContain('runs `flask db migrate` (Procfile:1)');
    expect(f.message).toContain("Can't locate revision identified by");
    expect(f.hint).toContain('flask db migrate -m');
    expect(f.hint).toContain('alembic-preflight backfill');
    expect(r.ok).toBe(false);
  },
);

describe('release-generates-migration: what the release phase runs', () => {
  it('reads heroku.yml, a script the line runs, a Pipfile entry, and the command that alembic-preflight release wraps', async () => {
    expect(
      at(
        (
          await viaCommand(
            project({
              'heroku.yml':
                'build:\n  docker:\n    web: Dockerfile\nrelease:\n  command:\n    - alembic revision --autogenerate -m auto && alembic upgrade head\n',
            }),
          )
        ).findings,
      ),
    ).toEqual([`error ${CODE} heroku.yml:6 alembic revision --autogenerate`]);
    const script = await viaCommand(
      project({
        Procfile: 'release: bash bin/release.sh\n',
        'bin/release.sh':
          '#!/bin/bash\nset -e\npython -m alembic -c alembic.ini revision -m auto\nalembic upgrade head\n',
      }),
    );
    expect(at(script.findings)).toEqual([`error ${CODE} bin/release.sh:3 alembic revision`]);
    expect(script.findings.find((f) => f.code === CODE)!.message).toContain(
      '(bin/release.sh:3, run by Procfile:1)',
    );
    expect(
      at(
        (
          await viaCommand(
            project({
              Procfile: 'release: pipenv run migrate && pipenv run upgrade\n',
              Pipfile: '[scripts]\nmigrate = "flask --app app db migrate"\nupgrade = "flask db upgrade"\n',
            }),
          )
        ).findings,
      ),
    ).toEqual([`error ${CODE} Pipfile:2 flask db migrate`]);
    expect(
      at(
        (
          await viaCommand(
            project({
              Procfile:
                'release: npx alembic-preflight release -- sh -c "flask db init && flask db upgrade"\n',
            }),
          )
        ).findings,
      ),
    ).toEqual([`error ${CODE} Procfile:1 flask db init`]);
    // after a cd to a folder the shell decides
    expect(
      at(
        (
          await viaCommand(
            project({ Procfile: 'release: cd $APP_HOME && flask db migrate && flask db upgrade\n' }),
          )
        ).findings,
      ),
    ).toEqual([`error ${CODE} Procfile:1 flask db migrate`]);
    // one finding a line, naming the first (a real Procfile: cd backend && flask db init && flask db migrate && flask db upgrade)
    expect(
      at(
        (
          await viaCommand(
            project({ Procfile: 'release: flask db init && flask db migrate && flask db upgrade\n' }),
          )
        ).findings,
      ),
    ).toEqual([`error ${CODE} Procfile:1 flask db init`]);
    // generated and never applied: nothing in the release upgrades
    const alone = (
      await viaCommand(
        project({ Procfile: 'release: flask db migrate --directory migrations\nweb: gunicorn app:app\n' }),
      )
    ).findings.find((f) => f.code === CODE);
    expect(alone?.message).toContain(
      'runs `flask db migrate` (Procfile:1). It writes a new migration file on the one-off release dyno and the release runs no upgrade',
    );
    expect(
      (
        await viaCommand(
          project({
            Procfile:
              'release: flask db migrate --directory migrations && flask db upgrade --directory migrations\n',
          }),
        )
      ).findings.find((f) => f.code === CODE)?.message,
    ).toContain('the upgrade after it applies that file');
  });

  it('is quiet on an earlier release line Heroku drops, a message, the web line, a Makefile, and plain upgrades', async () => {
    const quiet = await viaCommand(
      project({
        Procfile:
          'release: alembic revision -m auto && alembic upgrade head\nrelease: echo "alembic revision is for developers" && alembic upgrade head\nweb: alembic upgrade head && gunicorn app:app\n',
        Makefile: 'migration:\n\talembic revision --autogenerate -m "$(m)"\n',
        // a message in a shell's -c
        'heroku.yml':
          'release:\n  command:\n    - bash -lc "echo \'run flask db migrate locally, then alembic upgrade head\'"\n',
      }),
    );
    expect(at(quiet.findings)).toEqual([]);
  });

  it('with lints on it is reported once (not again as deploy-script-hazard); with --lint-only the lint reports it', async () => {
    const root = project({
      Procfile: 'release: flask db migrate && flask db upgrade\n',
      Dockerfile:
        'FROM python:3.12\nCMD ["sh", "-c", "alembic revision --autogenerate && uvicorn app:app"]\n',
    });
    expect(at((await viaCommand(root, true)).findings)).toEqual([
      `error ${CODE} Procfile:1 flask db migrate`,
      'error deploy-script-hazard Dockerfile:2 alembic revision --autogenerate',
    ]);
    expect(at((await viaCommand(root, true, true)).findings).sort()).toEqual([
      'error deploy-script-hazard Dockerfile:2 alembic revision --autogenerate',
      'error deploy-script-hazard Procfile:1 flask db migrate',
    ]);
  });

  it('verify reports it against a live database that is otherwise fine', async () => {
    const s = { name: 'generates', revs: [{ id: 'aaa111', down: null }], rows: ['aaa111'] };
    const root = writeScenarioProject(s);
    const url = await prepareDatabase(s, 'sqlite', root);
    expect((await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } })).exitCode).toBe(0);
    writeFileSync(
      path.join(root, 'Procfile'),
      'release: alembic revision --autogenerate -m sync && alembic upgrade head\n',
    );
    const r = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    expect(r.exitCode).toBe(1);
    expect(at(r.result.findings)).toEqual([`error ${CODE} Procfile:1 alembic revision --autogenerate`]);
  });

  it('verify names it as the likely origin of a stamped revision no file has', async () => {
    const s = { name: 'generated-lost', revs: [{ id: 'aaa111', down: null }], rows: ['5d1e0c7a9b42'] };
    const root = writeScenarioProject(s);
    const url = await prepareDatabase(s, 'sqlite', root);
    const without = (
      await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } })
    ).result.findings.find((f) => f.code === 'stamped-revision-missing')!;
    expect(without.message).not.toContain('release phase');
    writeFileSync(path.join(root, 'Procfile'), 'release: flask db migrate && flask db upgrade\n');
    const r = await verifyCommand({ cwd: root, format: 'text', env: { DATABASE_URL: url } });
    const missing = r.result.findings.find((f) => f.code === 'stamped-revision-missing')!;
    expect(missing.message).toContain(
      'The release phase runs `flask db migrate` (Procfile:1), which writes a migration on the release dyno and loses it with the dyno',
    );
    expect(missing.hint).toContain('alembic-preflight backfill');
  });
});

describe('release-generates-migration against real Alembic: the release line, run by /bin/sh as Heroku runs it', () => {
  it('the first release succeeds on a file only its dyno had; the next release, from the same slug, fails as the message says', async () => {
    for (const target of alembicTargets()) {
      const db = path.join(tempDir(), 'prod.db');
      const line = 'alembic revision -m auto && alembic upgrade head';
      const slug = project(
        {
          [V + 'a1_x.py']: rev('a1', null),
          'migrations/env.py': onlineEnvPy(''),
          'migrations/script.py.mako': SCRIPT_MAKO,
          Procfile: `release: ${line}\n`,
        },
        `${DEFAULT_INI}sqlalchemy.url = sqlite:///${db}\n`,
      );
      const f = (await viaCommand(slug)).findings.find((x) => x.code === CODE);
      expect(f?.severity, target.name).toBe('error');
      const bin = alembicOnPath(path.join(tempDir(), 'bin'));
      const env = {
        ...process.env,
        ...target.env,
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        PYTHONDONTWRITEBYTECODE: '1',
      };
      const release = (): { status: number | null; out: string; dir: string } => {
        const dir = path.join(tempDir(), 'app');
        cpSync(slug, dir, { recursive: true });
        const r = spawnSync('/bin/sh', ['-c', line], { cwd: dir, env, encoding: 'utf8' });
        return { status: r.status, out: r.stdout + r.stderr, dir };
      };
      const first = release();
      expect(first.status, target.name + first.out).toBe(0);
      const made = readdirSync(path.join(first.dir, V))
        .find((n) => n.endsWith('_auto.py'))!
        .split('_')[0]!;
      const second = release();
      expect(second.status, target.name).not.toBe(0);
      expect(second.out, target.name).toContain(`Can't locate revision identified by '${made}'`);
    }
  }, 60_000);

  it('a release line that only generates: the finding says no upgrade runs, and autogenerate refuses a database with a committed migration pending', async () => {
    for (const target of alembicTargets()) {
      const db = path.join(tempDir(), 'prod.db');
      const line = 'alembic revision --autogenerate -m auto';
      const slug = project(
        {
          [V + 'b2_y.py']: rev('b2', 'a1'),
          'migrations/env.py': onlineEnvPy(''),
          'migrations/script.py.mako': SCRIPT_MAKO,
          Procfile: `release: ${line}\n`,
        },
        `${DEFAULT_INI}sqlalchemy.url = sqlite:///${db}\n`,
      );
      const f = (await viaCommand(slug)).findings.find((x) => x.code === CODE);
      expect(f?.message, target.name).toContain('the release runs no upgrade');
      expect(f?.message, target.name).toContain('"Target database is not up to date."');
      // the database is at a1; b2 is committed and pending
      expect(alembicCommand(slug, ['upgrade', 'a1'], target.env).status, target.name).toBe(0);
      const r = alembicCommand(slug, line.split(' ').slice(1), target.env);
      expect(r.status, target.name).not.toBe(0);
      expect(r.last, target.name).toContain('Target database is not up to date.');
    }
  }, 60_000);
});
