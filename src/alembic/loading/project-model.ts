import { revisionFoldersElsewhere } from './revisions-elsewhere.js';
import path from 'node:path';
import { loadProjectConfig, type ConfigOptions, type ProjectConfig } from '../config/alembic-config.js';
import { featuresOf, type AlembicVersion } from '../config/alembic-version.js';
import { withBaselineTier, withBaselineTierAsync } from '../../python/compiler-tier.js';
import { discoverRevisionFiles, type DiscoveryResult, type SkippedTwice } from './discovery.js';
import type { PyUnknown, PyValue } from '../../python/python-value.js';
import { buildRevisionMap, type GraphProblem, type RevisionMap } from '../graph/revision-map.js';
import { importChecker, projectImportRoots } from '../reading/import-resolver.js';
import { readModuleConstants } from '../reading/revision-reader.js';
import {
  loadScript,
  relativeDisplay,
  type AlembicFailure,
  type FileProblem,
  type ScriptFile,
} from './script-loader.js';
import { decodePythonSource, sourceOutcome, type SourceOutcome } from '../reading/source-reader.js';
import type { ResultCache } from '../../project/result-cache.js';
import { readRevisionSourceFaithful, type ReadResult } from '../reading/revision-reader.js';
import { readRevisionFast } from '../reading/fast-revision-reader.js';

export interface ProjectModel {
  readonly config: ProjectConfig;
  readonly alembicVersion: AlembicVersion;
  readonly files: readonly ScriptFile[];
  readonly loadedTwice: readonly SkippedTwice[];
  readonly map: RevisionMap;
  /** The first thing that makes Alembic fail while loading the scripts, in Alembic's order. */
  readonly failure?: {
    readonly failure: AlembicFailure;
    readonly file?: ScriptFile;
    readonly problem: FileProblem | GraphProblem;
  };
  /** False when some value could not be known statically: the graph may differ from Alembic's. */
  readonly complete: boolean;
  /**
   * Each revision file's text as Python decoded it, read once while the model is built: the lints, the
   * suppressions, the schema probes and rehearse read it from here, never from the disk again.
   */
  readonly texts: ReadonlyMap<string, string>;
  /** Each revision file's SHA-256 (ResultCache.digest), kept when the lints ask for it and a result cache is on. */
  readonly digests?: ReadonlyMap<string, string>;
  /** With no revision file in the version locations: the project's other folders that hold some (relative). */
  readonly revisionsElsewhere?: readonly string[];
}

export type LoadOptions = ConfigOptions & ModelOptions;

/** CPython's verdict on one source: its exception's class, message and line. */
export interface SyntaxVerdict {
  readonly exception: string;
  readonly message: string;
  readonly line: number;
}

/** An interpreter that compiles sources (never runs them), for the files the fast path cannot clear. */
export interface SyntaxOracle {
  /** The result cache's kind for its verdicts: one per interpreter and version. */
  readonly key: string;
  /** compile() of each source: null when it compiles; undefined when the interpreter could not answer. */
  compile(
    sources: readonly { readonly bytes: Buffer; readonly path: string }[],
  ): { readonly minor: number; readonly verdicts: readonly (SyntaxVerdict | null)[] } | undefined;
}

export interface ModelOptions {
  /** Keep each revision file's digest (`digests`), by which the lints look up what they found in it before. */
  readonly lintDigests?: boolean;
  /** Each revision file's reading from an earlier run, by content; what this run reads is added to it. */
  readonly cache?: ResultCache;
  /** Called with each revision file's decoded text as it is read (and its digest when a cache is on): facts taken from it without keeping it. */
  readonly onText?: (absPath: string, text: string, digest: string | undefined) => void;
  /**
   * The interpreter the migrations will be imported by: the files the fast path cannot clear are
   * compiled by it in one batch, and where it rejects one the static reader cleared, its verdict is
   * the file's. Absent: the static readers' verdict stands.
   */
  readonly syntaxOracle?: SyntaxOracle;
}

/** A revision file's text as Python decoded it when the model read it; undefined when it could not be read or decoded. */
export function revisionText(model: ProjectModel, absPath: string): string | undefined {
  return model.texts.get(absPath);
}

/** A revision's file, its path as the reports name it, where it is and its text; undefined when it has none the model could read. */
export function revisionFile(
  model: ProjectModel,
  revision: string,
): { path: string; absPath: string; text: string } | undefined {
  const rev = model.map.byKey.get(revision);
  const text = rev ? revisionText(model, rev.file.absPath) : undefined;
  return rev && text !== undefined ? { path: rev.file.path, absPath: rev.file.absPath, text } : undefined;
}

/** Reads the configuration and every revision file, and builds the graph as Alembic would. */
export async function loadProject(opts: LoadOptions): Promise<ProjectModel> {
  const config = await loadProjectConfig(opts);
  return modelFromConfig(config, opts.alembicVersion, undefined, opts);
}

/**
 * `overlay` replaces file contents, or adds files that are not on disk yet
 * (placed after the discovered ones): what a planned edit would load as.
 */
export function modelFromConfig(
  config: ProjectConfig,
  alembicVersion: AlembicVersion,
  overlay?: ReadonlyMap<string, Buffer>,
  opts: ModelOptions = {},
): ProjectModel {
  const build = modelBuild(config, alembicVersion, overlay, opts);
  return withBaselineTier(build.total, () => {
    build.load(() => false);
    return build.finish();
  });
}

/**
 * The same model, read while other work waits on the network (verify's database read): the files
 * are read in slices of about SLICE_MS, and between slices the event loop runs, so a connection's
 * round trips (TCP, TLS, authentication, queries) go on during the reading instead of before it.
 * Once `waiting()` says that work is done, the rest is read without pausing. `abandon()` is asked
 * after each pause and may throw (the database failed: its error is the run's answer, and reading on
 * would only delay it). The result is the same as modelFromConfig's.
 */
export async function modelFromConfigAlongside(
  config: ProjectConfig,
  alembicVersion: AlembicVersion,
  other: { readonly waiting: () => boolean; readonly abandon: () => void },
  opts: ModelOptions = {},
): Promise<ProjectModel> {
  // one pause first: the other work, just started, runs up to its first real wait (a connection opening)
  await pause();
  other.abandon();
  const build = modelBuild(config, alembicVersion, undefined, opts);
  return withBaselineTierAsync(build.total, async () => {
    while (other.waiting()) {
      const until = performance.now() + SLICE_MS;
      if (build.load(() => performance.now() > until)) break;
      await pause();
      other.abandon();
    }
    build.load(() => false);
    return build.finish();
  });
}

/** Lets the event loop run: I/O that has arrived is handled, then the reading goes on. */
const pause = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Long enough that pausing costs nothing measurable, short enough that a round trip's answer waits at most this long. */
const SLICE_MS = 4;

interface ModelBuild {
  /** How many revision files there are to read. */
  readonly total: number;
  /** Reads files in order until all are read (true) or `enough()` says to pause (false). */
  load(enough: () => boolean): boolean;
  /** The graph, and Alembic's first failure, once every file is read. */
  finish(): ProjectModel;
}

function modelBuild(
  config: ProjectConfig,
  alembicVersion: AlembicVersion,
  overlay: ReadonlyMap<string, Buffer> | undefined,
  opts: ModelOptions,
): ModelBuild {
  const features = featuresOf(alembicVersion);
  const discovery = withOverlay(
    discoverRevisionFiles(config.files, config.versionLocations, {
      recursive: config.recursive,
      sourceless: config.sourceless,
      features,
    }),
    overlay,
  );
  const texts = new Map<string, string>();
  const cache = opts.cache;
  // a run that lints with a cache looks up what the lints found in each file by its digest
  const digests = opts.lintDigests === true && cache ? new Map<string, string>() : undefined;
  const oracle = opts.syntaxOracle;
  // the files the fast path did not clear, for the interpreter to compile at the end
  const slow: SlowFile[] = [];
  const sourceOf = (file: string, index: number): SourceOutcome => {
    const content = overlay?.get(file) ?? config.files.source(file);
    let digest: string | undefined;
    const outcome = sourceOutcome(content, (text, bytes) => {
      // the bytes are a view the next read overwrites: digest them now, once, and only when asked
      const once = (): string => (digest ??= cache!.digest(bytes));
      if (cache && digests) once();
      const fast = readRevisionFast(text);
      if (fast) return fast;
      const reading = cache ? cachedReading(cache, text, once) : readRevisionSourceFaithful(text);
      if (oracle)
        slow.push({
          index,
          path: file,
          bytes: Buffer.from(bytes),
          text,
          reading,
          ...(cache ? { digest: once() } : {}),
        });
      return reading;
    });
    if (outcome.kind === 'read') texts.set(file, outcome.text);
    if (opts.onText && outcome.kind === 'read') opts.onText(file, outcome.text, digest);
    if (digests && digest !== undefined && outcome.kind === 'read') digests.set(file, digest);
    return outcome;
  };
  const resolveImported = importResolver(config);
  const importable = importChecker(config);
  const display = displayPaths(config.cwd);
  const found = discovery.files;
  const files: ScriptFile[] = [];
  return {
    total: found.length,
    load(enough) {
      while (files.length < found.length) {
        const i = files.length;
        const f = found[i]!;
        files.push(
          loadScript(
            i,
            f,
            display(f.loadPath),
            () => sourceOf(f.loadPath, i),
            features,
            resolveImported,
            importable,
            config.python,
          ),
        );
        if (enough()) return files.length === found.length;
      }
      return true;
    },
    finish() {
      if (oracle && slow.length > 0) {
        for (const [s, patch] of interpreterVerdicts(oracle, slow, cache)) {
          const f = found[s.index]!;
          const read: ReadResult = { ...s.reading, ...patch };
          files[s.index] = loadScript(
            s.index,
            f,
            display(f.loadPath),
            () => ({ kind: 'read', read, text: s.text }),
            features,
            resolveImported,
            importable,
            config.python,
          );
        }
      }
      const map = buildRevisionMap(files);
      const failure = firstFailure(files, map);
      const complete = files.every(
        (f) =>
          !f.problems.some((p) => p.code === 'not-statically-known' || p.code === 'bytecode-only-revision'),
      );
      const elsewhere = files.length === 0 ? revisionFoldersElsewhere(config) : [];
      return {
        config,
        alembicVersion,
        files,
        loadedTwice: discovery.loadedTwice,
        map,
        failure,
        complete,
        texts,
        ...(digests ? { digests } : {}),
        ...(elsewhere.length > 0 ? { revisionsElsewhere: elsewhere } : {}),
      };
    },
  };
}

/** The discovered files and the planned ones of an overlay (backfill's placeholders) that are not on disk yet. */
function withOverlay(
  discovery: DiscoveryResult,
  overlay: ReadonlyMap<string, Buffer> | undefined,
): DiscoveryResult {
  if (!overlay) return discovery;
  const known = new Set(discovery.files.map((f) => f.loadPath));
  const added = [...overlay.keys()].filter((p) => !known.has(p)).sort();
  return {
    ...discovery,
    files: [
      ...discovery.files,
      ...added.map((p) => ({
        loadPath: p,
        fileName: path.basename(p),
        realPath: p,
        kind: 'source' as const,
      })),
    ],
  };
}

/** What stops Alembic first: a file's problem in load order, else the revision map's. */
function firstFailure(
  files: readonly ScriptFile[],
  map: ReturnType<typeof buildRevisionMap>,
): ProjectModel['failure'] {
  for (const file of files) {
    const p = file.problems.find((x) => x.failure);
    if (p) return { failure: p.failure!, file, problem: p };
  }
  return map.failure
    ? { failure: map.failure.failure!, file: map.failure.rev?.file, problem: map.failure }
    : undefined;
}

/** A revision file the fast path did not clear: where it is, what it holds, and what the static reader read. */
interface SlowFile {
  readonly index: number;
  readonly path: string;
  readonly bytes: Buffer;
  readonly text: string;
  readonly reading: ReadResult;
  readonly digest?: string;
}

/**
 * The files the interpreter rejects, with the interpreter's error: its own words and line, where the
 * static reader saw none and where both refuse the file (the reader's wording copies CPython's, and
 * can name another of several errors). Where the interpreter compiles a file the reader refused, the
 * reader's error stands: its reading stopped there, so the file's values are not known. The verdicts
 * are kept in the result cache by content. A file whose newer syntax the reader already grades
 * against the interpreter's version is left to needs-newer-python, which takes the interpreter's
 * words as what Alembic prints.
 */
function interpreterVerdicts(
  oracle: SyntaxOracle,
  slow: readonly SlowFile[],
  cache: ResultCache | undefined,
): [SlowFile, Pick<ReadResult, 'syntaxError'> | Pick<ReadResult, 'newer'>][] {
  const kind = oracle.key;
  const known = new Map<SlowFile, { minor: number; verdict: SyntaxVerdict | null }>();
  const ask: SlowFile[] = [];
  for (const s of slow) {
    const kept =
      s.digest !== undefined
        ? (cache?.get(s.digest, kind) as { minor: number; verdict: SyntaxVerdict | null } | undefined)
        : undefined;
    if (kept) known.set(s, kept);
    else ask.push(s);
  }
  if (ask.length > 0) {
    const answer = oracle.compile(ask.map((s) => ({ bytes: s.bytes, path: s.path })));
    if (!answer) return [];
    ask.forEach((s, i) => {
      const v = { minor: answer.minor, verdict: answer.verdicts[i] ?? null };
      known.set(s, v);
      if (s.digest !== undefined) cache?.set(s.digest, v, kind);
    });
  }
  const out: [SlowFile, Pick<ReadResult, 'syntaxError'> | Pick<ReadResult, 'newer'>][] = [];
  for (const [s, { minor, verdict }] of known) {
    if (!verdict) continue;
    const newer = s.reading.newer ?? [];
    if (newer.some((n) => n.since > minor)) {
      // needs-newer-python's finding, with the words this Python prints on it
      if (verdict.exception === 'SyntaxError')
        out.push([
          s,
          {
            newer: newer.map((n) =>
              n.since > minor ? { ...n, message: verdict.message, messageFrom: minor } : n,
            ),
          },
        ]);
      continue;
    }
    const marker = s.reading.syntaxError?.conflictMarkerLine;
    out.push([
      s,
      {
        syntaxError: {
          message: verdict.message,
          line: verdict.line,
          col: 0,
          ...(verdict.exception !== 'SyntaxError' ? { exception: verdict.exception } : {}),
          ...(marker !== undefined ? { conflictMarkerLine: marker } : {}),
        },
      },
    ]);
  }
  return out;
}

/**
 * A file's reading off the fast path: the cache's for these bytes, else the faithful reader's (then
 * kept). The cache holds only what the fast path leaves: reading a plain file costs less than
 * hashing it and finding it again.
 */
function cachedReading(cache: ResultCache, text: string, digest: () => string): ReadResult {
  const cached = cache.get(digest()) as ReadResult | undefined;
  if (cached) return cached;
  const read = readRevisionSourceFaithful(text);
  cache.set(digest(), read);
  return read;
}

/**
 * relativeDisplay, with a shortcut for the common case of files under the
 * working folder: path.relative normalises both paths on every call.
 */
function displayPaths(cwd: string): (abs: string) => string {
  const prefix = cwd.endsWith(path.sep) ? cwd : cwd + path.sep;
  return (abs) =>
    abs.startsWith(prefix) &&
    !abs.includes(`${path.sep}.`, prefix.length - 1) &&
    !abs.includes(path.sep + path.sep)
      ? abs.slice(prefix.length)
      : relativeDisplay(cwd, abs);
}

/**
 * Resolves `from pkg.module import NAME` when pkg/module.py is in the repository
 * and binds NAME to a literal at module level. Anything else stays unknown.
 * Searched: Python's path where Alembic runs, then the folders up to the
 * repository's root, whose packages count as installed as they do for
 * unresolved-import (Neutron runs Alembic from neutron/db/migration and reads
 * its branch labels from neutron.db.migration.cli, which pip installed).
 */
function importResolver(config: ProjectConfig): (u: PyUnknown) => PyValue | undefined {
  const roots = projectImportRoots(config);
  const cache = new Map<string, ReadonlyMap<string, PyValue> | null>();
  const constantsOf = (module: string): ReadonlyMap<string, PyValue> | null => {
    if (cache.has(module)) return cache.get(module)!;
    let found: ReadonlyMap<string, PyValue> | null = null;
    const parts = module.split('.');
    outer: for (const root of roots) {
      for (const candidate of [path.join(root, ...parts) + '.py', path.join(root, ...parts, '__init__.py')]) {
        const bytes = config.files.bytes(candidate);
        // not here; try the next root
        if (bytes === undefined) continue;
        // decoded as Python reads it: a module that does not compile resolves nothing
        const decoded = decodePythonSource(bytes);
        found = 'text' in decoded ? readModuleConstants(decoded.text) : null;
        break outer;
      }
    }
    cache.set(module, found);
    return found;
  };
  return (u) => {
    if (!u.importedFrom || u.importedFrom.level > 0 || !u.importedFrom.module) return undefined;
    const v = constantsOf(u.importedFrom.module)?.get(u.importedFrom.name);
    return v && (v.t === 'str' || v.t === 'none' || v.t === 'tuple' || v.t === 'list') ? v : undefined;
  };
}
