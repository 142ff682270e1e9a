import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { BIN } from '../../helpers/cli.js';
import { alembicTargets, ORACLE_PYTHON, PYTHON } from '../../helpers/oracle.js';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';

describeRule(
  'unreadable-file',
  {
    bad: () => makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'weird.py/keep.txt']: 'x' }, DEFAULT_INI),
    good: () => makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'weird/keep.txt']: 'x' }, DEFAULT_INI),
    version: '1.8.1',
  },
  (f) => {
    expect(f.message).toContain('Is a directory');
  },
);

describe('unreadable-file: files that never end', () => {
  const fifoProject = (): string => {
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null) }, DEFAULT_INI);
    execFileSync('mkfifo', [path.join(root, V, 'b2_x.py')]);
    return root;
  };

  it('a named pipe named *.py is reported, not waited on; real Alembic waits on it without end', async () => {
    const root = fifoProject();
    for (const version of ['1.8.1', 'latest']) {
      const r = await check(root, version);
      const f = r.findings.find((x) => x.code === 'unreadable-file');
      expect(f?.message).toBe(
        "migrations/versions/b2_x.py: it is a named pipe, not a file: Alembic would wait on it without end, and the deploy hang until the platform's timeout.",
      );
      expect(f?.alembicError).toBe('(nothing: it waits without end reading b2_x.py, a named pipe)');
      expect(r.ok).toBe(false);
    }
    // the claim the message makes, asked of Alembic itself (2 s is a hundred times what it needs for one revision)
    const alembic = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 2000,
    });
    expect(alembic.signal).toBe('SIGTERM');
    expect(alembic.stdout).toBe('');
  });

  it('a link to a device that never ends is reported (Alembic < 1.10 loads the link; later ones skip /dev/zero by its name)', async () => {
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null) }, DEFAULT_INI);
    symlinkSync('/dev/zero', path.join(root, V, 'b2_x.py'));
    const old = await check(root, '1.8.1');
    expect(old.findings.find((x) => x.code === 'unreadable-file')?.message).toBe(
      'migrations/versions/b2_x.py: it is a device that never ends, not a file: Alembic would read it until memory runs out.',
    );
    const latest = await check(root, 'latest');
    expect(codes(latest)).toEqual([]);
  });

  it('a named pipe or a device in place of a Procfile, a requirements file or a script the release runs is read as absent, never waited on', async () => {
    const root = makeProject(
      { [V + 'a1_x.py']: rev('a1', null), 'bin/release.sh': 'alembic upgrade head\n' },
      DEFAULT_INI,
    );
    execFileSync('mkfifo', [path.join(root, 'Procfile')]);
    execFileSync('mkfifo', [path.join(root, 'requirements.txt')]);
    symlinkSync('/dev/zero', path.join(root, 'runtime.txt'));
    const r = await check(root, 'latest', { lint: true });
    expect(codes(r)).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('a link to /dev/null is an empty file, as Python reads it', async () => {
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null) }, DEFAULT_INI);
    symlinkSync('/dev/null', path.join(root, V, 'b2_x.py'));
    expect(codes(await check(root, '1.8.1'))).toContain('no-revision-variable');
  });
});

describe('unreadable-file: env.py', () => {
  const noEnv = (): string => {
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null) }, DEFAULT_INI);
    rmSync(path.join(root, 'migrations', 'env.py'));
    return root;
  };

  it('a missing env.py blocks: real alembic heads still works, and alembic upgrade head fails with the text the finding quotes', async () => {
    const root = noEnv();
    const r = await check(root, '1.8.1');
    const f = r.findings.find((x) => x.code === 'unreadable-file');
    expect(f?.message).toMatch(/^migrations\/env\.py: there is no env\.py in the script folder\. /);
    expect(f?.severity).toBe('error');
    expect(r.ok).toBe(false);
    expect(spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], { cwd: root, encoding: 'utf8' }).status).toBe(
      0,
    );
    const upgrade = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(upgrade.status).not.toBe(0);
    expect(upgrade.stderr.trim().split('\n').at(-1)).toBe(f?.alembicError);
  });

  it('names env.py as each Alembic does: os.path.join before 1.16, pathlib after (checked against both)', async () => {
    for (const location of ['migrations', './migrations/']) {
      const root = makeProject(
        { [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': '' },
        `[alembic]\nscript_location = ${location}\n`,
      );
      rmSync(path.join(root, 'migrations', 'env.py'));
      for (const target of alembicTargets()) {
        const f = (await check(root, target.version)).findings.find((x) => x.code === 'unreadable-file');
        const upgrade = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, ...target.env, PYTHONDONTWRITEBYTECODE: '1' },
        });
        expect(upgrade.stderr.trim().split('\n').at(-1), `${location} ${target.name}`).toBe(f?.alembicError);
      }
    }
    // what the oracle cannot run here: the newest release's pathlib form of the same location
    const root = makeProject(
      { [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': '' },
      '[alembic]\nscript_location = ./migrations/\n',
    );
    rmSync(path.join(root, 'migrations', 'env.py'));
    expect(
      (await check(root, 'latest')).findings.find((x) => x.code === 'unreadable-file')?.alembicError,
    ).toBe("ImportError: Can't find Python file migrations/env.py");
  });

  it('a compiled env.py in __pycache__ is what Alembic loads instead: no finding', async () => {
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null) }, DEFAULT_INI);
    const env = path.join(root, 'migrations', 'env.py');
    execFileSync(PYTHON, [
      '-c',
      `import importlib.util, py_compile; py_compile.compile(${JSON.stringify(env)}, cfile=importlib.util.cache_from_source(${JSON.stringify(env)}))`,
    ]);
    rmSync(env);
    expect(codes(await check(root, '1.8.1'))).not.toContain('unreadable-file');
  });

  it('--versions with no configuration has no script folder to ask for one', async () => {
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null) }, null);
    const r = spawnSync(process.execPath, [BIN, 'check', '--format', 'json', '--versions', V], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
  });
});
