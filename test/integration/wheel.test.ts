import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON, REPO } from '../helpers/oracle.js';
import { pgExec, startPostgres, type PgServer } from '../helpers/pg-cluster.js';
import { RELEASE_LINE } from '../helpers/release-slug.js';
import { tempDir } from '../helpers/temp-dir.js';

// The wheel as a Python team uses it: built from this checkout (npm run build:wheel), installed by pip
// into a fresh venv from the file alone, then every command run with only the venv's bin/ on PATH, so
// no `node` anywhere: the executable carries its own. The venv sees Debian's Alembic and psycopg2
// (--system-site-packages), as an app's venv holds its own requirements.

const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string })
  .version;
const USERS = '1f2a3b4c5d6e';
const HEAD = '2a3b4c5d6e7f';

/** npm run build:wheel's script; asynchronous, so that the worker can report to vitest meanwhile. */
function buildWheel(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'scripts', 'build-wheel.mjs'), ...args], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`build-wheel exited ${code}: ${stderr}`)),
    );
  });
}

/** The wheel's file names, as Python's zipfile lists them. */
function listedIn(wheel: string): string {
  return execFileSync(
    PYTHON,
    ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', wheel],
    { encoding: 'utf8' },
  );
}

describe('pip install alembic-preflight (the wheel, no Node on PATH)', () => {
  let venv: string;
  let wheel: string;
  let pg: PgServer;
  beforeAll(async () => {
    const out = await buildWheel([]);
    // quiet: what it built in two lines; the tools' own output (postject's warnings) is in the log it names
    expect(out.stderr).toBe('');
    expect(out.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^build:wheel: Node 24\.\d+\.\d+ \(stripped\), .*, glibc 2\.\d+$/u),
      expect.stringMatching(
        /^build:wheel: dist\/wheels\/alembic_preflight-.*\.whl: [\d.]+ MB \(log: dist\/wheel-build\.log\)$/u,
      ),
    ]);
    expect(readFileSync(path.join(REPO, 'dist', 'wheel-build.log'), 'utf8')).toContain('$ strip --strip-all');
    const built = readdirSync(path.join(REPO, 'dist', 'wheels')).filter((f) => f.endsWith('.whl'));
    expect(built).toHaveLength(1);
    wheel = path.join(REPO, 'dist', 'wheels', built[0]!);
    venv = path.join(tempDir('preflight-venv-'), 'venv');
    execFileSync(PYTHON, ['-m', 'venv', '--system-site-packages', venv]);
    execFileSync(
      path.join(venv, 'bin', 'pip'),
      ['install', '--quiet', '--no-index', '--find-links', path.dirname(wheel), 'alembic-preflight'],
      { env: { PATH: process.env.PATH ?? '', HOME: tempDir('preflight-pip-home-') } },
    );
    pg = await startPostgres();
  }, 600_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it('holds only what runs: no tests, maps, type declarations or tool settings of the packages it carries', () => {
    const names = listedIn(wheel).split('\n').filter(Boolean);
    const carried = names.filter((n) => n.includes('/node_modules/'));
    expect(carried.length).toBeGreaterThan(50);
    const dev = carried.filter((n) =>
      /\/(?:\.github|\.husky|\.claude|\.vscode|test|tests|__tests__|docs|examples?|benchmarks?)\/|\/CLAUDE\.md$|\.map$|\.d\.[cm]?ts$|\/tsconfig[^/]*\.json$/u.test(
        n,
      ),
    );
    expect(dev).toEqual([]);
    // what runs stays: the drivers, the addon for this platform, libpg_query's WebAssembly, licences
    // (the Python grammar's runtime is in the bundle)
    expect(carried).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/node_modules\/better-sqlite3\/prebuilds\/linux-x64\.node$/u),
        expect.stringMatching(/node_modules\/pg\/lib\/index\.js$/u),
        expect.stringMatching(/node_modules\/libpg-query\/.*\.wasm$/u),
        expect.stringMatching(/node_modules\/pino\/LICENSE$/u),
      ]),
    );
    expect(carried.filter((n) => n.includes('/@lezer/'))).toEqual([]);
    // one addon: the other platforms' prebuilt ones stay out
    expect(carried.filter((n) => n.endsWith('.node'))).toHaveLength(1);
  });

  it('carries no path of the machine that built it, and its Node without debug symbols', () => {
    const exe = readFileSync(path.join(venv, 'bin', 'alembic-preflight'));
    expect(exe.includes(Buffer.from(REPO))).toBe(false);
    // the snapshot keeps the paths it was warmed up in: the build's fixed folder, the same on every machine
    expect(exe.includes(Buffer.from('/tmp/alembic-preflight-wheel-build/warm-project'))).toBe(true);
    const sections = execFileSync('objdump', ['-h', path.join(venv, 'bin', 'alembic-preflight')], {
      encoding: 'utf8',
    });
    expect(sections).not.toMatch(/\.debug_info/u);
    expect(sections).toMatch(/\.text/u);
  });

  it("starts its Node with the npm bin's young generation, and without allocation-site pretenuring", () => {
    // the SEA configuration's execArgv, in the executable's blob: a count, then each flag after its
    // length (64-bit little-endian); Node starts the program as if they were on its command line
    const exe = readFileSync(path.join(venv, 'bin', 'alembic-preflight'));
    const binLine = readFileSync(path.join(REPO, 'bin', 'alembic-preflight.js'), 'utf8').split('\n')[1]!;
    const young = /exec node (--max-semi-space-size=\d+) /u.exec(binLine)?.[1];
    expect(young).toBe('--max-semi-space-size=4');
    const flags = [young!, '--no-allocation-site-pretenuring'];
    const u64 = (n: number): Buffer => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(n));
      return b;
    };
    const execArgv = Buffer.concat([
      u64(flags.length),
      ...flags.flatMap((f) => [u64(Buffer.byteLength(f)), Buffer.from(f)]),
    ]);
    expect(exe.includes(execArgv)).toBe(true);
  });

  it('builds byte for byte the same twice from one commit', async () => {
    const again = tempDir('preflight-wheel-again-');
    await buildWheel(['--out', again]);
    const second = readdirSync(again).filter((f) => f.endsWith('.whl'));
    expect(second).toEqual([path.basename(wheel)]);
    expect(readFileSync(path.join(again, second[0]!)).equals(readFileSync(wheel))).toBe(true);
  }, 600_000);

  /** A copy of the example app; `run` starts a command there with PATH = the venv's bin/ alone. */
  function app(): {
    dir: string;
    run: (
      args: readonly string[],
      env?: Record<string, string>,
    ) => { status: number | null; stdout: string; stderr: string };
  } {
    const dir = tempDir('preflight-wheel-app-');
    cpSync(path.join(REPO, 'examples'), path.join(dir, 'examples'), { recursive: true });
    const run = (args: readonly string[], env: Record<string, string> = {}) => {
      const r = spawnSync('/bin/sh', ['-c', args.join(' ')], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: path.join(venv, 'bin'), HOME: dir, ALEMBIC_PREFLIGHT_CACHE: 'off', ...env },
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    return { dir, run };
  }

  it('is a platform wheel pip accepts, named for the package version and the glibc its binaries need', () => {
    expect(path.basename(wheel)).toMatch(
      new RegExp(
        `^alembic_preflight-${VERSION.replaceAll('.', '\\.')}-py3-none-manylinux_2_\\d+_x86_64\\.whl$`,
        'u',
      ),
    );
    const listed = listedIn(wheel);
    expect(listed).toContain(`alembic_preflight-${VERSION}.data/scripts/alembic-preflight`);
    expect(listed).toContain(`alembic_preflight-${VERSION}.dist-info/RECORD`);
    // pip checked every RECORD hash when it installed; the executable is where pip puts scripts
    expect(existsSync(path.join(venv, 'bin', 'alembic-preflight'))).toBe(true);
    expect(
      spawnSync('/bin/sh', ['-c', 'command -v node'], { env: { PATH: path.join(venv, 'bin') } }).status,
    ).not.toBe(0);
  });

  it('--version, and python -m alembic_preflight runs the same executable', () => {
    const { run } = app();
    expect(run(['alembic-preflight', '--version']).stdout.trim()).toBe(VERSION);
    expect(run(['python', '-m', 'alembic_preflight', '--version']).stdout.trim()).toBe(VERSION);
  });

  it('check on the example: green, from the files alone; the same report into a file as into a pipe', () => {
    const { dir, run } = app();
    const r = run(['alembic-preflight', 'check', '-c', 'examples/heroku-app/alembic.ini']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`heads: ${HEAD}`);
    // the executable starts from a snapshot: its standard streams are made for this run, whatever they are
    expect(
      run(['alembic-preflight', 'check', '-c', 'examples/heroku-app/alembic.ini', '>', 'report.txt']).status,
    ).toBe(0);
    expect(readFileSync(path.join(dir, 'report.txt'), 'utf8')).toBe(r.stdout);
  });

  it("reads render.yaml's release command with the YAML parser it carries (a folded scalar)", () => {
    const { dir, run } = app();
    writeFileSync(
      path.join(dir, 'render.yaml'),
      'services:\n  - type: web\n    name: shop\n    preDeployCommand: >-\n      alembic -c examples/heroku-app/alembic.ini\n      upgrade heads\n',
    );
    const r = run([
      'alembic-preflight',
      'check',
      '-c',
      'examples/heroku-app/alembic.ini',
      '--format',
      'json',
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ target: 'heads', targetFrom: 'render.yaml:4' });
  });

  it('verify against SQLite (better-sqlite3 from the wheel): the hand-stamped row blocks, and the file is not written', () => {
    const { dir, run } = app();
    const db = path.join(dir, 'app.db');
    execFileSync(PYTHON, [
      '-c',
      `import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("create table alembic_version (version_num varchar(32) primary key)"); c.execute("insert into alembic_version values ('guest_lockout_001')"); c.commit()`,
      db,
    ]);
    const before = readFileSync(db);
    const r = run([
      'alembic-preflight',
      'verify',
      '-c',
      'examples/heroku-app/alembic.ini',
      '--database-url',
      `sqlite:///${db}`,
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('[stamped-revision-missing]');
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it('verify --databases over twenty SQLite files ends with its verdict, never SIGABRT (Node 24 frees no SQLite handle early)', () => {
    // Before every handle and statement was kept alive, three files were enough: better-sqlite3 12's
    // destructor, run by a garbage collection outside any V8 context, aborted the process (exit 134).
    const { dir, run } = app();
    const files = Array.from({ length: 20 }, (_, i) => path.join(dir, `tenant-${i}.db`));
    execFileSync(PYTHON, [
      '-c',
      `import sqlite3, sys
for i, f in enumerate(sys.argv[1:]):
    c = sqlite3.connect(f); c.execute("create table alembic_version (version_num varchar(32) primary key)")
    c.execute("insert into alembic_version values (?)", ("guest_lockout_001" if i == 7 else "${HEAD}",)); c.commit()`,
      ...files,
    ]);
    writeFileSync(path.join(dir, 'tenants.txt'), files.map((f) => `sqlite:///${f}\n`).join(''));
    const before = files.map((f) => readFileSync(f));
    const r = run([
      'alembic-preflight',
      'verify',
      '-c',
      'examples/heroku-app/alembic.ini',
      '--databases',
      'tenants.txt',
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).not.toContain('Assertion failed');
    expect(r.stdout).toMatch(/^ +19 +2a3b4c5d6e7f +nothing to apply/mu);
    expect(r.stdout).toMatch(
      /^ +1 +guest_lockout_001 +FAILS: Can't locate revision identified by 'guest_lockout_001'/mu,
    );
    expect(files.every((f, i) => readFileSync(f).equals(before[i]!))).toBe(true);
  });

  it('verify against PostgreSQL (pg from the wheel), then the Procfile release line migrates a database one behind', async () => {
    const { run } = app();
    await pgExec(pg.url, ['DROP DATABASE IF EXISTS wheel_release', 'CREATE DATABASE wheel_release']);
    const url = pg.urlFor('wheel_release');
    // one behind: Alembic itself (the venv's) takes a fresh database to the first revision
    const up = run(['python', '-m', 'alembic', '-c', 'examples/heroku-app/alembic.ini', 'upgrade', USERS], {
      DATABASE_URL: url,
    });
    expect(up.status, up.stderr).toBe(0);
    const v = run(['alembic-preflight', 'verify', '-c', 'examples/heroku-app/alembic.ini'], {
      DATABASE_URL: url,
    });
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toContain(HEAD);
    // the line a Python app's Procfile holds: the console script pip installed, no node_modules
    const line = RELEASE_LINE.replace('./node_modules/.bin/alembic-preflight', 'alembic-preflight');
    const r = run([line], { DATABASE_URL: url.replace(/^postgresql:/u, 'postgres:') });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/OK: applied 1 migration/u);
    expect(await pgExec(url, 'SELECT version_num FROM alembic_version')).toEqual([[HEAD]]);
  });

  it("verify grades a pending migration's SQL with the parser the wheel carries (libpg_query's WebAssembly)", async () => {
    const { dir, run } = app();
    await pgExec(pg.url, ['DROP DATABASE IF EXISTS wheel_sql', 'CREATE DATABASE wheel_sql']);
    const url = pg.urlFor('wheel_sql');
    expect(
      run(['python', '-m', 'alembic', '-c', 'examples/heroku-app/alembic.ini', 'upgrade', 'head'], {
        DATABASE_URL: url,
      }).status,
    ).toBe(0);
    const step = [
      `revision = "c3sql"`,
      `down_revision = "${HEAD}"`,
      'branch_labels = None',
      'depends_on = None',
      'from alembic import op',
      '',
      'def upgrade():',
      '    op.execute("ALTER TABLE users RENAME COLUMN email TO mail")',
      '',
      'def downgrade():',
      '    pass',
      '',
    ].join('\n');
    writeFileSync(
      path.join(dir, 'examples', 'heroku-app', 'migrations', 'versions', 'c3sql_rename.py'),
      step,
    );
    const v = run(['alembic-preflight', 'verify', '-c', 'examples/heroku-app/alembic.ini'], {
      DATABASE_URL: url,
    });
    expect(v.stdout).toContain(
      '[breaks-serving-release] renames column users.email under the serving release\n' +
        '  --> examples/heroku-app/migrations/versions/c3sql_rename.py:8\n' +
        "  why: op.execute's SQL (as alter_column) renames column users.email while the old release still",
    );
    expect(v.stdout).not.toContain('lock-not-graded');
  });

  it('rehearse on SQLite: the real migrations up, down and up on a scratch file', () => {
    const r = app().run([
      'alembic-preflight',
      'rehearse',
      '-c',
      'examples/heroku-app/alembic.ini',
      '--database-url',
      'sqlite:///app.db',
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/upgrade head/u);
  });
});
