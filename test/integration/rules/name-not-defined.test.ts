import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { ORACLE_PYTHON } from '../../helpers/oracle.js';
import { check, makeProject, rev, SQLITE_ENV_PY, SQLITE_INI } from '../../helpers/project.js';

const V = 'migrations/versions/';
const ENV = SQLITE_ENV_PY;
const INI = SQLITE_INI;

const project = (extra: string, files: Record<string, string> = {}): string =>
  makeProject(
    {
      'migrations/env.py': ENV,
      [V + 'a1_x.py']: rev('a1', null),
      [V + 'b2_x.py']: rev('b2', 'a1', extra),
      ...files,
    },
    INI,
  );

describeRule(
  'name-not-defined',
  {
    bad: () => project("table_name = 'users'\nTABLE = tabel_name"),
    good: () => project("table_name = 'users'\nTABLE = table_name"),
  },
  (f) => {
    expect(f.severity).toBe('error');
    expect(f.path).toBe('migrations/versions/b2_x.py');
    expect(f.line).toBe(13);
    expect(f.alembicError).toContain("NameError: name 'tabel_name' is not defined");
  },
);

/** The last line real `alembic heads` prints: the exception that stopped it, or a head. */
function heads(cwd: string): string {
  try {
    return execFileSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    })
      .trim()
      .split('\n')
      .pop()!;
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e)
      .trim()
      .split('\n')
      .pop()!;
  }
}

describe('name-not-defined against real Alembic', () => {
  const cases: [string, string, string][] = [
    ['a misspelt name', "table_name = 'users'\nTABLE = tabel_name", 'tabel_name'],
    ['a name bound only further down', 'X = helper()\ndef helper():\n    return 1', 'helper'],
    ['the base of an attribute target', "settings.table = 'users'", 'settings'],
    ['a decorator', '@registered\ndef helper():\n    pass', 'registered'],
    ["a default argument's value", 'def helper(x=DEFAULT):\n    return x', 'DEFAULT'],
    ['a class base', 'class Model(Base):\n    pass', 'Base'],
    ['a Python 2 builtin', "name = unicode('users')", 'unicode'],
    ['an argument of a call', "sa_table = str(tabel_name, 'x')", 'tabel_name'],
    [
      "a with statement's first context manager, in 3.9's parentheses",
      'with (a as b, c as d):\n    pass',
      'a',
    ],
    ["a for loop's iterable", 'for table in tabels:\n    pass', 'tabels'],
    ["an if's condition", 'if DIALECT == "postgresql":\n    pass', 'DIALECT'],
  ];
  for (const [what, code, name] of cases) {
    it(`${what}: reported, and alembic heads fails with that NameError`, async () => {
      const dir = project(code);
      const f = (await check(dir)).findings.find((x) => x.code === 'name-not-defined');
      expect(f?.alembicError).toBe(`NameError: name '${name}' is not defined`);
      expect(heads(dir)).toMatch(new RegExp(`^NameError: name '${name}' is not defined`, 'u'));
    });
  }

  const quiet: [string, string][] = [
    [
      'bound in a branch (it may run)',
      "import os\nif os.environ.get('X'):\n    TABLE = 'a'\nelse:\n    TABLE = 'b'\nT = TABLE",
    ],
    [
      'bound by a function through global',
      "def setup():\n    global TABLE\n    TABLE = 'a'\nsetup()\nT = TABLE",
    ],
    ['behind a short circuit', "import os\nT = os.environ.get('HOME') or tabel_name"],
    ['a star import', 'from os.path import *\nT = join'],
    ['inside a function body (runs only with the migration)', 'def helper():\n    return tabel_name'],
    ['a keyword argument name', "T = dict(tabel_name='users')"],
    ['an import, then its name', "from os import path\nT = path.join('a', 'b')"],
    ['a module dunder', 'T = __file__ + __name__'],
  ];
  for (const [what, code] of quiet) {
    it(`${what}: not reported, and alembic heads succeeds`, async () => {
      const dir = project(code);
      expect((await check(dir)).findings.map((x) => x.code)).not.toContain('name-not-defined');
      expect(heads(dir)).toBe('b2 (head)');
    });
  }

  it('an annotation: reported when the declared Python evaluates annotations, not under from __future__ import annotations', async () => {
    const dir = project('T: Sequnce[str] = ()', { 'runtime.txt': 'python-3.11.9\n' });
    const f = (await check(dir)).findings.find((x) => x.code === 'name-not-defined');
    expect(f?.message).toContain('in an annotation, which Python 3.11.9 (runtime.txt) evaluates');
    expect(heads(dir)).toMatch(/^NameError: name 'Sequnce' is not defined/u);
    // no declared Python: 3.14 defers annotations, so it is not certain
    const undeclared = project('T: Sequnce[str] = ()');
    expect((await check(undeclared)).findings.map((x) => x.code)).not.toContain('name-not-defined');
    const future = project('T: Sequnce[str] = ()', { 'runtime.txt': 'python-3.11.9\n' });
    const file = path.join(future, V, 'b2_x.py');
    writeFileSync(file, `from __future__ import annotations\n${rev('b2', 'a1', 'T: Sequnce[str] = ()')}`);
    expect((await check(future)).findings.map((x) => x.code)).not.toContain('name-not-defined');
    expect(heads(future)).toBe('b2 (head)');
    // the same import in a parenthesised list over two lines
    writeFileSync(
      file,
      `from __future__ import (\n    annotations,\n)\n${rev('b2', 'a1', 'T: Sequnce[str] = ()')}`,
    );
    expect((await check(future)).findings.map((x) => x.code)).not.toContain('name-not-defined');
    expect(heads(future)).toBe('b2 (head)');
  });
});
