import path from 'node:path';
import type { ProjectFiles } from '../project/project-files.js';
import { procfileReleaseLines } from './procfile-release-lines.js';
import { projectFolders } from '../packaging/project-folders.js';
import { commandStrings, tomlCommands, valueAt, yamlCommands } from './platform-files.js';

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

/** heroku.yml's `release:` `command:`, one command or a list of them; undefined when the folder has no heroku.yml. */
function manifestRelease(files: ProjectFiles, dir: string): ReleaseSource | undefined {
  const file = path.join(dir, 'heroku.yml');
  const text = files.text(file);
  if (text === undefined) return undefined;
  return { file, commands: yamlCommands(text, file, () => [['release', 'command']]) };
}

/** fly.toml's `[deploy]` `release_command`. */
function flyRelease(files: ProjectFiles, dir: string): ReleaseSource | undefined {
  const file = path.join(dir, 'fly.toml');
  const text = files.text(file);
  return text === undefined
    ? undefined
    : { file, commands: tomlCommands(text, file, ['deploy', 'release_command']) };
}

/** railway.toml's `[deploy]` `preDeployCommand`, one command or an array of them. */
function railwayTomlRelease(files: ProjectFiles, dir: string): ReleaseSource | undefined {
  const file = path.join(dir, 'railway.toml');
  const text = files.text(file);
  return text === undefined
    ? undefined
    : { file, commands: tomlCommands(text, file, ['deploy', 'preDeployCommand']) };
}

/** render.yaml's `preDeployCommand` of each service. */
function renderRelease(files: ProjectFiles, dir: string): ReleaseSource | undefined {
  const file = path.join(dir, 'render.yaml');
  const text = files.text(file);
  if (text === undefined) return undefined;
  const services = (value: unknown): (string | number)[][] => {
    const list = valueAt(value, ['services']);
    return Array.isArray(list) ? list.map((_, i) => ['services', i, 'preDeployCommand']) : [];
  };
  return { file, commands: yamlCommands(text, file, services) };
}

/** railway.json's `deploy.preDeployCommand`, one command or an array of them. */
function railwayJsonRelease(files: ProjectFiles, dir: string): ReleaseSource | undefined {
  const file = path.join(dir, 'railway.json');
  const text = files.text(file);
  if (text === undefined) return undefined;
  const line = lineOf(text, /"preDeployCommand"\s*:/u);
  return {
    file,
    commands: commandStrings(jsonPath(text, ['deploy', 'preDeployCommand'])).map((c) => ({ text: c, line })),
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

/** The value at `keys` of a JSON file (undefined when it is not JSON). */
function jsonPath(text: string, keys: readonly string[]): unknown {
  try {
    return valueAt(JSON.parse(text), keys);
  } catch {
    return undefined;
  }
}

function lineOf(text: string, pattern: RegExp): number {
  const i = text.split('\n').findIndex((l) => pattern.test(l));
  return i < 0 ? 1 : i + 1;
}
