import { isUtf8 } from 'node:buffer';

/**
 * Python's strict UTF-8 decoding of a text file (open() in text mode, as configparser reads
 * alembic.ini): the text, or the UnicodeDecodeError Python raises. Node's decoder would put
 * U+FFFD in place of a bad byte and read on, where Alembic stops on every command.
 */
export function decodeLikePython(buf: Buffer): { text: string } | { error: string; before: string } {
  const bad = firstBadSequence(buf);
  if (!bad) return { text: buf.toString('utf8') };
  const base = decodeCallStart(buf, bad);
  // the lines Python has read before that decode call fails: an error among them comes first
  const decoded = buf.subarray(0, base).toString('utf8');
  const cut = Math.max(
    decoded.lastIndexOf('\n'),
    decoded.length > 1 && decoded.endsWith('\r')
      ? decoded.lastIndexOf('\r', decoded.length - 2)
      : decoded.lastIndexOf('\r'),
  );
  return { error: `UnicodeDecodeError: ${decodeError(buf, bad, base)}`, before: decoded.slice(0, cut + 1) };
}

/**
 * Where the input of the decode call that fails begins. TextIOWrapper decodes the file in
 * 8,192-byte chunks and carries an unfinished sequence into the next call; the position Python
 * prints is within that call's input. A bad byte is seen in the chunk that holds it; a sequence cut
 * off by the end of the file only by the last, empty call.
 */
function decodeCallStart(buf: Buffer, bad: BadSequence): number {
  if (bad.reason === 'unexpected end of data') return bad.start;
  const seenAt = bad.reason === 'invalid start byte' ? bad.start : bad.end;
  const chunk = Math.floor(seenAt / CHUNK) * CHUNK;
  if (bad.start < chunk) return bad.start;
  for (let lead = Math.max(0, chunk - 3); lead < chunk; lead++) {
    if (lead + (leadLength(buf[lead]!) || 1) > chunk) return lead;
  }
  return chunk;
}

/** The length of the sequence a byte starts: 1 for ASCII, 2 to 4 for a lead byte, 0 for a byte no sequence starts with. */
function leadLength(b: number): number {
  return b < 0x80
    ? 1
    : b >= 0xc2 && b <= 0xdf
      ? 2
      : b >= 0xe0 && b <= 0xef
        ? 3
        : b >= 0xf0 && b <= 0xf4
          ? 4
          : 0;
}

/** The exception's message (after its type), with the positions counted from the start of the decode call's input. */
function decodeError(buf: Buffer, bad: BadSequence, base: number): string {
  const where =
    bad.end - bad.start > 1
      ? `bytes in position ${bad.start - base}-${bad.end - 1 - base}`
      : `byte 0x${buf[bad.start]!.toString(16).padStart(2, '0')} in position ${bad.start - base}`;
  return `'utf-8' codec can't decode ${where}: ${bad.reason}`;
}

interface BadSequence {
  readonly start: number;
  readonly end: number;
  readonly reason: string;
}

/** bytes.decode() of a whole file, as tomllib.load does: the position is within the file. */
export function decodeBytesLikePython(buf: Buffer): { text: string } | { error: string } {
  const problem = utf8Problem(buf);
  return problem ? { error: `UnicodeDecodeError: ${problem.message}` } : { text: buf.toString('utf8') };
}

const CHUNK = 8192;

/** The first invalid sequence as CPython's decoder delimits it: start, end (exclusive), reason. */
function firstBadSequence(buf: Buffer, from = 0): BadSequence | null {
  const n = buf.length;
  for (let i = from; i < n;) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const need = leadLength(b) - 1;
    if (need < 0) return { start: i, end: i + 1, reason: 'invalid start byte' };
    // the second byte's range depends on the first (no overlong forms, surrogates or code points past U+10FFFF)
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    let k = 1;
    for (; k <= need; k++) {
      if (i + k >= n) return { start: i, end: n, reason: 'unexpected end of data' };
      const c = buf[i + k]!;
      const ok = k === 1 ? c >= lo && c <= hi : c >= 0x80 && c <= 0xbf;
      if (!ok) return { start: i, end: i + k, reason: 'invalid continuation byte' };
    }
    i += need + 1;
  }
  return null;
}

/**
 * The bytes of source text that CPython compiles without decoding it first. importlib hands a
 * module's bytes to compile(), which decodes a string literal or a name only when it builds one, so
 * a byte that is not UTF-8 fails there and nowhere else: in a comment it is never looked at. To
 * tokenize such a file, each byte of a bad sequence becomes U+DC80–U+DCFF, as Python's
 * surrogateescape handler does; valid UTF-8 never decodes to a lone surrogate, so one marks a byte.
 */
export function decodeEscapingBadBytes(buf: Buffer): string {
  // checked natively first: nearly every file and name is plain UTF-8
  if (isUtf8(buf)) return buf.toString('utf8');
  let text = '';
  let from = 0;
  for (let bad = firstBadSequence(buf); bad; bad = firstBadSequence(buf, bad.end)) {
    text += buf.toString('utf8', from, bad.start);
    for (let i = bad.start; i < bad.end; i++) text += String.fromCharCode(0xdc00 + buf[i]!);
    from = bad.end;
  }
  return text + buf.toString('utf8', from);
}

/** Whether the character at i is a byte decodeEscapingBadBytes escaped (a lone low surrogate U+DC80–U+DCFF). */
export function isEscapedByte(src: string, i: number): boolean {
  const c = src.charCodeAt(i);
  return c >= 0xdc80 && c <= 0xdcff && (src.charCodeAt(i - 1) & 0xfc00) !== 0xd800;
}

/** The source bytes of src[from, to): escaped bytes as they were, other characters as UTF-8. */
export function originalBytes(src: string, from: number, to: number): Buffer {
  const parts: Buffer[] = [];
  let run = from;
  for (let i = from; i < to; i++) {
    if (!isEscapedByte(src, i)) continue;
    parts.push(Buffer.from(src.slice(run, i), 'utf8'), Buffer.of(src.charCodeAt(i) - 0xdc00));
    run = i + 1;
  }
  parts.push(Buffer.from(src.slice(run, to), 'utf8'));
  return Buffer.concat(parts);
}

/**
 * Why Python's UTF-8 decoder rejects bytes, as its exception words it after the type
 * ("'utf-8' codec can't decode byte 0xe9 in position 3: unexpected end of data"), and where the
 * bad sequence starts; null when they decode.
 */
export function utf8Problem(buf: Buffer): { message: string; at: number } | null {
  const bad = firstBadSequence(buf);
  return bad ? { message: decodeError(buf, bad, 0), at: bad.start } : null;
}
