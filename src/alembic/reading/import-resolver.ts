import path from 'node:path';
import type { ProjectFiles } from '../../project/project-files.js';
import type { ProjectConfig } from '../config/alembic-config.js';
import { declaredImports } from '../../packaging/declared-imports.js';
import { NOT_SOURCE_DIRS, projectFolders } from '../../packaging/project-folders.js';

// sys.stdlib_module_names (CPython 3.11–3.13), top-level names only
const STDLIB = new Set(
  `__future__ _thread abc aifc argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb binascii bisect builtins bz2 calendar cgi cgitb chunk cmath cmd code codecs codeop collections colorsys compileall concurrent configparser contextlib contextvars copy copyreg cProfile crypt csv ctypes curses dataclasses datetime dbm decimal difflib dis doctest email encodings ensurepip enum errno faulthandler fcntl filecmp fileinput fnmatch fractions ftplib functools gc getopt getpass gettext glob graphlib grp gzip hashlib heapq hmac html http idlelib imaplib imghdr importlib inspect io ipaddress itertools json keyword lib2to3 linecache locale logging lzma mailbox mailcap marshal math mimetypes mmap modulefinder msvcrt multiprocessing netrc nntplib numbers operator optparse os ossaudiodev pathlib pdb pickle pickletools pipes pkgutil platform plistlib poplib posix posixpath pprint profile pstats pty pwd py_compile pyclbr pydoc queue quopri random re readline reprlib resource rlcompleter runpy sched secrets select selectors shelve shlex shutil signal site smtplib sndhdr socket socketserver spwd sqlite3 ssl stat statistics string stringprep struct subprocess sunau symtable sys sysconfig syslog tabnanny tarfile telnetlib tempfile termios textwrap threading time timeit tkinter token tokenize tomllib trace traceback tracemalloc tty turtle types typing unicodedata unittest urllib uu uuid venv warnings wave weakref webbrowser winreg winsound wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport zlib zoneinfo`.split(
    ' ',
  ),
);
// what Alembic itself depends on, so it is importable wherever Alembic runs
const WITH_ALEMBIC = new Set(['alembic', 'sqlalchemy', 'mako', 'markupsafe', 'typing_extensions']);

/** A top-level module that ships with Python or with Alembic itself: never the project's own. */
export function isStdlibOrAlembic(module: string): boolean {
  return STDLIB.has(module) || WITH_ALEMBIC.has(module);
}

/**
 * Whether a top-level import in a migration can be satisfied where Alembic
 * runs: `true` for the standard library, Alembic's own dependencies, a package
 * on Python's path here or a distribution the project declares; otherwise
 * where the repository has a package of that name off the path (bazarr keeps
 * `app` in bazarr/app and puts bazarr/ on sys.path itself), if it has one.
 */
export type ImportCheck = (module: string) => true | { readonly elsewhere?: MisplacedPackage };

export interface MisplacedPackage {
  /** The package folder or module file, relative to the working folder. */
  readonly path: string;
  /** A prepend_sys_path value that puts its parent folder on Python's path (relative to the ini with %(here)s). */
  readonly prepend: string;
}

// one checker per configuration: the model's loader and the env.py rule ask the same questions, and
// the requirements and lock files it reads on first need are read once
const checkers = new WeakMap<ProjectConfig, ImportCheck>();

export function importChecker(config: ProjectConfig): ImportCheck {
  let checker = checkers.get(config);
  if (!checker) {
    checker = newImportChecker(config);
    checkers.set(config, checker);
  }
  return checker;
}

function newImportChecker(config: ProjectConfig): ImportCheck {
  const files = config.files;
  const folders = projectFolders(files, config.cwd);
  const roots = projectImportRoots(config);
  // read on first need: most migrations import only what Alembic brings
  let declared: Set<string> | undefined;
  // with each packaged folder's src/, looked at on the first import not found elsewhere
  let allRoots: string[] | undefined;
  const cache = new Map<string, true | { elsewhere?: MisplacedPackage }>();
  return (module) => {
    if (isStdlibOrAlembic(module)) return true;
    declared ??= declaredFor(config);
    if (declared.has(module.toLowerCase())) return true;
    let ok = cache.get(module);
    if (ok === undefined) {
      allRoots ??= [...roots, ...folders.flatMap((f) => srcLayout(files, f))];
      ok = allRoots.some(
        (r) => files.exists(path.join(r, module)) || files.exists(path.join(r, `${module}.py`)),
      )
        ? true
        : { elsewhere: misplaced(packageBelow(files, folders[folders.length - 1]!, module), config) };
      cache.set(module, ok);
    }
    return ok;
  };
}

/**
 * A project folder's `src/` when the folder is packaged (setup.py, setup.cfg,
 * or a pyproject.toml that builds something): the src layout exists so that
 * its packages are importable only once the project is installed, which the
 * application needs as much as its migrations do (peter_sslers keeps its
 * package in src/ and imports it from two revisions).
 */
function srcLayout(files: ProjectFiles, folder: string): string[] {
  const src = path.join(folder, 'src');
  if (!files.exists(src)) return [];
  if (files.exists(path.join(folder, 'setup.py')) || files.exists(path.join(folder, 'setup.cfg')))
    return [src];
  // a pyproject.toml that only configures tools ([tool.black], [tool.alembic]) builds nothing
  const pyproject = files.text(path.join(folder, 'pyproject.toml'));
  return pyproject !== undefined && /^\[(?:project|build-system|tool\.poetry)\]/m.test(pyproject)
    ? [src]
    : [];
}

function misplaced(abs: string | undefined, config: ProjectConfig): MisplacedPackage | undefined {
  if (abs === undefined) return undefined;
  const parent = path.dirname(abs);
  const fromIni = config.iniPath
    ? path.relative(path.dirname(config.iniPath), parent).split(path.sep).join('/')
    : undefined;
  return {
    path: path.relative(config.cwd, abs),
    prepend:
      fromIni !== undefined
        ? fromIni === ''
          ? '%(here)s'
          : `%(here)s/${fromIni}`
        : path.relative(config.cwd, parent) || '.',
  };
}

/**
 * The shallowest `module/__init__.py` or `module.py` under `root` (four levels
 * at most); only asked about imports that already failed.
 */
function packageBelow(files: ProjectFiles, root: string, module: string): string | undefined {
  let level = [root];
  for (let depth = 0; depth < 4 && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const names = files
        .entries(dir)
        ?.map((e) => e.name)
        .sort();
      if (names === undefined) continue;
      if (depth > 0) {
        if (names.includes(module) && files.exists(path.join(dir, module, '__init__.py')))
          return path.join(dir, module);
        if (names.includes(`${module}.py`)) return path.join(dir, `${module}.py`);
      }
      for (const n of names)
        if (!n.startsWith('.') && !NOT_SOURCE_DIRS.has(n) && !n.includes('.')) next.push(path.join(dir, n));
    }
    level = next.length > 400 ? next.slice(0, 400) : next;
  }
  return undefined;
}

/** What decides where Python finds a module from Alembic's process: the folder, the ini and its prepend_sys_path. */
export type ImportRoots = Pick<ProjectConfig, 'cwd' | 'files' | 'iniPath' | 'prependSysPath'>;

/** Where a module of the project can be found: the working folder, the ini's folder, prepend_sys_path. */
export function pythonPathRoots(config: ImportRoots): string[] {
  return [
    ...new Set([
      config.cwd,
      ...(config.iniPath ? [path.dirname(config.iniPath)] : []),
      ...config.prependSysPath.map((p) => path.resolve(config.cwd, p)),
    ]),
  ];
}

/**
 * Python's path where Alembic runs, then each folder up to the repository's root: a package there counts
 * as the project's own, installed (OpenStack services run Alembic from designate/storage/sqlalchemy and
 * import designate, which pip installed).
 */
export function projectImportRoots(config: ImportRoots): string[] {
  return [...new Set([...pythonPathRoots(config), ...projectFolders(config.files, config.cwd)])];
}

const declaredByConfig = new WeakMap<ProjectConfig, Set<string>>();

/** declaredImports for a loaded configuration, read once however many rules ask (the files do not change during a run). */
export function declaredFor(config: ProjectConfig): Set<string> {
  let names = declaredByConfig.get(config);
  if (!names) {
    names = declaredImports(config.files, config.cwd);
    declaredByConfig.set(config, names);
  }
  return names;
}
