import { isUtf8 } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { readRevisionSource, type ReadResult } from './revision-reader.js';

/**
 * What importing a revision file's source gives before any Alembic logic runs:
 * the file could not be read, its bytes are not Python source text, or it was
 * tokenized and its module-level bindings read.
 */
export type SourceOutcome =
  | { readonly kind: 'unreadable'; readonly error: string; readonly endless?: string }
  | { readonly kind: 'undecodable'; readonly error: string; readonly line: number }
  | { readonly kind: 'read'; readonly read: ReadResult };

/** Reads one revision file from disk and statically reads its module-level bindings. */
export function readSourceFile(file: string): SourceOutcome {
  return sourceOutcome(readFromDisk(file));
}

/** The outcome for bytes already in hand (an overlay, a test) or a read error. */
export function sourceOutcome(content: Buffer | { error: string; endless?: string }): SourceOutcome {
  if ('error' in content) return { kind: 'unreadable', ...content };
  const decoded = decodePythonSource(content);
  if ('error' in decoded) return { kind: 'undecodable', error: decoded.error, line: decoded.line };
  return { kind: 'read', read: readRevisionSource(decoded.text) };
}

export function decodePythonSource(buf: Buffer): { text: string } | { error: string; line: number } {
  // the common case, checked natively: plain UTF-8, no BOM, no NUL, no coding line to honour
  if (buf[0] !== 0xef && isUtf8(buf) && !buf.includes(0) && !declaresCoding(buf)) return { text: buf.toString('utf8') };
  if (buf.includes(0)) {
    return { error: 'ValueError: source code string cannot contain null bytes', line: lineOfOffset(buf, buf.indexOf(0)) };
  }
  let start = 0;
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
  let encoding = 'utf-8';
  const head = buf.subarray(start, Math.min(buf.length, start + 400)).toString('latin1').split(/\r\n|\r|\n/, 2);
  for (const [i, l] of head.entries()) {
    const m = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/.exec(l);
    if (m) {
      encoding = m[1]!.toLowerCase();
      break;
    }
    if (i === 0 && !/^[ \t\f]*(#.*)?$/.test(l)) break;
  }
  try {
    const text = new TextDecoder(encoding === 'utf8' ? 'utf-8' : encoding, { fatal: true }).decode(buf.subarray(start));
    return { text };
  } catch (e) {
    if (e instanceof RangeError) return { error: `SyntaxError: unknown encoding: ${encoding}`, line: 1 };
    const bad = firstInvalidUtf8(buf, start);
    return {
      error: `SyntaxError: Non-UTF-8 code starting with '\\x${buf[bad]?.toString(16) ?? '??'}' on line ${lineOfOffset(buf, bad)}, but no encoding declared`,
      line: lineOfOffset(buf, bad),
    };
  }
}

const CODING = Buffer.from('coding');

/** Whether a coding cookie could be in the first two lines (PEP 263), which may name another codec. */
function declaresCoding(buf: Buffer): boolean {
  const at = buf.indexOf(CODING);
  if (at < 0 || at > 400) return false;
  let newlines = 0;
  for (let i = 0; i < at; i++) if (buf[i] === 10 && ++newlines === 2) return false;
  return true;
}

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
function readFromDisk(file: string): Buffer | { error: string; endless?: string } {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
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

function lineOfOffset(buf: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < buf.length; i++) if (buf[i] === 10) line++;
  return line;
}

function firstInvalidUtf8(buf: Buffer, start: number): number {
  for (let i = start; i < buf.length; ) {
    const b = buf[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) if (((buf[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += len;
  }
  return start;
}

