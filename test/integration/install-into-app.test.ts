import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PYTHON, REPO } from '../helpers/oracle.js';
import { tempDir } from '../helpers/temp-dir.js';

// docs/heroku.md, followed literally: its package.json and its Procfile's release line
const GUIDE = readFileSync(path.join(REPO, 'docs', 'heroku.md'), 'utf8');
const PACKAGE_JSON = JSON.parse(/```json\n([^`]*?"alembic-preflight"[^`]*?)```/u.exec(GUIDE)![1]!) as {
  dependencies: Record<string, string>;
};
const RELEASE_LINE = /^\s*(release: \.\/node_modules\/\.bin\/alembic-preflight release)$/mu.exec(GUIDE)![1]!;
const NPM_QUIET = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
// asynchronous: an install takes minutes, and a worker blocked that long misses vitest's RPC deadline
const npm = async (cwd: string, args: string[]): Promise<string> =>
  (
    await promisify(execFile)('npm', args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, npm_config_update_notifier: 'false' },
      maxBuffer: 64 * 1024 * 1024,
    })
  ).stdout;

/** The repository as a clean clone of the working tree would hold it: the files git tracks or would add. */
function cleanCopy(): string {
  const dir = tempDir('preflight-src-');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    encoding: 'utf8',
  })
    .split('\0')
    .filter(Boolean);
  // a checkout's node_modules or dist may be a link git does not ignore (node_modules/ matches folders only)
  for (const f of files)
    if (existsSync(path.join(REPO, f)) && !/^(node_modules|dist)(\/|$)/u.test(f))
      cpSync(path.join(REPO, f), path.join(dir, f), { recursive: true });
  return dir;
}

/** A Python app shaped for Heroku: the example project at its root, requirements.txt, the guide's package.json and Procfile. */
function pythonApp(spec: string): string {
  const dir = tempDir('preflight-app-');
  cpSync(path.join(REPO, 'examples', 'heroku-app'), dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ ...PACKAGE_JSON, dependencies: { 'alembic-preflight': spec } }, null, 2),
  );
  writeFileSync(path.join(dir, 'Procfile'), `${RELEASE_LINE}\nweb: gunicorn app:app\n`);
  // the python buildpack puts alembic on PATH; here it is Debian's Alembic
  mkdirSync(path.join(dir, '.heroku-bin'));
  writeFileSync(path.join(dir, '.heroku-bin', 'alembic'), `#!/bin/sh\nexec ${PYTHON} -m alembic "$@"\n`);
  chmodSync(path.join(dir, '.heroku-bin', 'alembic'), 0o755);
  // the app's database: a new, empty SQLite file (a missing one is refused, as it should be)
  const made = spawnSync(
    PYTHON,
    [
      '-c',
      'import sqlite3; c = sqlite3.connect("app.db"); c.execute("CREATE TABLE t (x)"); c.execute("DROP TABLE t"); c.commit()',
    ],
    { cwd: dir },
  );
  expect(made.status).toBe(0);
  return dir;
}

/** Heroku's Node buildpack: install with devDependencies, then prune them. */
async function herokuInstall(app: string): Promise<void> {
  await npm(app, ['install', ...NPM_QUIET]);
  await npm(app, ['prune', '--omit=dev', ...NPM_QUIET]);
}

/** The Procfile's release line through /bin/sh, as the release dyno runs it. */
function releasePhase(app: string): { status: number | null; stdout: string; stderr: string } {
  const line = /^release:\s*(.+)$/mu.exec(readFileSync(path.join(app, 'Procfile'), 'utf8'))![1]!;
  const r = spawnSync('/bin/sh', ['-c', line], {
    cwd: app,
    encoding: 'utf8',
    env: {
      PATH: `${path.join(app, '.heroku-bin')}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: process.env.HOME ?? '',
      DYNO: 'release.1',
      DATABASE_URL: 'sqlite:///app.db',
    },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectDeployed(app: string): void {
  const r = releasePhase(app);
  expect(r.stdout, r.stderr).toMatch(
    /^alembic-preflight release: OK: applied 2 migrations, and the database is at 2a3b4c5d6e7f/mu,
  );
  expect(r.status).toBe(0);
  // the release ran what was installed, not this checkout
  expect(readdirSync(path.join(app, 'node_modules', 'alembic-preflight')).sort()).toEqual(
    expect.arrayContaining(['bin', 'dist', 'package.json']),
  );
  expect(existsSync(path.join(app, 'node_modules', 'alembic-preflight', 'src'))).toBe(false);
  // devDependencies of the tool never reach the slug
  expect(existsSync(path.join(app, 'node_modules', 'typescript'))).toBe(false);
  expect(existsSync(path.join(app, 'node_modules', 'vitest'))).toBe(false);
}

describe('installed into a Python app as docs/heroku.md says, then the release line runs', () => {
  let source: string;
  /** `npm pack`'s tarball of the clean copy, and what npm says it holds. */
  let tarball: string;
  let packed: { filename: string; files: { path: string }[] };
  beforeAll(async () => {
    source = cleanCopy();
    // the build's tools come from this checkout's install (npm links nothing into a copy)
    symlinkSync(path.join(REPO, 'node_modules'), path.join(source, 'node_modules'));
    // one pack (its prepack builds) for both tests below: the listing is the tarball's that is installed
    const out = tempDir('preflight-pack-');
    packed = (
      JSON.parse(
        await npm(source, ['pack', '--json', '--pack-destination', out, '--loglevel=error']),
      ) as (typeof packed)[]
    )[0]!;
    tarball = path.join(out, packed.filename);
  }, 300_000);

  it("the tarball holds only what runs: the bin, the built code, its types and the findings' pages (explain)", () => {
    expect(existsSync(tarball)).toBe(true);
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'bin/alembic-preflight.js',
        'bin/package.json',
        'dist/cli-loader.cjs',
        'dist/cli-loader.js',
        'dist/cli.bundle.cjs',
        'dist/index.js',
        'dist/index.d.ts',
        'package.json',
        'README.md',
        'docs/findings/stamped-revision-missing.md',
      ]),
    );
    expect(
      files.filter(
        (f) => !/^(bin\/|dist\/|docs\/findings\/[A-Za-z-]+\.md$|package\.json$|README\.md$)/u.test(f),
      ),
    ).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it("from `npm pack`'s tarball", async () => {
    const app = pythonApp(`file:${tarball}`);
    await herokuInstall(app);
    expectDeployed(app);
  }, 600_000);

  it('from a git URL (git+file:// of a clean clone): npm builds it in prepare', async () => {
    const repo = tempDir('preflight-git-');
    cpSync(source, repo, {
      recursive: true,
      filter: (f) => path.basename(f) !== 'node_modules' && path.basename(f) !== 'dist',
    });
    const git = (...args: string[]): string =>
      execFileSync('git', args, {
        cwd: repo,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'snapshot');
    expect(existsSync(path.join(repo, 'dist'))).toBe(false);
    const app = pythonApp(`git+file://${repo}`);
    await herokuInstall(app);
    expectDeployed(app);
  }, 900_000);
});
