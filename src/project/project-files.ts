import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The project's files as the rules see them: each read at most once per run, every failure an
 * `undefined` (a rule reports what it could not read; it never throws). Rules take this instead of
 * `node:fs`, so a test can hand them files held in memory.
 */
export interface ProjectFiles {
  /** A file's text as UTF-8 (invalid bytes become U+FFFD); undefined when it cannot be read. */
  text(abs: string): string | undefined;
  /** Whether anything (file or folder) exists at the path. */
  exists(abs: string): boolean;
  /** A file's size in bytes; undefined when it cannot be read. */
  size(abs: string): number | undefined;
  /** The path with every symbolic link resolved; undefined when it does not exist. */
  realpath(abs: string): string | undefined;
  /** A folder's entries, in the order the system lists them; undefined when it cannot be listed. */
  entries(abs: string): readonly Entry[] | undefined;
}

/** A folder's entry: a file, a folder, or neither (a link, a socket), as readdir's types say. */
export interface Entry {
  readonly name: string;
  readonly dir: boolean;
  readonly file: boolean;
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

/** The files on disk, each read once: the rules of one run ask for the same Procfile and env.py again and again. */
export function diskFiles(): ProjectFiles {
  const texts = new Map<string, string | undefined>();
  const lists = new Map<string, Entry[] | undefined>();
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch {
      return undefined;
    }
  };
  return {
    text(abs) {
      if (!texts.has(abs)) texts.set(abs, attempt(() => readFileSync(abs, 'utf8')));
      return texts.get(abs);
    },
    exists(abs) {
      return attempt(() => statSync(abs)) !== undefined;
    },
    size(abs) {
      return attempt(() => statSync(abs).size);
    },
    realpath(abs) {
      return attempt(() => realpathSync(abs));
    },
    entries(abs) {
      if (!lists.has(abs)) {
        const read = attempt(() => readdirSync(abs, { withFileTypes: true }));
        lists.set(abs, read?.map((e) => ({ name: e.name, dir: e.isDirectory(), file: e.isFile() })));
      }
      return lists.get(abs);
    },
  };
}
