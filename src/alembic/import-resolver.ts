import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import type { ProjectConfig } from './alembic-config.js';
import { NOT_SOURCE_DIRS, projectFolders } from './project-folders.js';
import { Tok, tokenize } from '../python/python-tokenizer.js';
import { evalStringLiteral } from '../python/string-literal.js';

// sys.stdlib_module_names (CPython 3.11–3.13), top-level names only
const STDLIB = new Set(
  `__future__ _thread abc aifc argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb binascii bisect builtins bz2 calendar cgi cgitb chunk cmath cmd code codecs codeop collections colorsys compileall concurrent configparser contextlib contextvars copy copyreg cProfile crypt csv ctypes curses dataclasses datetime dbm decimal difflib dis doctest email encodings ensurepip enum errno faulthandler fcntl filecmp fileinput fnmatch fractions ftplib functools gc getopt getpass gettext glob graphlib grp gzip hashlib heapq hmac html http idlelib imaplib imghdr importlib inspect io ipaddress itertools json keyword lib2to3 linecache locale logging lzma mailbox mailcap marshal math mimetypes mmap modulefinder msvcrt multiprocessing netrc nntplib numbers operator optparse os ossaudiodev pathlib pdb pickle pickletools pipes pkgutil platform plistlib poplib posix posixpath pprint profile pstats pty pwd py_compile pyclbr pydoc queue quopri random re readline reprlib resource rlcompleter runpy sched secrets select selectors shelve shlex shutil signal site smtplib sndhdr socket socketserver spwd sqlite3 ssl stat statistics string stringprep struct subprocess sunau symtable sys sysconfig syslog tabnanny tarfile telnetlib tempfile termios textwrap threading time timeit tkinter token tokenize tomllib trace traceback tracemalloc tty turtle types typing unicodedata unittest urllib uu uuid venv warnings wave weakref webbrowser winreg winsound wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport zlib zoneinfo`.split(' '),
);
// what Alembic itself depends on, so it is importable wherever Alembic runs
const WITH_ALEMBIC = new Set(['alembic', 'sqlalchemy', 'mako', 'markupsafe', 'typing_extensions']);

/** A top-level module that ships with Python or with Alembic itself: never the project's own. */
export function isStdlibOrAlembic(module: string): boolean {
  return STDLIB.has(module) || WITH_ALEMBIC.has(module);
}
// distributions whose import name differs from the distribution name
const DIST_TO_IMPORT: Record<string, string> = {
  'psycopg2-binary': 'psycopg2',
  'psycopg-binary': 'psycopg',
  'python-dateutil': 'dateutil',
  pyyaml: 'yaml',
  'sqlalchemy-utils': 'sqlalchemy_utils',
  'flask-sqlalchemy': 'flask_sqlalchemy',
  'flask-security-too': 'flask_security',
  'argon2-cffi': 'argon2',
  'sqlmodel': 'sqlmodel',
  'pydantic-settings': 'pydantic_settings',
  'python-dotenv': 'dotenv',
  'python-slugify': 'slugify',
  'beautifulsoup4': 'bs4',
  pillow: 'PIL',
  'scikit-learn': 'sklearn',
  'python-jose': 'jose',
  pyjwt: 'jwt',
  'python-multipart': 'multipart',
  pycryptodome: 'Crypto',
  'python-magic': 'magic',
  'opencv-python': 'cv2',
  dnspython: 'dns',
  mysqlclient: 'MySQLdb',
  pyopenssl: 'OpenSSL',
  'python-ldap': 'ldap',
  attrs: 'attr',
  'msgpack-python': 'msgpack',
  'google-cloud-storage': 'google',
  protobuf: 'google',
  // SQLAlchemy types and dialects that migrations import under another name (fides: `import citext`)
  'sqlalchemy-citext': 'citext',
  'snowflake-sqlalchemy': 'snowflake',
  'sqlalchemy-spanner': 'google',
  'databricks-sql-connector': 'databricks',
  'mysql-connector-python': 'mysql',
  'python-json-logger': 'pythonjsonlogger',
  pysaml2: 'saml2',
  pynacl: 'nacl',
  grpcio: 'grpc',
  pyzmq: 'zmq',
  pycryptodomex: 'Cryptodome',
  'scikit-image': 'skimage',
};

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
  const folders = projectFolders(config.cwd);
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
      allRoots ??= [...roots, ...folders.flatMap(srcLayout)];
      ok = allRoots.some((r) => existsSync(path.join(r, module)) || existsSync(path.join(r, `${module}.py`)))
        ? true
        : { elsewhere: misplaced(packageBelow(folders[folders.length - 1]!, module), config) };
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
function srcLayout(folder: string): string[] {
  const src = path.join(folder, 'src');
  if (!existsSync(src)) return [];
  if (existsSync(path.join(folder, 'setup.py')) || existsSync(path.join(folder, 'setup.cfg'))) return [src];
  // a pyproject.toml that only configures tools ([tool.black], [tool.alembic]) builds nothing
  try {
    return /^\[(?:project|build-system|tool\.poetry)\]/m.test(readFileSync(path.join(folder, 'pyproject.toml'), 'utf8')) ? [src] : [];
  } catch {
    return [];
  }
}

function misplaced(abs: string | undefined, config: ProjectConfig): MisplacedPackage | undefined {
  if (abs === undefined) return undefined;
  const parent = path.dirname(abs);
  const fromIni = config.iniPath ? path.relative(path.dirname(config.iniPath), parent).split(path.sep).join('/') : undefined;
  return {
    path: path.relative(config.cwd, abs),
    prepend: fromIni !== undefined ? (fromIni === '' ? '%(here)s' : `%(here)s/${fromIni}`) : path.relative(config.cwd, parent) || '.',
  };
}

/**
 * The shallowest `module/__init__.py` or `module.py` under `root` (four levels
 * at most); only asked about imports that already failed.
 */
function packageBelow(root: string, module: string): string | undefined {
  let level = [root];
  for (let depth = 0; depth < 4 && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch {
        continue;
      }
      if (depth > 0) {
        if (names.includes(module) && existsSync(path.join(dir, module, '__init__.py'))) return path.join(dir, module);
        if (names.includes(`${module}.py`)) return path.join(dir, `${module}.py`);
      }
      for (const n of names) if (!n.startsWith('.') && !NOT_SOURCE_DIRS.has(n) && !n.includes('.')) next.push(path.join(dir, n));
    }
    level = next.length > 400 ? next.slice(0, 400) : next;
  }
  return undefined;
}

/** What decides where Python finds a module from Alembic's process: the folder, the ini and its prepend_sys_path. */
export type ImportRoots = Pick<ProjectConfig, 'cwd' | 'iniPath' | 'prependSysPath'>;

/** Where a module of the project can be found: the working folder, the ini's folder, prepend_sys_path. */
export function pythonPathRoots(config: ImportRoots): string[] {
  return [...new Set([config.cwd, ...(config.iniPath ? [path.dirname(config.iniPath)] : []), ...config.prependSysPath.map((p) => path.resolve(config.cwd, p))])];
}

/**
 * Python's path where Alembic runs, then each folder up to the repository's root: a package there counts
 * as the project's own, installed (OpenStack services run Alembic from designate/storage/sqlalchemy and
 * import designate, which pip installed).
 */
export function projectImportRoots(config: ImportRoots): string[] {
  return [...new Set([...pythonPathRoots(config), ...projectFolders(config.cwd)])];
}

/** A distribution name at the start of a requirement line or PEP 508 specifier, and its extras. */
const DIST_NAME = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\s*\[([^\]]*)\])?/;

/**
 * Distributions an extra installs under another name than its own. An
 * extra's own name counts as declared too (`celery[redis]`, `passlib[bcrypt]`,
 * `pydantic[dotenv]` for the module dotenv), so only extras whose packages
 * are named otherwise are listed. Keys are normalised as pip compares them.
 */
const EXTRA_PACKAGES: Record<string, readonly string[]> = {
  'pydantic[email]': ['email-validator'],
  'pydantic[dotenv]': ['python-dotenv'],
  'uvicorn[standard]': ['uvloop', 'httptools', 'websockets', 'watchfiles', 'python-dotenv', 'pyyaml'],
  'fastapi[standard]': ['fastapi-cli', 'httpx', 'jinja2', 'python-multipart', 'email-validator', 'uvicorn'],
  'fastapi[all]': ['httpx', 'jinja2', 'python-multipart', 'itsdangerous', 'pyyaml', 'ujson', 'orjson', 'email-validator', 'uvicorn', 'pydantic-settings', 'pydantic-extra-types'],
  'sqlalchemy[asyncio]': ['greenlet'],
  'sqlalchemy[postgresql]': ['psycopg2'],
  'sqlalchemy[postgresql-psycopg2binary]': ['psycopg2-binary'],
  'sqlalchemy[postgresql-psycopg]': ['psycopg'],
  'sqlalchemy[postgresql-psycopgbinary]': ['psycopg'],
  'sqlalchemy[postgresql-asyncpg]': ['asyncpg', 'greenlet'],
  'sqlalchemy[postgresql-pg8000]': ['pg8000'],
  'sqlalchemy[mysql]': ['mysqlclient'],
  'sqlalchemy[aiomysql]': ['aiomysql', 'greenlet'],
  'sqlalchemy[aiosqlite]': ['aiosqlite', 'greenlet'],
  'psycopg[binary]': ['psycopg-binary'],
  'alembic[tz]': ['tzdata', 'python-dateutil'],
};

/** What a requirement specifier declares: its distribution, and what its extras install (`pydantic[dotenv]` → python-dotenv). */
function requirementNames(spec: string): string[] {
  const m = DIST_NAME.exec(spec);
  if (!m) return [];
  const out = [m[1]!];
  for (const extra of (m[2] ?? '').split(',').map(normalizedName).filter(Boolean)) {
    out.push(extra, ...(EXTRA_PACKAGES[`${normalizedName(m[1]!)}[${extra}]`] ?? []));
  }
  return out;
}

/** A distribution or extra name as pip compares it (PEP 503, PEP 685): case, `-`, `_` and `.` alike. */
function normalizedName(name: string): string {
  return name.trim().toLowerCase().replace(/[-_.]+/g, '-');
}

const declaredByConfig = new WeakMap<ProjectConfig, Set<string>>();

/** declaredImports for a loaded configuration, read once however many rules ask (the files do not change during a run). */
export function declaredFor(config: ProjectConfig): Set<string> {
  let names = declaredByConfig.get(config);
  if (!names) {
    names = declaredImports(config.cwd);
    declaredByConfig.set(config, names);
  }
  return names;
}

/**
 * Import names of the distributions the project declares: requirements files
 * (requirements*.txt, requirements/*.txt, requirements/<folder>/*.txt, and files
 * they include with -r),
 * pyproject.toml, setup.cfg's install_requires, setup.py's literal lists, and every package a lock file
 * pins (uv.lock, poetry.lock, pdm.lock, Pipfile.lock). Names are compared the
 * way pip does (PEP 503: case, `-`, `_` and `.` alike), so `oslo.utils`
 * declares `oslo_utils`; a dotted name also declares its namespace
 * (`zope.interface` → `zope`).
 * Read from the working folder up to the repository root.
 */
export function declaredImports(cwd: string): Set<string> {
  const names = new Set<string>();
  for (const dir of projectFolders(cwd)) declaredIn(dir, names);
  return names;
}

function declaredIn(cwd: string, names: Set<string>): void {
  const add = (dist: string): void => {
    const d = normalizedName(dist);
    names.add(d.replace(/-/g, '_'));
    // own keys only: `constructor` is a real distribution (conda's installer builder)
    const known = Object.hasOwn(DIST_TO_IMPORT, d) ? DIST_TO_IMPORT[d] : undefined;
    if (known) names.add(known.toLowerCase());
    // the usual ways a distribution's name differs from its module: python-X, X-python, a release digit (progressbar2)
    for (const alias of [d.replace(/^python-/, ''), d.replace(/-python$/, ''), d.replace(/(?<=[a-z])\d+$/, '')]) names.add(alias.replace(/-/g, '_'));
    if (dist.includes('.')) names.add(dist.slice(0, dist.indexOf('.')).toLowerCase());
  };
  const read = (rel: string): string | undefined => {
    try {
      return readFileSync(path.join(cwd, rel), 'utf8');
    } catch {
      return undefined;
    }
  };
  const seen = new Set<string>();
  const requirements = (rel: string): void => {
    const key = path.normalize(rel);
    if (seen.has(key) || seen.size > 50) return;
    seen.add(key);
    const text = read(key);
    if (text === undefined) return;
    for (const line of text.split(/\r?\n/)) {
      const include = /^\s*(?:-r|--requirement)[\s=]\s*(\S+)/.exec(line);
      if (include) requirements(path.join(path.dirname(key), include[1]!));
      if (!line.trim().startsWith('-')) for (const d of requirementNames(line)) add(d);
      // a VCS or URL requirement names its distribution in the fragment: git+https://…/coaster#egg=coaster (hasjob), -e …#egg=x
      const egg = /[#&]egg=([A-Za-z0-9][\w.-]*)/.exec(line);
      if (egg) add(egg[1]!);
      else {
        // without one, pip builds the repository to learn its name: the repository's name is the usual answer (lastuser)
        const repo = vcsRepositoryName(line);
        if (repo !== undefined) add(repo);
      }
    }
  };
  const list = (dir: string, pattern: RegExp): string[] => {
    try {
      return readdirSync(path.join(cwd, dir)).filter((f) => pattern.test(f)).sort();
    } catch {
      return [];
    }
  };
  for (const f of list('.', /^requirements.*\.txt$/)) requirements(f);
  for (const f of list('requirements', /^[^.].*\.txt$/)) requirements(path.join('requirements', f));
  // one level deeper too: SecureDrop keeps requirements/python3/requirements.txt
  for (const sub of list('requirements', /^[^.]+$/)) for (const f of list(path.join('requirements', sub), /^[^.].*\.txt$/)) requirements(path.join('requirements', sub, f));
  const pyproject = read('pyproject.toml');
  if (pyproject !== undefined) for (const d of pyprojectDependencies(pyproject)) add(d);
  // what a lock file pins is installed too, transitive dependencies included (PyYAML under fastapi, an extra's package)
  for (const lock of ['uv.lock', 'poetry.lock', 'pdm.lock']) {
    const text = read(lock);
    if (text !== undefined) for (const m of text.matchAll(/^name = "([^"]+)"$/gm)) add(m[1]!);
  }
  const pipfileLock = read('Pipfile.lock');
  if (pipfileLock !== undefined) {
    try {
      const doc = JSON.parse(pipfileLock) as Record<string, unknown>;
      for (const section of ['default', 'develop']) {
        const pins = doc[section];
        if (pins !== null && typeof pins === 'object') for (const name of Object.keys(pins)) add(name);
      }
    } catch {
      // not JSON: it declares nothing
    }
  }
  const setupPy = read('setup.py');
  if (setupPy !== undefined) for (const d of setupPyRequirements(setupPy)) add(d);
  const setupCfg = read('setup.cfg');
  const installRequires = setupCfg === undefined ? null : /^install_requires\s*=([^\n]*(?:\n[ \t]+[^\n]*)*)/m.exec(setupCfg);
  for (const line of (installRequires ? installRequires[1]! : '').split('\n')) for (const d of requirementNames(line)) add(d);
}

/**
 * Distribution names a pyproject.toml declares: [project] dependencies and
 * optional-dependencies, [dependency-groups] (PEP 735), Poetry's dependency
 * tables and groups, PDM's and uv's dev dependencies. A file that does not
 * parse declares nothing (the configuration reader reports it where it matters).
 */
function pyprojectDependencies(text: string): string[] {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch {
    return [];
  }
  const out: string[] = [];
  const table = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const specs = (v: unknown): void => {
    if (!Array.isArray(v)) return;
    for (const x of v) if (typeof x === 'string') out.push(...requirementNames(x));
  };
  const project = table(doc.project);
  specs(project.dependencies);
  for (const v of Object.values(table(project['optional-dependencies']))) specs(v);
  for (const v of Object.values(table(doc['dependency-groups']))) specs(v);
  const tool = table(doc.tool);
  const poetry = table(tool.poetry);
  // Poetry: `pydantic = { version = "^1.10", extras = ["dotenv"] }`
  const keys = (v: unknown): void => {
    for (const [k, spec] of Object.entries(table(v))) {
      if (k === 'python') continue;
      const extras = table(spec).extras;
      out.push(...requirementNames(Array.isArray(extras) ? `${k}[${extras.filter((e) => typeof e === 'string').join(',')}]` : k));
    }
  };
  keys(poetry.dependencies);
  keys(poetry['dev-dependencies']);
  for (const g of Object.values(table(poetry.group))) keys(table(g).dependencies);
  for (const v of Object.values(table(table(tool.pdm)['dev-dependencies']))) specs(v);
  specs(table(tool.uv)['dev-dependencies']);
  return out;
}

const SETUP_KEYS = new Set(['install_requires', 'extras_require', 'tests_require', 'setup_requires']);

/**
 * Distribution names in setup.py, read without running it: the string literals
 * of a list (or a dict's value lists) given to or assigned to install_requires,
 * extras_require, tests_require or setup_requires. A list built at run time
 * declares nothing.
 */
export function setupPyRequirements(text: string): string[] {
  const out: string[] = [];
  for (const { tokens } of tokenize(text).lines) {
    for (let i = 0; i < tokens.length - 2; i++) {
      const t = tokens[i]!;
      if (t.type !== Tok.Name || !SETUP_KEYS.has(t.text) || tokens[i + 1]!.text !== '=') continue;
      const open = tokens[i + 2]!;
      if (open.text !== '[' && open.text !== '(' && open.text !== '{') continue;
      // in a dict the requirements are one level deeper than its keys
      const at = open.text === '{' ? 2 : 1;
      let depth = 0;
      for (let k = i + 2; k < tokens.length; k++) {
        const x = tokens[k]!;
        if (x.type === Tok.Op && (x.text === '[' || x.text === '(' || x.text === '{')) depth++;
        else if (x.type === Tok.Op && (x.text === ']' || x.text === ')' || x.text === '}')) {
          if (--depth === 0) break;
        } else if (x.type === Tok.String && depth === at) {
          const v = evalStringLiteral(x.text);
          if (v.t === 'str') out.push(...requirementNames(v.v));
        }
      }
    }
  }
  return out;
}

const VCS_URL = /^\s*(?:-e\s+)?(?:git|hg|svn|bzr)\+(\S*)\s*$/;
const PATH_SEGMENT = /[A-Za-z0-9][\w.-]*/y;

/**
 * The repository's name in a VCS requirement line (`git+https://host/org/NAME.git@ref#frag`): the first
 * path segment after the host that runs to the `@ref`, the `#fragment` or the end, without `.git`.
 * Found segment by segment: one pattern that tries each `/` against the rest of the line is quadratic
 * on a long line. The `user@host` of `git+ssh://git@github.com/org/NAME` is not a segment.
 */
export function vcsRepositoryName(line: string): string | undefined {
  const url = VCS_URL.exec(line)?.[1];
  if (url === undefined) return undefined;
  const scheme = url.indexOf('://');
  for (let slash = url.indexOf('/', scheme < 0 ? 0 : scheme + 3); slash >= 0; slash = url.indexOf('/', slash + 1)) {
    PATH_SEGMENT.lastIndex = slash + 1;
    const seg = PATH_SEGMENT.exec(url)?.[0];
    if (seg === undefined) continue;
    const after = url[slash + 1 + seg.length];
    if (after !== undefined && after !== '@' && after !== '#') continue;
    return seg.length > 4 && seg.endsWith('.git') ? seg.slice(0, -4) : seg;
  }
  return undefined;
}
