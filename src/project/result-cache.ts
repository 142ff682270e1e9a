/**
 * What reading each revision file gave, kept between runs: keyed by the SHA-256 of the file's bytes,
 * in one file per project and build of the tool (the key the build writes beside the bundle, so a
 * changed reader never meets an old result). The model asks it only for files the fast path leaves,
 * which it then reads only once.
 * The file is private and checksummed (private-file.ts); one that is missing, corrupt, another
 * build's or another user's counts as empty. It is written atomically, only when it would change.
 */
import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fnv1a, pruneFolder, readSealedFile, toolCacheDir, writeSealedFile } from './private-file.js';

/**
 * Stored results, as JSON values, by the content they were read from (its digest) and their kind: a
 * file's reading (the default kind) and what the lints found in it are kept apart.
 */
export interface ResultCache {
  /** The SHA-256 of these bytes, as get() and set() take it. */
  digest(bytes: Buffer): string;
  /** The result of this kind stored for the content with this digest, or undefined. */
  get(digest: string, kind?: string): unknown;
  /** Stores a result (JSON-serialisable) for the content with this digest. */
  set(digest: string, value: unknown, kind?: string): void;
  /** How many get() calls of a kind found a result, and how many did not. */
  stats(kind?: string): { readonly hits: number; readonly misses: number };
  /**
   * Writes the results this run used or made, when that differs from the file read; where it went,
   * or undefined. Results of a kind this run never asked for are kept as they were.
   */
  save(): string | undefined;
}

const MAGIC = Buffer.from('APRC0002', 'latin1');
/** node:crypto, loaded on the first file to hash: a project of plain files never needs it. */
const requireBuiltin = createRequire(import.meta.url);

/**
 * The cache folder: --cache-dir, else $ALEMBIC_PREFLIGHT_CACHE (a folder, or off), else
 * $XDG_CACHE_HOME/alembic-preflight or ~/.cache/alembic-preflight; null when turned off. Relative
 * paths are from the working folder.
 */
export function resultCacheDir(
  cwd: string,
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  return toolCacheDir(flag ?? env['ALEMBIC_PREFLIGHT_CACHE'], cwd, env);
}

/**
 * The cache of the project whose revision files are under `scriptDir`, for the tool build `key`,
 * sealed with this install's `secret` (`cacheSecret` in private-file.ts): a file it did not write is not read.
 * The file is named after the script folder's path relative to the cache folder, so a cache kept
 * inside the project (a build step's) is found again when the project has moved (Heroku builds in
 * one folder and releases from another).
 */
export function diskResultCache(dir: string, scriptDir: string, key: string, secret: Buffer): ResultCache {
  const file = path.join(dir, `results-${fnv1a(path.relative(dir, scriptDir))}.bin`);
  // read on the first question: a run whose files all take the fast path (most small projects, every
  // empty one) never asks, and reading and checking the sealed file is a tenth of such a run
  let loaded = false;
  let storedEntries: Map<string, unknown> | undefined;
  const storedMap = (): Map<string, unknown> | undefined => {
    if (!loaded) {
      loaded = true;
      storedEntries = readEntries(file, key, secret);
    }
    return storedEntries;
  };
  const used = new Map<string, unknown>();
  const counts = new Map<string, { hits: number; misses: number }>();
  let changed = false;
  const counted = (kind: string): { hits: number; misses: number } => {
    let c = counts.get(kind);
    if (!c) counts.set(kind, (c = { hits: 0, misses: 0 }));
    return c;
  };
  // a reading is stored under the bare digest, any other kind under "kind:digest"
  const entryKey = (digest: string, kind: string): string => (kind === '' ? digest : `${kind}:${digest}`);
  return {
    digest: (bytes) =>
      (requireBuiltin('node:crypto') as typeof Crypto).createHash('sha256').update(bytes).digest('base64url'),
    get(digest, kind = '') {
      const h = entryKey(digest, kind);
      const value = storedMap()?.get(h) ?? used.get(h);
      const c = counted(kind);
      if (value === undefined) {
        c.misses++;
        return undefined;
      }
      c.hits++;
      used.set(h, value);
      return value;
    },
    set(digest, value, kind = '') {
      counted(kind);
      used.set(entryKey(digest, kind), value);
      changed = true;
    },
    stats(kind = '') {
      const { hits, misses } = counts.get(kind) ?? { hits: 0, misses: 0 };
      return { hits, misses };
    },
    save() {
      // nothing asked and nothing added: the file stays as it is, unread
      if (!loaded && !changed) return undefined;
      const stored = storedMap();
      // a kind this run never asked for (the lints' findings, in a run without lints) stays as it was
      if (stored) for (const [h, v] of stored) if (!used.has(h) && !counts.has(kindOf(h))) used.set(h, v);
      // unchanged: every result came from the file, and the file holds no other
      if (!changed && stored !== undefined && stored.size === used.size) return undefined;
      const payload = Buffer.from(JSON.stringify({ key, entries: Object.fromEntries(used) }, bigIntsTagged));
      if (!writeSealedFile(file, MAGIC, payload, secret)) return undefined;
      dropStale(dir);
      return file;
    },
  };
}

/** The kind of a stored entry's key: what precedes the digest ("" for a reading; digests hold no colon). */
function kindOf(entryKey: string): string {
  const colon = entryKey.lastIndexOf(':');
  return colon < 0 ? '' : entryKey.slice(0, colon);
}

/** Results no run has written for a month (a project gone, a test's folder), and temporary files a killed run left. */
function dropStale(dir: string): void {
  const monthAgo = Date.now() - 30 * 86_400_000;
  const hourAgo = Date.now() - 3_600_000;
  pruneFolder(
    dir,
    (name, mtime) =>
      name.startsWith('results-') &&
      (name.endsWith('.bin') ? mtime() < monthAgo : name.endsWith('.tmp') && mtime() < hourAgo),
  );
}

/** The stored results when the file is this build's, intact, private and sealed by this install; undefined otherwise. */
function readEntries(file: string, key: string, secret: Buffer): Map<string, unknown> | undefined {
  const payload = readSealedFile(file, MAGIC, secret);
  if (payload === undefined) return undefined;
  try {
    const doc = JSON.parse(payload.toString('utf8')) as { key?: unknown; entries?: unknown };
    if (doc.key !== key || typeof doc.entries !== 'object' || doc.entries === null) return undefined;
    return new Map(
      Object.entries(doc.entries as Record<string, unknown>).map(([h, v]) => [h, untagBigInts(v)]),
    );
  } catch {
    return undefined;
  }
}

/** JSON has no big integers: each is stored as {"$bigint": "<decimal>"}. */
function bigIntsTagged(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? { $bigint: value.toString() } : value;
}

function untagBigInts(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = untagBigInts(value[i]);
    return value;
  }
  const o = value as Record<string, unknown>;
  if (typeof o['$bigint'] === 'string' && Object.keys(o).length === 1) return BigInt(o['$bigint']);
  for (const k of Object.keys(o)) o[k] = untagBigInts(o[k]);
  return o;
}
