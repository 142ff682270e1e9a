import path from 'node:path';
import type { ProjectFiles } from '../../project/project-files.js';
import { ConfigError } from '../../errors/errors.js';
import { featuresOf, type AlembicFeatures, type AlembicVersion } from './alembic-version.js';
import { IniError, inlineComment, inlineCommentAdvice, parseIni, type IniFile } from './ini-parser.js';
import { decodeBytesLikePython, decodeLikePython } from '../../python/python-decode.js';
import { findAlembicSetups } from './find-alembic-setups.js';
import { hereAnchored, scriptFolderBesideIni } from './script-folder-beside-ini.js';
import { declaredImports } from '../../packaging/declared-imports.js';
import { projectFolders } from '../../packaging/project-folders.js';
import { detectPythonVersion, type DeclaredPython } from '../../packaging/python-version.js';
import { detectFlaskMigrateVersion } from './detect-alembic-version.js';
import { pyRepr, str } from '../../python/python-value.js';

export interface ConfigOptions {
  readonly cwd: string;
  /** The run's reader of the project: every file below is read through it. */
  readonly files: ProjectFiles;
  /** -c/--config; default ALEMBIC_CONFIG or ./alembic.ini */
  readonly configFile?: string;
  /** Where configFile was read when the user did not give it (the release line's -c: `Procfile:1`). */
  readonly configFileFrom?: string;
  /** -n/--name; default "alembic" */
  readonly section?: string;
  /** --versions overrides version_locations (relative to cwd). */
  readonly versions?: readonly string[];
  readonly recursive?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly alembicVersion: AlembicVersion;
  /** The Python the project runs on (--python-version, else runtime.txt, .python-version, Pipfile.lock); null when none is declared. */
  readonly python?: DeclaredPython | null;
}

export interface VersionLocation {
  /** As configured (after interpolation). */
  readonly configured: string;
  readonly absPath: string;
  readonly exists: boolean;
}

/** A configuration fact that becomes a finding rather than a hard failure. */
export interface ConfigNote {
  readonly code: 'version-location-missing' | 'version-location-is-cwd' | 'script-location-unresolved' | 'script-location-needs-install' | 'versions-folder-missing' | 'ini-value-misread';
  readonly message: string;
  readonly path?: string;
  readonly line?: number;
  readonly alembicError?: string;
  /** Replaces the rule's general hint where the note knows the exact fix. */
  readonly hint?: string;
}

export interface ProjectConfig {
  readonly cwd: string;
  /** The run's reader of the project (what loaded this configuration): the files are read once, through it. */
  readonly files: ProjectFiles;
  readonly iniPath?: string;
  /**
   * The ini's name as Alembic's Config holds it (config.config_file_name, which env.py hands to
   * logging's fileConfig): the -c value or ALEMBIC_CONFIG as given, else alembic.ini, whether or not it exists.
   */
  readonly configFileName: string;
  /** alembic.ini as Alembic's configparser read it (parsed once; rules and verify read options from it). */
  readonly ini?: IniFile;
  readonly tomlPath?: string;
  readonly section: string;
  readonly scriptLocation: string;
  /** The script folder; the working folder when script_location names a package we cannot find (scriptDirUnresolved). */
  readonly scriptDir: string;
  /** script_location names a package not importable from here: Alembic stops before env.py, so nothing in a script folder is read. */
  readonly scriptDirUnresolved?: true;
  readonly versionLocations: readonly VersionLocation[];
  readonly usesDefaultVersions: boolean;
  readonly recursive: boolean;
  readonly sourceless: boolean;
  readonly fileTemplate: string;
  /** Slug length for new file names (0 means 40, as in Alembic). */
  readonly truncateSlugLength: number;
  readonly prependSysPath: readonly string[];
  readonly notes: readonly ConfigNote[];
  /**
   * The ini sits beside Flask-Migrate's env.py and has no script_location,
   * or one that finds no env.py from here: `flask db` sets script_location
   * to the ini's folder, so we do too.
   */
  readonly flaskMigrate?: boolean;
  /** The Flask-Migrate release a lockfile or exact pin names (null: not pinned), for advice that depends on it. */
  readonly flaskMigrateVersion?: string | null;
  /** The ini came from the release line's -c (`Procfile:1`), not from -c, $ALEMBIC_CONFIG or ./alembic.ini. */
  readonly configFileFrom?: string;
  /** The Python the project runs on, when declared: syntax newer than it is an error. */
  readonly python?: DeclaredPython | null;
}

type TomlTable = Record<string, unknown>;

/**
 * An ini path list as Alembic splits it when no path_separator is set: on commas and spaces, and for
 * prepend_sys_path also on ':' (its old os.pathsep-like reading).
 */
export function splitLegacyPathList(value: string, isPrepend: boolean): string[] {
  return value.split(isPrepend ? /, *| +|:/ : /, *| +/);
}

/** The script folder's env.py; undefined when script_location names a package that cannot be found (Alembic stops before it). */
export function envPyPath(config: Pick<ProjectConfig, 'scriptDir' | 'scriptDirUnresolved'>): string | undefined {
  return config.scriptDirUnresolved ? undefined : path.join(config.scriptDir, 'env.py');
}

/** The character a path_separator (or version_path_separator) value names; undefined when Alembic refuses it. */
export function separatorChar(value: string, newlineOk: boolean): string | undefined {
  const table: Record<string, string> = { space: ' ', os: path.delimiter, ':': ':', ';': ';' };
  if (newlineOk) table.newline = '\n';
  return Object.hasOwn(table, value) ? table[value] : undefined;
}

/** A path list split on a named separator as Alembic does: empty items go before stripping, so " " survives as "". */
export function splitOnSeparator(value: string, sep: string, strip: boolean): string[] {
  return value.split(sep).filter((x) => x !== '').map((x) => (strip ? x.trim() : x));
}

/**
 * prepend_sys_path as Alembic of these features splits it, given the section's path_separator
 * (which it reads from 1.16 on); undefined for a separator it refuses.
 */
export function splitPrependSysPath(value: string, pathSeparator: string | undefined, f: AlembicFeatures): string[] | undefined {
  if (!f.pyproject || pathSeparator === undefined) return splitLegacyPathList(value, true);
  const sep = separatorChar(pathSeparator, true);
  return sep === undefined ? undefined : splitOnSeparator(value, sep, true);
}

/**
 * Resolves the Alembic configuration exactly as `ScriptDirectory.from_config`
 * does (reference §1), in the same order, so the first configuration error we
 * report is the one Alembic would print.
 */
export async function loadProjectConfig(opts: ConfigOptions): Promise<ProjectConfig> {
  const f = featuresOf(opts.alembicVersion);
  const cwd = opts.cwd;
  const files = opts.files;
  const isFile = (p: string): boolean => files.kind(p) === 'file';
  const isDir = (p: string): boolean => files.kind(p) === 'dir';
  const exists = (p: string): boolean => files.exists(p);
  const env = opts.env ?? {};
  const section = opts.section ?? 'alembic';
  const notes: ConfigNote[] = [];
  let truncateSlugLength = 40;

  let iniName = opts.configFile ?? env.ALEMBIC_CONFIG ?? 'alembic.ini';
  // a Flask app's root: Flask-Migrate keeps alembic.ini in its directory (default migrations/)
  const flaskRoot = !opts.configFile && !env.ALEMBIC_CONFIG && !isFile(path.join(cwd, iniName)) && isFile(path.join(cwd, 'migrations', 'alembic.ini')) && isFlaskMigrateDir(files, path.join(cwd, 'migrations'), cwd);
  if (flaskRoot) iniName = path.join('migrations', 'alembic.ini');
  let tomlName = 'pyproject.toml';
  if (f.pyproject && path.basename(iniName) === 'pyproject.toml') {
    tomlName = iniName;
    iniName = 'alembic.ini';
  }
  const iniPath = path.resolve(cwd, iniName);
  const iniExists = isFile(iniPath);
  /** alembic.ini as findings name it, when it exists. */
  const iniShown = iniExists ? path.relative(cwd, iniPath) || iniName : undefined;
  const tomlPath = f.pyproject ? path.resolve(cwd, tomlName) : undefined;
  const toml = tomlPath && isFile(tomlPath) ? await readTomlSection(files, tomlPath) : undefined;
  const tomlArgs: Record<string, string> = tomlPath ? { here: path.dirname(tomlPath) } : {};
  // Alembic reads a -c file that cannot be opened as an empty one (configparser skips it): from 1.16 on,
  // [tool.alembic] then configures the project and every command works; otherwise it fails, less clearly than this
  if (opts.configFile && !iniExists && path.basename(opts.configFile) !== 'pyproject.toml' && !(toml && 'script_location' in toml)) {
    const what = !exists(iniPath) ? 'does not exist' : isDir(iniPath) ? 'is a folder, not a file' : 'is not a regular file (a device or a pipe)';
    throw new ConfigError(`The config file ${opts.configFile} ${what}.`, {
      alembicError: f.pyproject ? "FAILED: No 'script_location' key found in configuration." : `FAILED: No config file '${iniName}' found, or file has no '[${section}]' section`,
      hint: 'Pass the path of your alembic.ini with -c, or run from the folder that holds it.',
    });
  }
  let ini: IniFile | undefined;
  if (iniExists) {
    let text: string | undefined;
    try {
      text = readIniText(files, iniPath, iniName);
      ini = parseIni(text, iniName, { here: path.dirname(iniPath) });
    } catch (e) {
      throw iniFailure(e, iniName, text?.startsWith('\uFEFF') === true);
    }
  }

  const get = (name: string): { value: unknown; line?: number; from: 'ini' | 'toml' } | undefined => {
    if (ini?.hasOption(section, name)) {
      try {
        return { value: ini.get(section, name), line: ini.optionLine(section, name), from: 'ini' };
      } catch (e) {
        throw iniFailure(e, iniName);
      }
    }
    if (!f.pyproject) {
      if (!ini?.hasSection(section)) {
        throw new ConfigError(`No config file '${iniName}' found, or file has no '[${section}]' section`, {
          alembicError: `FAILED: No config file '${iniName}' found, or file has no '[${section}]' section`,
          hint: iniExists
            ? `${iniName} has no [${section}] section: add it, or name the section that holds script_location with -n.`
            : notHereHint(files, cwd),
        });
      }
      return undefined;
    }
    if (toml && name in toml) return { value: tomlValue(toml[name], name, tomlArgs), from: 'toml' };
    return undefined;
  };
  const getBool = (name: string): boolean => {
    if (ini?.hasOption(section, name)) return get(name)!.value === 'true';
    if (!f.pyproject || !toml || !(name in toml)) return false;
    const v = toml[name];
    if (typeof v !== 'boolean') {
      throw new ConfigError(`boolean value expected for TOML parameter '${name}'`, {
        alembicError: `FAILED: boolean value expected for TOML parameter '${name}'`,
        hint: `Write ${name} = true (a TOML boolean, not a string) in [tool.alembic].`,
      });
    }
    return v;
  };
  const getMainOption = (name: string): string | undefined => {
    // get_main_option reads only the ini and needs its section to exist
    if (!ini?.hasSection(section)) {
      if (!f.pyproject) return undefined;
      throw new ConfigError(`No config file '${iniName}' found, or file has no '[${section}]' section`, {
        alembicError: `FAILED: No config file '${iniName}' found, or file has no '[${section}]' section`,
      });
    }
    return ini.hasOption(section, name) ? (get(name)!.value as string) : undefined;
  };

  const overridden = opts.versions && opts.versions.length > 0;
  // 1. script_location
  let sl = get('script_location');
  let flaskMigrate = false;
  // what flask_migrate.Migrate.get_config does: Config(directory/alembic.ini), script_location = directory,
  // whatever the ini says. That is how the project runs when the ini has no script_location, from the
  // app's root (no alembic.ini here, so plain `alembic` cannot run at all), and where the ini's own value
  // finds no env.py from here (ihatemoney's and sbc-pay's `script_location = .`)
  const unset = sl === undefined || sl.value === undefined || sl.value === null;
  if (
    (unset || sl!.value) &&
    iniExists &&
    ini?.hasSection(section) &&
    (flaskRoot || ((unset || !isFile(path.join(path.resolve(cwd, String(sl!.value)), 'env.py'))) && isFlaskMigrateDir(files, path.dirname(iniPath), cwd)))
  ) {
    const value = path.relative(cwd, path.dirname(iniPath)) || '.';
    sl = unset ? { value, from: 'ini' } : { ...sl!, value };
    flaskMigrate = true;
  }
  if (sl === undefined || sl.value === undefined || sl.value === null) {
    if (overridden) {
      return finish('', cwd, opts.versions!.map((v) => location(v, cwd)), false, opts.recursive ?? false, false, '%(rev)s_%(slug)s', []);
    }
    // before 1.16, reading the option already failed if the section were missing (get above), so
    // every version says the same here
    const message = "No 'script_location' key found in configuration.";
    throw new ConfigError(message, {
      alembicError: `FAILED: ${message}`,
      hint: iniExists ? `Add script_location to the [${section}] section of ${iniName}.` : notHereHint(files, cwd),
    });
  }
  const scriptLocation = String(sl.value);
  // 2. truncate_slug_length is parsed with int() on every command
  const tsl = get('truncate_slug_length');
  if (tsl && tsl.value !== undefined && typeof tsl.value !== 'number' && !/^\s*[+-]?\d[\d_]*\s*$/.test(String(tsl.value))) {
    throw new ConfigError(`truncate_slug_length = ${String(tsl.value)} is not an integer.`, {
      alembicError: `ValueError: invalid literal for int() with base 10: '${String(tsl.value)}'`,
      hint: 'Set truncate_slug_length to a whole number (or remove it; the default is 40).',
    });
  }
  if (tsl && tsl.value !== undefined) truncateSlugLength = Number(String(tsl.value).replaceAll('_', '').trim()) || 40;
  // 3. prepend_sys_path
  const prepend = splitPathList('prepend_sys_path', true);
  // 4. recursive_version_locations
  const recursive = opts.recursive ?? (f.recursiveVersionLocations ? getBool('recursive_version_locations') : false);
  // 5. script_location resolution (package resources)
  const scriptDir = coerceResource(scriptLocation, prepend, sl.line, true);
  // 6. the rest
  const ft = get('file_template');
  const fileTemplate = ft?.value !== undefined ? String(ft.value) : '%(rev)s_%(slug)s';
  const sourceless = getBool('sourceless');
  misreadValues(prepend);
  const listed = overridden ? [...opts.versions!] : splitPathList('version_locations', false);
  // 7. the script directory must exist
  const scriptLocationHint = (): string => {
    const written = sl.from === 'ini' ? ini?.rawValue(section, 'script_location') : undefined;
    const cased = otherCaseWritten(files, written, scriptLocation, cwd, iniPath);
    if (cased !== undefined) return caseAdvice('script_location', cased);
    if (forwardSlashed(files, scriptLocation, cwd) !== undefined) return backslashAdvice('script_location', (written ?? scriptLocation).replaceAll('\\', '/'));
    const c = sl.from === 'ini' ? inlineComment(scriptLocation) : undefined;
    if (!c) return suggestScriptLocation(files, cwd, iniPath, scriptLocation, written);
    const advice = inlineCommentAdvice('script_location', scriptLocation);
    return exists(path.resolve(cwd, c.before)) ? advice.trimEnd() : advice + suggestScriptLocation(files, cwd, iniPath, c.before);
  };
  if (scriptDir !== null && !exists(scriptDir) && !overridden) {
    // older Alembic formats the folder with %r: a backslash or a quote in it prints as repr() writes it
    const shown = f.pyproject ? scriptLocation : pyRepr(str(scriptDir));
    throw new ConfigError(`script_location ${JSON.stringify(scriptLocation)} does not exist (resolved against ${displayDir(cwd)}).`, {
      alembicError: `FAILED: Path doesn't exist: ${shown}.  Please use the 'init' command to create a new scripts folder.`,
      hint: scriptLocationHint(),
      path: iniShown,
      line: sl.line,
    });
  }

  let locations: VersionLocation[];
  let usesDefault = false;
  /** The exact fix for a version_locations entry that is missing because of its spelling: backslashes, or the case of a name. */
  const missingEntryHint = (entry: string): { hint?: string } => {
    if (overridden) return {};
    const written = ini?.rawValue(section, 'version_locations');
    if (forwardSlashed(files, entry, cwd) !== undefined) return { hint: backslashAdvice('version_locations', (written ?? entry).replaceAll('\\', '/')) };
    // one entry written alone is given back whole; in a list, the entry as the folders spell it
    const alone = written !== undefined && listed.length === 1 ? written : undefined;
    const cased = otherCaseWritten(files, alone, entry, cwd, iniPath);
    return cased === undefined ? {} : { hint: caseAdvice(alone !== undefined ? 'version_locations' : `the entry ${JSON.stringify(entry)}`, cased) };
  };
  if (listed && listed.length > 0) {
    locations = [];
    // entries that an inline comment added ("# ours" read as the folders "#" and "ours") make one note
    const rawListed = !overridden && ini?.hasSection(section) ? ini.get(section, 'version_locations') : undefined;
    const listedComment = rawListed ? inlineComment(rawListed) : undefined;
    const fromComment = listedComment ? listed.findIndex((e) => e.includes('#')) : -1;
    const commentMissing: string[] = [];
    for (const [index, entry] of listed.entries()) {
      const abs = coerceResource(entry, prepend, undefined, false);
      if (abs === null) continue;
      const loc = { configured: entry, absPath: abs, exists: exists(abs) };
      locations.push(loc);
      if (entry === '') {
        notes.push({
          code: 'version-location-is-cwd',
          message:
            'version_locations contains an empty entry (a trailing or doubled separator); Alembic turns it into the current directory and executes every .py file there.',
          line: ini?.optionLine(section, 'version_locations'),
          path: iniShown,
        });
      } else if (!loc.exists && fromComment >= 0 && index >= fromComment) {
        commentMissing.push(entry);
      } else if (!loc.exists) {
        notes.push({
          code: 'version-location-missing',
          message: `version_locations entry ${JSON.stringify(entry)} does not exist; Alembic skips it silently.`,
          ...missingEntryHint(entry),
          line: ini?.optionLine(section, 'version_locations'),
          path: iniShown,
        });
      }
    }
    if (commentMissing.length > 0) {
      const names = commentMissing.map((e) => JSON.stringify(e)).join(', ');
      const one = commentMissing.length === 1;
      notes.push({
        code: 'version-location-missing',
        message: `version_locations ends in an inline comment, which Alembic reads as part of the value: ${one ? 'the entry' : 'the entries'} ${names} ${one ? 'does' : 'do'} not exist, and Alembic skips ${one ? 'it' : 'them'} silently.`,
        hint: inlineCommentAdvice('version_locations', rawListed!).trimEnd(),
        line: ini?.optionLine(section, 'version_locations'),
        path: iniShown,
      });
    }
  } else {
    usesDefault = true;
    const base = scriptDir ?? cwd;
    const abs = path.join(base, 'versions');
    const found = exists(abs);
    locations = scriptDir === null ? [] : [{ configured: path.join(scriptLocation, 'versions'), absPath: abs, exists: found }];
    if (scriptDir !== null && !found) {
      notes.push({
        code: 'versions-folder-missing',
        message: `The versions folder ${path.relative(cwd, abs) || abs} does not exist${f.sortedWalk ? '' : '; Alembic before 1.10 fails with FileNotFoundError on every command'}.`,
        alembicError: f.sortedWalk ? undefined : `FileNotFoundError: [Errno 2] No such file or directory: '${abs}'`,
      });
    }
  }
  const config = finish(scriptLocation, scriptDir ?? cwd, locations, usesDefault, recursive, sourceless, fileTemplate, prepend);
  return scriptDir === null ? { ...config, scriptDirUnresolved: true } : config;

  /** Options whose written value Alembic reads otherwise than it looks: ini-value-misread notes. */
  function misreadValues(prepend: readonly string[]): void {
    if (!ini?.hasSection(section)) return;
    const at = (name: string) => ({ line: ini.optionLine(section, name), path: iniShown });
    const value = (name: string): string | undefined => {
      try {
        return ini.hasOption(section, name) ? ini.get(section, name) : undefined;
      } catch {
        return undefined; // an interpolation error is reported where Alembic reads the option
      }
    };
    const booleans: [string, string][] = [['sourceless', 'revision files that exist only as .pyc are not read']];
    if (f.recursiveVersionLocations) booleans.unshift(['recursive_version_locations', 'revision files in subfolders of the version locations are not read']);
    for (const [name, effect] of booleans) {
      const v = value(name);
      if (v === undefined || v === 'true') continue;
      const c = inlineComment(v);
      if (!/^(true|yes|on|1)$/iu.test((c?.before ?? v).trim())) continue;
      notes.push({
        code: 'ini-value-misread',
        message: `${name} = ${v} is off: Alembic turns it on only for the exact value "true"${c ? ' (an inline comment is part of the value)' : ''}, so ${effect}.`,
        hint: c ? inlineCommentAdvice(name, `true ${c.comment}`).trimEnd() : `Write ${name} = true (lower case).`,
        ...at(name),
      });
    }
    const prependText = value('prepend_sys_path');
    const broken = prepend.filter((p) => inlineComment(p) !== undefined);
    if (prependText !== undefined && broken.length > 0) {
      notes.push({
        code: 'ini-value-misread',
        message: `prepend_sys_path ends in an inline comment, which Alembic reads as part of the path ${JSON.stringify(broken[0])}: that folder does not exist, and the one meant is not put on sys.path, so imports of the project's own modules in env.py and the revisions can fail.`,
        hint: inlineCommentAdvice('prepend_sys_path', prependText).trimEnd(),
        ...at('prepend_sys_path'),
      });
    }
    const url = value('sqlalchemy.url');
    if (url !== undefined && inlineComment(url)) {
      notes.push({
        code: 'ini-value-misread',
        message: `sqlalchemy.url ends in an inline comment, which SQLAlchemy reads as part of the URL (the end of the database name or of the query): where env.py connects with this URL, it fails or reaches a database that was not meant.`,
        // the URL may hold a password: the hint quotes the comment only
        hint: `alembic.ini has no inline comments: move ${JSON.stringify(inlineComment(url)!.comment)} to a line of its own, and keep the URL alone after "sqlalchemy.url =".`,
        ...at('sqlalchemy.url'),
      });
    }
  }

  function finish(
    scriptLocation: string,
    scriptDir: string,
    versionLocations: VersionLocation[],
    usesDefaultVersions: boolean,
    recursive: boolean,
    sourceless: boolean,
    fileTemplate: string,
    prependSysPath: string[],
  ): ProjectConfig {
    return {
      cwd,
      files,
      iniPath: iniExists ? iniPath : undefined,
      configFileName: iniName,
      ini,
      tomlPath: toml ? tomlPath : undefined,
      section,
      scriptLocation,
      scriptDir,
      versionLocations,
      usesDefaultVersions,
      recursive,
      sourceless,
      fileTemplate,
      truncateSlugLength,
      prependSysPath,
      notes,
      ...(flaskMigrate ? { flaskMigrate, flaskMigrateVersion: detectFlaskMigrateVersion(files, cwd)?.version ?? null } : {}),
      ...(opts.configFileFrom !== undefined && iniExists ? { configFileFrom: opts.configFileFrom } : {}),
      python: opts.python === undefined ? detectPythonVersion(files, cwd) : opts.python,
    };
  }

  function location(entry: string, base: string): VersionLocation {
    const abs = path.resolve(base, entry);
    return { configured: entry, absPath: abs, exists: exists(abs) };
  }

  /** version_locations / prepend_sys_path splitting, per version (reference §1.4). */
  function splitPathList(name: 'version_locations' | 'prepend_sys_path', isPrepend: boolean): string[] {
    const inIni = ini?.hasSection(section) ? ini.get(section, name) : undefined;
    if (inIni) {
      const sepNames = f.pyproject
        ? isPrepend
          ? ['path_separator']
          : ['path_separator', 'version_path_separator']
        : isPrepend
          ? []
          : ['version_path_separator'];
      let sepName: string | undefined;
      let sepValue: string | undefined;
      for (const n of sepNames) {
        const v = getMainOption(n);
        if (v !== undefined) {
          sepName = n;
          sepValue = v;
          break;
        }
      }
      if (sepName === undefined) return splitLegacyPathList(inIni, isPrepend);
      const newlineOk = f.pyproject || (sepName === 'version_path_separator' && f.versionPathSeparatorNewline);
      const sep = separatorChar(sepValue!, newlineOk);
      if (sep === undefined) {
        const expected = newlineOk ? "'space', 'newline', 'os', ':', ';'" : "'space', 'os', ':', ';'";
        throw new ConfigError(`${sepName} = ${sepValue} is not a valid separator.`, {
          alembicError: `ValueError: '${sepValue}' is not a valid value for ${sepName}; expected ${expected}`,
          hint: separatorChar(inlineComment(sepValue!)?.before ?? '', newlineOk) !== undefined
            ? inlineCommentAdvice(sepName, sepValue!).trimEnd()
            : `${inlineCommentAdvice(sepName, sepValue!)}Use one of ${expected} (for example ${sepName} = os).`,
          path: iniShown,
          line: ini?.optionLine(section, sepName),
        });
      }
      return splitOnSeparator(inIni, sep, f.pyproject || f.versionPathSeparatorNewline);
    }
    if (!f.pyproject || !toml || !(name in toml)) return [];
    const v = tomlValue(toml[name], name, tomlArgs);
    return Array.isArray(v) ? v.map(String) : [];
  }

  /**
   * A package in a src layout (`src/pkg` beside the pyproject.toml, setup.py or setup.cfg that builds it,
   * which setuptools, hatch, poetry and uv find on their own): importable once the project is installed.
   */
  function srcLayoutPackage(pkg: string): { root: string; project: string } | undefined {
    for (const project of projectFolders(files, cwd)) {
      const root = path.join(project, 'src');
      if (!isDir(path.join(root, ...pkg.split('.')))) continue;
      if (['pyproject.toml', 'setup.py', 'setup.cfg'].some((f) => exists(path.join(project, f)))) return { root, project };
    }
    return undefined;
  }

  function shownDir(dir: string): string {
    return path.relative(cwd, dir) || '.';
  }

  /** The prepend_sys_path setting that puts a folder on sys.path, written where script_location is. */
  function srcPrependAdvice(root: string): string {
    const inIni = iniShown !== undefined && ini?.hasSection(section) === true;
    const file = inIni ? iniPath : (tomlPath ?? iniPath);
    const rel = path.relative(path.dirname(file), root);
    const value = path.isAbsolute(rel) ? root : rel === '' ? '%(here)s' : `%(here)s/${rel.split(path.sep).join('/')}`;
    return inIni ? `prepend_sys_path = ${value} in [${section}] of ${iniShown}` : `prepend_sys_path = ["${value}"] in [tool.alembic] of ${path.relative(cwd, file) || path.basename(file)}`;
  }

  /** util.coerce_resource_to_filename: `pkg:res` names a folder inside an importable package. */
  function coerceResource(value: string, prependSys: string[], line: number | undefined, isScript: boolean): string | null {
    if (!path.isAbsolute(value) && value.includes(':')) {
      const tokens = value.split(':');
      const pkg = tokens[0]!;
      const roots = [...prependSys.map((p) => path.resolve(cwd, p)), cwd];
      for (const root of roots) {
        const pkgDir = path.join(root, ...pkg.split('.'));
        if (isDir(pkgDir)) return path.join(pkgDir, ...tokens.slice(1));
      }
      const what = isScript ? 'script_location' : 'version_locations entry';
      // a src layout first: installed, the package imports from any folder, this one included
      const src = srcLayoutPackage(pkg);
      if (src) {
        notes.push({
          code: 'script-location-needs-install',
          message: `${what} ${JSON.stringify(value)} names the package ${pkg}, which is in ${shownDir(src.root)}/, the src layout of the project ${shownDir(src.project) === '.' ? 'here' : `in ${shownDir(src.project)}/`}. Read from there; but Alembic imports it only when the project is installed into the environment (\`pip install .\`, \`uv sync\`, \`poetry install\`) or ${shownDir(src.root)}/ is on sys.path.`,
          line,
          path: iniShown,
          alembicError: `ModuleNotFoundError: No module named '${pkg}'`,
          hint: `Make the import independent of the install: ${srcPrependAdvice(src.root)} (or install the project in the release environment and ignore this finding with that reason).`,
        });
        return path.join(src.root, ...pkg.split('.'), ...tokens.slice(1));
      }
      // the package may sit higher up the repository: say where to run from instead of "not found"
      const above = projectFolders(files, cwd).slice(1).find((dir) => isDir(path.join(dir, ...pkg.split('.'))));
      const why = above
        ? `which is not importable from this folder: the package is in ${displayDir(above)}. Run from there (Alembic needs the same), or install the package into the environment`
        : `whose folder is not in this repository (looked in ${[...new Set(roots)].map(displayDir).join(', ')})`;
      notes.push({
        code: 'script-location-unresolved',
        message: `${what} ${JSON.stringify(value)} names the package ${pkg}, ${why}.`,
        line,
        path: iniShown,
        alembicError: `ModuleNotFoundError: No module named '${pkg}'`,
      });
      return null;
    }
    if (value === '' && isScript && !f.pyproject) return path.resolve(cwd, '\u0000missing');
    return path.resolve(cwd, value);
  }
}

function tomlValue(v: unknown, name: string, args: Record<string, string>): unknown {
  const fmt = (s: unknown): string => {
    if (typeof s !== 'string') return String(s);
    return s.replace(/%(?:\(([^)]*)\)s|%|(.))/g, (m, key: string | undefined, other: string | undefined) => {
      if (m === '%%') return '%';
      if (key !== undefined && Object.hasOwn(args, key)) return args[key]!;
      throw new ConfigError(`pyproject.toml [tool.alembic] ${name} uses ${m}, which Alembic cannot format.`, {
        alembicError: key !== undefined ? `KeyError: '${key}'` : `ValueError: unsupported format character '${other ?? ''}'`,
        hint: 'Write a literal % as %% in pyproject.toml; only %(here)s is substituted.',
      });
    });
  };
  if (typeof v === 'string') return fmt(v);
  if (Array.isArray(v)) return v.map((x) => (x !== null && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, fmt(y)])) : fmt(x)));
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return v;
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, y]) => [k, fmt(y)]));
  throw new ConfigError(`unsupported TOML value type for key: '${name}'`, { alembicError: `FAILED: unsupported TOML value type for key: '${name}'` });
}

async function readTomlSection(files: ProjectFiles, file: string): Promise<TomlTable | undefined> {
  const { parse } = await import('smol-toml');
  let data: Record<string, unknown>;
  // tomllib.load decodes the bytes as strict UTF-8 and keeps a byte-order mark, which no TOML statement starts with
  const decoded = decodeBytesLikePython(readConfigBytes(files, file));
  if ('error' in decoded) {
    throw new ConfigError('pyproject.toml is not UTF-8 text, and Python reads it as UTF-8.', { alembicError: decoded.error, hint: 'Save pyproject.toml as UTF-8.', path: file });
  }
  if (decoded.text.startsWith('\uFEFF')) {
    throw new ConfigError('pyproject.toml starts with a byte-order mark (U+FEFF), which Python reads as text and TOML does not allow.', {
      alembicError: 'tomllib.TOMLDecodeError: Invalid statement (at line 1, column 1)',
      hint: withoutByteOrderMark('pyproject.toml'),
      path: file,
    });
  }
  try {
    data = parse(decoded.text) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`pyproject.toml is not valid TOML: ${(e as Error).message.split('\n')[0]}`, {
      alembicError: 'tomllib.TOMLDecodeError',
      hint: 'Fix the TOML syntax in pyproject.toml.',
      path: file,
    });
  }
  const tool = data.tool as Record<string, unknown> | undefined;
  if (!tool || !('alembic' in tool)) return undefined;
  const section = tool.alembic;
  if (section === null || typeof section !== 'object' || Array.isArray(section)) {
    throw new ConfigError('Incorrect TOML format', {
      alembicError: 'FAILED: Incorrect TOML format',
      hint: '[tool.alembic] must be a table in pyproject.toml.',
    });
  }
  return section as TomlTable;
}

function iniFailure(e: unknown, iniName: string, byteOrderMark = false): ConfigError {
  if (e instanceof ConfigError) return e;
  if (e instanceof IniError) {
    // Windows editors save a byte-order mark; Python's utf-8 codec keeps it, so line 1 is no section header
    const bom = byteOrderMark && e.line === 1 && e.message.startsWith('configparser.MissingSectionHeaderError');
    return new ConfigError(`${iniName} cannot be read the way Alembic reads it${bom ? ': it starts with a byte-order mark (U+FEFF), which Python reads as text' : ''}.`, {
      alembicError: e.message,
      hint: bom ? withoutByteOrderMark(iniName) : `Fix ${iniName}: ${e.message.split(':').slice(1).join(':').trim().split('\n')[0]}`,
      line: e.line,
    });
  }
  return new ConfigError(`${iniName} cannot be read: ${(e as Error).message}`, { hint: 'Check the file exists and is readable.' });
}

/**
 * alembic.ini as configparser reads it: strict UTF-8 (Python's default on Heroku and in its UTF-8
 * mode). Invalid bytes are Python's UnicodeDecodeError on every Alembic command, unless a line read
 * before them already failed.
 */
function readIniText(files: ProjectFiles, file: string, iniName: string): string {
  const decoded = decodeLikePython(readConfigBytes(files, file));
  if ('text' in decoded) return decoded.text;
  parseIni(decoded.before, iniName, {}, { partial: true });
  throw new ConfigError(`${iniName} is not UTF-8 text, and Python reads it as UTF-8.`, {
    alembicError: decoded.error,
    hint: `Save ${iniName} as UTF-8 (an editor's "Save with encoding"; iconv -f latin1 -t utf-8 converts a Latin-1 file).`,
  });
}

function readConfigBytes(files: ProjectFiles, file: string): Buffer {
  const bytes = files.bytes(file);
  if (bytes === undefined) throw new ConfigError(`${file} cannot be read: ${files.readError(file) ?? 'unknown error'}`, { hint: 'Check the file permissions.' });
  return bytes;
}

/** The fix for a byte-order mark, which Windows editors save and Python reads as text. */
function withoutByteOrderMark(name: string): string {
  return `Save ${name} as UTF-8 without a byte-order mark (sed -i '1s/^\\xEF\\xBB\\xBF//' ${name} removes it).`;
}

/** What to run instead, when this folder has no configuration: the setups found below it. */
function notHereHint(files: ProjectFiles, cwd: string): string {
  const found = findAlembicSetups(files, cwd);
  if (found.length === 0) return 'Run alembic-preflight from the folder that holds alembic.ini, or pass it with -c path/to/alembic.ini (or name the revision folder with --versions DIR).';
  return `This folder has no Alembic configuration, but below it: ${found.join(' | ')}.`;
}

/**
 * A relative path that does not exist but names folders that do when the case is ignored
 * (`app/db/migrations` for `App/DB/migrations`): the path as the folders spell it, else undefined.
 */
function otherCase(files: ProjectFiles, value: string, cwd: string): string | undefined {
  if (path.isAbsolute(value) || value.includes('%')) return undefined;
  const parts = value.split('/').filter((p) => p !== '' && p !== '.');
  let dir = cwd;
  const spelt: string[] = [];
  for (const part of parts) {
    if (part === '..') {
      dir = path.dirname(dir);
      spelt.push(part);
      continue;
    }
    const names = files.entries(dir)?.map((e) => e.name);
    if (names === undefined) return undefined;
    const match = names.includes(part) ? part : names.find((n) => n.toLowerCase() === part.toLowerCase());
    if (match === undefined) return undefined;
    spelt.push(match);
    dir = path.join(dir, match);
  }
  const result = spelt.join('/');
  return result !== parts.join('/') ? result : undefined;
}

/** otherCase for a value as written: `%(here)s/…` is looked up from the ini's folder and given back with `%(here)s`. */
function otherCaseWritten(files: ProjectFiles, written: string | undefined, value: string, cwd: string, iniPath: string): string | undefined {
  if (written?.startsWith('%(here)s/')) {
    const cased = otherCase(files, written.slice('%(here)s/'.length), path.dirname(iniPath));
    return cased === undefined ? undefined : `%(here)s/${cased}`;
  }
  return otherCase(files, value, cwd);
}

function caseAdvice(what: string, cased: string): string {
  const option = what.startsWith('the entry') ? `${what} as ${cased}` : `${what} = ${cased}`;
  return `File names differ by case only. Linux, where Heroku runs Alembic, tells the cases apart (macOS and Windows do not): write ${option}.`;
}

/** A path written with Windows backslashes that exists with forward slashes: its forward-slashed form, else undefined. */
function forwardSlashed(files: ProjectFiles, value: string, cwd: string): string | undefined {
  if (!value.includes('\\')) return undefined;
  const slashed = value.replaceAll('\\', '/');
  return files.exists(path.resolve(cwd, slashed)) ? slashed : undefined;
}

function backslashAdvice(option: string, slashed: string): string {
  return `A backslash is no path separator on Linux, where Heroku runs Alembic (it is part of the folder's name): write ${option} = ${slashed}, which Windows reads too.`;
}

function displayDir(p: string): string {
  return p;
}

/** A folder and those above it in its repository (outside one, its parent too): where a path written elsewhere may point. */
function searchBases(files: ProjectFiles, dir: string): string[] {
  const chain = projectFolders(files, dir);
  return chain.length > 1 || files.exists(path.join(dir, '.git')) ? chain : [dir, path.dirname(dir)];
}

/**
 * For a script_location that is not there: the folder above this one it is written for (run from there,
 * or anchor it with %(here)s), else folders near the ini that look like Alembic script folders.
 */
function suggestScriptLocation(files: ProjectFiles, cwd: string, iniPath: string, configured: string, written?: string): string {
  const iniDir = path.dirname(iniPath);
  const here = (dir: string): string => hereAnchored(iniPath, dir);
  if (path.isAbsolute(configured)) {
    // a path of another machine (a container image's /app/...): its longest tail that is a script folder here
    const parts = configured.split(/[\\/]/u).filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      for (const base of searchBases(files, iniDir)) {
        const dir = path.resolve(base, ...parts.slice(i));
        if (!files.exists(path.join(dir, 'env.py'))) continue;
        // %(here)s made it absolute: the user wrote a path relative to the ini, one level off
        if (written?.includes('%(here)s')) {
          return `${written} is resolved against the ini's own folder (${path.relative(cwd, iniDir) || 'this folder'}), and there is no such folder there; the one holding env.py is ${path.relative(cwd, dir) || 'this folder'}. Write script_location = ${here(dir)}.`;
        }
        return `${configured} is an absolute path, so it works only where that path exists (inside a container image, say); in this checkout it is ${path.relative(cwd, dir) || 'this folder'}. Write script_location = ${here(dir)}, which finds it wherever the repository is, the image included.`;
      }
    }
  } else {
    // written relative to the folder Alembic is usually run from (the repository root, an ini in a subfolder)
    for (const base of searchBases(files, cwd).slice(1)) {
      const dir = path.resolve(base, configured);
      if (!files.exists(path.join(dir, 'env.py'))) continue;
      const from = path.relative(cwd, base);
      const ini = path.relative(base, iniPath);
      return `From ${from} it names ${path.relative(cwd, dir) || 'this folder'}, which holds env.py: a relative script_location is resolved against the folder Alembic runs from, not the ini's. Run from there (cd ${from} && alembic -c ${ini} …; alembic-preflight check -c ${ini}), or write script_location = ${here(dir)} so that it works from any folder.`;
    }
  }
  const found: string[] = [];
  for (const base of [...new Set([cwd, iniDir])]) {
    for (const cand of ['migrations', 'alembic', 'migration', 'db/migrations', 'app/migrations']) {
      if (files.exists(path.join(base, cand, 'env.py'))) found.push(path.relative(cwd, path.join(base, cand)) || '.');
    }
  }
  // %(here)s only helps when the path is written relative to the ini's folder
  const besideIni = scriptFolderBesideIni(files, cwd, iniPath, configured);
  const rel = besideIni ? ` A relative script_location is resolved against the current directory, not the ini file; script_location = ${here(besideIni)} makes it independent of where you run from.` : '';
  return found.length > 0
    ? `Did you mean script_location = ${found[0]}? (found an env.py there).${rel}`
    : `Point script_location at the folder that holds env.py.${rel}`;
}

/** A folder holding the env.py that Flask-Migrate runs: its template reads the app through flask.current_app. */
function isFlaskMigrateDir(files: ProjectFiles, dir: string, cwd: string): boolean {
  const text = files.text(path.join(dir, 'env.py'));
  if (text === undefined) return false;
  // a line's first `from flask import` only: retrying from each one on a long line is quadratic
  if (/^(?:(?!\bfrom flask import\b)[^\n\r\u2028\u2029])*\bfrom flask import\b[^\n\r\u2028\u2029]*\bcurrent_app\b/m.test(text) && /current_app\.extensions\[\s*['"]migrate['"]\s*\]/.test(text)) return true;
  // an env.py rewritten to build the app itself (ghostportal's create_app()) has lost the template's
  // lines, but `flask db` still runs it; the project's declared Flask-Migrate says so
  return declaredImports(files, cwd).has('flask_migrate');
}
