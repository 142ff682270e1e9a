import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { alembicTargets, ORACLE_PYTHON, PYTHON } from '../../helpers/oracle.js';
import { check, codes, DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';

const V = 'migrations/versions/';
const LEGACY_INI = '[alembic]\nscript_location = migrations\n';

describeRule(
  'ini-value-misread',
  {
    bad: () => makeProject({ [V + 'a1_x.py']: rev('a1', null) }, DEFAULT_INI + 'sourceless = True\n'),
    good: () => makeProject({ [V + 'a1_x.py']: rev('a1', null) }, DEFAULT_INI + 'sourceless = true\n'),
  },
  (f) => {
    expect(f.message).toContain('sourceless = True is off');
    expect(f.hint).toContain('sourceless = true (lower case)');
    expect(f.line).toBe(4);
  },
);

/** A revision that exists only as bytecode beside the sources (what `sourceless = true` is for). */
function withBytecodeRevision(ini: string): string {
  const root = makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1') }, ini);
  const src = path.join(root, V, 'b2_x.py');
  execFileSync(PYTHON, [
    '-c',
    'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2])',
    src,
    src + 'c',
  ]);
  rmSync(src);
  return root;
}

function alembicHeads(root: string, env: Record<string, string>): string[] {
  const out = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env },
  });
  expect(out.status, out.stderr).toBe(0);
  return out.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[0]!);
}

describe('ini-value-misread against real Alembic', () => {
  it('sourceless = True (or true with an inline comment): Alembic leaves the bytecode-only revision out, as the warning says; with the fix it reads it', async () => {
    for (const target of alembicTargets()) {
      for (const written of ['True', 'true  # read .pyc files too']) {
        const root = withBytecodeRevision(`${LEGACY_INI}sourceless = ${written}\n`);
        expect(alembicHeads(root, target.env), `${target.name} ${written}`).toEqual(['a1']);
        const r = await check(root, target.version);
        expect([...r.model.map.heads]).toEqual(['a1']);
        const f = r.findings.find((x) => x.code === 'ini-value-misread');
        expect(f?.message, `${target.name} ${written}`).toContain('.pyc are not read');
        // the fix the hint gives
        const fixed = withBytecodeRevision(`${LEGACY_INI}# read .pyc files too\nsourceless = true\n`);
        expect(alembicHeads(fixed, target.env), target.name).toEqual(['b2']);
        expect(codes(await check(fixed, target.version))).not.toContain('ini-value-misread');
        expect(f!.hint).toMatch(/sourceless = true/);
      }
    }
  });

  it('recursive_version_locations = True: the newest Alembic finds no revision in subfolders', async () => {
    const root = makeProject(
      { [V + 'sub/a1_x.py']: rev('a1', null) },
      `${DEFAULT_INI}recursive_version_locations = True\n`,
    );
    const r = await check(root, 'latest');
    expect([...r.model.map.heads]).toEqual([]);
    expect(r.findings.find((x) => x.code === 'ini-value-misread')?.message).toContain('subfolders');
    const latest = alembicTargets().find((t) => t.name === 'latest');
    if (latest) expect(alembicHeads(root, latest.env)).toEqual([]);
    // Alembic 1.8.1 has no such option: nothing to say there
    expect(codes(await check(root, '1.8.1'))).not.toContain('ini-value-misread');
  });

  it('prepend_sys_path with path_separator: the comment hides the folder; with the legacy split (1.8.1, or no separator key) it becomes harmless extra entries', async () => {
    const bad = makeProject(
      { [V + 'a1_x.py']: rev('a1', null) },
      `${DEFAULT_INI}prepend_sys_path = .  # the project root\n`,
    );
    const f = (await check(bad, 'latest')).findings.find((x) => x.code === 'ini-value-misread');
    expect(f?.message).toContain('".  # the project root"');
    expect(f?.hint).toContain('(prepend_sys_path = .)');
    expect(codes(await check(bad, '1.8.1'))).not.toContain('ini-value-misread');
    const legacy = makeProject(
      { [V + 'a1_x.py']: rev('a1', null) },
      `${LEGACY_INI}prepend_sys_path = .  # the project root\n`,
    );
    expect(codes(await check(legacy, 'latest'))).not.toContain('ini-value-misread');
  });

  it('sqlalchemy.url with an inline comment: warned, and neither the URL nor its password is printed', async () => {
    const root = makeProject(
      { [V + 'a1_x.py']: rev('a1', null) },
      `${DEFAULT_INI}sqlalchemy.url = postgresql://app:s3cret@db.internal/app  # staging\n`,
    );
    const f = (await check(root, 'latest')).findings.find((x) => x.code === 'ini-value-misread');
    expect(f?.message).toContain('sqlalchemy.url ends in an inline comment');
    expect(JSON.stringify(f)).not.toContain('s3cret');
    expect(JSON.stringify(f)).not.toContain('db.internal');
    const fine = makeProject(
      { [V + 'a1_x.py']: rev('a1', null) },
      `${DEFAULT_INI}# staging\nsqlalchemy.url = postgresql://app:s3cret@db.internal/app#frag\n`,
    );
    expect(codes(await check(fine, 'latest'))).not.toContain('ini-value-misread');
  });
});
