import path from 'node:path';
import type { ProjectFiles } from '../project/project-files.js';
import { parse } from 'smol-toml';
import { projectFolders } from './project-folders.js';
import { Tok, lex } from '../python/python-tokenizer.js';
import { evalStringLiteral } from '../python/string-literal.js';

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
  sqlmodel: 'sqlmodel',
  'pydantic-settings': 'pydantic_settings',
  'python-dotenv': 'dotenv',
  'python-slugify': 'slugify',
  beautifulsoup4: 'bs4',
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
  'fastapi[all]': [
    'httpx',
    'jinja2',
    'python-multipart',
    'itsdangerous',
    'pyyaml',
    'ujson',
    'orjson',
    'email-validator',
    'uvicorn',
    'pydantic-settings',
    'pydantic-extra-types',
  ],
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
  return name
    .trim()
    .toLowerCase()
    .replace(/[-_.]+/g, '-');
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
export function declaredImports(files: ProjectFiles, cwd: string): Set<string> {
  const names = new Set<string>();
  for (const dir of projectFolders(files, cwd)) declaredIn(files, dir, names);
  return names;
}

function declaredIn(files: ProjectFiles, cwd: string, names: Set<string>): void {
  const add = (dist: string): void => {
    const d = normalizedName(dist);
    names.add(d.replace(/-/g, '_'));
    // own keys only: `constructor` is a real distribution (conda's installer builder)
    const known = Object.hasOwn(DIST_TO_IMPORT, d) ? DIST_TO_IMPORT[d] : undefined;
    if (known) names.add(known.toLowerCase());
    // the usual ways a distribution's name differs from its module: python-X, X-python, a release digit (progressbar2)
    for (const alias of [
      d.replace(/^python-/, ''),
      d.replace(/-python$/, ''),
      d.replace(/(?<=[a-z])\d+$/, ''),
    ])
      names.add(alias.replace(/-/g, '_'));
    if (dist.includes('.')) names.add(dist.slice(0, dist.indexOf('.')).toLowerCase());
  };
  const read = (rel: string): string | undefined => files.text(path.join(cwd, rel));
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
  const list = (dir: string, pattern: RegExp): string[] =>
    (files.entries(path.join(cwd, dir)) ?? [])
      .map((e) => e.name)
      .filter((f) => pattern.test(f))
      .sort();
  for (const f of list('.', /^requirements.*\.txt$/)) requirements(f);
  for (const f of list('requirements', /^[^.].*\.txt$/)) requirements(path.join('requirements', f));
  // one level deeper too: SecureDrop keeps requirements/python3/requirements.txt
  for (const sub of list('requirements', /^[^.]+$/))
    for (const f of list(path.join('requirements', sub), /^[^.].*\.txt$/))
      requirements(path.join('requirements', sub, f));
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
  const installRequires =
    setupCfg === undefined ? null : /^install_requires\s*=([^\n]*(?:\n[ \t]+[^\n]*)*)/m.exec(setupCfg);
  for (const line of (installRequires ? installRequires[1]! : '').split('\n'))
    for (const d of requirementNames(line)) add(d);
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
  const table = (v: unknown): Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
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
      out.push(
        ...requirementNames(
          Array.isArray(extras) ? `${k}[${extras.filter((e) => typeof e === 'string').join(',')}]` : k,
        ),
      );
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
  for (const { tokens } of lex(text).lines) {
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
  for (
    let slash = url.indexOf('/', scheme < 0 ? 0 : scheme + 3);
    slash >= 0;
    slash = url.indexOf('/', slash + 1)
  ) {
    PATH_SEGMENT.lastIndex = slash + 1;
    const seg = PATH_SEGMENT.exec(url)?.[0];
    if (seg === undefined) continue;
    const after = url[slash + 1 + seg.length];
    if (after !== undefined && after !== '@' && after !== '#') continue;
    return seg.length > 4 && seg.endsWith('.git') ? seg.slice(0, -4) : seg;
  }
  return undefined;
}
