import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { prepareDatabase, writeScenarioProject, type Scenario } from '../helpers/db-scenario.js';

const INCIDENT: Scenario = {
  name: 'write',
  revs: [
    { id: 'aaa111', down: null },
    { id: 'bbb222', down: 'aaa111' },
  ],
  rows: ['guest_lockout_001'],
};
const WRITE = ['backfill', '--after', 'aaa111', '--rewire', '--write'];

async function project(): Promise<{ root: string; versions: string; env: Record<string, string> }> {
  const root = writeScenarioProject(INCIDENT);
  const url = await prepareDatabase(INCIDENT, 'sqlite', root);
  return { root, versions: path.join(root, 'migrations', 'versions'), env: { DATABASE_URL: url } };
}

describe('backfill --write: one writer at a time, and no half-written tree', () => {
  it('a lock held by a running process: exit 73, its own message, nothing written (JSON: an error document)', async () => {
    const { root, versions, env } = await project();
    // this test's own process holds it
    writeFileSync(path.join(versions, '.alembic-preflight.lock'), `${process.pid}\n`);
    const before = readdirSync(versions).sort();
    const r = runCli(root, WRITE, env);
    expect(r.status).toBe(73);
    expect(r.stderr).toContain(
      `Another alembic-preflight backfill --write (process ${process.pid}) is writing in`,
    );
    expect(readdirSync(versions).sort()).toEqual(before);
    const json = JSON.parse(runCli(root, [...WRITE, '--format', 'json'], env).stdout);
    expect(json.error).toMatchObject({ kind: 'write' });
  });

  it("a killed run's lock and temporaries are taken over and cleaned up", async () => {
    const { root, versions, env } = await project();
    const dead = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
    writeFileSync(path.join(versions, '.alembic-preflight.lock'), `${dead}\n`);
    writeFileSync(path.join(versions, '.bbb222_m.py.0a1b2c3d.tmp'), 'half');
    const r = runCli(root, WRITE, env);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(readdirSync(versions).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('killed at any moment, the tree stays loadable: check finds no dangling down_revision, and the next run finishes the job', async () => {
    for (let i = 0; i < 12; i++) {
      const { root, versions, env } = await project();
      const child = spawn(process.execPath, [BIN, ...WRITE], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      });
      const closed = new Promise((r) => child.on('close', r));
      // spread the kills over the run: from start-up to after the write
      await new Promise((r) => setTimeout(r, 150 + i * 40));
      child.kill('SIGKILL');
      await closed;
      const after = runCli(root, ['check', '--no-lint', '--format', 'json']);
      const codes = (JSON.parse(after.stdout) as { findings: { code: string }[] }).findings.map(
        (f) => f.code,
      );
      expect(codes, `kill ${i}`).not.toContain('missing-down-revision');
      const again = runCli(root, ['backfill', '--after', 'aaa111', '--rewire', '--write'], env);
      expect(again.status, `kill ${i}: ${again.stdout}${again.stderr}`).toBe(0);
      expect(readdirSync(versions).filter((f) => f.startsWith('.'))).toEqual([]);
      expect(existsSync(path.join(versions, 'guest_lockout_001_placeholder.py'))).toBe(true);
    }
  });
});
