import { spawnSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';
import { cpythonCompile, ORACLE_PYTHON, PYTHON } from '../../helpers/oracle.js';
import { newerSyntaxIssue } from '../../../src/alembic/reading/newer-syntax.js';
import { detectPythonVersion } from '../../../src/packaging/python-version.js';
import { tokenize } from '../../../src/python/python-tokenizer.js';
import { LATEST_ALEMBIC } from '../../../src/alembic/config/alembic-version.js';
import { loadProject } from '../../../src/alembic/loading/project-model.js';
import { checkModel } from '../../../src/workspace/open-project.js';
import { runCli } from '../../helpers/cli.js';
import { interpreterPython } from '../../../src/release/interpreter-python.js';
import { diskFiles } from '../../../src/project/project-files.js';

const V = 'migrations/versions/';
const NESTED =
  '\n\ndef upgrade():\n    for row in rows:\n        op.execute(f"UPDATE users SET plan = {row["plan"]}")\n';

describeRule(
  'needs-newer-python',
  {
    bad: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + 'b2_x.py']: rev('b2', 'a1', NESTED),
          'runtime.txt': 'python-3.11.9\n',
        },
        DEFAULT_INI,
      ),
    good: () =>
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + 'b2_x.py']: rev('b2', 'a1', NESTED),
          'runtime.txt': 'python-3.12.7\n',
        },
        DEFAULT_INI,
      ),
  },
  (f) => {
    expect(f).toMatchObject({ severity: 'error', path: V + 'b2_x.py', line: 16 });
    expect(f.message).toContain('PEP 701');
    expect(f.message).toContain('the app runs Python 3.11.9 (runtime.txt)');
  },
);

/** CPython 3.11 (Debian's, which Alembic runs on here) compiling `src`: null, or its message and line. */
function python311(src: string): { msg: string; line: number } | null {
  const r = spawnSync(
    PYTHON,
    [
      '-c',
      'import sys,json\ntry:\n    compile(sys.stdin.read(), "m.py", "exec"); print("null")\nexcept SyntaxError as e:\n    print(json.dumps({"msg": e.msg, "line": e.lineno}))',
    ],
    { input: src, encoding: 'utf8' },
  );
  return JSON.parse(r.stdout) as { msg: string; line: number } | null;
}

describe('needs-newer-python: which syntax, and where Python 3.11 fails', () => {
  const python = spawnSync(PYTHON, ['-c', 'import sys; print(sys.version_info[1])'], {
    encoding: 'utf8',
  }).stdout.trim();

  it('runs against CPython 3.11', () => {
    expect(python).toBe('11');
  });

  // each valid in a newer Python; 3.11 must reject exactly those we say need more than 3.11
  it.each([
    ['the same quotes inside an f-string field', 'x = f"{d["a"]}"\n', 12],
    ['a backslash inside an f-string field', 'x = f"{"\\n".join(a)}"\n', 12],
    ['a comment inside an f-string field', 'x = f"""{a # c\n}"""\n', 12],
    ['a single-quoted f-string field across lines', 'x = f"{\n a}"\n', 12],
    ['format specs nested two deep', 'x = f"{x:{y:{z}}}"\n', 12],
    ['type parameters on a function', 'def f[T](x: T):\n    pass\n', 12],
    ['type parameters on a class', 'class C[T]:\n    pass\n', 12],
    ['a type alias', 'import sqlalchemy as sa\ntype Row = dict[str, int]\n', 12],
    ['a t-string', 'def upgrade():\n    op.execute(t"SELECT 1")\n', 14],
    ['except without parentheses', 'try:\n    pass\nexcept ValueError, TypeError:\n    pass\n', 14],
    ['type parameter defaults', 'class C[T = int]:\n    pass\n', 13],
    ['a lazy import', 'lazy import sqlalchemy as sa\nlazy from alembic import op\n', 15],
    [
      'a lazy import after other statements',
      'import os\n\nrevision = "a1"\nlazy from app.models import Base\n',
      15,
    ],
    ['an unpacked list comprehension', 'def upgrade():\n    ids = [*batch for batch in batches]\n', 15],
    ['an unpacked dict comprehension', 'defaults = {**d for d in layers}\n', 15],
    ['an unpacked generator as the only argument', 'rows = list(*b for b in batches)\n', 15],
  ])('%s', (_what, src, since) => {
    const r = tokenize(src, { skipBodies: true });
    expect(r.error).toBeUndefined();
    const use = [...(r.newer ?? [])].sort((a, b) => a.line - b.line || a.since - b.since)[0]!;
    expect(Math.max(...r.newer!.map((u) => u.since))).toBe(since);
    const real = python311(src);
    expect(real).not.toBeNull();
    // a use is named where it starts; the older Python may stop further into it
    expect(real!.line).toBeGreaterThanOrEqual(use.line);
  });

  it.each([
    ['quotes of the other kind inside an f-string field', 'x = f"{d[\'a\']}"\n'],
    ['a triple-quoted f-string holding single quotes', 'x = f"""{d["a"]}"""\n'],
    ['a # inside a string in a field', 'x = f"{\'#\'}"\n'],
    ['a format spec with one nested field', 'x = f"{x!r:>{w}}"\n'],
    ['a backslash in the text of an f-string', 'x = f"{x}\\n{y}"\n'],
    ['a name called type', 'type = 5\ntype[x] = 1\n'],
    ['except with parentheses', 'try:\n    pass\nexcept (A, B):\n    pass\n'],
    ['a subscript assignment', 'a[0] = 1\nclass C(B[T]):\n    pass\n'],
    ['a variable called lazy', 'lazy = True\nif lazy:\n    lazy.x = 1\nprint(lazy)\n'],
    ['star displays that are not comprehensions', 'x = [*a, *b]\ny = {**c, **d}\n'],
  ])('says nothing of %s, which Python 3.11 accepts', (_what, src) => {
    expect(python311(src)).toBeNull();
    expect(tokenize(src, { skipBodies: true }).newer ?? []).toEqual([]);
  });

  it('says that generated f-strings with quotes inside their braces need Python 3.12, at or before the line 3.11 names', () => {
    const fields = [
      'row["id"]',
      'd["a"]["b"]',
      'f(x["k"])',
      '", ".join(xs)',
      'x["a"] + y["b"]',
      ' {"a": 1}["a"]',
      'd.get("k", 0)',
      '"\\n".join(a)',
      'm[("a", 1)]',
      'd["r"]',
      'd["b"]',
      'x if y else "z"',
      'd[k]["x y"]',
      'd["a"]!r',
      'd["a"]:>10',
      '(lambda: "a")()',
      'd["a#b"]',
    ];
    const contexts = [
      (f: string) => `x = ${f}\n`,
      (f: string) => `def upgrade():\n    for row in rows:\n        op.execute(${f}, other)\n`,
      (f: string) => `x = ${f}\ny = f"{a["b"]}"\n`,
    ];
    const sources = fields.flatMap((field) =>
      ['', 'UPDATE t SET s = ', '{{x}} {a} '].flatMap((text) =>
        contexts.map((c) => c(`f"${text}{${field}} tail"`)),
      ),
    );
    const truth = cpythonCompile(sources);
    sources.forEach((src, i) => {
      const r = tokenize(src, { skipBodies: true });
      expect(r.error, src).toBeUndefined();
      expect(truth[i], src).not.toBeNull();
      const issue = newerSyntaxIssue(r.newer, { minor: 11, text: '3.11', source: 'test' }, undefined);
      expect(issue?.use.since, src).toBe(12);
      expect(issue!.use.line, src).toBeLessThanOrEqual(truth[i]!.line);
    });
  });

  // Python 3.15's own refusals (CPython's Python/symtable.c check_lazy_import_context and the ImportFrom
  // star check, Parser/action_helpers.c for __future__; PEP 798's errors): every Python rejects these,
  // older ones with "invalid syntax" or the unpacking message, so they are errors whatever Python runs.
  // Each is reported at its line, in our words (3.15's are in the comments)
  it.each([
    ['def upgrade():\n    lazy import json\n', 'lazy import not allowed inside functions', 2],
    [
      'class Base:\n    lazy from sqlalchemy import orm\n',
      'lazy from ... import not allowed inside classes',
      2,
    ],
    [
      'try:\n    lazy import ujson as json\nexcept ImportError:\n    import json\n',
      'lazy import not allowed inside try/except blocks',
      2,
    ],
    [
      'try:\n    import ujson as json\nexcept ImportError:\n    lazy import json\n',
      'lazy import not allowed inside try/except blocks',
      4,
    ],
    [
      'try:\n    pass\nfinally:\n    lazy import json\n',
      'lazy import not allowed inside try/except blocks',
      4,
    ],
    [
      'try:\n    pass\nexcept E:\n    pass\nelse:\n    lazy import json\n',
      'lazy import not allowed inside try/except blocks',
      6,
    ],
    ['try: lazy import json\nexcept E: pass\n', 'lazy import not allowed inside try/except blocks', 1],
    [
      'try:\n    def f():\n        lazy import json\nexcept E:\n    pass\n',
      'lazy import not allowed inside functions',
      3,
    ],
    [
      'def f():\n    try:\n        lazy import json\n    except E:\n        pass\n',
      'lazy import not allowed inside try/except blocks',
      3,
    ],
    ['def f(): lazy import json\n', 'lazy import not allowed inside functions', 1],
    ['lazy from sqlalchemy import *\n', 'lazy from ... import * is not allowed', 1],
    ['def f():\n    lazy from a import *\n', 'lazy from ... import not allowed inside functions', 2],
    ['lazy from __future__ import annotations\n', 'lazy from __future__ import is not allowed', 1],
    ['x = [**d for d in ds]\n', 'cannot use dict unpacking in list comprehension', 1],
    ['x = (**d for d in ds)\n', 'cannot use dict unpacking in generator expression', 1],
    ['x = [*a if c else b for a in d]\n', 'iterable unpacking cannot be used in comprehension', 1],
    ['x = [*a < b for a in d]\n', 'iterable unpacking cannot be used in comprehension', 1],
  ])('rejects %j at its line (3.15: %s), as every Python rejects it', (src, _message, line) => {
    expect(python311(src)).not.toBeNull();
    for (const skipBodies of [true, false]) {
      const r = tokenize(src, { skipBodies });
      expect(r.error?.line, src).toBe(line);
      if (src.includes('lazy')) expect(r.error?.since, src).toBe(15);
    }
  });

  it('leaves lazy imports where 3.15 takes them: module level, under if and with, after a semicolon', () => {
    for (const src of [
      'lazy import json\n',
      'if TYPE_CHECKING:\n    lazy import json\n',
      'with suppress(E):\n    lazy from a import b\n',
      'x = 1; lazy import json\n',
      'for m in ms:\n    lazy import json\n',
    ]) {
      const r = tokenize(src, { skipBodies: true });
      expect(r.error, src).toBeUndefined();
      expect(
        r.newer?.map((u) => u.since),
        src,
      ).toEqual([15]);
    }
  });

  it('keeps `except A, B as e:` an error in every version', () => {
    const src = 'try:\n    pass\nexcept A, B as e:\n    pass\n';
    expect(python311(src)).not.toBeNull();
    expect(tokenize(src, { skipBodies: true }).error?.line).toBe(3);
  });
});

describe('needs-newer-python: the declared Python', () => {
  it('reads runtime.txt, then .python-version, then Pipfile.lock, as the buildpack does', () => {
    expect(
      detectPythonVersion(
        diskFiles(),
        makeProject({ 'runtime.txt': ' python-3.11.9\n', '.python-version': '3.13\n' }),
      ),
    ).toEqual({ minor: 11, text: '3.11.9', source: 'runtime.txt' });
    expect(detectPythonVersion(diskFiles(), makeProject({ '.python-version': '# the app\n3.12\n' }))).toEqual(
      { minor: 12, text: '3.12', source: '.python-version' },
    );
    expect(
      detectPythonVersion(
        diskFiles(),
        makeProject({ 'Pipfile.lock': JSON.stringify({ _meta: { requires: { python_version: '3.10' } } }) }),
      ),
    ).toEqual({ minor: 10, text: '3.10', source: 'Pipfile.lock' });
    expect(detectPythonVersion(diskFiles(), makeProject({ 'runtime.txt': 'python 3.11\n' }))).toBeNull();
    expect(detectPythonVersion(diskFiles(), makeProject({ 'README.md': 'x' }))).toBeNull();
  });

  it.each([
    [
      'except without parentheses',
      '\n\ndef upgrade():\n    try:\n        op.drop_table("t")\n    except ValueError, KeyError:\n        pass\n',
      'SyntaxError: multiple exception types must be parenthesized',
      17,
    ],
    [
      'an f-string with the same quotes inside',
      '\n\ndef upgrade():\n    for row in rows:\n        op.execute(f"UPDATE t SET plan = {row["plan"]} WHERE id = {row["id"]}")\n',
      "SyntaxError: f-string: unmatched '['",
      16,
    ],
  ])('%s: blocks at the line where real Alembic fails on 3.11', async (_what, body, expected, line) => {
    const root = makeProject(
      {
        [V + 'a1_x.py']: rev('a1', null),
        [V + 'b2_x.py']: rev('b2', 'a1', body),
        '.python-version': '3.11\n',
      },
      DEFAULT_INI,
    );
    const r = await check(root);
    const f = r.findings.find((x) => x.code === 'needs-newer-python')!;
    expect(f).toMatchObject({ severity: 'error', line });
    expect(r.ok).toBe(false);
    const heads = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(heads.status).not.toBe(0);
    expect(heads.stderr).toContain(expected);
    expect(heads.stderr).toContain(`line ${f.line}`);
  });

  it('a lazy import inside upgrade(): on a declared 3.11 one error where real Alembic fails; on 3.15 its own; undeclared, an error either way', async () => {
    const body = '\n\ndef upgrade():\n    lazy import json\n    op.execute(json.dumps({}))\n';
    const files = { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1', body) };
    const on311 = makeProject({ ...files, '.python-version': '3.11\n' }, DEFAULT_INI);
    const r = await check(on311);
    expect(
      r.findings.filter((x) => x.severity === 'error').map((x) => [x.code, x.line, x.alembicError]),
    ).toEqual([['needs-newer-python', 15, undefined]]);
    const heads = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
      cwd: on311,
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(heads.status).not.toBe(0);
    expect(heads.stderr).toContain('SyntaxError: invalid syntax');
    expect(heads.stderr).toContain('line 15');
    const on315 = await check(makeProject({ ...files, '.python-version': '3.15\n' }, DEFAULT_INI));
    expect(
      on315.findings.filter((x) => x.severity === 'error').map((x) => [x.code, x.line, x.alembicError]),
    ).toEqual([['unparseable-file', 15, 'SyntaxError']]);
    const undeclared = await check(makeProject(files, DEFAULT_INI));
    expect(undeclared.ok).toBe(false);
    expect(undeclared.findings.find((x) => x.code === 'unparseable-file')?.severity).toBe('error');
  });

  it('a module-level lazy import: accepted on a declared 3.15, blocking on 3.14 at its line, where real Alembic on 3.11 fails', async () => {
    const file =
      'lazy import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "b2"\ndown_revision = "a1"\n\n\ndef upgrade():\n    op.add_column("t", sa.Column("c", sa.Integer()))\n';
    const files = { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: file };
    const on315 = await check(makeProject({ ...files, '.python-version': '3.15\n' }, DEFAULT_INI));
    expect(on315.ok).toBe(true);
    expect([...on315.model.map.heads]).toEqual(['b2']);
    const older = makeProject({ ...files, 'runtime.txt': 'python-3.14.1\n' }, DEFAULT_INI);
    const r = await check(older);
    expect(r.findings.find((x) => x.code === 'needs-newer-python')).toMatchObject({
      severity: 'error',
      line: 1,
    });
    const heads = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
      cwd: older,
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(heads.stderr).toContain('SyntaxError: invalid syntax');
  });

  it('warns, without blocking, when no Python is declared; --strict then blocks', async () => {
    const root = makeProject(
      { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1', NESTED) },
      DEFAULT_INI,
    );
    const r = await check(root);
    const f = r.findings.find((x) => x.code === 'needs-newer-python')!;
    expect(f).toMatchObject({ severity: 'warning', line: 16 });
    expect(f.message).toContain('declares no Python version');
    expect(r.ok).toBe(true);
    const strict = await checkModel(
      await loadProject({ files: diskFiles(), cwd: root, alembicVersion: LATEST_ALEMBIC }),
      { strict: true },
    );
    expect(strict.ok).toBe(false);
  });

  it('the CLI names the Python it weighed, takes --python-version over the files, and refuses a version that is none', () => {
    const root = makeProject(
      {
        [V + 'a1_x.py']: rev('a1', null),
        [V + 'b2_x.py']: rev('b2', 'a1', NESTED),
        'runtime.txt': 'python-3.11.9\n',
      },
      DEFAULT_INI,
    );
    const blocked = runCli(root, ['check', '--no-lint']);
    expect(blocked.status).toBe(1);
    expect(blocked.stdout).toContain('Python 3.11.9 (runtime.txt)');
    const newer = runCli(root, ['check', '--no-lint', '--python-version', '3.12', '--format', 'json']);
    expect(newer.status).toBe(0);
    expect(JSON.parse(newer.stdout).config.python).toEqual({ version: '3.12', source: '--python-version' });
    const bad = runCli(root, ['check', '--python-version', 'three']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--python-version three is not a Python 3 version');
  });

  it('release asks the dyno: the binary the python on PATH resolves to, else its --version', () => {
    const named = makeProject({});
    writeFileSync(path.join(named, 'python3.10'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    symlinkSync(path.join(named, 'python3.10'), path.join(named, 'python3'));
    expect(interpreterPython({ PATH: named })).toEqual({
      minor: 10,
      text: '3.10',
      source: '`python3` in this dyno is python3.10',
    });
    const asked = makeProject({});
    writeFileSync(path.join(asked, 'python'), '#!/bin/sh\necho "Python 3.9.18"\n', { mode: 0o755 });
    expect(interpreterPython({ PATH: asked })).toMatchObject({ minor: 9, text: '3.9.18' });
    // the alembic script's own interpreter comes first
    const script = makeProject({});
    writeFileSync(path.join(script, 'alembic'), `#!${path.join(named, 'python3.10')}\n`, { mode: 0o755 });
    writeFileSync(path.join(script, 'python'), '#!/bin/sh\necho "Python 3.9.18"\n', { mode: 0o755 });
    expect(interpreterPython({ PATH: script })?.minor).toBe(10);
    // pip's console script for a long interpreter path: a shell script that execs the Python
    writeFileSync(
      path.join(script, 'alembic'),
      `#!/bin/sh\n'''exec' ${path.join(named, 'python3.10')} "$0" "$@"\n' '''\n`,
      { mode: 0o755 },
    );
    expect(interpreterPython({ PATH: script })?.minor).toBe(10);
    expect(interpreterPython({ PATH: makeProject({}) })).toBeNull();
  });

  it('reads env.py too: Alembic runs it for every upgrade', async () => {
    const root = makeProject(
      { [V + 'a1_x.py']: rev('a1', null), 'runtime.txt': 'python-3.11.9\n' },
      DEFAULT_INI,
    );
    writeFileSync(path.join(root, 'migrations/env.py'), 'from alembic import context\n\ntype Url = str\n');
    const f = (await check(root)).findings.find((x) => x.code === 'needs-newer-python')!;
    expect(f).toMatchObject({
      severity: 'error',
      path: 'migrations/env.py',
      line: 3,
    });
  });
});
