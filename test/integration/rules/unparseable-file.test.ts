import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { check, checkWithPython, DEFAULT_INI, makeProject, rev } from '../../helpers/project.js';
import { ORACLE_PYTHON } from '../../helpers/oracle.js';
import { runCli } from '../../helpers/cli.js';

const V = 'migrations/versions/';

describeRule(
  'unparseable-file',
  {
    bad: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1', 'x = (1,\n') },
        DEFAULT_INI,
      ),
    good: () =>
      makeProject(
        { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1', 'x = (1,\n)') },
        DEFAULT_INI,
      ),
  },
  (f) => {
    expect(f.message).toContain("'(' was never closed");
  },
);

describe('unparseable-file: what follows from it', () => {
  it("reports a syntax error inside upgrade(): at the line without Python, in Python's words and line with it", async () => {
    const body =
      "\n\ndef upgrade():\n    op.create_table(\n        'posts',\n        sa.Column('id', sa.Integer(), nullable=False)\n        sa.PrimaryKeyConstraint('id'),\n    )\n";
    const root = makeProject(
      { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1', body) },
      DEFAULT_INI,
    );
    // the static reader names where the parse fails: the operand after the missing comma
    const r = await check(root);
    expect(r.ok).toBe(false);
    const f = r.findings.find((x) => x.code === 'unparseable-file')!;
    expect(f).toMatchObject({
      severity: 'error',
      path: V + 'b2_x.py',
      line: 18,
      alembicError: 'SyntaxError',
    });
    const withPython = (await checkWithPython(root)).findings.find((x) => x.code === 'unparseable-file')!;
    expect(withPython).toMatchObject({
      severity: 'error',
      path: V + 'b2_x.py',
      line: 17,
      alembicError: 'SyntaxError: invalid syntax. Perhaps you forgot a comma?',
    });
  });

  it('reports a revision message with a backslash (`alembic revision -m "fix \\users"`) as real Alembic fails on it', async () => {
    const file =
      '"""fix \\users table\n\nRevision ID: b2\nRevises: a1\n"""\nrevision = "b2"\ndown_revision = "a1"\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n';
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: file }, DEFAULT_INI);
    const found = (await check(root)).findings.find((x) => x.code === 'unparseable-file')!;
    // without Python, at the string; Python names the line after it
    expect(found).toMatchObject({ severity: 'error', path: V + 'b2_x.py', line: 1 });
    const f = (await checkWithPython(root)).findings.find((x) => x.code === 'unparseable-file')!;
    expect(f).toMatchObject({ severity: 'error', path: V + 'b2_x.py', line: 5 });
    const heads = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(heads.status).not.toBe(0);
    expect(heads.stderr).toContain(f.alembicError!);
    expect(f.alembicError).toBe(
      "SyntaxError: (unicode error) 'unicodeescape' codec can't decode bytes in position 4-5: truncated \\uXXXX escape",
    );
  });

  it("reports a NUL byte with the exception the project's Python raises, and a hint that names the byte", async () => {
    const body = 'x = 1\n# saved badly: \0\n';
    const files = { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1', body) };
    const undeclared = makeProject(files, DEFAULT_INI);
    const f = (await check(undeclared)).findings.find((x) => x.code === 'unparseable-file')!;
    expect(f).toMatchObject({
      path: V + 'b2_x.py',
      line: 13,
      alembicError: 'ValueError: source code string cannot contain null bytes',
    });
    expect(f.message).toContain('Python 3.11.4 and later raise SyntaxError');
    expect(f.hint).toBe(
      'Line 13 holds a NUL byte: the file is binary, or saved as UTF-16. Save it as UTF-8 text, or delete it if it is not a migration.',
    );
    // the Python the differential suites run (Debian's 3.11.2) raises the ValueError
    const heads = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
      cwd: undeclared,
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(heads.status).not.toBe(0);
    expect(heads.stderr.trim().split('\n').pop()).toBe(f.alembicError);
    // CPython raises SyntaxError from 3.11.4 on (gh-96670; checked on 3.10.13, 3.11.7, 3.12.1 and 3.13.0);
    // Heroku installs the newest patch of a bare "3.11"
    for (const [declared, exception] of [
      ['3.10', 'ValueError'],
      ['3.11.2', 'ValueError'],
      ['3.11.4', 'SyntaxError'],
      ['3.11', 'SyntaxError'],
      ['3.13', 'SyntaxError'],
    ]) {
      const root = makeProject({ ...files, '.python-version': `${declared}\n` }, DEFAULT_INI);
      const g = (await check(root)).findings.find((x) => x.code === 'unparseable-file')!;
      expect(g.alembicError, declared).toBe(`${exception}: source code string cannot contain null bytes`);
      expect(g.message, declared).not.toContain('3.11.4 and later');
    }
  });

  it.each([
    [
      'an `=` for `==` in a condition',
      '\n\ndef upgrade():\n    conn = op.get_bind()\n    if conn.dialect.name = "postgresql":\n        op.execute("SET lock_timeout = 0")\n',
      "SyntaxError: cannot assign to attribute here. Maybe you meant '==' instead of '='?",
    ],
    [
      '`>` for `->` after the parameters',
      '\n\ndef upgrade() > None:\n    pass\n',
      "SyntaxError: expected ':'",
    ],
    [
      'a `return` left at column 0 by a dedent',
      '\n\ndef upgrade():\n    op.drop_table("t")\nreturn\n',
      "SyntaxError: 'return' outside function",
    ],
    [
      'an `=` for `:` in a dict of rows',
      '\n\ndef upgrade():\n    op.bulk_insert(\n        t,\n        [{"id": 1,\n          "name" = "a"}],\n    )\n',
      "SyntaxError: ':' expected after dictionary key",
    ],
    [
      'an `await` in a plain function',
      '\n\ndef upgrade():\n    conn = op.get_bind()\n    op.execute(await render(conn))\n',
      "SyntaxError: 'await' outside async function",
    ],
    [
      'a conditional expression without its `else`',
      '\n\ndef upgrade():\n    op.add_column(\n        "t",\n        sa.Column("c", sa.String(), nullable=True if NULLABLE),\n    )\n',
      "SyntaxError: expected 'else' after 'if' expression",
    ],
    [
      'a helper whose parameter without a default follows one with',
      '\n\ndef _add(table, column=None, nullable):\n    op.add_column(table, column)\n\n\ndef upgrade():\n    _add("t", sa.Column("c", sa.Integer()), True)\n',
      'SyntaxError: non-default argument follows default argument',
    ],
    [
      'a generator beside other arguments',
      '\n\ndef upgrade():\n    op.bulk_insert(\n        users,\n        dict(id=i, plan="free") for i in range(3),\n        multiinsert=False,\n    )\n',
      'SyntaxError: Generator expression must be parenthesized',
    ],
    [
      'a `try` whose `except` was deleted',
      '\n\ndef upgrade():\n    try:\n        op.drop_table("t")\n    op.drop_table("u")\n',
      "SyntaxError: expected 'except' or 'finally' block",
    ],
  ])('reports %s, on which real Alembic fails the same way', async (_what, body, expected) => {
    const root = makeProject(
      { [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1', body) },
      DEFAULT_INI,
    );
    const found = (await check(root)).findings.find((x) => x.code === 'unparseable-file')!;
    const f = (await checkWithPython(root)).findings.find((x) => x.code === 'unparseable-file')!;
    // the static reader blocks at Python's line; Python's words come from Python
    expect(found).toMatchObject({ severity: 'error', path: V + 'b2_x.py', line: f.line });
    expect(f).toMatchObject({ severity: 'error', path: V + 'b2_x.py', alembicError: expected });
    const heads = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(heads.status).not.toBe(0);
    expect(heads.stderr).toContain(f.alembicError!);
    expect(heads.stderr).toContain(`line ${f.line}`);
  });

  it('turns the broken references it causes into information that names it, and leaves others as errors', async () => {
    const broken = "\n\ndef upgrade():\n    print 'x'\n";
    const r = await check(
      makeProject(
        {
          [V + 'a1_x.py']: rev('a1', null),
          [V + 'b2_x.py']: rev('b2', 'a1', broken),
          [V + 'c3_x.py']: rev('c3', 'b2'),
          [V + 'd4_x.py']: rev('d4', 'zz'),
        },
        DEFAULT_INI,
      ),
    );
    const errors = r.findings.filter((x) => x.severity === 'error').map((x) => `${x.code} ${x.path}`);
    expect(errors).toContain(`unparseable-file ${V}b2_x.py`);
    expect(errors).toContain(`missing-down-revision ${V}d4_x.py`);
    const caused = r.findings.filter((x) => x.path === V + 'c3_x.py');
    expect(caused.length).toBeGreaterThan(0);
    for (const x of caused) {
      expect(x.severity, x.code).toBe('info');
      expect(x.message).toContain(`${V}b2_x.py declares it, but Python cannot parse that file`);
      expect(x.alembicError).toBeUndefined();
    }
  });
});

describe('unparseable-file: env.py', () => {
  const envPy = (header: string): string =>
    [
      'import os',
      'from alembic import context',
      'from sqlalchemy import create_engine',
      '',
      '',
      header,
      "    engine = create_engine(os.environ['DATABASE_URL'])",
      '    with engine.connect() as connection:',
      '        context.configure(connection=connection, target_metadata=None)',
      '        with context.begin_transaction():',
      '            context.run_migrations()',
      '',
      '',
      'run_migrations_online()',
      '',
    ].join('\n');
  const project = (header: string): string =>
    makeProject(
      {
        'migrations/env.py': envPy(header),
        [V + 'a1_x.py']: rev('a1', null),
        [V + 'b2_x.py']: rev('b2', 'a1'),
      },
      DEFAULT_INI,
    );
  const alembic = (root: string, ...args: string[]) =>
    spawnSync(ORACLE_PYTHON, ['-m', 'alembic', ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: 'sqlite:///app.db', PYTHONDONTWRITEBYTECODE: '1' },
    });

  it('reports env.py that Python cannot compile: real Alembic still lists heads, and fails the upgrade with the same error', async () => {
    const bad = project('def run_migrations_online()');
    const f = (await check(bad)).findings.find((x) => x.code === 'unparseable-file');
    expect(f).toMatchObject({
      severity: 'error',
      path: 'migrations/env.py',
      line: 6,
      alembicError: 'SyntaxError',
    });
    expect(f!.message).toContain('alembic upgrade head');
    expect(alembic(bad, 'heads').status).toBe(0);
    const up = alembic(bad, 'upgrade', 'head');
    expect(up.status).not.toBe(0);
    expect(up.stderr.trim().split('\n').pop()).toBe("SyntaxError: expected ':'");
    expect(up.stderr).toContain('line 6');
  });

  it('makes verify block with the error the upgrade would meet, though the graph and the table allow it', () => {
    const bad = project('def run_migrations_online()');
    writeFileSync(path.join(bad, 'app.db'), '');
    const r = runCli(bad, ['verify', '--database-url', 'sqlite:///app.db']);
    expect(r.status).toBe(1);
    expect(r.stdout.trim().split('\n').pop()).toBe(
      'BLOCKED: `alembic upgrade head` will fail: SyntaxError (migrations/env.py)',
    );
  });

  it('says nothing of an env.py that compiles, and real Alembic upgrades with it', async () => {
    const good = project('def run_migrations_online():');
    expect((await check(good)).findings.filter((x) => x.code === 'unparseable-file')).toEqual([]);
    expect(alembic(good, 'upgrade', 'head').status).toBe(0);
  });
});

describe('unparseable-file: a file committed mid-merge', () => {
  const conflicted = (side: string) =>
    `"""b2"""\nfrom alembic import op\n\nrevision = 'b2'\n<<<<<<< HEAD\ndown_revision = 'a1'\n=======\ndown_revision = 'a0'\n>>>>>>> ${side}\n\n\ndef upgrade():\n    pass\n`;
  const inBody = `"""b2"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = 'b2'\ndown_revision = 'a1'\n\n\ndef upgrade():\n<<<<<<< HEAD\n    op.add_column('t', sa.Column('x', sa.Integer()))\n=======\n    op.add_column('t', sa.Column('y', sa.Integer()))\n>>>>>>> feature\n`;

  it('quotes what real Alembic prints (an IndentationError in a body) where Python runs, and says the marker is the cause', async () => {
    for (const [text, markerLine] of [
      [conflicted('feature/payments'), 5],
      [inBody, 10],
    ] as const) {
      const root = makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: text }, DEFAULT_INI);
      const f = (await checkWithPython(root)).findings.find((x) => x.code === 'unparseable-file')!;
      const heads = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'heads'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      });
      expect(heads.status).not.toBe(0);
      expect(heads.stderr.trim().split('\n').pop()).toBe(f.alembicError);
      expect(f.hint).toBe(
        `Line ${markerLine} of ${V}b2_x.py is a merge conflict marker: the file was committed before its merge conflict was resolved. Keep the side you want, delete the marker lines, and run check again.`,
      );
    }
  });

  it('names the marker in env.py too, and not in a docstring whose heading is underlined with =======', async () => {
    const env = `from alembic import context\n<<<<<<< HEAD\nconfig = context.config\n=======\nconfig = context.config  # theirs\n>>>>>>> main\n`;
    const root = makeProject({ [V + 'a1_x.py']: rev('a1', null), 'migrations/env.py': env }, DEFAULT_INI);
    const f = (await check(root)).findings.find(
      (x) => x.code === 'unparseable-file' && x.path === 'migrations/env.py',
    )!;
    expect(f.hint).toContain('Line 2 of migrations/env.py is a merge conflict marker');
    const reST = `"""Add users\n\nNotes\n=======\n"""\nrevision = 'b2'\ndown_revision = 'a1'\nx = (1,\n`;
    const other = makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: reST }, DEFAULT_INI);
    const g = (await check(other)).findings.find((x) => x.code === 'unparseable-file')!;
    expect(g.hint).toBe(
      'Fix the syntax error at line 8; Alembic imports every file in the versions folder, so one broken file stops every command.',
    );
  });
});
