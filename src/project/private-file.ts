/**
 * The tool's own cache files (compiled code, per-file results): a private folder, a file framed as
 * MAGIC, the payload's CRC-32, its length, the payload; written atomically. A file is trusted only
 * when this user owns it and nobody else can write it or its folder: a cache another user could
 * write would change what a run reports (or, for code, what it runs). Every failure is silent: a
 * cache only ever saves work.
 */
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** node:zlib and node:crypto, loaded only when a run reads or writes a cache. */
const requireBuiltin = createRequire(import.meta.url);

const DIGEST_AT = 8;
const LENGTH_AT = DIGEST_AT + 4;
const HEADER = LENGTH_AT + 4;

/** The payload of an intact file with this 8-byte magic that only this user can have written; undefined for anything else. */
export function readPrivateFile(file: string, magic: Buffer): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (
      !st.isFile() ||
      !ownedAndPrivate(st) ||
      !ownedAndPrivate(statSync(path.dirname(file))) ||
      st.size < HEADER
    )
      return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    if (readSync(fd, buf, 0, st.size, 0) !== st.size) return undefined;
    if (!buf.subarray(0, magic.length).equals(magic)) return undefined;
    if (buf.readUInt32LE(LENGTH_AT) !== st.size - HEADER) return undefined;
    const payload = buf.subarray(HEADER);
    return checksum(payload) === buf.readUInt32LE(DIGEST_AT) ? payload : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the file atomically (a private temporary file renamed over it) in a private folder made
 * as needed; false when it could not (a read-only home, a full disk, a folder another user can write).
 */
export function writePrivateFile(file: string, magic: Buffer, payload: Buffer): boolean {
  const dir = path.dirname(file);
  // unique among runs: the pid, and the time for a pid reused; 'wx' refuses a name already taken
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    makeDirs(dir, 0o700);
    if (!ownedAndPrivate(statSync(dir))) return false;
    const header = Buffer.alloc(HEADER);
    magic.copy(header, 0);
    header.writeUInt32LE(checksum(payload), DIGEST_AT);
    header.writeUInt32LE(payload.length, LENGTH_AT);
    writeFileSync(tmp, Buffer.concat([header, payload]), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
    return true;
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    return false;
  }
}

const OFF: ReadonlySet<string> = new Set(['off', '0', 'false', 'no']);

/**
 * The tool's cache folder: `setting` (a folder, relative to `cwd`, or off) when given, else
 * $XDG_CACHE_HOME/alembic-preflight or ~/.cache/alembic-preflight; null when turned off or there
 * is no home folder (a user without a passwd entry and no HOME).
 */
export function toolCacheDir(
  setting: string | undefined,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  if (setting !== undefined && setting !== '')
    return OFF.has(setting.toLowerCase()) ? null : path.resolve(cwd, setting);
  try {
    return path.join(env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'alembic-preflight');
  } catch {
    return null;
  }
}

/** Owned by this user and writable by nobody else (always true where there are no uids). */
export function ownedAndPrivate(st: { uid: number; mode: number }): boolean {
  if (typeof process.getuid !== 'function') return true;
  return st.uid === process.getuid() && (st.mode & 0o022) === 0;
}

/** The payload's CRC-32 (zlib's; a truncated SHA-1 where this Node has none). */
function checksum(payload: Buffer): number {
  const zlib = requireBuiltin('node:zlib') as { crc32?: (data: Buffer) => number };
  if (typeof zlib.crc32 === 'function') return zlib.crc32(payload);
  const { createHash } = requireBuiltin('node:crypto') as typeof Crypto;
  return createHash('sha1').update(payload).digest().readUInt32LE(0);
}

/**
 * mkdir -p that always ends. Node's recursive mkdir retries a folder whose mkdir fails with ENOENT
 * after its parent reports EEXIST, which on procfs or sysfs (a cache path such as /proc/x) never
 * changes: the process spins at full CPU after its work is done, and a release phase never ends.
 * Each missing folder is made once, top down; any failure but EEXIST throws.
 */
export function makeDirs(dir: string, mode: number): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      if (statSync(d).isDirectory()) break;
      throw Object.assign(new Error(`${d} is not a folder`), { code: 'ENOTDIR' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || path.dirname(d) === d) throw e;
      missing.push(d);
    }
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, { mode });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** FNV-1a, 32 bits, as 8 hex digits: a cache file's name, not a defence (the ownership checks are). */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

const MAC_LENGTH = 32;

/**
 * A private file whose payload is also sealed with an HMAC-SHA256 under `secret`: only a run that
 * holds the secret (this install's, `cacheSecret` below) can have written it. A file copied from
 * elsewhere, committed to a repository or edited with its CRC recomputed reads as undefined.
 */
export function readSealedFile(file: string, magic: Buffer, secret: Buffer): Buffer | undefined {
  const framed = readPrivateFile(file, magic);
  if (framed === undefined || framed.length < MAC_LENGTH) return undefined;
  const { createHmac, timingSafeEqual } = requireBuiltin('node:crypto') as typeof Crypto;
  const payload = framed.subarray(MAC_LENGTH);
  const mac = createHmac('sha256', secret).update(magic).update(payload).digest();
  return timingSafeEqual(mac, framed.subarray(0, MAC_LENGTH)) ? payload : undefined;
}

/** Writes a file readSealedFile accepts under the same secret (atomically, as writePrivateFile). */
export function writeSealedFile(file: string, magic: Buffer, payload: Buffer, secret: Buffer): boolean {
  const { createHmac } = requireBuiltin('node:crypto') as typeof Crypto;
  const mac = createHmac('sha256', secret).update(magic).update(payload).digest();
  return writePrivateFile(file, magic, Buffer.concat([mac, payload]));
}

/**
 * Removes the files of a cache folder that `stale` picks, given each name and a way to ask when it
 * was last written (asked only of the names it looks at: the folder is listed on every run); silent
 * when another run removed one first.
 */
export function pruneFolder(dir: string, stale: (name: string, mtimeMs: () => number) => boolean): void {
  try {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (stale(name, () => statSync(file).mtimeMs)) unlinkSync(file);
    }
  } catch {
    // another run removed it first
  }
}

// ---- the key that seals the result cache

const SECRET_BYTES = 32;
const NAME = '.alembic-preflight-cache-secret';

/**
 * The secret that seals this install's result cache: a random key kept beside the installed tool
 * (the bundle's folder, or the single executable's), made on first use. A cache is then trusted only
 * when this install wrote it: a results file committed to a repository, copied from another machine
 * or crafted with a recomputed checksum does not carry its seal. Where the install's folder cannot be
 * written (a system-wide install), the key lives in this user's cache folder, unless that folder is
 * inside the project being read (HOME=/app on a Heroku dyno), where a repository could supply it.
 * Undefined when neither works: nothing is cached then.
 */
export function cacheSecret(
  installDir: string | undefined,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): Buffer | undefined {
  if (installDir !== undefined) {
    const own = secretIn(path.join(installDir, NAME));
    if (own) return own;
  }
  const home = toolCacheDir(undefined, cwd, env);
  if (home === null || isInside(home, cwd)) return undefined;
  try {
    makeDirs(home, 0o700);
  } catch {
    return undefined;
  }
  return secretIn(path.join(home, NAME));
}

/** Whether `dir` is `root` or below it. */
export function isInside(dir: string, root: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(dir));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The key in `file`, made there first when it is missing; undefined when it cannot be read or made, or is not private. */
function secretIn(file: string): Buffer | undefined {
  const existing = readKey(file);
  if (existing !== 'missing') return existing;
  const { randomBytes } = requireBuiltin('node:crypto') as typeof Crypto;
  let fd: number | undefined;
  try {
    // 'wx': two first runs at once both try, and the loser reads the winner's
    fd = openSync(file, 'wx', 0o600);
    const key = randomBytes(SECRET_BYTES);
    writeSync(fd, key);
    return key;
  } catch {
    const again = readKey(file);
    return again === 'missing' ? undefined : again;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function readKey(file: string): Buffer | undefined | 'missing' {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || !ownedAndPrivate(st) || st.size !== SECRET_BYTES) return undefined;
    const key = Buffer.alloc(SECRET_BYTES);
    return readSync(fd, key, 0, SECRET_BYTES, 0) === SECRET_BYTES ? key : undefined;
  } finally {
    closeSync(fd);
  }
}
