import path from 'node:path';
import { ConfigError } from '../../errors/errors.js';
import { inlineComment, inlineCommentAdvice } from './ini-parser.js';
import { detectPythonVersion } from '../../packaging/python-version.js';
import { detectFlaskMigrateVersion } from './detect-alembic-version.js';
import { pyRepr, str } from '../../python/python-value.js';
import { ConfigSource, type ConfigOption } from './config-source.js';
import {
  backslashAdvice,
  caseAdvice,
  displayDir,
  forwardSlashed,
  isFlaskMigrateDir,
  notHereHint,
  otherCaseWritten,
  suggestScriptLocation,
} from './location-advice.js';
import { misreadValues } from './misread-values.js';
import { envLocations } from './env-locations.js';
import type { ConfigOptions, ProjectConfig, SpellingFix, VersionLocation } from './config-types.js';

export type {
  ConfigNote,
  ConfigOptions,
  IniValueMisread,
  ProjectConfig,
  SpellingFix,
  VersionLocation,
} from './config-types.js';
export { separatorChar, splitLegacyPathList, splitOnSeparator, splitPrependSysPath } from './path-lists.js';

/** The script folder's env.py; undefined when script_location names a package that cannot be found (Alembic stops before it). */
export function envPyPath(
  config: Pick<ProjectConfig, 'scriptDir' | 'scriptDirUnresolved'>,
): string | undefined {
  return config.scriptDirUnresolved ? undefined : path.join(config.scriptDir, 'env.py');
}

/** What the steps after script_location decide, for ProjectConfig. */
interface Resolved {
  readonly scriptLocation: string;
  readonly scriptDir: string;
  readonly versionLocations: readonly VersionLocation[];
  readonly versionLocationsFrom?: ProjectConfig['versionLocationsFrom'];
  readonly usesDefaultVersions: boolean;
  readonly recursive: boolean;
  readonly sourceless: boolean;
  readonly fileTemplate: string;
  readonly prependSysPath: string[];
  readonly truncateSlugLength: number;
  readonly flaskMigrate: boolean;
}

/**
 * Resolves the Alembic configuration exactly as `ScriptDirectory.from_config`
 * does (reference §1), in the same order, so the first configuration error we
 * report is the one Alembic would print.
 */
export async function loadProjectConfig(opts: ConfigOptions): Promise<ProjectConfig> {
  const src = await ConfigSource.open(opts);
  const { cwd, f } = src;
  // 1. script_location
  const { option: sl, flaskMigrate } = scriptLocationOption(src);
  if (sl === undefined) {
    const versionLocations = opts.versions!.map((v) => src.location(v, cwd));
    return finish(src, {
      scriptLocation: '',
      scriptDir: cwd,
      versionLocations,
      usesDefaultVersions: false,
      recursive: opts.recursive ?? false,
      sourceless: false,
      fileTemplate: '%(rev)s_%(slug)s',
      prependSysPath: [],
      truncateSlugLength: 40,
      flaskMigrate,
    });
  }
  const scriptLocation = String(sl.value);
  // 2. truncate_slug_length is parsed with int() on every command
  const truncateSlugLength = truncateSlugLengthOf(src);
  // 3. prepend_sys_path
  const prependSysPath = src.splitPathList('prepend_sys_path', true);
  // 4. recursive_version_locations
  const recursive =
    opts.recursive ?? (f.recursiveVersionLocations ? src.getBool('recursive_version_locations') : false);
  // 5. script_location resolution (package resources)
  const scriptDir = src.coerceResource(scriptLocation, prependSysPath, sl.line, true);
  // 6. the rest
  const ft = src.get('file_template');
  const fileTemplate = ft?.value !== undefined ? String(ft.value) : '%(rev)s_%(slug)s';
  const sourceless = src.getBool('sourceless');
  misreadValues(src, prependSysPath);
  const listed = src.overridden ? [...opts.versions!] : src.splitPathList('version_locations', false);
  // 7. the script directory must exist
  if (scriptDir !== null && !src.exists(scriptDir) && !src.overridden)
    throw missingScriptDir(src, sl, scriptLocation, scriptDir);
  const versions =
    listed.length > 0
      ? listedLocations(src, listed, prependSysPath)
      : defaultLocations(src, scriptDir, scriptLocation);
  const fromEnv = src.overridden || scriptDir === null ? undefined : envLocations(src, scriptDir);
  const config = finish(src, {
    scriptLocation,
    scriptDir: scriptDir ?? cwd,
    ...(fromEnv ?? versions),
    recursive,
    sourceless,
    fileTemplate,
    prependSysPath,
    truncateSlugLength,
    flaskMigrate,
  });
  return scriptDir === null ? { ...config, scriptDirUnresolved: true } : config;
}

/**
 * script_location, as Alembic or Flask-Migrate sets it; undefined (with --versions) when there is none.
 * What flask_migrate.Migrate.get_config does: Config(directory/alembic.ini), script_location = directory,
 * whatever the ini says. That is how the project runs when the ini has no script_location, from the
 * app's root (no alembic.ini here, so plain `alembic` cannot run at all), and where the ini's own value
 * finds no env.py from here (ihatemoney's and sbc-pay's `script_location = .`)
 */
function scriptLocationOption(src: ConfigSource): {
  option: ConfigOption | undefined;
  flaskMigrate: boolean;
} {
  const { cwd, ini, section, iniPath } = src;
  let sl = src.get('script_location');
  let flaskMigrate = false;
  const unset = sl === undefined || sl.value === undefined || sl.value === null;
  if (
    (unset || sl!.value) &&
    src.iniExists &&
    ini?.hasSection(section) &&
    (src.flaskRoot ||
      ((unset || !src.isFile(path.join(path.resolve(cwd, String(sl!.value)), 'env.py'))) &&
        isFlaskMigrateDir(src.files, path.dirname(iniPath), cwd)))
  ) {
    const value = path.relative(cwd, path.dirname(iniPath)) || '.';
    sl = unset ? { value, from: 'ini' } : { ...sl!, value };
    flaskMigrate = true;
  }
  if (sl === undefined || sl.value === undefined || sl.value === null) {
    if (src.overridden) return { option: undefined, flaskMigrate };
    // before 1.16, reading the option already failed if the section were missing (get above), so
    // every version says the same here
    const message = "No 'script_location' key found in configuration.";
    throw new ConfigError(message, {
      alembicError: `FAILED: ${message}`,
      hint: src.iniExists
        ? `Add script_location to the [${section}] section of ${src.iniName}.`
        : notHereHint(src.files, cwd),
    });
  }
  return { option: sl, flaskMigrate };
}

function truncateSlugLengthOf(src: ConfigSource): number {
  const tsl = src.get('truncate_slug_length');
  if (
    tsl &&
    tsl.value !== undefined &&
    typeof tsl.value !== 'number' &&
    !/^\s*[+-]?\d[\d_]*\s*$/.test(String(tsl.value))
  ) {
    throw new ConfigError(`truncate_slug_length = ${String(tsl.value)} is not an integer.`, {
      alembicError: `ValueError: invalid literal for int() with base 10: '${String(tsl.value)}'`,
      hint: 'Set truncate_slug_length to a whole number (or remove it; the default is 40).',
    });
  }
  return tsl && tsl.value !== undefined ? Number(String(tsl.value).replaceAll('_', '').trim()) || 40 : 40;
}

/** Alembic's "Path doesn't exist", with the exact fix where the spelling or the folder run from is why. */
function missingScriptDir(
  src: ConfigSource,
  sl: ConfigOption,
  scriptLocation: string,
  scriptDir: string,
): ConfigError {
  const { files, cwd, iniPath, f } = src;
  const scriptLocationHint = (): string => {
    const written = sl.from === 'ini' ? src.ini?.rawValue(src.section, 'script_location') : undefined;
    const cased = otherCaseWritten(files, written, scriptLocation, cwd, iniPath);
    if (cased !== undefined) return caseAdvice('script_location', cased);
    if (forwardSlashed(files, scriptLocation, cwd) !== undefined)
      return backslashAdvice('script_location', (written ?? scriptLocation).replaceAll('\\', '/'));
    const c = sl.from === 'ini' ? inlineComment(scriptLocation) : undefined;
    if (!c) return suggestScriptLocation(files, cwd, iniPath, scriptLocation, written);
    const advice = inlineCommentAdvice('script_location', scriptLocation);
    return src.exists(path.resolve(cwd, c.before))
      ? advice.trimEnd()
      : advice + suggestScriptLocation(files, cwd, iniPath, c.before);
  };
  // older Alembic formats the folder with %r: a backslash or a quote in it prints as repr() writes it
  const shown = f.pyproject ? scriptLocation : pyRepr(str(scriptDir));
  return new ConfigError(
    `script_location ${JSON.stringify(scriptLocation)} does not exist (resolved against ${displayDir(cwd)}).`,
    {
      alembicError: `FAILED: Path doesn't exist: ${shown}.  Please use the 'init' command to create a new scripts folder.`,
      hint: scriptLocationHint(),
      path: src.iniShown,
      line: sl.line,
    },
  );
}

/** version_locations (or --versions), each entry resolved, with a note for each that Alembic skips. */
function listedLocations(
  src: ConfigSource,
  listed: readonly string[],
  prepend: string[],
): Pick<Resolved, 'versionLocations' | 'usesDefaultVersions'> {
  const { ini, section, iniShown, notes } = src;
  const locations: VersionLocation[] = [];
  // entries that an inline comment added ("# ours" read as the folders "#" and "ours") make one note
  const rawListed =
    !src.overridden && ini?.hasSection(section) ? ini.get(section, 'version_locations') : undefined;
  const listedComment = rawListed ? inlineComment(rawListed) : undefined;
  const fromComment = listedComment ? listed.findIndex((e) => e.includes('#')) : -1;
  const commentMissing: string[] = [];
  const at = { line: ini?.optionLine(section, 'version_locations'), path: iniShown };
  for (const [index, entry] of listed.entries()) {
    const abs = src.coerceResource(entry, prepend, undefined, false);
    if (abs === null) continue;
    const loc = { configured: entry, absPath: abs, exists: src.exists(abs) };
    locations.push(loc);
    if (entry === '') {
      notes.push({ code: 'version-location-is-cwd', ...at });
    } else if (!loc.exists && fromComment >= 0 && index >= fromComment) {
      commentMissing.push(entry);
    } else if (!loc.exists) {
      const spelling = misspelt(src, entry, listed);
      notes.push({ code: 'version-location-missing', entry, ...(spelling ? { spelling } : {}), ...at });
    }
  }
  if (commentMissing.length > 0)
    notes.push({ code: 'version-location-missing', fromComment: commentMissing, written: rawListed!, ...at });
  return { versionLocations: locations, usesDefaultVersions: false };
}

/** A version_locations entry that is missing because of its spelling: backslashes, or the case of a name. */
function misspelt(src: ConfigSource, entry: string, listed: readonly string[]): SpellingFix | undefined {
  if (src.overridden) return undefined;
  const { files, cwd } = src;
  const written = src.ini?.rawValue(src.section, 'version_locations');
  if (forwardSlashed(files, entry, cwd) !== undefined)
    return {
      kind: 'backslash',
      option: 'version_locations',
      slashed: (written ?? entry).replaceAll('\\', '/'),
    };
  // one entry written alone is given back whole; in a list, the entry as the folders spell it
  const alone = written !== undefined && listed.length === 1 ? written : undefined;
  const cased = otherCaseWritten(files, alone, entry, cwd, src.iniPath);
  return cased === undefined
    ? undefined
    : {
        kind: 'case',
        what: alone !== undefined ? 'version_locations' : `the entry ${JSON.stringify(entry)}`,
        cased,
      };
}

/** No version_locations: the script folder's versions/, noted when it is missing. */
function defaultLocations(
  src: ConfigSource,
  scriptDir: string | null,
  scriptLocation: string,
): Pick<Resolved, 'versionLocations' | 'usesDefaultVersions'> {
  const { cwd, f } = src;
  const abs = path.join(scriptDir ?? cwd, 'versions');
  const found = src.exists(abs);
  if (scriptDir !== null && !found) {
    src.notes.push({
      code: 'versions-folder-missing',
      folder: path.relative(cwd, abs) || abs,
      failsEveryCommand: !f.sortedWalk,
      alembicError: f.sortedWalk
        ? undefined
        : `FileNotFoundError: [Errno 2] No such file or directory: '${abs}'`,
    });
  }
  const versionLocations =
    scriptDir === null
      ? []
      : [{ configured: path.join(scriptLocation, 'versions'), absPath: abs, exists: found }];
  return { versionLocations, usesDefaultVersions: true };
}

function finish(src: ConfigSource, r: Resolved): ProjectConfig {
  const { opts, cwd, files, iniExists, iniPath, ini, toml, tomlPath } = src;
  return {
    cwd,
    files,
    iniPath: iniExists ? iniPath : undefined,
    configFileName: src.iniName,
    ini,
    tomlPath: toml ? tomlPath : undefined,
    section: src.section,
    scriptLocation: r.scriptLocation,
    scriptDir: r.scriptDir,
    versionLocations: r.versionLocations,
    ...(r.versionLocationsFrom ? { versionLocationsFrom: r.versionLocationsFrom } : {}),
    usesDefaultVersions: r.usesDefaultVersions,
    recursive: r.recursive,
    sourceless: r.sourceless,
    fileTemplate: r.fileTemplate,
    truncateSlugLength: r.truncateSlugLength,
    prependSysPath: r.prependSysPath,
    notes: src.notes,
    ...(r.flaskMigrate
      ? {
          flaskMigrate: r.flaskMigrate,
          flaskMigrateVersion: detectFlaskMigrateVersion(files, cwd)?.version ?? null,
        }
      : {}),
    ...(opts.configFileFrom !== undefined && iniExists ? { configFileFrom: opts.configFileFrom } : {}),
    python: opts.python === undefined ? detectPythonVersion(files, cwd) : opts.python,
  };
}
