#!/usr/bin/env node
// `npm run build:wheel`: the Python wheel, dist/wheels/alembic_preflight-VERSION-py3-none-manylinux_2_XX_ARCH.whl.
//
// What Python teams install with pip: the CLI as one executable of Node's single-executable-application
// support (a current LTS Node with the bundle inside, as a startup snapshot), which pip puts in the
// environment's bin/ as `alembic-preflight`; beside it, in share/alembic-preflight/, what the executable
// loads from disk when a command needs it: the database drivers (better-sqlite3 with its prebuilt
// Node-API addon for this platform), the Python grammar, pino, the finding pages and package.json.
//
// The Node is the `node` dev dependency, the npm registry's node-linux-<arch> package
// (scripts/node-runtime.mjs). The aarch64 wheel is made the same way on an aarch64 machine.
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CLI_BUNDLE, EXTERNAL } from './bundle-options.mjs';
import { NODE, nodeRuntime } from './node-runtime.mjs';

/**
 * V8's flags for the snapshot's build only: one thread collecting garbage at set points (--predictable),
 * fixed seeds for hashing and Math.random, and Node's internals for clearing what the warm-up leaves in
 * them, so that two builds of one commit give the same bytes. The executable runs without them.
 */
const DETERMINISTIC = [
  '--no-warnings',
  '--predictable',
  '--hash-seed=1',
  '--random-seed=1',
  '--expose-internals',
];

/**
 * The flags Node starts the executable with. V8's young generation at most 4 MB a semi-space, as the
 * npm bin starts Node (bin/alembic-preflight.js): V8 grows it to 32 MB while a project's model is built,
 * and most of what it copies there survives. Without allocation-site pretenuring: started from the
 * snapshot with the small young generation, about half the runs of 2,000 revisions with the lints
 * peaked at 190 to 225 MB instead of 125, V8 allocating the parse trees' objects straight into the old
 * generation (its GC trace: scavenges freeing almost nothing); without it, 120 to 127 MB in every run.
 */
const NODE_FLAGS = ['--max-semi-space-size=4', '--no-allocation-site-pretenuring'];

/** Node's fuse for the injected blob (its documentation's value). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/**
 * Where the executable is built and its snapshot warmed up: the same path on every machine, since the
 * snapshot keeps the paths it saw (the script's, the warm-up project's, Node's own), so that no path of the
 * build machine is inside, and two builds of one commit are byte-identical. One build at a time (a lock).
 */
const STAGE = '/tmp/alembic-preflight-wheel-build';
// dist/python/ holds src/python's compiled modules
// --out DIR writes the wheel there instead (the test builds twice and compares)
const outAt = process.argv.indexOf('--out');
const OUT = outAt > 0 ? path.resolve(process.argv[outAt + 1]) : path.join(REPO, 'dist', 'wheels');
const ARCH = { x64: 'x86_64', arm64: 'aarch64' }[process.arch];
if (process.platform !== 'linux' || !ARCH)
  throw new Error(`the wheel is built on Linux x64 or arm64, not ${process.platform} ${process.arch}`);

// every tool's output (postject's ELF warnings, Node's SEA notes) goes to a log, named when a step fails
const LOG = path.join(REPO, 'dist', 'wheel-build.log');
mkdirSync(path.dirname(LOG), { recursive: true });
writeFileSync(LOG, '');
const run = (cmd, args, opts = {}) => {
  appendFileSync(LOG, `$ ${[cmd, ...args].join(' ')}\n`);
  try {
    const out = execFileSync(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    appendFileSync(LOG, out);
    return out;
  } catch (e) {
    appendFileSync(LOG, `${e.stdout ?? ''}${e.stderr ?? ''}`);
    console.error(
      `build:wheel: ${path.basename(cmd)} failed (exit ${e.status ?? e.signal}); its output is in ${LOG}`,
    );
    process.exit(1);
  }
};
/** One line of what was done. */
const say = (line) => console.log(`build:wheel: ${line}`);
const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));

/**
 * better-sqlite3's addon for this platform: version 13 is a Node-API addon and ships one prebuilt binary per
 * platform, which every Node from 22 on loads, so nothing is compiled.
 */
function sqliteAddon(node) {
  const dir = path.join(REPO, 'node_modules', 'better-sqlite3');
  const addon = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}.node`);
  if (!existsSync(addon))
    throw new Error(`better-sqlite3 ships no addon for ${process.platform}-${process.arch}`);
  // the addon must load in that Node: a wrong one fails here, not in a user's release
  run(path.join(node, 'bin', 'node'), ['-e', 'process.dlopen({ exports: {} }, process.argv[1])', addon]);
  return { dir, addon };
}

/** The production packages the bundle leaves external, and what they depend on, as npm installed them. */
function externalPackages() {
  const paths = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: REPO,
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .slice(1);
  const names = new Set();
  const visit = (name) => {
    if (names.has(name)) return;
    names.add(name);
    const manifest = JSON.parse(readFileSync(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8'));
    // node-addon-api is C++ headers for building better-sqlite3's addon, which comes prebuilt
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }))
      if (dep !== 'node-addon-api' && paths.includes(path.join(REPO, 'node_modules', dep))) visit(dep);
  };
  for (const name of EXTERNAL) visit(name);
  return [...names].sort();
}

/**
 * A project for the snapshot's warm-up run: an alembic.ini, an env.py and two revisions as
 * `alembic revision` writes them.
 */
function warmProject(work) {
  const dir = path.join(work, 'warm-project');
  const versions = path.join(dir, 'migrations', 'versions');
  mkdirSync(versions, { recursive: true });
  writeFileSync(path.join(dir, 'alembic.ini'), '[alembic]\nscript_location = migrations\n');
  writeFileSync(path.join(dir, 'migrations', 'env.py'), 'from alembic import context\n');
  const revision = (id, down, body) =>
    `"""${id}\n\nRevision ID: ${id}\nRevises: ${down ?? ''}\n"""\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = '${id}'\ndown_revision = ${down ? `'${down}'` : 'None'}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    ${body}\n\n\ndef downgrade():\n    pass\n`;
  writeFileSync(
    path.join(versions, '1a_users.py'),
    revision(
      '1a2b3c4d5e6f',
      null,
      "op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True))",
    ),
  );
  writeFileSync(
    path.join(versions, '2b_email.py'),
    revision(
      '2b3c4d5e6f7a',
      '1a2b3c4d5e6f',
      "op.add_column('users', sa.Column('email', sa.String(255), nullable=True))",
    ),
  );
  return dir;
}

/**
 * The executable's script. Node's startup snapshot holds the bundle already evaluated, and a warm-up
 * run of `check --no-lint` on warmProject leaves the functions a run calls compiled in it, so that a
 * run starts where the warm-up ended instead of compiling 1.6 MB of JavaScript: an empty project's
 * `check` costs about 60 ms over `node -e 0` instead of 130 (docs/performance.md). What the warm-up
 * leaves behind is reset by every run (the logger and the compiler tier are configured by main();
 * Node recreates the standard streams), and its report goes nowhere.
 *
 * The snapshot's require() knows only Node's built-in modules, so the bundle's require() is one rooted
 * in share/alembic-preflight/dist/, made on its first use for an external package (a driver, the
 * Python grammar, pino) at run time, never in the warm-up; import.meta.url is that path, set when the
 * executable starts.
 */
function snapshotScript(warm) {
  const home =
    "require('node:path').join(require('node:path').dirname(process.execPath), '..', 'share', 'alembic-preflight', 'dist', 'cli.sea.cjs')";
  const banner = [
    'var __preflightBuiltin = require;',
    'var __preflightPackages;',
    `var __preflightHome = () => ${home};`,
    "var require = (id) => id.startsWith('node:') || __preflightBuiltin('node:module').isBuiltin(id) ? __preflightBuiltin(id) : (__preflightPackages ??= __preflightBuiltin('node:module').createRequire(__preflightHome()))(id);",
    // modules make require()s for Node's built-ins from it as they load; set again when the executable starts
    "var __preflightUrl = require('node:url').pathToFileURL(__preflightHome()).href;",
  ].join('\n');
  const entry = `import { main } from './dist/cli.js';
const here = process.cwd();
process.chdir(${JSON.stringify(warm)});
// a home of its own: the warm-up writes no cache file anywhere
const env = { HOME: ${JSON.stringify(warm)}, ALEMBIC_PREFLIGHT_CACHE: 'off', ALEMBIC_PREFLIGHT_CODE_CACHE: 'off' };
main(['check', '--no-lint'], env).then((code) => {
  process.chdir(here);
  if (code !== 0) throw new Error('the warm-up run of check --no-lint exited ' + code);
  // Node keeps the last stat() a process made in a shared array, which the snapshot would keep: the
  // warm-up's files' times, different at every build
  const { internalBinding } = __preflightBuiltin('internal/test/binding');
  internalBinding('fs').statValues.fill(0);
  internalBinding('fs').bigintStatValues.fill(0n);
  // and the builder's process ids, which Node sets again when the executable starts
  Object.defineProperty(process, 'pid', { value: 0, writable: false, enumerable: true, configurable: true });
  process.ppid = 0;
});
require('node:v8').startupSnapshot.setDeserializeMainFunction(() => {
  __preflightUrl = require('node:url').pathToFileURL(__preflightHome()).href;
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
});
`;
  return { banner, entry };
}

/** The executable: Node with the startup snapshot (snapshotScript) injected as a single executable application. */
async function executable(node, work) {
  const main = path.join(work, 'cli.sea.cjs');
  const { banner, entry } = snapshotScript(warmProject(work));
  // Node without its debug symbols (126 MB to 108 MB); the snapshot is taken by the same binary it runs in
  const bin = path.join(work, 'node', 'bin', 'node');
  mkdirSync(path.dirname(bin), { recursive: true });
  run('strip', ['--strip-all', '-o', bin, path.join(node, 'bin', 'node')]);
  await build({
    ...CLI_BUNDLE,
    stdin: { contents: entry, resolveDir: REPO, loader: 'js', sourcefile: 'wheel-entry.js' },
    outfile: main,
    target: 'node24',
    // as the npm bundle (scripts/bundle.mjs): the snapshot keeps the source, smaller without comments
    minifyWhitespace: true,
    banner: { js: banner },
  });
  const config = path.join(work, 'sea.json');
  const blob = path.join(work, 'sea.blob');
  writeFileSync(
    config,
    JSON.stringify({
      main,
      output: blob,
      disableExperimentalSEAWarning: true,
      useSnapshot: true,
      // as if on Node's command line: they win over the same flags in NODE_OPTIONS
      execArgv: NODE_FLAGS,
    }),
  );
  // --no-warnings: Node warns that child_process and module are "not yet fully verified" in a snapshot;
  // the bundle only loads them there, and the wheel's test runs every command from the executable
  // a scrubbed environment: nothing of the builder's shell reaches the warm-up, or the snapshot
  run(bin, [...DETERMINISTIC, '--experimental-sea-config', config], {
    cwd: work,
    env: { PATH: '/usr/bin:/bin', HOME: work, LANG: 'C.UTF-8', TZ: 'UTC' },
  });
  const exe = path.join(work, 'alembic-preflight');
  cpSync(bin, exe);
  chmodSync(exe, 0o755);
  run(path.join(REPO, 'node_modules', '.bin', 'postject'), [
    exe,
    'NODE_SEA_BLOB',
    blob,
    '--sentinel-fuse',
    SEA_FUSE,
  ]);
  return exe;
}

/** What a package needs at run time: not its tests, type declarations, source maps, docs or tool settings. */
const NOT_RUN_DIRS = new Set([
  '.github',
  '.husky',
  '.claude',
  '.vscode',
  'test',
  'tests',
  '__tests__',
  'benchmark',
  'benchmarks',
  'bench',
  'example',
  'examples',
  'docs',
  'coverage',
  '.nyc_output',
]);
const NOT_RUN_FILES =
  /(?:\.map|\.d\.[cm]?ts|\.tsbuildinfo|^CLAUDE\.md|^(?:README|CHANGELOG|HISTORY|CONTRIBUTING|SECURITY)(?:\.\w+)?|^\.(?:eslintrc|prettierrc|editorconfig|npmignore|travis\.yml|taprc|gitattributes)\S*|^tsconfig(?:\.\w+)?\.json)$/iu;
function runs(src) {
  const name = path.basename(src);
  return !NOT_RUN_DIRS.has(name) && !NOT_RUN_FILES.test(name);
}

/** An exclusive lock (a directory made atomically), waited for up to ten minutes; returns its release. */
function takeLock(lock) {
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(path.join(lock, 'pid'), 'utf8') || 0);
      // a build that died left its lock: take it over
      if (owner && !alive(owner)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another wheel build holds ${lock}`);
      else execFileSync('sleep', ['1']);
    }
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The oldest glibc the binaries run on: the newest GLIBC_ symbol version they need (the manylinux tag). */
function glibcFloor(files) {
  let floor = [2, 17];
  for (const f of files) {
    for (const m of execFileSync('objdump', ['-T', f], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    }).matchAll(/GLIBC_2\.(\d+)/gu)) {
      if (Number(m[1]) > floor[1]) floor = [2, Number(m[1])];
    }
  }
  return floor;
}

const node = nodeRuntime();
const sqlite = sqliteAddon(node);
const work = STAGE;
const release = takeLock(`${STAGE}.lock`);
process.on('exit', release);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const exe = await executable(node, work);
const tree = path.join(work, 'tree');
const share = path.join(tree, 'data', 'share', 'alembic-preflight');
for (const name of externalPackages()) {
  const to = path.join(share, 'node_modules', name);
  if (name !== 'better-sqlite3') {
    cpSync(path.join(REPO, 'node_modules', name), to, { recursive: true, filter: runs });
    continue;
  }
  // its JavaScript and this platform's addon; its C sources and the other platforms' addons stay out
  for (const part of ['package.json', 'LICENSE', 'lib', path.relative(sqlite.dir, sqlite.addon)])
    cpSync(path.join(sqlite.dir, part), path.join(to, part), { recursive: true });
}
cpSync(path.join(REPO, 'docs', 'findings'), path.join(share, 'docs', 'findings'), { recursive: true });
writeFileSync(
  path.join(share, 'package.json'),
  JSON.stringify({ name: pkg.name, version: pkg.version, private: true }, null, 2) + '\n',
);
mkdirSync(path.join(tree, 'scripts'), { recursive: true });
cpSync(exe, path.join(tree, 'scripts', 'alembic-preflight'));
const [major, minor] = glibcFloor([exe, sqlite.addon]);
mkdirSync(OUT, { recursive: true });
for (const old of readdirSync(OUT)) if (old.endsWith('.whl')) rmSync(path.join(OUT, old));
// the zip's timestamps: SOURCE_DATE_EPOCH when the caller sets it, else the commit's time
const epoch =
  process.env.SOURCE_DATE_EPOCH ??
  execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: REPO, encoding: 'utf8' }).trim();
const wrote = run('/usr/bin/python3', [
  path.join(REPO, 'scripts', 'write-wheel.py'),
  '--epoch',
  epoch,
  '--tree',
  tree,
  '--version',
  pkg.version,
  '--tag',
  `py3-none-manylinux_${major}_${minor}_${ARCH}`,
  '--node',
  NODE,
  '--out',
  OUT,
]);
say(
  `Node ${NODE} (stripped), the CLI's bundle and start-up snapshot, better-sqlite3's addon, glibc ${major}.${minor}`,
);
say(`${wrote.trim().replace(`${REPO}/`, '')} (log: ${path.relative(REPO, LOG)})`);
