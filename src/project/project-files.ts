import { spawnSync } from 'node:child_process';
import { lstatSync, opendirSync, readdirSync, readlinkSync, realpathSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { fsName, fsPath, mayBeLossy } from './fs-path.js';
import { readFileBytes, readSourceBytes, type SourceBytes } from './source-bytes.js';

/**
 * The project as one run sees it: every file, folder and git fact it asks for, each read at most
 * once, every failure an `undefined` (the code above reports what it could not read; it never
 * throws). Only this layer touches the disk and runs git for a run's reading; everything above takes
 * a ProjectFiles, so a test can hand it files held in memory. Paths are absolute, with a name that
 * is not UTF-8 kept as Python keeps it (fs-path.ts).
 */
export interface ProjectFiles {
  /** A file's text as UTF-8 (invalid bytes become U+FFFD); undefined when it cannot be read. */
  text(abs: string): string | undefined;
  /** A file's bytes; undefined when it cannot be read. */
  bytes(abs: string): Buffer | undefined;
  /** Why bytes() gave undefined: the system's error code (ENOENT, EACCES, EISDIR, …). */
  readError(abs: string): string | undefined;
  /** A revision file's bytes, read afresh (a view the next call may overwrite), or Python's error for it. */
  source(abs: string): SourceBytes;
  /** Whether anything (file or folder) exists at the path, links followed. */
  exists(abs: string): boolean;
  /** What is at the path, links followed; undefined when nothing is. */
  kind(abs: string): 'file' | 'dir' | 'other' | undefined;
  /** A file's size in bytes; undefined when it cannot be read. */
  size(abs: string): number | undefined;
  /** The path with every symbolic link resolved; undefined when it does not exist. */
  realpath(abs: string): string | undefined;
  /** pathlib's resolve(strict=False): links followed as far as they go, for a path that may not exist. */
  resolve(abs: string): string;
  /** A folder's entries, sorted by name (libuv's scandir sorts); undefined when it cannot be listed. */
  entries(abs: string): readonly Entry[] | undefined;
  /** A folder's names in the directory's own order, as os.listdir gives them (Alembic before 1.10 loads in it); [] when it cannot be listed. */
  listdir(abs: string): readonly string[];
  /** `git ARGS` run in `cwd` (no prompt, C locale); null when git cannot be run there (not installed). */
  git(cwd: string, args: readonly string[]): GitOutput | null;
}

/** A folder's entry: a file, a folder, a symbolic link, or neither (a socket), as readdir's types say. */
export interface Entry {
  readonly name: string;
  readonly dir: boolean;
  readonly file: boolean;
  readonly link?: boolean;
}

export interface GitOutput {
  readonly status: number | null;
  readonly stdout: string;
}

/** Folders that hold no project source, never searched: environments, caches, build output, dependencies. */
export const NOT_SOURCE_DIRS: ReadonlySet<string> = new Set(['.git', 'node_modules', '.venv', 'venv', 'env', '.tox', '.nox', '__pycache__', 'site-packages', 'dist', 'build', '.mypy_cache', '.pytest_cache', '.ruff_cache']);

/** Folders no rule walks: NOT_SOURCE_DIRS and the bench's and tools' caches. */
export const SKIP_DIRS: ReadonlySet<string> = new Set([...NOT_SOURCE_DIRS, '.bench', '.cache']);

/** Files under `root` (relative paths with `/`), skipping SKIP_DIRS and the folders in `also`; at most `limit`. */
export function walkFiles(files: ProjectFiles, root: string, also: ReadonlySet<string> = new Set(), limit = 50_000): string[] {
  const out: string[] = [];
  const visit = (dir: string, rel: string): void => {
    for (const e of files.entries(dir) ?? []) {
      if (out.length >= limit) return;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.file) out.push(r);
      else if (e.dir && !SKIP_DIRS.has(e.name) && !also.has(path.join(dir, e.name))) visit(path.join(dir, e.name), r);
    }
  };
  visit(root, '');
  return out;
}

const attempt = <T>(read: () => T): T | undefined => {
  try {
    return read();
  } catch {
    return undefined;
  }
};

/** One memo per question: the rules, the configuration and the lints of a run ask for the same files again and again. */
function memo<T>(read: (key: string) => T): (key: string) => T {
  const seen = new Map<string, T>();
  return (key) => {
    if (seen.has(key)) return seen.get(key)!;
    const value = read(key);
    seen.set(key, value);
    return value;
  };
}

/** The files on disk, each read once per run. */
export function diskFiles(): ProjectFiles {
  const read = memo(readFileBytes);
  const bytes = (abs: string): Buffer | undefined => {
    const r = read(abs);
    return Buffer.isBuffer(r) ? r : undefined;
  };
  const text = memo((abs) => bytes(abs)?.toString('utf8'));
  const stat = memo((abs) => attempt(() => statSync(fsPath(abs))));
  const entries = memo(listEntries);
  const resolve = memo(resolvePath);
  const git = memo((key) => runGit(JSON.parse(key) as [string, string[]]));
  return {
    text,
    bytes,
    readError(abs) {
      const r = read(abs);
      return Buffer.isBuffer(r) ? undefined : r.code;
    },
    source: readSourceBytes,
    exists: (abs) => stat(abs) !== undefined,
    kind(abs) {
      const s = stat(abs);
      return s === undefined ? undefined : s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
    },
    size: (abs) => stat(abs)?.size,
    // a path that exists, resolved: what resolve() gives it
    realpath: (abs) => (stat(abs) === undefined ? undefined : resolve(abs)),
    resolve,
    entries,
    listdir: memo(listInOrder),
    git: (cwd, args) => git(JSON.stringify([cwd, args])),
  };
}

/** readdir with types; names Node decoded lossily are listed again as bytes and decoded as Python does. */
function listEntries(dir: string): Entry[] | undefined {
  let listed: (Dirent | Dirent<Buffer>)[] | undefined = attempt(() => readdirSync(fsPath(dir), { withFileTypes: true }));
  if (listed === undefined) return undefined;
  let names: string[] | null = null;
  if (listed.some((e) => mayBeLossy(e.name as string))) {
    listed = attempt(() => readdirSync(fsPath(dir), { withFileTypes: true, encoding: 'buffer' }));
    if (listed === undefined) return undefined;
    names = listed.map((e) => fsName(e.name as Buffer));
  }
  return listed.map((e, i) => ({ name: names === null ? (e.name as string) : names[i]!, dir: e.isDirectory(), file: e.isFile(), link: e.isSymbolicLink() }));
}

/** opendir's order, which readdir (sorted by libuv) does not keep. */
function listInOrder(dir: string): string[] {
  const out: string[] = [];
  try {
    const d = opendirSync(fsPath(dir));
    try {
      for (let e = d.readSync(); e !== null; e = d.readSync()) out.push(e.name);
    } finally {
      d.closeSync();
    }
    // a name Node decoded lossily: listed again as bytes, decoded as Python does
    if (out.some(mayBeLossy)) return readdirSync(fsPath(dir), { encoding: 'buffer' }).map(fsName);
  } catch {
    return out;
  }
  return out;
}

/** pathlib's resolve(strict=False): follows links as far as they go. */
function resolvePath(p: string): string {
  try {
    const real = realpathSync.native(fsPath(p));
    return mayBeLossy(real) ? fsName(realpathSync.native(fsPath(p), { encoding: 'buffer' })) : real;
  } catch {
    let current = p;
    for (let i = 0; i < 40; i++) {
      try {
        if (!lstatSync(fsPath(current)).isSymbolicLink()) break;
        current = path.resolve(path.dirname(current), fsName(readlinkSync(fsPath(current), { encoding: 'buffer' })));
      } catch {
        break;
      }
    }
    return path.resolve(current);
  }
}

function runGit([cwd, args]: [string, string[]]): GitOutput | null {
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', GIT_PAGER: 'cat' };
  const r = spawnSync('git', ['-c', 'core.quotepath=off', ...args], { cwd, env, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (r.error) return null;
  return { status: r.status, stdout: r.stdout ?? '' };
}
