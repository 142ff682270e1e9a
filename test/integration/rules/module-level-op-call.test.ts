import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { describeRule } from '../../helpers/describe-rule.js';
import { ORACLE_PYTHON } from '../../helpers/oracle.js';
import { check, makeProject, SQLITE_ENV_PY, SQLITE_INI } from '../../helpers/project.js';

const V = 'migrations/versions/';
const INI = SQLITE_INI;
const ENV = SQLITE_ENV_PY;

const file = (moduleCode: string, body = "op.create_table('t', sa.Column('id', sa.Integer()))"): string =>
  `from alembic import op\nimport sqlalchemy as sa\n\nrevision = 'a1'\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n${moduleCode}\n\ndef upgrade():\n    ${body}\n\n\ndef downgrade():\n    op.drop_table('t')\n`;

const bad = (): string =>
  makeProject(
    {
      'migrations/env.py': ENV,
      [V + 'a1_x.py']: file('bind = op.get_context().bind\nsqlite = bind.engine.name == "sqlite"'),
    },
    INI,
  );

describeRule(
  'module-level-op-call',
  {
    bad,
    good: () =>
      makeProject(
        {
          'migrations/env.py': ENV,
          [V + 'a1_x.py']: file(
            '',
            "bind = op.get_bind()\n    op.create_table('t', sa.Column('id', sa.Integer()))",
          ),
        },
        INI,
      ),
  },
  (f) => {
    expect(f.severity).toBe('warning');
    expect(f.line).toBe(8);
    expect(f.message).toContain('calls op.get_context() outside upgrade() and downgrade()');
  },
);

describe('module-level-op-call against real Alembic', () => {
  const alembic = (cwd: string, ...args: string[]): string => {
    try {
      return execFileSync(ORACLE_PYTHON, ['-m', 'alembic', ...args], {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      });
    } catch (e) {
      return String((e as { stderr?: string }).stderr ?? e);
    }
  };

  it('upgrade works, heads fails with exactly the error the finding quotes', async () => {
    const dir = bad();
    const finding = (await check(dir)).findings.find((f) => f.code === 'module-level-op-call')!;
    expect(alembic(dir, 'upgrade', 'head')).not.toMatch(/Error/u);
    expect(alembic(dir, 'current')).toContain('a1 (head)');
    const heads = alembic(dir, 'heads').trim().split('\n').pop()!;
    expect(heads).toMatch(/^NameError: /u);
    expect(finding.message).toContain(heads);
  });

  it('a call guarded by a flag that a try/except sets while the scripts are only read: no finding, and heads works (ubersystem)', async () => {
    const guarded =
      "try:\n    is_sqlite = op.get_context().dialect.name == 'sqlite'\nexcept Exception:\n    is_sqlite = False\n\nif is_sqlite:\n    op.get_context().connection.execute('PRAGMA foreign_keys=ON;')\n";
    const dir = makeProject({ 'migrations/env.py': ENV, [V + 'a1_x.py']: file(guarded) }, INI);
    expect((await check(dir)).findings.map((f) => f.code)).not.toContain('module-level-op-call');
    expect(alembic(dir, 'heads').trim()).toBe('a1 (head)');
  });

  it('reads a body on its header line, and a class body, as Python runs them at import', async () => {
    // each: module code, and whether `alembic heads` (which imports every script) fails on it
    const cases: [string, boolean][] = [
      ['def helper(): return op.get_bind()', false],
      ['try: bind = op.get_bind()\nexcept NameError: bind = None', false],
      ['try: bind = op.get_bind()\nexcept ValueError: bind = None', true],
      ['while 1: bind = op.get_bind(); break', true],
      ['class Helper:\n    bind = op.get_bind()', true],
      ['class Helper:\n    def bind(self):\n        return op.get_bind()', false],
    ];
    for (const [code, fails] of cases) {
      const dir = makeProject({ 'migrations/env.py': ENV, [V + 'a1_x.py']: file(code) }, INI);
      const heads = alembic(dir, 'heads').trim();
      expect(heads.split('\n').pop(), code).toMatch(fails ? /^NameError: /u : /^a1 \(head\)$/u);
      const found = (await check(dir)).findings.filter((f) => f.code === 'module-level-op-call');
      expect(found.length, code).toBe(fails ? 1 : 0);
    }
  });

  it('counts only calls that run at import, on the op Alembic provides', async () => {
    const found = async (moduleCode: string, header = ''): Promise<number> =>
      (await check(makeProject({ [V + 'a1_x.py']: header + file(moduleCode) }, INI))).findings.filter(
        (f) => f.code === 'module-level-op-call',
      ).length;
    expect(await found('if True:\n    op.execute("SELECT 1")')).toBe(1);
    // a condition runs; what it guards may not: only the header's own call is counted
    expect(await found('if op.get_context().dialect.name == "sqlite":\n    pass')).toBe(1);
    expect(await found('import os\nif os.environ.get("X"):\n    op.execute("SELECT 1")')).toBe(0);
    expect(await found('import os\nif os.environ.get("X"): op.execute("SELECT 1")')).toBe(0);
    expect(
      await found('import os\nif os.environ.get("X"):\n    pass\nelse:\n    op.execute("SELECT 1")'),
    ).toBe(0);
    expect(await found('@some(op.f("x"))\ndef helper():\n    pass')).toBe(1);
    expect(await found('def helper(bind=op.get_bind()):\n    pass')).toBe(1);
    expect(await found('import alembic\nx = alembic.op.get_bind()')).toBe(1);
    expect(await found('get = op.get_bind')).toBe(0);
    // FitTrackee catches the NameError so that `alembic revision` keeps working
    expect(
      await found('try:\n    t.create(op.get_bind(), checkfirst=True)\nexcept NameError:\n    pass'),
    ).toBe(0);
    expect(await found('try:\n    t.create(op.get_bind(), checkfirst=True)\nexcept:\n    pass')).toBe(0);
    expect(
      await found('try:\n    t.create(op.get_bind(), checkfirst=True)\nexcept ValueError:\n    pass'),
    ).toBe(1);
    expect(await found('def helper():\n    return op.get_bind()')).toBe(0);
    expect(await found('x = self.op.get_bind()')).toBe(0);
    // an op that is not Alembic's
    const other = makeProject(
      {
        [V + 'a1_x.py']:
          "from myapp.ops import op\n\nrevision = 'a1'\ndown_revision = None\nx = op.get_bind()\n",
        'myapp/__init__.py': '',
        'myapp/ops.py': 'op = None\n',
      },
      INI,
    );
    expect((await check(other)).findings.filter((f) => f.code === 'module-level-op-call')).toEqual([]);
  });
});
