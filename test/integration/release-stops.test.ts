import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { prepareDatabase, writeScenarioProject, type Scenario } from '../helpers/db-scenario.js';

const AT_HEAD: Scenario = { name: 'at-head', revs: [{ id: 'a1', down: null }], rows: ['a1'] };

/**
 * A wrapped command that starts a grandchild (as a shell or a script starts Alembic) and waits for it;
 * --always-run starts it on a database already at the target, where release otherwise starts nothing.
 */
const GRANDCHILD = ['--always-run', '--', 'sh', '-c', 'sleep 300 & echo $! > grandchild.pid; wait'];

/** Running (a zombie left for a reaper is dead: it runs nothing). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/u.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Whether it is still running once a signal has had time to land (polled, up to 5 s). */
async function alive(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && running(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return running(pid);
}

async function grandchildOf(root: string): Promise<number> {
  const file = path.join(root, 'grandchild.pid');
  for (let i = 0; i < 200 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 200 && readFileSync(file, 'utf8').trim() === ''; i++)
    await new Promise((r) => setTimeout(r, 50));
  return Number(readFileSync(file, 'utf8').trim());
}

function release(
  root: string,
  args: string[],
): { done: Promise<{ status: number | null; stdout: string }>; kill: (s: NodeJS.Signals) => void } {
  const child = spawn(process.execPath, [BIN, 'release', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: 'sqlite:///app.db' },
  });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  return {
    done: new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout }))),
    kill: (s) => child.kill(s),
  };
}

describe('release stops what it started', () => {
  it('--deadline ends the whole process group: a grandchild of `-- sh -c …` does not outlive the release', async () => {
    const root = writeScenarioProject(AT_HEAD);
    await prepareDatabase(AT_HEAD, 'sqlite', root);
    const r = release(root, ['--deadline', '0.02', ...GRANDCHILD]);
    const pid = await grandchildOf(root);
    const { status, stdout } = await r.done;
    expect(status).toBe(4);
    expect(stdout).toContain('ran past the --deadline');
    expect(await alive(pid)).toBe(false);
  });

  it('SIGTERM is forwarded to the whole group', async () => {
    const root = writeScenarioProject(AT_HEAD);
    await prepareDatabase(AT_HEAD, 'sqlite', root);
    const r = release(root, GRANDCHILD);
    const pid = await grandchildOf(root);
    expect(running(pid)).toBe(true);
    r.kill('SIGTERM');
    const { status, stdout } = await r.done;
    expect(status).toBe(143);
    expect(stdout).toContain('STOPPED: SIGTERM received');
    expect(await alive(pid)).toBe(false);
  });

  it('exits 2 and 3 end with the verdict line as well', () => {
    const root = writeScenarioProject(AT_HEAD);
    const noDatabase = runCli(root, ['release'], { DATABASE_URL: 'sqlite:///missing.db' });
    expect(noDatabase.status).toBe(3);
    expect(noDatabase.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^alembic-preflight release: STOPPED: database error, see above; Alembic was not started \([\d.]+ s, exit 3\)$/u,
    );
    const noUrl = runCli(root, ['release']);
    expect(noUrl.status).toBe(2);
    expect(noUrl.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^alembic-preflight release: STOPPED: usage error, see above; Alembic was not started \([\d.]+ s, exit 2\)$/u,
    );
  });
});
