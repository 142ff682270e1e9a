import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { makeProject, rev } from '../helpers/project.js';
import { tempDir } from '../helpers/temp-dir.js';

const V = 'migrations/versions/';
const clean = (): string =>
  makeProject({ [V + 'a1_x.py']: rev('a1', null), [V + 'b2_x.py']: rev('b2', 'a1') });
const forked = (): string =>
  makeProject({
    [V + 'a1_x.py']: rev('a1', null),
    [V + 'b2_x.py']: rev('b2', 'a1'),
    [V + 'c3_x.py']: rev('c3', 'a1'),
  });
const env = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  ALEMBIC_PREFLIGHT_CODE_CACHE: 'off',
};

/** Runs the CLI with its stdout pipe closed before it writes anything, as `| head -c0` or a reader that quit does. */
function withClosedStdout(cwd: string, args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

/** Runs the CLI with stdout on /dev/full: every write fails with ENOSPC. */
function withFullDisk(cwd: string, args: string[]): Promise<{ status: number | null; stderr: string }> {
  const fd = openSync('/dev/full', 'w');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('standard output that goes away', () => {
  it('a reader that closes the pipe early changes neither the exit code nor stderr', async () => {
    for (const [root, args] of [
      [clean(), ['check', '--format', 'json']],
      [forked(), ['check', '--format', 'json']],
      [forked(), ['check']],
      [clean(), ['--help']],
    ] as const) {
      const normal = runCli(root, args, env);
      const closed = await withClosedStdout(root, [...args]);
      expect(closed.status, args.join(' ')).toBe(normal.status);
      expect(closed.stderr).toBe(normal.stderr);
    }
  });

  // /dev/full exists on Linux, where CI runs
  it.runIf(existsSync('/dev/full'))(
    'a report lost to a full disk is said on stderr, and turns exit 0 into 74, not an all-clear',
    async () => {
      const ok = await withFullDisk(clean(), ['check', '--format', 'json']);
      expect(ok.status).toBe(74);
      expect(ok.stderr).toBe(
        'alembic-preflight: could not write to standard output (ENOSPC); the report is incomplete.\n',
      );
      const blocked = await withFullDisk(forked(), ['check']);
      expect(blocked.status).toBe(1);
      expect(blocked.stderr).toContain('could not write to standard output (ENOSPC)');
      expect(blocked.stderr).not.toMatch(/^\s+at /m);
    },
  );
});

describe('a current folder that is gone', () => {
  it('is a usage error (exit 2) that says what happened, in text and in JSON, not a stack trace', () => {
    // a deploy that removed the folder its shell still stands in
    const run = (args: string): { status: number | null; stdout: string; stderr: string } => {
      const dir = path.join(tempDir(), 'release-41');
      mkdirSync(dir);
      return spawnSync(
        'sh',
        ['-c', `cd "$1" && rmdir "$1" && exec "$2" "$3" ${args}`, 'sh', dir, process.execPath, BIN],
        { env, encoding: 'utf8' },
      );
    };
    const text = run('check');
    expect(text.status).toBe(2);
    expect(text.stderr).toMatch(
      /^alembic-preflight: usage error: The current folder cannot be read \(ENOENT\)/,
    );
    expect(text.stderr).toContain('fix: cd into the project folder again');
    expect(text.stderr).not.toMatch(/^\s+at /m);
    const json = run('verify --format json');
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { kind: 'usage' } });
  });
});
