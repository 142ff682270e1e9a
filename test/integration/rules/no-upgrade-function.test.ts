import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { verifyCommand } from '../../../src/commands/verify/verify-command.js';
import { describeRule } from '../../helpers/describe-rule.js';
import { prepareDatabase, writeScenarioProject } from '../../helpers/db-scenario.js';
import { ORACLE_PYTHON } from '../../helpers/oracle.js';
import { makeProject, rev } from '../../helpers/project.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const V = 'migrations/versions/';
const TYPO =
  "revision = 'b2'\ndown_revision = 'a1'\n\n\ndef upgrde():\n    pass\n\n\ndef downgrade():\n    pass\n";

describeRule(
  'no-upgrade-function',
  {
    bad: () => makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: TYPO }),
    good: () =>
      makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: TYPO.replace('upgrde', 'upgrade') }),
  },
  (f) => {
    expect(f.severity).toBe('error');
    expect(f.path).toBe('migrations/versions/b2_x.py');
    expect(f.message).toContain("AttributeError: module 'b2_x_py' has no attribute 'upgrade'");
  },
);

describe('no-upgrade-function against real Alembic', () => {
  it('verify blocks where the upgrade runs it, and real Alembic fails there; a database past it gets a warning', async () => {
    const s = {
      name: 'noup',
      revs: [
        { id: 'a1', down: null },
        { id: 'b2', down: 'a1' },
      ],
      rows: ['a1'],
    };
    const root = writeScenarioProject(s);
    writeFileSync(path.join(root, V, 'b2_m.py'), TYPO);
    const url = await prepareDatabase(s, 'sqlite', root);
    const out = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      alembicVersion: '1.8.1',
    });
    expect(out.exitCode).toBe(1);
    const f = out.result.findings.find((x) => x.code === 'no-upgrade-function')!;
    expect(f.severity).toBe('error');
    const real = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: url },
    });
    expect(real.status).not.toBe(0);
    const line = real.stderr.trim().split('\n').at(-1)!;
    expect(line.startsWith("AttributeError: module 'b2_m_py' has no attribute 'upgrade'")).toBe(true);
    expect(f.message).toContain("AttributeError: module 'b2_m_py' has no attribute 'upgrade'");
    // stamped past it: this upgrade does not run it
    spawnSync(ORACLE_PYTHON, ['-m', 'alembic', 'stamp', 'b2'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url },
    });
    const past = await verifyCommand({
      cwd: root,
      format: 'text',
      env: { DATABASE_URL: url },
      alembicVersion: '1.8.1',
    });
    expect(past.exitCode).toBe(0);
    expect(past.result.findings.find((x) => x.code === 'no-upgrade-function')?.severity).toBe('warning');
  });

  it('a star import or a module __getattr__ may bind it at run time: not reported', async () => {
    const { check } = await import('../../helpers/project.js');
    for (const extra of ['from somewhere import *\n', 'def __getattr__(name):\n    return None\n']) {
      const root = makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: extra + TYPO });
      expect((await check(root)).findings.map((x) => x.code)).not.toContain('no-upgrade-function');
    }
  });
});
