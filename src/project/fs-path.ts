import { decodeEscapingBadBytes, originalBytes } from '../python/python-decode.js';

/**
 * File names that are not UTF-8. Linux stores names as bytes; Node decodes them lossily (U+FFFD),
 * so a revision file named with a Latin-1 byte could not be opened again by the name readdir gave,
 * where Python (os.fsdecode, surrogateescape) loads it. Such a name is kept as Python keeps it,
 * each bad byte an escaped byte (U+DC80–U+DCFF), and turned back into its bytes for the system call.
 */
const ESCAPED = /[\udc80-\udcff]/u;

/** The path to hand to fs: the string itself, or its original bytes when it holds an escaped byte. */
export function fsPath(p: string): string | Buffer {
  return ESCAPED.test(p) ? originalBytes(p, 0, p.length) : p;
}

/** A name or path fs returned as bytes, as Python decodes it (os.fsdecode). */
export function fsName(buf: Buffer): string {
  return decodeEscapingBadBytes(buf);
}

/** Whether a name Node decoded may have lost bytes (then list again as bytes). */
export function mayBeLossy(name: string): boolean {
  return name.includes('\ufffd');
}
