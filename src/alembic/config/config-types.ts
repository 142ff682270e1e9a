import type { ProjectFiles } from '../../project/project-files.js';
import type { DeclaredPython } from '../../packaging/python-version.js';
import type { AlembicVersion } from './alembic-version.js';
import type { IniFile } from './ini-parser.js';

// What loading a project's Alembic configuration takes and gives.

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
  /**
   * SQLAlchemy's dialect name of the URL the run reads (`postgresql`, `sqlite`, `mysql`, `mariadb`), for an
   * env.py that sets version_locations by dialect; else the ini's sqlalchemy.url decides.
   */
  readonly dialect?: string;
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

interface NoteAt {
  readonly path?: string;
  readonly line?: number;
  /** What Alembic prints when the note means it fails (its words). */
  readonly alembicError?: string;
}

/** The spelling that makes an entry miss its folder, and the one that finds it. */
export type SpellingFix =
  | { readonly kind: 'backslash'; readonly option: string; readonly slashed: string }
  | { readonly kind: 'case'; readonly what: string; readonly cased: string };

/**
 * A configuration fact that becomes a finding rather than a hard failure, as data: its rule file
 * (src/check/rules/CODE.ts) words it.
 */
export type ConfigNote =
  | (NoteAt & { readonly code: 'version-location-is-cwd' })
  /** An entry that does not exist; `spelling` when the folder exists under another spelling. */
  | (NoteAt & {
      readonly code: 'version-location-missing';
      readonly entry: string;
      readonly spelling?: SpellingFix;
    })
  /** Entries an inline comment added (`# ours` read as the folders "#" and "ours"); `written`: the option's value. */
  | (NoteAt & {
      readonly code: 'version-location-missing';
      readonly fromComment: readonly string[];
      readonly written: string;
    })
  | (NoteAt & {
      readonly code: 'script-location-needs-install';
      /** `script_location` or `version_locations entry`. */
      readonly what: string;
      readonly value: string;
      readonly pkg: string;
      /** The src folder and the project that holds it, relative to the working folder ('.' for it). */
      readonly srcRoot: string;
      readonly project: string;
      /** The prepend_sys_path value that puts the src folder on sys.path, and where to write it. */
      readonly prepend: { readonly value: string; readonly section?: string; readonly file: string };
    })
  | (NoteAt & {
      readonly code: 'script-location-unresolved';
      readonly what: string;
      readonly value: string;
      readonly pkg: string;
      /** A folder higher up the repository that holds the package. */
      readonly above?: string;
      /** The folders looked in. */
      readonly looked: readonly string[];
    })
  | (NoteAt & {
      readonly code: 'versions-folder-missing';
      readonly folder: string;
      readonly failsEveryCommand: boolean;
    })
  | (NoteAt & IniValueMisread);

/** An alembic.ini value that Alembic reads otherwise than it looks. */
export type IniValueMisread =
  | {
      readonly code: 'ini-value-misread';
      readonly option: 'sourceless' | 'recursive_version_locations';
      readonly value: string;
      readonly comment?: string;
    }
  | {
      readonly code: 'ini-value-misread';
      readonly option: 'prepend_sys_path';
      readonly value: string;
      readonly misreadPath: string;
    }
  | { readonly code: 'ini-value-misread'; readonly option: 'sqlalchemy.url'; readonly comment: string };

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
  /** Where env.py sets the version locations at run time (`context.script.version_locations = …`), read in place of the ini's. */
  readonly versionLocationsFrom?: { readonly path: string; readonly line: number };
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
