import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Files on this machine that are not the project's: a SQLite database, a PostgreSQL socket, a TLS
// certificate, a log to scan, the package's own files, a private temporary folder. The project's files are read through
// ProjectFiles; these are read here, so the modules that ask for them stay free of node:fs.

/** What a path names, following links: a missing path, a dangling link and an unreadable one are 'missing'. */
export type PathKind = 'file' | 'dir' | 'other' | 'missing';

export function pathKind(p: string): PathKind {
  try {
    const st = statSync(p);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  } catch {
    return 'missing';
  }
}

/** A path that exists (of any kind), as `existsSync` answers. */
export function pathExists(p: string): boolean {
  return pathKind(p) !== 'missing';
}

/** A text file read whole; throws the system error (its `code` says why) when it cannot be read. */
export function readMachineText(file: string | URL): string {
  return readFileSync(file, 'utf8');
}

/** A file's bytes in 64 KiB chunks, for a scanner that never holds the whole file. */
export function fileChunks(file: string): AsyncIterable<Buffer> {
  return createReadStream(file, { highWaterMark: 64 * 1024 });
}

/** A new private folder (0700) under the system's temporary folder. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a file of a folder this run made (a temporary one): never a user's file, so no lock and no rename. */
export function writeOwnFile(file: string, text: string, mode?: number): void {
  writeFileSync(file, text, mode === undefined ? undefined : { mode });
}

/** Removes a folder this run made, with what is in it; nothing when it is gone already. */
export function removeTree(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
