import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { fsPath } from './fs-path.js';

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
  if (code === 'EACCES' || code === 'EPERM') return `PermissionError: [Errno 13] Permission denied: '${file}'`;
  // a socket cannot be opened at all
  if (code === 'ENXIO') return `OSError: [Errno 6] No such device or address: '${file}'`;
  return `OSError: ${e.message}`;
}

/** Not an exception Alembic raises: it blocks on a pipe, and reads a device like /dev/zero until memory runs out. */
function notAFile(fd: number, file: string): { error: string; endless: string } {
  const name = path.basename(file);
  if (fstatSync(fd).isFIFO()) {
    return {
      error: "it is a named pipe, not a file: Alembic would wait on it without end, and the deploy hang until the platform's timeout",
      endless: `(nothing: it waits without end reading ${name}, a named pipe)`,
    };
  }
  return { error: 'it is a device that never ends, not a file: Alembic would read it until memory runs out', endless: `(nothing: it reads ${name}, a device, until memory runs out)` };
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
