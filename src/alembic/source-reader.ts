import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import { readRevisionSource, type ReadResult } from './revision-reader.js';

/**
 * What importing a revision file's source gives before any Alembic logic runs:
 * the file could not be read, its bytes are not Python source text, or it was
 * tokenized and its module-level bindings read.
 */
export type SourceOutcome =
  | { readonly kind: 'unreadable'; readonly error: string }
  | { readonly kind: 'undecodable'; readonly error: string; readonly line: number }
  | { readonly kind: 'read'; readonly read: ReadResult };

/** Reads one revision file from disk and statically reads its module-level bindings. */
export function readSourceFile(file: string): SourceOutcome {
  return sourceOutcome(readFromDisk(file));
}

/** The outcome for bytes already in hand (an overlay, a test) or a read error. */
export function sourceOutcome(content: Buffer | { error: string }): SourceOutcome {
  if ('error' in content) return { kind: 'unreadable', error: content.error };
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
 * The file's bytes. The result may be a view of a shared buffer that the next
 * call overwrites: the caller decodes it before reading another file.
 */
function readFromDisk(file: string): Buffer | { error: string } {
  try {
    const fd = openSync(file, 'r');
    try {
      let size = 0;
      for (;;) {
        if (size === scratch.length) {
          const bigger = Buffer.allocUnsafe(scratch.length * 2);
          scratch.copy(bigger);
          scratch = bigger;
        }
        const got = readSync(fd, scratch, size, scratch.length - size, null);
        if (got === 0) break;
        size += got;
      }
      return scratch.subarray(0, size);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') return { error: `ImportError: Can't find Python file ${file}` };
    if (code === 'EISDIR') return { error: `IsADirectoryError: [Errno 21] Is a directory: '${file}'` };
    if (code === 'EACCES' || code === 'EPERM') return { error: `PermissionError: [Errno 13] Permission denied: '${file}'` };
    return { error: `OSError: ${(e as Error).message}` };
  }
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

