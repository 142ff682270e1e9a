import type * as Crypto from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { makeDirs, ownedAndPrivate, toolCacheDir } from './private-file.js';

const requireBuiltin = createRequire(import.meta.url);
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
export function cacheSecret(installDir: string | undefined, cwd: string, env: Readonly<Record<string, string | undefined>>): Buffer | undefined {
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

function isInside(dir: string, root: string): boolean {
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
