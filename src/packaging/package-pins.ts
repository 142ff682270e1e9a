import path from 'node:path';
import type { ProjectFiles } from '../project/project-files.js';
import { parse as parseToml } from 'smol-toml';

/** An exact version of a Python package the project installs, and the file that says so. */
export interface PackagePin {
  readonly version: string;
  /** Where it was read: `poetry.lock`, `requirements.txt`, `requirements/base.txt (via requirements.txt)`. */
  readonly source: string;
}

/** Reads a file of the project by its path relative to the root; undefined when absent or unreadable. */
export type ReadProjectFile = (rel: string) => string | undefined;

export function projectFileReader(files: ProjectFiles, cwd: string): ReadProjectFile {
  return (rel) => files.text(path.join(cwd, rel));
}

/** PEP 503's normal form: case-blind, runs of -, _ and . alike. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/gu, '-');
}

/**
 * The version of `pkg` the deploy installs, read in the order Heroku's Python buildpack picks its package
 * manager (Pipfile.lock, then requirements.txt, poetry.lock, uv.lock), then the other lockfiles and exact
 * pins a project may carry instead (pdm.lock, pyproject.toml's dependencies, setup.cfg, setup.py, the
 * requirements files beside requirements.txt). Only an exact version counts: a range says nothing about
 * which release a fresh install gets.
 */
export function pinnedVersion(pkg: string, read: ReadProjectFile): PackagePin | undefined {
  const want = normalizeName(pkg);
  const readers: (() => PackagePin | undefined)[] = [
    () => fromPipfileLock(want, read),
    () => fromRequirements('requirements.txt', want, read),
    () => fromLock('poetry.lock', want, read),
    () => fromLock('uv.lock', want, read),
    () => fromLock('pdm.lock', want, read),
    () => fromPyproject(want, read),
    () => fromSetupCfg(want, read),
    () => fromSetupPy(want, read),
    () => fromRequirements('requirements/base.txt', want, read) ?? fromRequirements('requirements/prod.txt', want, read) ?? fromRequirements('requirements/production.txt', want, read),
  ];
  for (const r of readers) {
    const pin = r();
    if (pin) return pin;
  }
  return undefined;
}

function fromPipfileLock(want: string, read: ReadProjectFile): PackagePin | undefined {
  const text = read('Pipfile.lock');
  if (text === undefined) return undefined;
  let doc: { default?: Record<string, { version?: string }> };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    return undefined;
  }
  // Heroku installs the default section only
  for (const [name, entry] of Object.entries(doc.default ?? {})) {
    if (normalizeName(name) !== want) continue;
    const v = exactVersion(entry?.version ?? '');
    if (v) return { version: v, source: 'Pipfile.lock' };
  }
  return undefined;
}

/** `==1.2.3` or `===1.2.3` (a trailing `.*` is a range, not a pin). */
function exactVersion(spec: string): string | undefined {
  const m = /^\s*===?\s*(\d+(?:\.\d+)*)\s*$/u.exec(spec);
  return m?.[1];
}

/** A requirement line's name and exact version, as pip reads `name[extras] == X ; marker`. */
function requirementPin(line: string): { name: string; version?: string } | undefined {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*)/u.exec(line);
  if (!m) return undefined;
  const spec = m[3]!.trim();
  // several specifiers (`>=1.0,==1.2.3`): an == among them decides
  const exact = spec.split(',').map(exactVersion).find((v) => v !== undefined);
  return { name: normalizeName(m[1]!), version: exact };
}

/** A requirement line without its comment: pip's comments start at a # at the line's start or after a blank. */
function withoutComment(line: string): string {
  for (let i = line.indexOf('#'); i >= 0; i = line.indexOf('#', i + 1)) if (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t') return line.slice(0, i);
  return line;
}

/** pip's logical lines: comments dropped, backslash continuations joined. */
function logicalLines(text: string): string[] {
  return text
    .replace(/\\\r?\n/gu, '')
    .split(/\r?\n/u)
    .map((l) => withoutComment(l).trim())
    .filter((l) => l !== '');
}

/**
 * A requirements file as pip reads it: `-r FILE` / `--requirement FILE` includes (relative to the file
 * that names them), `-c FILE` / `--constraint FILE` pins. A pin in the file itself wins over a constraint.
 */
function fromRequirements(file: string, want: string, read: ReadProjectFile, seen = new Set<string>(), via?: string): PackagePin | undefined {
  const rel = path.posix.normalize(file);
  if (seen.has(rel) || seen.size > 50) return undefined;
  seen.add(rel);
  const text = read(rel);
  if (text === undefined) return undefined;
  const source = via ? `${rel} (via ${via})` : rel;
  const nested: { file: string; kind: 'r' | 'c' }[] = [];
  for (const line of logicalLines(text)) {
    const opt = /^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=[^\s-]))(\S+)/u.exec(line);
    if (opt) {
      nested.push({ file: path.posix.join(path.posix.dirname(rel), opt[2]!), kind: opt[1]!.startsWith('-c') || opt[1] === '--constraint' ? 'c' : 'r' });
      continue;
    }
    if (line.startsWith('-')) continue;
    const pin = requirementPin(line);
    if (pin?.name === want && pin.version) return { version: pin.version, source };
  }
  for (const n of nested) {
    const pin = fromRequirements(n.file, want, read, seen, rel);
    if (pin) return pin;
  }
  return undefined;
}

/** poetry.lock, uv.lock and pdm.lock: `[[package]]` tables with a name and the version resolved. */
function fromLock(file: string, want: string, read: ReadProjectFile): PackagePin | undefined {
  const doc = toml(read(file));
  const packages = doc?.['package'];
  if (!Array.isArray(packages)) return undefined;
  for (const p of packages as Record<string, unknown>[]) {
    if (typeof p?.['name'] === 'string' && normalizeName(p['name']) === want && typeof p['version'] === 'string') return { version: p['version'], source: file };
  }
  return undefined;
}

/** pyproject.toml: `[project] dependencies` (PEP 508 strings) and `[tool.poetry.dependencies]` (a bare version is exact in Poetry). */
function fromPyproject(want: string, read: ReadProjectFile): PackagePin | undefined {
  const doc = toml(read('pyproject.toml'));
  if (!doc) return undefined;
  const project = doc['project'] as { dependencies?: unknown } | undefined;
  for (const dep of Array.isArray(project?.dependencies) ? project.dependencies : []) {
    const pin = typeof dep === 'string' ? requirementPin(dep) : undefined;
    if (pin?.name === want && pin.version) return { version: pin.version, source: 'pyproject.toml' };
  }
  const poetry = ((doc['tool'] as Record<string, unknown> | undefined)?.['poetry'] as Record<string, unknown> | undefined)?.['dependencies'] as Record<string, unknown> | undefined;
  for (const [name, spec] of Object.entries(poetry ?? {})) {
    if (normalizeName(name) !== want) continue;
    const text = typeof spec === 'string' ? spec : typeof (spec as { version?: unknown })?.version === 'string' ? (spec as { version: string }).version : '';
    const v = /^\s*(\d+(?:\.\d+)*)\s*$/u.exec(text)?.[1] ?? exactVersion(text);
    if (v) return { version: v, source: 'pyproject.toml' };
  }
  return undefined;
}

/** setup.cfg's `[options] install_requires`, one requirement a line. */
function fromSetupCfg(want: string, read: ReadProjectFile): PackagePin | undefined {
  const text = read('setup.cfg');
  if (text === undefined) return undefined;
  let inRequires = false;
  for (const raw of text.split(/\r?\n/u)) {
    if (/^\S/u.test(raw)) inRequires = /^install_requires\s*=/u.test(raw);
    if (!inRequires) continue;
    const pin = requirementPin(raw.replace(/^install_requires\s*=/u, ''));
    if (pin?.name === want && pin.version) return { version: pin.version, source: 'setup.cfg' };
  }
  return undefined;
}

/** setup.py: a quoted requirement string anywhere (install_requires is a list of them). */
function fromSetupPy(want: string, read: ReadProjectFile): PackagePin | undefined {
  const text = read('setup.py');
  if (text === undefined) return undefined;
  for (const m of text.matchAll(/["']([^"'\n]*)["']/gu)) {
    const pin = requirementPin(m[1]!);
    if (pin?.name === want && pin.version) return { version: pin.version, source: 'setup.py' };
  }
  return undefined;
}

function toml(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
