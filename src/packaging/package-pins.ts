import path from 'node:path';
import type { ProjectFiles } from '../project/project-files.js';
import { parse as parseToml } from 'smol-toml';
import { dynoMarkers, evaluateMarker, type MarkerEnvironment } from './requirement-marker.js';

/** An exact version of a Python package the project installs, and the file that says so. */
export interface PackagePin {
  readonly version: string;
  /** Where it was read, with the line: `poetry.lock:212`, `requirements.txt:3`, `requirements/base.txt:7 (via requirements.txt)`. */
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
export function pinnedVersion(
  pkg: string,
  read: ReadProjectFile,
  markers: MarkerEnvironment = dynoMarkers(null),
): PackagePin | undefined {
  const want = normalizeName(pkg);
  const fromRequirements = (file: string): PackagePin | undefined =>
    requirementsPin(file, want, read, markers);
  const readers: (() => PackagePin | undefined)[] = [
    () => fromPipfileLock(want, read),
    () => fromRequirements('requirements.txt'),
    () => fromLock('poetry.lock', want, read),
    () => fromLock('uv.lock', want, read),
    () => fromLock('pdm.lock', want, read),
    () => fromPyproject(want, read),
    () => fromSetupCfg(want, read),
    () => fromSetupPy(want, read),
    () =>
      fromRequirements('requirements/base.txt') ??
      fromRequirements('requirements/prod.txt') ??
      fromRequirements('requirements/production.txt'),
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
    if (v) return { version: v, source: at('Pipfile.lock', text, (l) => l.includes(`"${name}"`)) };
  }
  return undefined;
}

/** `==1.2.3` or `===1.2.3` (a trailing `.*` is a range, not a pin). */
function exactVersion(spec: string): string | undefined {
  const m = /^\s*===?\s*(\d+(?:\.\d+)*)\s*$/u.exec(spec);
  return m?.[1];
}

/**
 * A requirement line's name, exact version and marker, as pip reads `name[extras] == X ; marker
 * --hash=…`: the options that may follow a requirement (`--hash`, `--config-settings`, …) start at
 * its first word that starts with a dash.
 */
function requirementPin(line: string): { name: string; version?: string; marker?: string } | undefined {
  const words = line.trim().split(/\s+/u);
  const option = words.findIndex((w) => w.startsWith('-'));
  const requirement = (option < 0 ? words : words.slice(0, option)).join(' ');
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?/u.exec(requirement);
  if (!m) return undefined;
  const rest = requirement.slice(m[0].length);
  const semi = rest.indexOf(';');
  const spec = (semi < 0 ? rest : rest.slice(0, semi)).trim();
  // several specifiers (`>=1.0,==1.2.3`): an == among them decides
  const exact = spec
    .split(',')
    .map(exactVersion)
    .find((v) => v !== undefined);
  const marker = semi < 0 ? undefined : rest.slice(semi + 1).trim();
  return { name: normalizeName(m[1]!), version: exact, ...(marker ? { marker } : {}) };
}

/** A requirement line without its comment: pip's comments start at a # at the line's start or after a blank. */
function withoutComment(line: string): string {
  for (let i = line.indexOf('#'); i >= 0; i = line.indexOf('#', i + 1))
    if (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t') return line.slice(0, i);
  return line;
}

/** pip's logical lines, each with the line it starts on: backslash continuations joined, comments dropped. */
function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let pending = '';
  let start = 0;
  text.split(/\r?\n/u).forEach((physical, i) => {
    if (pending === '') start = i + 1;
    if (physical.endsWith('\\')) {
      pending += physical.slice(0, -1);
      return;
    }
    const joined = withoutComment(pending + physical).trim();
    pending = '';
    if (joined !== '') out.push({ text: joined, line: start });
  });
  const last = withoutComment(pending).trim();
  if (last !== '') out.push({ text: last, line: start });
  return out;
}

/**
 * A requirements file as pip reads it: `-r FILE` / `--requirement FILE` includes (relative to the file
 * that names them), `-c FILE` / `--constraint FILE` pins. A pin in the file itself wins over a constraint.
 */
function requirementsPin(
  file: string,
  want: string,
  read: ReadProjectFile,
  markers: MarkerEnvironment,
  seen = new Set<string>(),
  via?: string,
): PackagePin | undefined {
  const rel = path.posix.normalize(file);
  if (seen.has(rel) || seen.size > 50) return undefined;
  seen.add(rel);
  const text = read(rel);
  if (text === undefined) return undefined;
  const nested: { file: string; kind: 'r' | 'c' }[] = [];
  for (const { text: line, line: at } of logicalLines(text)) {
    const opt = /^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=[^\s-]))(\S+)/u.exec(line);
    if (opt) {
      nested.push({
        file: path.posix.join(path.posix.dirname(rel), opt[2]!),
        kind: opt[1]!.startsWith('-c') || opt[1] === '--constraint' ? 'c' : 'r',
      });
      continue;
    }
    if (line.startsWith('-')) continue;
    const pin = requirementPin(line);
    // a marker false on the dyno (`; python_version < "3.8"`) means pip skips the line
    if (
      pin?.name === want &&
      pin.version &&
      (pin.marker === undefined || evaluateMarker(pin.marker, markers) !== false)
    ) {
      return { version: pin.version, source: `${rel}:${at}${via ? ` (via ${via})` : ''}` };
    }
  }
  for (const n of nested) {
    const pin = requirementsPin(n.file, want, read, markers, seen, rel);
    if (pin) return pin;
  }
  return undefined;
}

/** poetry.lock, uv.lock and pdm.lock: `[[package]]` tables with a name and the version resolved. */
function fromLock(file: string, want: string, read: ReadProjectFile): PackagePin | undefined {
  const text = read(file);
  const doc = toml(text);
  const packages = doc?.['package'];
  if (!Array.isArray(packages)) return undefined;
  for (const p of packages as Record<string, unknown>[]) {
    if (
      typeof p?.['name'] === 'string' &&
      normalizeName(p['name']) === want &&
      typeof p['version'] === 'string'
    ) {
      const name = p['name'];
      return {
        version: p['version'],
        source: at(
          file,
          text!,
          (l) => /^\s*name\s*=/u.test(l) && (l.includes(`"${name}"`) || l.includes(`'${name}'`)),
        ),
      };
    }
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
    if (pin?.name === want && pin.version)
      return {
        version: pin.version,
        source: at('pyproject.toml', read('pyproject.toml')!, (l) => l.includes(dep as string)),
      };
  }
  const poetry = (
    (doc['tool'] as Record<string, unknown> | undefined)?.['poetry'] as Record<string, unknown> | undefined
  )?.['dependencies'] as Record<string, unknown> | undefined;
  for (const [name, spec] of Object.entries(poetry ?? {})) {
    if (normalizeName(name) !== want) continue;
    const text =
      typeof spec === 'string'
        ? spec
        : typeof (spec as { version?: unknown })?.version === 'string'
          ? (spec as { version: string }).version
          : '';
    const v = /^\s*(\d+(?:\.\d+)*)\s*$/u.exec(text)?.[1] ?? exactVersion(text);
    if (v)
      return {
        version: v,
        source: at(
          'pyproject.toml',
          read('pyproject.toml')!,
          (l) => l.trimStart().replace(/^["']/u, '').startsWith(name) && l.includes('='),
        ),
      };
  }
  return undefined;
}

/** setup.cfg's `[options] install_requires`, one requirement a line. */
function fromSetupCfg(want: string, read: ReadProjectFile): PackagePin | undefined {
  const text = read('setup.cfg');
  if (text === undefined) return undefined;
  let inRequires = false;
  for (const [i, raw] of text.split(/\r?\n/u).entries()) {
    if (/^\S/u.test(raw)) inRequires = /^install_requires\s*=/u.test(raw);
    if (!inRequires) continue;
    const pin = requirementPin(raw.replace(/^install_requires\s*=/u, ''));
    if (pin?.name === want && pin.version) return { version: pin.version, source: `setup.cfg:${i + 1}` };
  }
  return undefined;
}

/** setup.py: a quoted requirement string anywhere (install_requires is a list of them). */
function fromSetupPy(want: string, read: ReadProjectFile): PackagePin | undefined {
  const text = read('setup.py');
  if (text === undefined) return undefined;
  for (const m of text.matchAll(/["']([^"'\n]*)["']/gu)) {
    const pin = requirementPin(m[1]!);
    if (pin?.name === want && pin.version)
      return { version: pin.version, source: `setup.py:${text.slice(0, m.index).split('\n').length}` };
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

/** `file:line` of the first line that matches, else the file alone. */
function at(file: string, text: string, line: (text: string) => boolean): string {
  const i = text.split(/\r?\n/u).findIndex(line);
  return i < 0 ? file : `${file}:${i + 1}`;
}
