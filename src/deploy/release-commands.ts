import path from 'node:path';
import type { ProjectFiles } from '../project/project-files.js';
import { procfileReleaseLines } from './procfile-release-lines.js';
import { projectFolders } from '../packaging/project-folders.js';

/**
 * The release phase's commands, from the app root: the nearest folder up to the repository's root that
 * has a platform's file (the platform reads the app root's). On a known platform only its own files
 * are read (Heroku: the Procfile and heroku.yml; Fly.io: fly.toml; Render: render.yaml; Railway:
 * railway.json and railway.toml); elsewhere every one, Dokku's app.json predeploy among them. Each
 * command with the file it is in, as reports name it.
 */
export function releaseCommands(
  files: ProjectFiles,
  cwd: string,
  platform?: Platform,
): { dir: string; commands: { text: string; line: number; shown: string }[] } | undefined {
  const readers = platform === undefined ? Object.values(READERS).flat() : READERS[platform];
  for (const dir of projectFolders(files, cwd)) {
    const sources = [...new Set(readers)].map((read) => readOnce(read, files, dir));
    if (sources.every((x) => x === undefined)) continue;
    const commands = sources.flatMap((source) =>
      source
        ? source.commands.map((c) => ({
            ...c,
            shown: path.relative(cwd, source.file) || path.basename(source.file),
          }))
        : [],
    );
    return { dir, commands };
  }
  return undefined;
}

/**
 * Each platform's file is parsed once per run (per ProjectFiles, which lives as long as the run), however
 * many of the deploy's facts ask for it: the target, the generating commands, every platform's target.
 */
const READ: WeakMap<ProjectFiles, Map<Reader, Map<string, ReleaseSource | undefined>>> = new WeakMap();

function readOnce(read: Reader, files: ProjectFiles, dir: string): ReleaseSource | undefined {
  let byReader = READ.get(files);
  if (!byReader) READ.set(files, (byReader = new Map()));
  let byDir = byReader.get(read);
  if (!byDir) byReader.set(read, (byDir = new Map()));
  if (!byDir.has(dir)) byDir.set(dir, read(files, dir));
  return byDir.get(dir);
}

/** The platforms whose pre-deploy step we read, and the files each reads it from. */
export const PLATFORMS = ['heroku', 'fly', 'render', 'railway', 'dokku'] as const;
export type Platform = (typeof PLATFORMS)[number];

type Reader = (files: ProjectFiles, dir: string) => ReleaseSource | undefined;

const READERS: Record<Platform, readonly Reader[]> = {
  heroku: [procfileRelease, manifestRelease],
  fly: [flyRelease],
  render: [renderRelease],
  railway: [railwayJsonRelease, railwayTomlRelease],
  dokku: [dokkuPredeploy, procfileRelease],
};

/** The platform the process runs on, from the variables each sets; undefined elsewhere (a laptop, CI). */
export function platformOf(env: Readonly<Record<string, string | undefined>>): Platform | undefined {
  if (env.FLY_APP_NAME) return 'fly';
  if (env.RENDER === 'true' || env.RENDER_SERVICE_NAME) return 'render';
  if (env.RAILWAY_ENVIRONMENT_NAME || env.RAILWAY_SERVICE_NAME) return 'railway';
  if (env.DYNO) return 'heroku';
  return undefined;
}

interface ReleaseSource {
  readonly file: string;
  readonly commands: readonly { readonly text: string; readonly line: number }[];
}

/**
 * The Procfile's `release:` line, the last when there are several: Heroku keeps one command per process
 * type and a later line replaces an earlier one (its buildpack warns "Duplicate key `release` found");
 * undefined when the folder has no Procfile.
 */
function procfileRelease(files: ProjectFiles, dir: string): ReleaseSource | undefined {
  const file = path.join(dir, 'Procfile');
  const text = files.text(file);
  if (text === undefined) return undefined;
  const [last] = procfileReleaseLines(text).slice(-1);
  return { file, commands: last ? [last] : [] };
}

/**
 * heroku.yml's `release:` section's `command:`, written as a list (`- ./release.sh`), a flow list or one
 * string; undefined when the folder has no heroku.yml.
 */
function manifestRelease(files: ProjectFiles, dir: string): ReleaseSource | undefined {
  const file = path.join(dir, 'heroku.yml');
  const text = files.text(file);
  if (text === undefined) return undefined;
  const lines = text.split(/\r?\n/u);
  const commands: { text: string; line: number }[] = [];
  const start = lines.findIndex((l) => /^release:\s*(?:#.*)?$/u.test(l));
  for (let i = start + 1; start >= 0 && i < lines.length; i++) {
    const l = lines[i]!;
    if (/^\S/u.test(l)) break;
    const m = /^(\s+)command:/u.exec(l);
    const rest = m ? lineRest(l.slice(m[0].length)) : undefined;
    if (!m || rest === undefined) continue;
    const indent = m[1]!.length;
    const value = rest.replace(/(?<!\s)\s+#[^]*$/u, '');
    if (value.startsWith('[')) {
      for (const item of value.replace(/^\[|\]$/gu, '').split(','))
        if (item.trim()) commands.push({ text: unquote(item.trim()), line: i + 1 });
    } else if (value !== '') {
      commands.push({ text: unquote(value), line: i + 1 });
    } else {
      for (let k = i + 1; k < lines.length; k++) {
        const item = /^(\s*)-(?=\s)/u.exec(lines[k]!);
        const text = item ? lineRest(lines[k]!.slice(item[0].length)) : undefined;
        if (item && text !== undefined && item[1]!.length >= indent)
          commands.push({ text: unquote(text), line: k + 1 });
        else if (lines[k]!.trim() !== '' && !lines[k]!.trim().startsWith('#')) break;
      }
    }
    break;
  }
  return { file, commands };
}

function unquote(s: string): string {
  return /^(["']).*\1$/u.test(s) ? s.slice(1, -1) : s;
}

/**
 * A line's rest without surrounding blanks; undefined when a line break is left inside it (a lone CR).
 * What `\s*(.*?)\s*$` captures, without that pattern's quadratic retries on a run of blanks.
 */
function lineRest(rest: string): string | undefined {
  const t = rest.trim();
  return /[\n\r\u2028\u2029]/u.test(t) ? undefined : t;
}

/** fly.toml's `[deploy]` `release_command = "…"` (a basic or literal string on one line). */
function flyRelease(files: ProjectFiles, dir: string): ReleaseSource | undefined {
  return tomlKey(files, path.join(dir, 'fly.toml'), 'deploy', 'release_command');
}

/** railway.toml's `[deploy]` `preDeployCommand`, one command or an array of them. */
function railwayTomlRelease(files: ProjectFiles, dir: string): ReleaseSource | undefined {
  return tomlKey(files, path.join(dir, 'railway.toml'), 'deploy', 'preDeployCommand');
}

/** A TOML file's `key` in `[section]`, as a string or a one-line array of strings; undefined without the file. */
function tomlKey(files: ProjectFiles, file: string, section: string, key: string): ReleaseSource | undefined {
  const text = files.text(file);
  if (text === undefined) return undefined;
  const commands: { text: string; line: number }[] = [];
  let inSection = false;
  for (const [i, raw] of text.split(/\r?\n/u).entries()) {
    const l = raw.trim();
    if (l.startsWith('[')) inSection = l === `[${section}]`;
    if (!inSection || !l.startsWith(key)) continue;
    const value = l.slice(key.length).trimStart();
    if (!value.startsWith('=')) continue;
    commands.push(...stringsOf(value.slice(1).trim()).map((t) => ({ text: t, line: i + 1 })));
  }
  return { file, commands };
}

/** `"a"`, `'a'` or `["a", "b"]` on one line: its strings (none for anything else). */
function stringsOf(value: string): string[] {
  const items = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1).split(',') : [value];
  return items
    .map((x) => x.trim())
    .filter((x) => /^(["']).*\1$/u.test(x))
    .map((x) => x.slice(1, -1));
}

/** render.yaml's `preDeployCommand:` of each service. */
function renderRelease(files: ProjectFiles, dir: string): ReleaseSource | undefined {
  const file = path.join(dir, 'render.yaml');
  const text = files.text(file);
  if (text === undefined) return undefined;
  const commands: { text: string; line: number }[] = [];
  for (const [i, raw] of text.split(/\r?\n/u).entries()) {
    const m = /^\s*(?:-\s+)?preDeployCommand:/u.exec(raw);
    const rest = m ? lineRest(withoutComment(raw.slice(m[0].length))) : undefined;
    if (rest) commands.push({ text: unquote(rest), line: i + 1 });
  }
  return { file, commands };
}

/** A YAML value without its trailing comment (a `#` at its start or after a blank); found in one pass. */
function withoutComment(value: string): string {
  const at = value.search(/(?:^|\s)#/u);
  return at < 0 ? value : value.slice(0, at);
}

/** railway.json's `deploy.preDeployCommand`, one command or an array of them. */
function railwayJsonRelease(files: ProjectFiles, dir: string): ReleaseSource | undefined {
  const file = path.join(dir, 'railway.json');
  const text = files.text(file);
  if (text === undefined) return undefined;
  const value = jsonPath(text, ['deploy', 'preDeployCommand']);
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  const line = lineOf(text, /"preDeployCommand"\s*:/u);
  return {
    file,
    commands: list.filter((c): c is string => typeof c === 'string').map((c) => ({ text: c, line })),
  };
}

/** app.json's `scripts.dokku.predeploy` (Dokku runs it before the Procfile's `release:`). */
function dokkuPredeploy(files: ProjectFiles, dir: string): ReleaseSource | undefined {
  const file = path.join(dir, 'app.json');
  const text = files.text(file);
  if (text === undefined) return undefined;
  const value = jsonPath(text, ['scripts', 'dokku', 'predeploy']);
  if (typeof value !== 'string') return undefined;
  return { file, commands: [{ text: value, line: lineOf(text, /"predeploy"\s*:/u) }] };
}

function jsonPath(text: string, keys: readonly string[]): unknown {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  for (const k of keys)
    v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

function lineOf(text: string, pattern: RegExp): number {
  const i = text.split('\n').findIndex((l) => pattern.test(l));
  return i < 0 ? 1 : i + 1;
}
