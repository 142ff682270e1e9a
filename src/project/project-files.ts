import type * as ChildProcess from 'node:child_process';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  opendirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  realpathSync,
  statSync,
  type Dirent,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fsName, fsPath, mayBeLossy } from './fs-path.js';

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
export const NOT_SOURCE_DIRS: ReadonlySet<string> = new Set([
  '.git',
  'node_modules',
  '.venv',
  'venv',
  'env',
  '.tox',
  '.nox',
  '__pycache__',
  'site-packages',
  'dist',
  'build',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
]);

/** Folders no rule walks: NOT_SOURCE_DIRS and the bench's and tools' caches. */
export const SKIP_DIRS: ReadonlySet<string> = new Set([...NOT_SOURCE_DIRS, '.bench', '.cache']);

/** Files under `root` (relative paths with `/`), skipping SKIP_DIRS and the folders in `also`; at most `limit`. */
export function walkFiles(
  files: ProjectFiles,
  root: string,
  also: ReadonlySet<string> = new Set(),
  limit = 50_000,
): string[] {
  const out: string[] = [];
  const visit = (dir: string, rel: string): void => {
    for (const e of files.entries(dir) ?? []) {
      if (out.length >= limit) return;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.file) out.push(r);
      else if (e.dir && !SKIP_DIRS.has(e.name) && !also.has(path.join(dir, e.name)))
        visit(path.join(dir, e.name), r);
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
  let listed: (Dirent | Dirent<Buffer>)[] | undefined = attempt(() =>
    readdirSync(fsPath(dir), { withFileTypes: true }),
  );
  if (listed === undefined) return undefined;
  let names: string[] | null = null;
  if (listed.some((e) => mayBeLossy(e.name as string))) {
    listed = attempt(() => readdirSync(fsPath(dir), { withFileTypes: true, encoding: 'buffer' }));
    if (listed === undefined) return undefined;
    names = listed.map((e) => fsName(e.name as Buffer));
  }
  return listed.map((e, i) => ({
    name: names === null ? (e.name as string) : names[i]!,
    dir: e.isDirectory(),
    file: e.isFile(),
    link: e.isSymbolicLink(),
  }));
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
        current = path.resolve(
          path.dirname(current),
          fsName(readlinkSync(fsPath(current), { encoding: 'buffer' })),
        );
      } catch {
        break;
      }
    }
    return path.resolve(current);
  }
}

// node:child_process loads net, dgram and streams with it (about 7 ms): loaded when git is run
const requireBuiltin = createRequire(import.meta.url);

function runGit([cwd, args]: [string, string[]]): GitOutput | null {
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', GIT_PAGER: 'cat' };
  const r = (requireBuiltin('node:child_process') as typeof ChildProcess).spawnSync(
    'git',
    ['-c', 'core.quotepath=off', ...args],
    { cwd, env, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 },
  );
  if (r.error) return null;
  return { status: r.status, stdout: r.stdout ?? '' };
}

// ---- a file's bytes, read without blocking on a pipe or a device

/** A revision file's bytes, or what Python's import would raise instead (`endless`: it would never finish). */
export type SourceBytes = Buffer | { readonly error: string; readonly endless?: string };

/** Reused between files: revision files are small, and one open + read + close is half of readFileSync's calls. */
let scratch = Buffer.allocUnsafe(256 * 1024);

/**
 * Opened without blocking: Python's open() of a named pipe waits for a writer, so Alembic would hang
 * the release until the platform's timeout, where we say what the file is. Not Windows'.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
/** Beyond this a file is asked whether it is a device (/dev/zero behind a link never ends). */
const LARGE = 64 * 1024 * 1024;

/**
 * The file's bytes. The result may be a view of a shared buffer that the next
 * call overwrites: the caller decodes it before reading another file.
 */
export function readSourceBytes(file: string): SourceBytes {
  let fd: number;
  try {
    fd = openSync(fsPath(file), OPEN_FLAGS);
  } catch (e) {
    return { error: osError(file, e as NodeJS.ErrnoException) };
  }
  try {
    let size = 0;
    for (;;) {
      if (size === scratch.length) {
        if (size >= LARGE && !fstatSync(fd).isFile()) return notAFile(fd, file);
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger);
        scratch = bigger;
      }
      const got = readSync(fd, scratch, size, scratch.length - size, null);
      if (got === 0) break;
      size += got;
    }
    // a pipe nobody writes to reads as empty (a link to /dev/null is an empty file to Python too)
    if (size === 0 && fstatSync(fd).isFIFO()) return notAFile(fd, file);
    return scratch.subarray(0, size);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // EAGAIN: a pipe with a writer that has not written yet
    return err.code === 'EAGAIN' ? notAFile(fd, file) : { error: osError(file, err) };
  } finally {
    closeSync(fd);
  }
}

function osError(file: string, e: NodeJS.ErrnoException): string {
  const code = e.code;
  if (code === 'ENOENT' || code === 'ELOOP') return `ImportError: Can't find Python file ${file}`;
  if (code === 'EISDIR') return `IsADirectoryError: [Errno 21] Is a directory: '${file}'`;
  if (code === 'EACCES' || code === 'EPERM')
    return `PermissionError: [Errno 13] Permission denied: '${file}'`;
  // a socket cannot be opened at all
  if (code === 'ENXIO') return `OSError: [Errno 6] No such device or address: '${file}'`;
  return `OSError: ${e.message}`;
}

/** Not an exception Alembic raises: it blocks on a pipe, and reads a device like /dev/zero until memory runs out. */
function notAFile(fd: number, file: string): { error: string; endless: string } {
  const name = path.basename(file);
  if (fstatSync(fd).isFIFO()) {
    return {
      error:
        "it is a named pipe, not a file: Alembic would wait on it without end, and the deploy hang until the platform's timeout",
      endless: `(nothing: it waits without end reading ${name}, a named pipe)`,
    };
  }
  return {
    error: 'it is a device that never ends, not a file: Alembic would read it until memory runs out',
    endless: `(nothing: it reads ${name}, a device, until memory runs out)`,
  };
}

/**
 * A project file's bytes (a copy the caller may keep), or the system's error code. Opened without
 * blocking and refused unless it is a regular file: a named pipe or a device in place of a Procfile or
 * an env.py must not hang the run or fill its memory.
 */
export function readFileBytes(file: string): Buffer | { readonly code: string } {
  let fd: number;
  try {
    fd = openSync(fsPath(file), OPEN_FLAGS);
  } catch (e) {
    return { code: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { code: 'EISDIR' };
    if (!st.isFile()) return { code: 'not a regular file' };
    return readFileSync(fd);
  } catch (e) {
    return { code: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  } finally {
    closeSync(fd);
  }
}
