import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtSourceKey, codeCacheDir, sourceHash } from '../../src/cli-loader.js';
import { BIN, runCli, type CliRun } from '../helpers/cli.js';
import { REPO } from '../helpers/oracle.js';
import { makeProject, rev } from '../helpers/project.js';
import { tempDir } from '../helpers/temp-dir.js';

const V = 'migrations/versions/';
const isPosix = typeof process.getuid === 'function';

/** A project with a fork, so check has something to say (exit 1) and the reader runs. */
function project(): string {
  return makeProject({
    [V + 'a1_x.py']: rev('a1', null),
    [V + 'b2_x.py']: rev('b2', 'a1'),
    [V + 'c3_x.py']: rev('c3', 'a1'),
  });
}

function check(cwd: string, cache: string, args: string[] = ['check']): CliRun {
  return runCli(cwd, args, { ALEMBIC_PREFLIGHT_CODE_CACHE: cache });
}

/** Node's cache files under dir (one folder per Node version, architecture and flags; a file per script). */
function cacheFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

/** A project, its output with the cache off, and a cache folder its first run filled with the same output. */
function primed(): { root: string; dir: string; off: CliRun; file: string } {
  const root = project();
  const dir = path.join(tempDir(), 'cache');
  const off = check(root, 'off');
  expect(check(root, dir)).toEqual(off);
  const files = cacheFiles(dir);
  expect(files).toHaveLength(1);
  return { root, dir, off, file: files[0]! };
}

describe('the compile cache the bin loads the CLI with', () => {
  it('is written on the first run and used unchanged by the next, with the same output as without it', () => {
    const { root, dir, off, file } = primed();
    expect(off.status).toBe(1);
    expect(off.stdout).toContain('multiple-heads');
    if (isPosix) expect(statSync(dir).mode & 0o777).toBe(0o700);
    // V8's code for the whole bundle, not a stub
    expect(statSync(file).size).toBeGreaterThan(100_000);
    const bytes = readFileSync(file);
    const { mtimeMs } = statSync(file);
    // Node writes an entry again when it was missing or refused: unchanged means it was taken
    expect(check(root, dir)).toEqual(off);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(mtimeMs);
    // another command loads the same bundle: the same entry
    const verify = runCli(root, ['verify'], {
      ALEMBIC_PREFLIGHT_CODE_CACHE: dir,
      DATABASE_URL: `sqlite:///${path.join(tempDir(), 'none.db')}`,
    });
    expect(verify.status).not.toBe(2);
    expect(cacheFiles(dir)).toEqual([file]);
  });

  it('a corrupt, truncated or foreign file is not used: the run is unchanged and the file is written again', () => {
    const { root, dir, off, file } = primed();
    const good = readFileSync(file);
    const flipped = Buffer.from(good);
    const mid = flipped.length >> 1;
    flipped[mid] = flipped[mid]! ^ 0x55;
    for (const bad of [
      flipped,
      good.subarray(0, good.length - 100),
      Buffer.alloc(4096, 7),
      Buffer.alloc(0),
    ]) {
      writeFileSync(file, bad, { mode: 0o600 });
      expect(check(root, dir)).toEqual(off);
      // written again (V8's bytes differ from run to run): Node's magic number and the bundle's size lead it
      const again = readFileSync(file);
      expect(again.subarray(0, 8).equals(good.subarray(0, 8))).toBe(true);
      expect(again.length).toBeGreaterThan(100_000);
    }
  });

  it('a folder others can write, or one inside the current folder, is neither used nor written to', () => {
    const root = project();
    const off = check(root, 'off');
    if (isPosix) {
      const shared = path.join(tempDir(), 'shared');
      mkdirSync(shared, { mode: 0o777 });
      chmodSync(shared, 0o777);
      expect(check(root, shared)).toEqual(off);
      expect(readdirSync(shared)).toEqual([]);
    }
    // HOME=/app on a Heroku dyno puts the default cache in the repository, which could supply it
    for (const inside of [path.join(root, '.cache'), root]) {
      expect(check(root, inside)).toEqual(off);
      expect(readdirSync(root)).not.toContain('.cache');
      expect(readdirSync(root).some((n) => n.startsWith('v'))).toBe(false);
    }
    const home = runCli(root, ['check'], { HOME: root, XDG_CACHE_HOME: '' });
    expect(home).toEqual(off);
    expect(readdirSync(root)).not.toContain('.cache');
    // the control: the same project with the cache beside it
    const beside = path.join(path.dirname(root), `${path.basename(root)}-cache`);
    expect(check(root, beside)).toEqual(off);
    expect(cacheFiles(beside)).toHaveLength(1);
  });

  it("removes the earlier versions' own cache files, and nothing else", () => {
    const root = project();
    const dir = path.join(tempDir(), 'cache');
    mkdirSync(dir, { mode: 0o700 });
    const old = [
      `cli-0123abcd-0123456789abcdef-${process.version}-${process.arch}-check.v8`,
      'cli-x.v8.123.tmp',
    ];
    const kept = ['results-0123.bin', 'notes.txt', 'cli-notes.md'];
    for (const name of [...old, ...kept]) writeFileSync(path.join(dir, name), 'old', { mode: 0o600 });
    expect(check(root, dir).status).toBe(1);
    const names = readdirSync(dir);
    for (const name of kept) expect(names).toContain(name);
    for (const name of old) expect(names).not.toContain(name);
  });

  it('an unusable location and `off` change nothing and print nothing', () => {
    const root = project();
    const off = check(root, 'off');
    expect(off.stderr).toBe('');
    const notADir = path.join(tempDir(), 'file');
    writeFileSync(notADir, 'x');
    expect(check(root, notADir)).toEqual(off);
    expect(check(root, path.join(notADir, 'below'))).toEqual(off);

    // off: nothing under the default location either
    const xdg = tempDir();
    const r = runCli(root, ['check'], { ALEMBIC_PREFLIGHT_CODE_CACHE: 'off', XDG_CACHE_HOME: xdg });
    expect(r).toEqual(off);
    expect(readdirSync(xdg)).toEqual([]);
    const d = runCli(root, ['check'], { XDG_CACHE_HOME: xdg });
    expect(d).toEqual(off);
    expect(cacheFiles(path.join(xdg, 'alembic-preflight'))).toHaveLength(1);
  });

  it('a location under /proc, where mkdir fails with ENOENT beside a folder that exists, ends the run instead of spinning', () => {
    // Node's recursive mkdir retries such a folder without end after the output is written: a release phase would never finish
    if (!isPosix) return;
    const root = project();
    const off = check(root, 'off');
    for (const place of ['/proc/sys/alembic-preflight-cache', '/proc/sys/a/b']) {
      const r = spawnSync(process.execPath, [BIN, 'check'], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          ALEMBIC_PREFLIGHT_CODE_CACHE: place,
        },
      });
      expect(r.signal, `${place}: still running after 60 s`).toBeNull();
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual(off);
    }
  });

  it('reads its place from the environment', () => {
    expect(codeCacheDir({ ALEMBIC_PREFLIGHT_CODE_CACHE: 'OFF' })).toBeNull();
    expect(codeCacheDir({ ALEMBIC_PREFLIGHT_CODE_CACHE: '/x/y' })).toBe(path.resolve('/x/y'));
    expect(codeCacheDir({ XDG_CACHE_HOME: '/c' })).toBe(path.join('/c', 'alembic-preflight'));
  });
});

describe("the bundle's key, which tells one build's cached results from another's", () => {
  it('is the SHA-1 its build wrote beside it, the same a run would compute, and only while it fits the bundle', () => {
    const bundle = path.join(REPO, 'dist', 'cli.bundle.cjs');
    expect(builtSourceKey(bundle)).toBe(sourceHash(bundle));
    expect(builtSourceKey(bundle)).toMatch(/^[0-9a-f]{16}$/u);
    // an edited bundle (another size) or a missing or mangled key file: the run hashes the bundle itself
    const dir = tempDir();
    const copy = path.join(dir, 'cli.bundle.cjs');
    writeFileSync(copy, `${readFileSync(bundle, 'latin1')} `, 'latin1');
    writeFileSync(`${copy}.key`, readFileSync(`${bundle}.key`));
    expect(builtSourceKey(copy)).toBeUndefined();
    expect(sourceHash(copy)).not.toBe(sourceHash(bundle));
    expect(builtSourceKey(bundle, path.join(dir, 'missing.key'))).toBeUndefined();
    writeFileSync(path.join(dir, 'bad.key'), `not-hex ${statSync(bundle).size}\n`);
    expect(builtSourceKey(bundle, path.join(dir, 'bad.key'))).toBeUndefined();
  });

  it('is built from a bundle of ASCII only, which V8 keeps as a one-byte string', () => {
    const bytes = readFileSync(path.join(REPO, 'dist', 'cli.bundle.cjs'));
    expect(bytes.findIndex((b) => b > 0x7f)).toBe(-1);
  });
});

describe("the bin's shell line", () => {
  /** What the bin's sh line starts, with a `node` on PATH that prints its arguments instead of running them. */
  function started(env: Record<string, string>, args: string[]): string[] {
    const fake = tempDir();
    writeFileSync(path.join(fake, 'node'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', {
      mode: 0o755,
    });
    const r = spawnSync(BIN, args, {
      encoding: 'utf8',
      env: { PATH: `${fake}:/usr/bin:/bin`, ...env },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    return r.stdout.split('\n').slice(0, -1);
  }

  it("starts Node with a small young generation, the bin itself and the user's arguments, one for one", () => {
    if (!isPosix) return;
    expect(started({}, ['check', 'a b', '--format=json', ''])).toEqual([
      '--max-semi-space-size=4',
      BIN,
      'check',
      'a b',
      '--format=json',
      '',
    ]);
    // NODE_OPTIONS naming the flag is the user's choice: Node's command line would override it
    expect(started({ NODE_OPTIONS: '--max-semi-space-size=16' }, ['check'])).toEqual([BIN, 'check']);
    expect(started({ NODE_OPTIONS: '--no-warnings' }, ['check'])[0]).toBe('--max-semi-space-size=4');
  });

  it('runs the CLI as `node bin` does: the same output and exit code', () => {
    if (!isPosix) return;
    const root = project();
    const env = { ...process.env, ALEMBIC_PREFLIGHT_CODE_CACHE: 'off' };
    const direct = spawnSync(BIN, ['check'], { cwd: root, encoding: 'utf8', env });
    const viaNode = spawnSync(process.execPath, [BIN, 'check'], { cwd: root, encoding: 'utf8', env });
    expect(direct.status).toBe(1);
    expect({ status: direct.status, stdout: direct.stdout, stderr: direct.stderr }).toEqual({
      status: viaNode.status,
      stdout: viaNode.stdout,
      stderr: viaNode.stderr,
    });
  });
});
