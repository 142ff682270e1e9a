import { lstatSync, opendirSync, readdirSync, readlinkSync, realpathSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import type { AlembicFeatures } from './alembic-version.js';
import type { VersionLocation } from './alembic-config.js';
import { fsName, fsPath, mayBeLossy } from './fs-path.js';

export interface DiscoveredFile {
  /** The path Alembic loads (the resolved target in new versions). */
  readonly loadPath: string;
  /** The name Alembic matched and uses for messages and the legacy id. */
  readonly fileName: string;
  readonly realPath: string;
  readonly kind: 'source' | 'bytecode';
}

export interface SkippedTwice {
  readonly realPath: string;
  readonly via: string;
}

export interface DiscoveryResult {
  readonly files: DiscoveredFile[];
  readonly loadedTwice: SkippedTwice[];
}

const ONLY_SOURCE = /^(?!\.#|__init__)(.*\.py)$/;
const SOURCELESS = /^(?!\.#|__init__)(.*\.py)(c|o)?$/;

/**
 * `ScriptDirectory._load_revisions` + `Script._list_py_dir` + the filename part
 * of `Script._from_path` (reference §2.1–2.3): which files Alembic executes, in
 * which order, with the loaded-twice check on real paths.
 */
export function discoverRevisionFiles(
  locations: readonly VersionLocation[],
  opts: { recursive: boolean; sourceless: boolean; features: AlembicFeatures },
): DiscoveryResult {
  const files: DiscoveredFile[] = [];
  const loadedTwice: SkippedTwice[] = [];
  const seen = new Set<string>();
  for (const loc of locations) {
    if (!opts.features.sortedWalk) {
      if (!loc.exists) continue;
    } else if (!loc.exists) continue;
    const candidates = opts.features.sortedWalk
      ? walkSorted(loc.absPath, opts.recursive && opts.features.recursiveVersionLocations, opts.sourceless)
      : listdirRaw(loc.absPath);
    for (const { path: candidate, real: knownReal } of candidates) {
      const real = knownReal ?? resolvePath(candidate);
      if (seen.has(real)) {
        loadedTwice.push({ realPath: real, via: candidate });
        continue;
      }
      seen.add(real);
      const loadPath = opts.features.sortedWalk ? real : candidate;
      const fileName = loadPath.slice(loadPath.lastIndexOf(path.sep) + 1);
      const re = opts.sourceless ? SOURCELESS : ONLY_SOURCE;
      const m = re.exec(fileName);
      if (!m) continue;
      const ext = m[2];
      if (ext === 'c' || ext === 'o') {
        const dir = path.dirname(loadPath);
        const pyExists = exists(path.join(dir, m[1]!));
        const pycExists = exists(path.join(dir, m[1]! + 'c'));
        if (pyExists || (ext === 'o' && pycExists)) continue;
        files.push({ loadPath, fileName, realPath: real, kind: 'bytecode' });
        continue;
      }
      files.push({ loadPath, fileName, realPath: real, kind: 'source' });
    }
  }
  return { files, loadedTwice };
}

/** A listed path; `real` is set when it is known without asking the OS (not a link, in a resolved folder). */
interface Candidate {
  readonly path: string;
  readonly real?: string;
}

/** Alembic ≥ 1.10: a top-down walk, files only, sorted by code point, optional recursion. */
function walkSorted(root: string, recursive: boolean, sourceless: boolean): Candidate[] {
  const out: Candidate[] = [];
  const visit = (dir: string): void => {
    if (path.basename(dir).endsWith('__pycache__')) return;
    let entries: (Dirent | Dirent<Buffer>)[];
    // the names as Python decodes them, listed again as bytes only when Node's decoding lost some
    let names: string[] | null = null;
    try {
      entries = readdirSync(fsPath(dir), { withFileTypes: true });
      if (entries.some((e) => mayBeLossy(e.name as string))) {
        const raw = readdirSync(fsPath(dir), { withFileTypes: true, encoding: 'buffer' });
        entries = raw;
        names = raw.map((e) => fsName(e.name));
      }
    } catch {
      return; // os.walk ignores errors
    }
    const fileNames: string[] = [];
    const links = new Set<string>();
    const dirs: string[] = [];
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const name = names === null ? (e.name as string) : names[i]!;
      if (e.isDirectory()) dirs.push(name);
      else if (e.isSymbolicLink()) {
        if (isDirFollow(path.join(dir, name))) continue; // never descended
        links.add(name);
        fileNames.push(name);
      } else fileNames.push(name);
    }
    fileNames.sort(codePointCompare);
    // one realpath per folder: a plain entry's real path is the folder's plus its name
    const realDir = resolvePath(dir);
    for (const f of fileNames) out.push({ path: joinName(dir, f), real: links.has(f) ? undefined : joinName(realDir, f) });
    if (sourceless) {
      const cache = path.join(dir, '__pycache__');
      if (exists(cache)) {
        const stems = new Set(fileNames.map((f) => f.split('.')[0]));
        for (const pyc of listdirRaw(cache)) {
          if (!stems.has(path.basename(pyc.path).split('.')[0])) out.push(pyc);
        }
      }
    }
    if (!recursive) return;
    dirs.sort(codePointCompare);
    for (const d of dirs) visit(path.join(dir, d));
  };
  visit(root);
  return out;
}

/** os.listdir order (Alembic < 1.10): the directory's own order, directories included. */
function listdirRaw(dir: string): Candidate[] {
  const out: Candidate[] = [];
  try {
    const d = opendirSync(fsPath(dir));
    try {
      for (let e = d.readSync(); e !== null; e = d.readSync()) out.push({ path: joinName(dir, e.name) });
    } finally {
      d.closeSync();
    }
    // readdir's order is the directory's too
    if (out.some((c) => mayBeLossy(c.path))) return readdirSync(fsPath(dir), { encoding: 'buffer' }).map((name) => ({ path: joinName(dir, fsName(name)) }));
  } catch {
    return out;
  }
  return out;
}

/** pathlib's resolve(strict=False): follows links as far as they go. */
function resolvePath(p: string): string {
  try {
    const real = realpathSync.native(fsPath(p));
    return mayBeLossy(real) ? fsName(realpathSync.native(fsPath(p), { encoding: 'buffer' })) : real;
  } catch {
    let current = p;
    for (let i = 0; i < 40; i++) {
      try {
        if (!lstatSync(fsPath(current)).isSymbolicLink()) break;
        current = path.resolve(path.dirname(current), fsName(readlinkSync(fsPath(current), { encoding: 'buffer' })));
      } catch {
        break;
      }
    }
    return path.resolve(current);
  }
}

/**
 * Python sorts str by code point; JS `<` compares UTF-16 units, which differ
 * only where a surrogate pair (a code point above U+FFFF) is the first difference.
 */
export function codePointCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if ((x >= 0xd800 && x <= 0xdfff) || (y >= 0xd800 && y <= 0xdfff)) return a.codePointAt(i)! - b.codePointAt(i)!;
    return x - y;
  }
  return a.length - b.length;
}

/** path.join for a resolved folder and a bare entry name, without re-normalising the folder each time. */
function joinName(dir: string, name: string): string {
  return dir.endsWith(path.sep) ? dir + name : dir + path.sep + name;
}

function exists(p: string): boolean {
  try {
    statSync(fsPath(p));
    return true;
  } catch {
    return false;
  }
}

function isDirFollow(p: string): boolean {
  try {
    return statSync(fsPath(p)).isDirectory();
  } catch {
    return false;
  }
}
