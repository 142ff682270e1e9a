import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { exampleAlembic } from '../../helpers/example-db.js';
import { PYTHON } from '../../helpers/oracle.js';
import { projectWith } from '../../helpers/probe-app.js';
import Database from 'better-sqlite3';
import path from 'node:path';

/** a1000000 makes a table; b2000000 asks before it drops it (`ask` is the body's first lines). */
function app(ask: string): string {
  return projectWith([
    ['a1000000', 'op.create_table("info", sa.Column("id", sa.Integer(), primary_key=True))'],
    ['b2000000', `import sys\n${ask}\nop.drop_table("info")`],
  ]);
}

/**
 * Real `alembic upgrade head` in a new interpreter, its stdin the given text or empty (as a release phase
 * has it): the status and the last line it printed.
 */
function upgrade(root: string, input = ''): { status: number | null; error: string } {
  const r = spawnSync(PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
    cwd: root,
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: 'sqlite:///app.db', PYTHONDONTWRITEBYTECODE: '1' },
  });
  return { status: r.status, error: `${r.stdout}\n${r.stderr}`.trim().split('\n').at(-1) ?? '' };
}

const stamp = (root: string): unknown =>
  new Database(path.join(root, 'app.db'), { readonly: true })
    .prepare('SELECT version_num FROM alembic_version')
    .all();

describe('migration-waits-for-input', () => {
  const url = 'sqlite:///app.db';
  const env = { DATABASE_URL: url };

  it('input() in a pending upgrade(): blocks with the EOFError real Alembic ends with, run without a terminal', async () => {
    const root = app('if input() != "OKAY":\n    sys.exit(1)');
    expect(exampleAlembic(root, url, 'upgrade', 'a1000000').status).toBe(0);
    const out = await verifyCommand({ cwd: root, format: 'json', env });
    const f = out.result.findings.find((x) => x.code === 'migration-waits-for-input')!;
    expect(f).toMatchObject({ severity: 'error', revision: 'b2000000', line: 17 });
    expect(out.exitCode).toBe(1);
    const real = upgrade(root);
    expect(real.status).not.toBe(0);
    expect(f.alembicError).toBe(real.error);
    expect(stamp(root)).toEqual([{ version_num: 'a1000000' }]);
    // the control: a person answers on the terminal, and the same upgrade runs
    expect(upgrade(root, 'OKAY\n').status).toBe(0);
    expect(stamp(root)).toEqual([{ version_num: 'b2000000' }]);
  }, 60_000);

  it('under if: a warning; a method named input and print() alone: nothing, and real Alembic upgrades', async () => {
    const maybe = app('if "--ask" in sys.argv:\n    input()');
    expect(exampleAlembic(maybe, url, 'upgrade', 'a1000000').status).toBe(0);
    const warned = await verifyCommand({ cwd: maybe, format: 'json', env });
    expect(warned.result.findings.find((x) => x.code === 'migration-waits-for-input')).toMatchObject({
      severity: 'warning',
      line: 18,
    });
    expect(warned.exitCode).toBe(0);
    expect(upgrade(maybe).status).toBe(0);

    const quiet = app(
      'class Form:\n    def input(self):\n        return 1\nForm().input()\nprint("dropping info")',
    );
    expect(exampleAlembic(quiet, url, 'upgrade', 'a1000000').status).toBe(0);
    const out = await verifyCommand({ cwd: quiet, format: 'json', env });
    expect(out.result.findings.map((x) => x.code)).not.toContain('migration-waits-for-input');
    expect(out.exitCode).toBe(0);
    expect(upgrade(quiet).status).toBe(0);
  }, 60_000);
});
