import path from 'node:path';
import type { ProjectFiles } from '../../project/project-files.js';
import type { AlembicFeatures } from '../config/alembic-version.js';
import type { VersionLocation } from '../config/alembic-config.js';

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
  files: ProjectFiles,
  locations: readonly VersionLocation[],
  opts: { recursive: boolean; sourceless: boolean; features: AlembicFeatures },
): DiscoveryResult {
  const found: DiscoveredFile[] = [];
  const loadedTwice: SkippedTwice[] = [];
  const seen = new Set<string>();
  for (const loc of locations) {
    if (!opts.features.sortedWalk) {
      if (!loc.exists) continue;
    } else if (!loc.exists) continue;
    const candidates = opts.features.sortedWalk
      ? walkSorted(
          files,
          loc.absPath,
          opts.recursive && opts.features.recursiveVersionLocations,
          opts.sourceless,
        )
      : listdirRaw(files, loc.absPath);
    for (const { path: candidate, real: knownReal } of candidates) {
      const real = knownReal ?? files.resolve(candidate);
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
        const pyExists = files.exists(path.join(dir, m[1]!));
        const pycExists = files.exists(path.join(dir, m[1]! + 'c'));
        if (pyExists || (ext === 'o' && pycExists)) continue;
        found.push({ loadPath, fileName, realPath: real, kind: 'bytecode' });
        continue;
      }
      found.push({ loadPath, fileName, realPath: real, kind: 'source' });
    }
  }
  return { files: found, loadedTwice };
}

/** A listed path; `real` is set when it is known without asking the OS (not a link, in a resolved folder). */
interface Candidate {
  readonly path: string;
  readonly real?: string;
}

/** Alembic ≥ 1.10: a top-down walk, files only, sorted by code point, optional recursion. */
function walkSorted(files: ProjectFiles, root: string, recursive: boolean, sourceless: boolean): Candidate[] {
  const out: Candidate[] = [];
  const visit = (dir: string): void => {
    if (path.basename(dir).endsWith('__pycache__')) return;
    // the names as Python decodes them
    const entries = files.entries(dir);
    if (entries === undefined) return; // os.walk ignores errors
    const fileNames: string[] = [];
    const links = new Set<string>();
    const dirs: string[] = [];
    for (const e of entries) {
      const name = e.name;
      if (e.dir) dirs.push(name);
      else if (e.link) {
        if (files.kind(path.join(dir, name)) === 'dir') continue; // never descended
        links.add(name);
        fileNames.push(name);
      } else fileNames.push(name);
    }
    fileNames.sort(codePointCompare);
    // one realpath per folder: a plain entry's real path is the folder's plus its name
    const realDir = files.resolve(dir);
    for (const f of fileNames)
      out.push({ path: joinName(dir, f), real: links.has(f) ? undefined : joinName(realDir, f) });
    if (sourceless) {
      const cache = path.join(dir, '__pycache__');
      if (files.exists(cache)) {
        const stems = new Set(fileNames.map((f) => f.split('.')[0]));
        for (const pyc of listdirRaw(files, cache)) {
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
function listdirRaw(files: ProjectFiles, dir: string): Candidate[] {
  return files.listdir(dir).map((name) => ({ path: joinName(dir, name) }));
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
    if ((x >= 0xd800 && x <= 0xdfff) || (y >= 0xd800 && y <= 0xdfff))
      return a.codePointAt(i)! - b.codePointAt(i)!;
    return x - y;
  }
  return a.length - b.length;
}

/** path.join for a resolved folder and a bare entry name, without re-normalising the folder each time. */
function joinName(dir: string, name: string): string {
  return dir.endsWith(path.sep) ? dir + name : dir + path.sep + name;
}
