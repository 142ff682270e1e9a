import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  builtSourceKey,
  codeCacheDir,
  codeCacheName,
  readCache,
  sourceHash,
  writeCache,
} from '../../src/cli-loader.js';
import { BIN, runCli, type CliRun } from '../helpers/cli.js';
import { REPO } from '../helpers/oracle.js';
import { makeProject, rev } from '../helpers/project.js';
import { tempDir } from '../helpers/temp-dir.js';

const V = 'migrations/versions/';
const isPosix = typeof process.getuid === 'function';

/** A project with a fork, so check has something to say (exit 1) and the tokenizer runs. */
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

const cacheFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.v8'))
    .sort();

/** A project, its output with the cache off, and a cache folder its first run filled with the same output. */
function primed(): { root: string; dir: string; off: CliRun; file: string } {
  const root = project();
  const dir = path.join(tempDir(), 'cache');
  const off = check(root, 'off');
  expect(check(root, dir)).toEqual(off);
  return { root, dir, off, file: path.join(dir, cacheFiles(dir)[0]!) };
}

describe('the code cache the bin loads the CLI with', () => {
  it('is written on the first run and used unchanged by the next, with the same output as without it', () => {
    const root = project();
    const dir = path.join(tempDir(), 'cache');
    const off = check(root, 'off');
    expect(off.status).toBe(1);
    expect(off.stdout).toContain('multiple-heads');

    const first = check(root, dir);
    expect(first).toEqual(off);
    const files = cacheFiles(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(
      new RegExp(
        `^cli-[0-9a-f]{8}-[0-9a-f]{16}-${process.version.replace(/\./g, '\\.')}-${process.arch}-check\\.v8$`,
      ),
    );
    const file = path.join(dir, files[0]!);
    if (isPosix) {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    const bytes = readFileSync(file);
    const { mtimeMs } = statSync(file);

    // a cache that is missing, corrupt or rejected is written again after the run: unchanged means V8 took it
    const second = check(root, dir);
    expect(second).toEqual(off);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(mtimeMs);

    // each command compiles its own code paths, so each has its own file
    // a usage error (exit 2) stops before the command's work: its cache would be thin, so none is written
    const usage = check(root, dir, ['verify']);
    expect(usage.status).toBe(2);
    expect(cacheFiles(dir)).toEqual(files);
    const verify = runCli(root, ['verify'], {
      ALEMBIC_PREFLIGHT_CODE_CACHE: dir,
      DATABASE_URL: `sqlite:///${path.join(tempDir(), 'none.db')}`,
    });
    expect(verify.status).not.toBe(2);
    expect(cacheFiles(dir)).toEqual([files[0], files[0]!.replace(/-check\.v8$/, '-verify.v8')].sort());
  });

  it('a cache first written on an empty project still holds the reader', () => {
    const empty = makeProject({ [V + 'README']: 'no revisions yet' });
    const a = path.join(tempDir(), 'a');
    const b = path.join(tempDir(), 'b');
    expect(check(empty, a).stdout).toContain('no-revision-files');
    check(project(), b);
    const size = (d: string): number => statSync(path.join(d, cacheFiles(d)[0]!)).size;
    // without the warm-up the first is about two thirds of the second
    expect(size(a)).toBeGreaterThan(0.9 * size(b));
  });

  it('a corrupt, truncated or foreign file is not used: the run is unchanged and the file is replaced', () => {
    const { root, dir, off, file } = primed();
    const good = readFileSync(file);

    const flipped = Buffer.from(good);
    const mid = flipped.length >> 1;
    flipped[mid] = flipped[mid]! ^ 0x55;
    const junk = junkFramed(Buffer.alloc(4096, 7));
    // the header: magic (8 bytes), CRC-32 (4), length (4)
    expect(readCache(file)?.equals(good.subarray(16))).toBe(true);
    for (const bad of [flipped, good.subarray(0, good.length - 100), Buffer.from('APCC0001'), junk]) {
      writeFileSync(file, bad, { mode: 0o600 });
      // the checksum turns away what V8 might not (it checks a cache's length and version, not its bytes)
      if (bad !== junk) expect(readCache(file)).toBeUndefined();
      expect(check(root, dir)).toEqual(off);
      expect(readCache(file)).toBeDefined();
      expect(readFileSync(file).length).toBeGreaterThan(10_000);
    }
  });

  it('a file or folder others can write is neither used nor written to', () => {
    const { root, dir, off, file } = primed();
    chmodSync(file, 0o666);
    expect(readCache(file)).toBeUndefined();
    expect(check(root, dir)).toEqual(off);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const shared = path.join(tempDir(), 'shared');
    mkdirSync(shared, { mode: 0o777 });
    chmodSync(shared, 0o777);
    expect(check(root, shared)).toEqual(off);
    expect(readdirSync(shared)).toEqual([]);
  });

  it('caches of an older build in the same place go at once, those of another install after a day', () => {
    const root = project();
    const dir = path.join(tempDir(), 'cache');
    expect(check(root, dir).status).toBe(1);
    const [ours] = cacheFiles(dir);
    const place = ours!.slice(0, 'cli-12345678-'.length);
    const older = `${place}0123456789abcdef-${process.version}-${process.arch}-verify.v8`;
    const otherInstall = `cli-00000000-0123456789abcdef-${process.version}-${process.arch}-check.v8`;
    const otherInstallOld = `cli-11111111-0123456789abcdef-${process.version}-${process.arch}-check.v8`;
    for (const name of [older, otherInstall, otherInstallOld, 'notes.txt'])
      writeFileSync(path.join(dir, name), 'old', { mode: 0o600 });
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(path.join(dir, otherInstallOld), twoDaysAgo, twoDaysAgo);
    // a cache is written (and others pruned) only when this one is missing or refused
    writeFileSync(path.join(dir, ours!), 'not a cache', { mode: 0o600 });
    check(root, dir);
    expect(readdirSync(dir).sort()).toEqual([ours!, otherInstall, 'notes.txt'].sort());
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

  it('names a file per bundle place and content, Node, architecture and command', () => {
    const b = '/opt/app/node_modules/alembic-preflight/dist/cli.bundle.cjs';
    const a = codeCacheName('bundle one', ['check', '--format', 'json'], b);
    expect(a).toMatch(/^cli-[0-9a-f]{8}-[0-9a-f]{16}-v\d+\.\d+\.\d+-\w+-check\.v8$/);
    expect(codeCacheName('bundle two', ['check'], b)).not.toBe(a);
    // same length, different content: V8 alone would take either's cache for the other
    expect(codeCacheName('bundle ONE', ['check'], b)).not.toBe(a);
    // V8 restores the script's name from a cache: a copy elsewhere would show the first one's path in stack traces
    const elsewhere = codeCacheName('bundle one', ['check'], '/home/me/.npm/_npx/1/dist/cli.bundle.cjs');
    expect(elsewhere).not.toBe(a);
    expect(elsewhere.slice(13)).toBe(a.slice(13));
    expect(codeCacheName('bundle one', ['--format', 'json', 'verify'], b)).toMatch(/-verify\.v8$/);
    expect(codeCacheName('bundle one', ['--help'], b)).toMatch(/-other\.v8$/);
    expect(codeCacheName('bundle one', ['../../etc/passwd'], b)).toMatch(/-other\.v8$/);
    expect(codeCacheDir({ ALEMBIC_PREFLIGHT_CODE_CACHE: 'OFF' })).toBeNull();
    expect(codeCacheDir({ ALEMBIC_PREFLIGHT_CODE_CACHE: '/x/y' })).toBe(path.resolve('/x/y'));
    expect(codeCacheDir({ XDG_CACHE_HOME: '/c' })).toBe(path.join('/c', 'alembic-preflight'));
  });

  it('keys the bundle by the SHA-1 its build wrote beside it, the same a run would compute, and only while it fits the source', () => {
    const bundle = path.join(REPO, 'dist', 'cli.bundle.cjs');
    const source = readFileSync(bundle, 'utf8');
    expect(builtSourceKey(source, `${bundle}.key`)).toBe(sourceHash(source));
    expect(codeCacheName(source, ['check'], bundle, builtSourceKey(source, `${bundle}.key`))).toBe(
      codeCacheName(source, ['check'], bundle),
    );
    // an edited bundle (another length) or a missing or mangled key file: the run hashes the source itself
    expect(builtSourceKey(`${source} `, `${bundle}.key`)).toBeUndefined();
    const dir = tempDir();
    expect(builtSourceKey(source, path.join(dir, 'missing.key'))).toBeUndefined();
    writeFileSync(path.join(dir, 'bad.key'), `not-hex ${source.length}\n`);
    expect(builtSourceKey(source, path.join(dir, 'bad.key'))).toBeUndefined();
  });

  it('gives every command of the CLI a cache of its own', () => {
    const help = runCli(tempDir(), ['--help'], { ALEMBIC_PREFLIGHT_CODE_CACHE: 'off' });
    // the help page's command lines: two spaces, the word, two or more spaces, its line
    const commands = [...help.stdout.matchAll(/^ {2}([a-z][a-z-]+) {2,}\S/gm)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThanOrEqual(6);
    for (const c of commands) expect(codeCacheName('x', [c], '/b.cjs')).toMatch(new RegExp(`-${c}\\.v8$`));
  });
});

/** Bytes V8 never wrote, framed with a correct checksum: only V8's own check can turn them away. */
function junkFramed(junk: Buffer): Buffer {
  const dir = tempDir();
  const f = path.join(dir, 'junk.v8');
  writeCache(f, junk);
  return readFileSync(f);
}
