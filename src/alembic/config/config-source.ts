import path from 'node:path';
import type { ProjectFiles } from '../../project/project-files.js';
import { ConfigError } from '../../errors/errors.js';
import { featuresOf, type AlembicFeatures } from './alembic-version.js';
import { inlineComment, inlineCommentAdvice, parseIni, type IniFile } from './ini-parser.js';
import { iniFailure, readIniText, readTomlSection, tomlValue, type TomlTable } from './config-files.js';
import { displayDir, isFlaskMigrateDir, notHereHint } from './location-advice.js';
import { separatorChar, splitLegacyPathList, splitOnSeparator } from './path-lists.js';
import { projectFolders } from '../../packaging/project-folders.js';
import type { ConfigNote, ConfigOptions, VersionLocation } from './config-types.js';

/** An option's value and where it was written. */
export interface ConfigOption {
  readonly value: unknown;
  readonly line?: number;
  readonly from: 'ini' | 'toml';
}

/**
 * The configuration files of one run as Alembic's Config finds and reads them: alembic.ini (or -c,
 * $ALEMBIC_CONFIG, Flask-Migrate's migrations/alembic.ini) and pyproject.toml's [tool.alembic], with
 * Alembic's getters over them and the notes collected while reading.
 */
export class ConfigSource {
  readonly f: AlembicFeatures;
  readonly cwd: string;
  readonly files: ProjectFiles;
  readonly section: string;
  readonly notes: ConfigNote[] = [];

  private constructor(
    readonly opts: ConfigOptions,
    /** The ini's name as Alembic's Config holds it. */
    readonly iniName: string,
    /** A Flask app's root: Flask-Migrate keeps alembic.ini in its directory (default migrations/). */
    readonly flaskRoot: boolean,
    readonly iniPath: string,
    readonly iniExists: boolean,
    readonly tomlPath: string | undefined,
    readonly toml: TomlTable | undefined,
    readonly ini: IniFile | undefined,
  ) {
    this.f = featuresOf(opts.alembicVersion);
    this.cwd = opts.cwd;
    this.files = opts.files;
    this.section = opts.section ?? 'alembic';
  }

  /** Finds and parses the files, failing where Alembic's Config fails to. */
  static async open(opts: ConfigOptions): Promise<ConfigSource> {
    const { cwd, files } = opts;
    const f = featuresOf(opts.alembicVersion);
    const env = opts.env ?? {};
    const section = opts.section ?? 'alembic';
    const isFile = (p: string): boolean => files.kind(p) === 'file';
    let iniName = opts.configFile ?? env.ALEMBIC_CONFIG ?? 'alembic.ini';
    const flaskRoot =
      !opts.configFile &&
      !env.ALEMBIC_CONFIG &&
      !isFile(path.join(cwd, iniName)) &&
      isFile(path.join(cwd, 'migrations', 'alembic.ini')) &&
      isFlaskMigrateDir(files, path.join(cwd, 'migrations'), cwd);
    if (flaskRoot) iniName = path.join('migrations', 'alembic.ini');
    let tomlName = 'pyproject.toml';
    if (f.pyproject && path.basename(iniName) === 'pyproject.toml') {
      tomlName = iniName;
      iniName = 'alembic.ini';
    }
    const iniPath = path.resolve(cwd, iniName);
    const iniExists = isFile(iniPath);
    const tomlPath = f.pyproject ? path.resolve(cwd, tomlName) : undefined;
    const toml = tomlPath && isFile(tomlPath) ? await readTomlSection(files, tomlPath) : undefined;
    // Alembic reads a -c file that cannot be opened as an empty one (configparser skips it): from 1.16 on,
    // [tool.alembic] then configures the project and every command works; otherwise it fails, less clearly than this
    if (
      opts.configFile &&
      !iniExists &&
      path.basename(opts.configFile) !== 'pyproject.toml' &&
      !(toml && 'script_location' in toml)
    ) {
      const what = !files.exists(iniPath)
        ? 'does not exist'
        : files.kind(iniPath) === 'dir'
          ? 'is a folder, not a file'
          : 'is not a regular file (a device or a pipe)';
      throw new ConfigError(`The config file ${opts.configFile} ${what}.`, {
        alembicError: f.pyproject
          ? "FAILED: No 'script_location' key found in configuration."
          : `FAILED: No config file '${iniName}' found, or file has no '[${section}]' section`,
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
    return new ConfigSource(opts, iniName, flaskRoot, iniPath, iniExists, tomlPath, toml, ini);
  }

  /** alembic.ini as findings name it, when it exists. */
  get iniShown(): string | undefined {
    return this.iniExists ? path.relative(this.cwd, this.iniPath) || this.iniName : undefined;
  }

  /** --versions replaces version_locations. */
  get overridden(): boolean {
    return this.opts.versions !== undefined && this.opts.versions.length > 0;
  }

  isFile(p: string): boolean {
    return this.files.kind(p) === 'file';
  }

  isDir(p: string): boolean {
    return this.files.kind(p) === 'dir';
  }

  exists(p: string): boolean {
    return this.files.exists(p);
  }

  /** Config.get_alembic_option: the ini's section first, then [tool.alembic] (from 1.16). */
  get(name: string): ConfigOption | undefined {
    const { ini, section, iniName, f, toml } = this;
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
          hint: this.iniExists
            ? `${iniName} has no [${section}] section: add it, or name the section that holds script_location with -n.`
            : notHereHint(this.files, this.cwd),
        });
      }
      return undefined;
    }
    if (toml && name in toml) return { value: tomlValue(toml[name], name, this.tomlArgs()), from: 'toml' };
    return undefined;
  }

  /** Config.get_alembic_boolean_option. */
  getBool(name: string): boolean {
    const { ini, section, f, toml } = this;
    if (ini?.hasOption(section, name)) return this.get(name)!.value === 'true';
    if (!f.pyproject || !toml || !(name in toml)) return false;
    const v = toml[name];
    if (typeof v !== 'boolean') {
      throw new ConfigError(`boolean value expected for TOML parameter '${name}'`, {
        alembicError: `FAILED: boolean value expected for TOML parameter '${name}'`,
        hint: `Write ${name} = true (a TOML boolean, not a string) in [tool.alembic].`,
      });
    }
    return v;
  }

  /** Config.get_main_option: reads only the ini and needs its section to exist. */
  getMainOption(name: string): string | undefined {
    const { ini, section, iniName } = this;
    if (!ini?.hasSection(section)) {
      if (!this.f.pyproject) return undefined;
      throw new ConfigError(`No config file '${iniName}' found, or file has no '[${section}]' section`, {
        alembicError: `FAILED: No config file '${iniName}' found, or file has no '[${section}]' section`,
      });
    }
    return ini.hasOption(section, name) ? (this.get(name)!.value as string) : undefined;
  }

  location(entry: string, base: string): VersionLocation {
    const abs = path.resolve(base, entry);
    return { configured: entry, absPath: abs, exists: this.exists(abs) };
  }

  /** version_locations / prepend_sys_path splitting, per version (reference §1.4). */
  splitPathList(name: 'version_locations' | 'prepend_sys_path', isPrepend: boolean): string[] {
    const { ini, section, f, toml } = this;
    const inIni = ini?.hasSection(section) ? ini.get(section, name) : undefined;
    if (inIni) {
      const separator = this.separatorOption(isPrepend);
      if (separator === undefined) return splitLegacyPathList(inIni, isPrepend);
      const [sepName, sepValue] = separator;
      const newlineOk =
        f.pyproject || (sepName === 'version_path_separator' && f.versionPathSeparatorNewline);
      const sep = separatorChar(sepValue, newlineOk);
      if (sep === undefined) {
        const expected = newlineOk ? "'space', 'newline', 'os', ':', ';'" : "'space', 'os', ':', ';'";
        throw new ConfigError(`${sepName} = ${sepValue} is not a valid separator.`, {
          alembicError: `ValueError: '${sepValue}' is not a valid value for ${sepName}; expected ${expected}`,
          hint:
            separatorChar(inlineComment(sepValue)?.before ?? '', newlineOk) !== undefined
              ? inlineCommentAdvice(sepName, sepValue).trimEnd()
              : `${inlineCommentAdvice(sepName, sepValue)}Use one of ${expected} (for example ${sepName} = os).`,
          path: this.iniShown,
          line: ini?.optionLine(section, sepName),
        });
      }
      return splitOnSeparator(inIni, sep, f.pyproject || f.versionPathSeparatorNewline);
    }
    if (!f.pyproject || !toml || !(name in toml)) return [];
    const v = tomlValue(toml[name], name, this.tomlArgs());
    return Array.isArray(v) ? v.map(String) : [];
  }

  /** The separator option that applies to a path list, by name and value; undefined when none is set. */
  private separatorOption(isPrepend: boolean): [string, string] | undefined {
    const names = this.f.pyproject
      ? isPrepend
        ? ['path_separator']
        : ['path_separator', 'version_path_separator']
      : isPrepend
        ? []
        : ['version_path_separator'];
    for (const n of names) {
      const v = this.getMainOption(n);
      if (v !== undefined) return [n, v];
    }
    return undefined;
  }

  /** util.coerce_resource_to_filename: `pkg:res` names a folder inside an importable package. */
  coerceResource(
    value: string,
    prependSys: string[],
    line: number | undefined,
    isScript: boolean,
  ): string | null {
    const { cwd } = this;
    if (!path.isAbsolute(value) && value.includes(':')) {
      const tokens = value.split(':');
      const pkg = tokens[0]!;
      const roots = [...prependSys.map((p) => path.resolve(cwd, p)), cwd];
      for (const root of roots) {
        const pkgDir = path.join(root, ...pkg.split('.'));
        if (this.isDir(pkgDir)) return path.join(pkgDir, ...tokens.slice(1));
      }
      const what = isScript ? 'script_location' : 'version_locations entry';
      // a src layout first: installed, the package imports from any folder, this one included
      const src = this.srcLayoutPackage(pkg);
      if (src) {
        this.notes.push({
          code: 'script-location-needs-install',
          what,
          value,
          pkg,
          srcRoot: this.shownDir(src.root),
          project: this.shownDir(src.project),
          prepend: this.prependFor(src.root),
          line,
          path: this.iniShown,
          alembicError: `ModuleNotFoundError: No module named '${pkg}'`,
        });
        return path.join(src.root, ...pkg.split('.'), ...tokens.slice(1));
      }
      // the package may sit higher up the repository: say where to run from instead of "not found"
      const above = projectFolders(this.files, cwd)
        .slice(1)
        .find((dir) => this.isDir(path.join(dir, ...pkg.split('.'))));
      this.notes.push({
        code: 'script-location-unresolved',
        what,
        value,
        pkg,
        ...(above !== undefined ? { above: displayDir(above) } : {}),
        looked: [...new Set(roots)].map(displayDir),
        line,
        path: this.iniShown,
        alembicError: `ModuleNotFoundError: No module named '${pkg}'`,
      });
      return null;
    }
    if (value === '' && isScript && !this.f.pyproject) return path.resolve(cwd, '\u0000missing');
    return path.resolve(cwd, value);
  }

  private tomlArgs(): Record<string, string> {
    return this.tomlPath ? { here: path.dirname(this.tomlPath) } : {};
  }

  /**
   * A package in a src layout (`src/pkg` beside the pyproject.toml, setup.py or setup.cfg that builds it,
   * which setuptools, hatch, poetry and uv find on their own): importable once the project is installed.
   */
  private srcLayoutPackage(pkg: string): { root: string; project: string } | undefined {
    for (const project of projectFolders(this.files, this.cwd)) {
      const root = path.join(project, 'src');
      if (!this.isDir(path.join(root, ...pkg.split('.')))) continue;
      if (['pyproject.toml', 'setup.py', 'setup.cfg'].some((f) => this.exists(path.join(project, f))))
        return { root, project };
    }
    return undefined;
  }

  private shownDir(dir: string): string {
    return path.relative(this.cwd, dir) || '.';
  }

  /** The prepend_sys_path value that puts a folder on sys.path, and where script_location is written: the ini's section (`section`), else pyproject.toml. */
  private prependFor(root: string): { value: string; section?: string; file: string } {
    const { ini, section, iniPath, tomlPath, iniShown, cwd } = this;
    const inIni = iniShown !== undefined && ini?.hasSection(section) === true;
    const file = inIni ? iniPath : (tomlPath ?? iniPath);
    const rel = path.relative(path.dirname(file), root);
    const value = path.isAbsolute(rel)
      ? root
      : rel === ''
        ? '%(here)s'
        : `%(here)s/${rel.split(path.sep).join('/')}`;
    return inIni
      ? { value, section, file: iniShown }
      : { value, file: path.relative(cwd, file) || path.basename(file) };
  }
}
