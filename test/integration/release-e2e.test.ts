import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, unwrapped } from '../helpers/cli.js';
import { alembicCommand, ORACLE_PYTHON, REPO } from '../helpers/oracle.js';
import { pgExec, startPostgres, TEST_PASSWORD, type PgServer } from '../helpers/pg-cluster.js';
import { alembicStarts, exampleSlug, RELEASE_LINE, VERSIONS } from '../helpers/release-slug.js';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** How many times Alembic was started (our PATH wrapper counts). */
  readonly alembicStarts: number;
}

describe('Heroku release phase, simulated: the Procfile line through /bin/sh -c', () => {
  let pg: PgServer;
  let n = 0;
  const apps: string[] = [];
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await pg?.stop();
    for (const a of apps) rmSync(a, { recursive: true, force: true });
  });

  /** A slug: the example app, node_modules/.bin linked as npm would, `alembic` on PATH (Debian's, counted). */
  async function app(
    extra: Record<string, string> = {},
  ): Promise<{ dir: string; url: string; marker: string; db: string }> {
    const { dir, marker } = exampleSlug('preflight-slug-', extra);
    apps.push(dir);
    const db = `release_${++n}`;
    await pgExec(pg.url, [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`]);
    const url = pg.urlFor(db).replace(/^postgresql:/u, 'postgres:');
    return { dir, url, marker, db };
  }

  function env(a: { dir: string; url: string }, more: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: `${path.join(a.dir, '.bin')}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? '',
      DYNO: 'release.7',
      DATABASE_URL: a.url,
      PYTHONDONTWRITEBYTECODE: '1',
      ...more,
    };
  }

  const starts = alembicStarts;

  function release(
    a: { dir: string; url: string; marker: string },
    more: Record<string, string> = {},
    line = RELEASE_LINE,
  ): Run {
    const r = spawnSync('/bin/sh', ['-c', line], { cwd: a.dir, encoding: 'utf8', env: env(a, more) });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, alembicStarts: starts(a.marker) };
  }

  function alembic(a: { dir: string; url: string }, ...args: string[]): void {
    const r = spawnSync(ORACLE_PYTHON, ['-m', 'alembic', '-c', 'examples/heroku-app/alembic.ini', ...args], {
      cwd: a.dir,
      encoding: 'utf8',
      env: env(a),
    });
    expect(r.status, r.stderr).toBe(0);
  }

  const rows = async (a: { db: string }): Promise<unknown[][]> =>
    pgExec(pg.urlFor(a.db), 'SELECT version_num FROM alembic_version');

  it('the Procfile uses the local bin, never npx', () => {
    expect(RELEASE_LINE).toMatch(/^\.\/node_modules\/\.bin\/alembic-preflight release\b/u);
    expect(readFileSync(path.join(REPO, 'Procfile'), 'utf8')).not.toMatch(/\bnpx\b/u);
  });

  it('fresh database: every migration applied, exit 0; second run: a no-op that never starts Alembic', async () => {
    const a = await app();
    const first = release(a);
    expect(first.status, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /^alembic-preflight release: Heroku release phase \(dyno release\.7\); target head$/mu,
    );
    expect(first.stderr).toContain('Running upgrade  -> 1f2a3b4c5d6e');
    expect(first.stderr).toContain('Running upgrade 1f2a3b4c5d6e -> 2a3b4c5d6e7f');
    expect(first.stdout).toMatch(
      /^alembic-preflight release: OK: applied 2 migrations, and the database is at 2a3b4c5d6e7f \([\d.]+ s, exit 0\)$/mu,
    );
    expect(first.alembicStarts).toBe(1);
    expect(await rows(a)).toEqual([['2a3b4c5d6e7f']]);
    const second = release(a);
    expect(second.status).toBe(0);
    expect(second.alembicStarts).toBe(1);
    expect(second.stdout).toContain('OK: the database is already at head (2a3b4c5d6e7f), nothing to run');
    expect(second.stderr).toMatch(/INFO {2}release.start: .*context=heroku-release dyno=release.7/u);
  }, 60_000);

  it('stamped guest_lockout_001: blocked before Alembic starts, database unchanged; after backfill the release succeeds', async () => {
    const a = await app();
    alembic(a, 'upgrade', '1f2a3b4c5d6e');
    await pgExec(pg.urlFor(a.db), "UPDATE alembic_version SET version_num = 'guest_lockout_001'");
    const blocked = release(a);
    expect(blocked.status).toBe(1);
    expect(blocked.alembicStarts).toBe(0);
    expect(blocked.stdout).toContain(
      "Alembic prints: FAILED: Can't locate revision identified by 'guest_lockout_001'",
    );
    expect(blocked.stdout).toMatch(
      /^alembic-preflight release: BLOCKED: `alembic upgrade head` will fail: Can't locate revision identified by 'guest_lockout_001'; Alembic was not started/mu,
    );
    expect(await rows(a)).toEqual([['guest_lockout_001']]);

    const fix = spawnSync(
      process.execPath,
      [
        BIN,
        'backfill',
        '-c',
        'examples/heroku-app/alembic.ini',
        '--after',
        '1f2a3b4c5d6e',
        '--rewire',
        '--write',
      ],
      {
        cwd: a.dir,
        encoding: 'utf8',
        env: env(a),
      },
    );
    expect(fix.status, fix.stdout + fix.stderr).toBe(0);
    const fixed = release(a);
    expect(fixed.status, fixed.stdout + fixed.stderr).toBe(0);
    expect(fixed.alembicStarts).toBe(1);
    expect(fixed.stderr).toContain('Running upgrade guest_lockout_001 -> 2a3b4c5d6e7f');
    expect(await rows(a)).toEqual([['2a3b4c5d6e7f']]);
  }, 60_000);

  it('multiple heads: blocked, Alembic never started', async () => {
    const a = await app({
      '3c4d_other_head.py':
        "revision = '3c4d5e6f7a8b'\ndown_revision = '1f2a3b4c5d6e'\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n",
    });
    const r = release(a);
    expect(r.status).toBe(1);
    expect(r.alembicStarts).toBe(0);
    expect(r.stdout).toContain('Multiple head revisions are present');
  }, 60_000);

  it('a wrapped `-- alembic upgrade heads`: predicted for heads, so two heads are applied, not blocked; the database is checked after', async () => {
    const other = {
      '3c4d_other_head.py':
        "revision = '3c4d5e6f7a8b'\ndown_revision = '1f2a3b4c5d6e'\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n",
    };
    const a = await app(other);
    const wrap = (target: string) =>
      `${RELEASE_LINE} -- alembic -c examples/heroku-app/alembic.ini upgrade ${target}`;
    const head = release(a, {}, wrap('head'));
    expect(head.status, head.stdout).toBe(1);
    expect(head.alembicStarts).toBe(0);
    expect(head.stdout).toContain('target head (what the command runs)');
    const heads = release(a, {}, wrap('heads'));
    expect(heads.status, heads.stdout + heads.stderr).toBe(0);
    expect(heads.alembicStarts).toBe(1);
    expect(heads.stdout).toContain('target heads (what the command runs)');
    expect(heads.stdout).toMatch(
      /OK: applied 3 migrations, and the database is at 2a3b4c5d6e7f, 3c4d5e6f7a8b/u,
    );
    expect((await rows(a)).map((r) => r[0]).sort()).toEqual(['2a3b4c5d6e7f', '3c4d5e6f7a8b']);
  }, 60_000);

  it('a wrapped `-- alembic -c FILE upgrade heads` with no -c of ours: the project that command migrates is checked (its -c), for its target', async () => {
    const other = {
      '3c4d_other_head.py':
        "revision = '3c4d5e6f7a8b'\ndown_revision = '1f2a3b4c5d6e'\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n",
    };
    const a = await app(other);
    const ours = RELEASE_LINE.replace(/ -c \S+/u, '');
    expect(ours).not.toContain(' -c ');
    const r = release(a, {}, `${ours} -- alembic -c examples/heroku-app/alembic.ini upgrade heads`);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "target heads (what the command runs); project -c examples/heroku-app/alembic.ini (the command's)",
    );
    expect(r.alembicStarts).toBe(1);
    expect((await rows(a)).map((x) => x[0]).sort()).toEqual(['2a3b4c5d6e7f', '3c4d5e6f7a8b']);
    // a script that the Procfile's release line wraps: its -c names the project, its upgrade the target
    const c = await app(other);
    writeFileSync(
      path.join(c.dir, 'release.sh'),
      '#!/bin/sh\nset -e\nalembic -c examples/heroku-app/alembic.ini upgrade heads\n',
    );
    writeFileSync(path.join(c.dir, 'Procfile'), `release: ${ours} -- sh release.sh\n`);
    const viaScript = release(c, {}, `${ours} -- sh release.sh`);
    expect(viaScript.status, viaScript.stdout + viaScript.stderr).toBe(0);
    expect(viaScript.stdout).toContain('target heads (what the command runs)');
    expect((await rows(c)).map((x) => x[0]).sort()).toEqual(['2a3b4c5d6e7f', '3c4d5e6f7a8b']);
    // for `head` the same project is blocked before Alembic starts, on its two heads
    const b = await app(other);
    const head = release(b, {}, `${ours} -- alembic --config=examples/heroku-app/alembic.ini upgrade head`);
    expect(head.status, head.stdout + head.stderr).toBe(1);
    expect(head.stdout).toContain('Multiple head revisions are present');
    expect(head.alembicStarts).toBe(0);
  }, 60_000);

  it('a wrapped upgrade Alembic refuses (-c after the command): blocked before it starts, and the real command does fail', async () => {
    const a = await app();
    const ours = RELEASE_LINE.replace(/ -c \S+/u, '');
    const line = `${ours} -- alembic upgrade head -c examples/heroku-app/alembic.ini`;
    const r = release(a, {}, line);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.alembicStarts).toBe(0);
    expect(r.stdout).toContain('[release-command-invalid]');
    expect(r.stdout).toContain('alembic: error: unrecognized arguments: -c examples/heroku-app/alembic.ini');
    expect(r.stdout).toContain('alembic -c examples/heroku-app/alembic.ini upgrade head');
    // the database was not touched: no version table
    expect(await pgExec(pg.urlFor(a.db), "SELECT to_regclass('alembic_version')::text")).toEqual([[null]]);
    // what the release would have met: real Alembic refuses the same words
    const real = alembicCommand(a.dir, ['upgrade', 'head', '-c', 'examples/heroku-app/alembic.ini']);
    expect(real.status).toBe(2);
    expect(real.last).toBe('alembic: error: unrecognized arguments: -c examples/heroku-app/alembic.ini');
  }, 60_000);

  it('a wrapped alembic gets its words as argv, a value with a blank whole: the upgrade runs, as real Alembic reads it', async () => {
    const a = await app();
    const ours = RELEASE_LINE.replace(/ -c \S+/u, '');
    // no shell between release and alembic: `-x "note=two words"` is one value, not a command named "words"
    const r = release(
      a,
      {},
      `${ours} -- alembic -c examples/heroku-app/alembic.ini -x "note=two words" upgrade head`,
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('[release-command-invalid]');
    expect(r.alembicStarts).toBe(1);
    expect((await rows(a)).length).toBe(1);
    // the same words with an option after upgrade: refused for that option, which is what argparse names
    const b = await app();
    const refused = release(
      b,
      {},
      `${ours} -- alembic -c examples/heroku-app/alembic.ini -x "note=two words" upgrade --bogus head`,
    );
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain('alembic: error: unrecognized arguments: --bogus');
    const real = alembicCommand(b.dir, [
      '-c',
      'examples/heroku-app/alembic.ini',
      '-x',
      'note=two words',
      'upgrade',
      '--bogus',
      'head',
    ]);
    expect(real.last).toBe('alembic: error: unrecognized arguments: --bogus');
  }, 60_000);

  it('a wrapped command that generates a migration before upgrading: blocked before it starts, no file written, database untouched', async () => {
    const a = await app();
    const ours = RELEASE_LINE.replace(/ -c \S+/u, '');
    const ini = 'examples/heroku-app/alembic.ini';
    const before = readdirSync(path.join(a.dir, VERSIONS)).sort();
    const r = release(
      a,
      {},
      `${ours} -- sh -c "alembic -c ${ini} revision --autogenerate -m auto && alembic -c ${ini} upgrade head"`,
    );
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.alembicStarts).toBe(0);
    expect(r.stdout).toContain('[release-generates-migration]');
    expect(unwrapped(r.stdout)).toContain(
      'The release phase runs `alembic revision --autogenerate` (the command after `alembic-preflight release --`)',
    );
    expect(readdirSync(path.join(a.dir, VERSIONS)).sort()).toEqual(before);
    expect(await pgExec(pg.urlFor(a.db), "SELECT to_regclass('alembic_version')::text")).toEqual([[null]]);
  }, 60_000);

  it('a release line that generates a migration before our release runs: the file is on disk, and the release still stops before the upgrade', async () => {
    const a = await app();
    const ini = 'examples/heroku-app/alembic.ini';
    const line = `alembic -c ${ini} revision -m auto && ${RELEASE_LINE}`;
    writeFileSync(path.join(a.dir, 'Procfile'), `release: ${line}\nweb: gunicorn app:app\n`);
    const before = readdirSync(path.join(a.dir, VERSIONS)).length;
    const r = release(a, {}, line);
    expect(r.status, r.stdout + r.stderr).toBe(1);
    // Alembic ran once, for the revision; the upgrade never started
    expect(r.alembicStarts).toBe(1);
    expect(readdirSync(path.join(a.dir, VERSIONS)).length).toBe(before + 1);
    expect(r.stdout).toMatch(/^error \[release-generates-migration\] .*\n {2}--> Procfile:1$/mu);
    expect(await pgExec(pg.urlFor(a.db), "SELECT to_regclass('alembic_version')::text")).toEqual([[null]]);
  }, 60_000);

  it("syntax the dyno's Python rejects, with no Python declared: the interpreter is asked, blocked, Alembic never started", async () => {
    const file =
      "revision = '3c4d5e6f7a8b'\ndown_revision = '2a3b4c5d6e7f'\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    try:\n        pass\n    except ValueError, KeyError:\n        pass\n";
    const a = await app({ '3c4d_pep758.py': file });
    const r = release(a);
    expect(r.status).toBe(1);
    expect(r.alembicStarts).toBe(0);
    expect(r.stdout).toContain('[needs-newer-python]');
    expect(r.stdout).toMatch(/`python3?( --version)?` in this dyno/u);
    expect(r.stdout).toContain(
      'BLOCKED: `alembic upgrade head` will fail: SyntaxError: multiple exception types must be parenthesized',
    );
    // and Alembic itself, on that Python, fails on that file with that message
    const real = spawnSync(
      ORACLE_PYTHON,
      ['-m', 'alembic', '-c', 'examples/heroku-app/alembic.ini', 'heads'],
      {
        cwd: a.dir,
        encoding: 'utf8',
        env: env(a),
      },
    );
    expect(real.status).not.toBe(0);
    expect(real.stderr).toContain('SyntaxError: multiple exception types must be parenthesized');
  }, 60_000);

  it("a migration that raises mid-way: exit 4, Alembic's traceback intact, the exit code in the verdict", async () => {
    const a = await app({
      '3c4d_boom.py':
        "revision = '3c4d5e6f7a8b'\ndown_revision = '2a3b4c5d6e7f'\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    raise RuntimeError('boom: the backfill query failed')\n",
    });
    const r = release(a);
    expect(r.status).toBe(4);
    expect(r.alembicStarts).toBe(1);
    expect(r.stderr).toContain('Traceback (most recent call last):');
    expect(r.stderr).toContain('RuntimeError: boom: the backfill query failed');
    expect(r.stdout).toMatch(
      /^alembic-preflight release: FAILED: the command exited with 1, so the release is aborted and the previous one stays live/mu,
    );
    // PostgreSQL's transactional DDL rolled the whole run back
    expect(
      await pgExec(
        pg.urlFor(a.db),
        "SELECT count(*)::int FROM pg_tables WHERE tablename = 'alembic_version'",
      ),
    ).toEqual([[0]]);
  }, 60_000);

  it('SIGTERM during a slow migration: forwarded to Alembic, exit 143, verdict printed', async () => {
    const a = await app({
      '3c4d_slow.py':
        "import time\nrevision = '3c4d5e6f7a8b'\ndown_revision = '2a3b4c5d6e7f'\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    time.sleep(60)\n",
    });
    const child = spawn('/bin/sh', ['-c', RELEASE_LINE], { cwd: a.dir, env: env(a), detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const deadline = Date.now() + 30_000;
    while (!stderr.includes('Running upgrade 2a3b4c5d6e7f -> 3c4d5e6f7a8b') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toContain('Running upgrade 2a3b4c5d6e7f -> 3c4d5e6f7a8b');
    const started = Date.now();
    // Heroku's SIGTERM reaches our process (sh may or may not have exec'd it): signal the guard itself,
    // which must forward it to Alembic and still report
    const kids = spawnSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' })
      .stdout.trim()
      .split(/\s+/u)
      .filter(Boolean)
      .map(Number);
    const guard = kids.length > 0 ? kids[0]! : child.pid!;
    expect(spawnSync('ps', ['-o', 'args=', '-p', String(guard)], { encoding: 'utf8' }).stdout).toContain(
      'alembic-preflight release',
    );
    process.kill(guard, 'SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(code).toBe(143);
    expect(stdout).toMatch(
      /^alembic-preflight release: STOPPED: SIGTERM received and forwarded to the command, which ended with SIGTERM/mu,
    );
    expect(stderr).not.toContain('Running upgrade 3c4d5e6f7a8b');
  }, 60_000);

  it('--deadline stops a command that runs too long: exit 4 and says so', async () => {
    const a = await app({
      '3c4d_slow.py':
        "import time\nrevision = '3c4d5e6f7a8b'\ndown_revision = '2a3b4c5d6e7f'\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    time.sleep(60)\n",
    });
    const line = `${RELEASE_LINE} --deadline 0.05`;
    const started = Date.now();
    const r = spawnSync('/bin/sh', ['-c', line], { cwd: a.dir, encoding: 'utf8', env: env(a) });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.status).toBe(4);
    expect(r.stdout).toMatch(
      /^alembic-preflight release: FAILED: the command ran past the --deadline of 0.05 min and was stopped/mu,
    );
  }, 60_000);

  it('the command succeeds but the database is not at head: exit 5, saying what it found', async () => {
    const a = await app();
    // an `alembic` that exits 0 and does nothing (say, env.py pointed at another database)
    writeFileSync(path.join(a.dir, '.bin', 'alembic'), '#!/bin/sh\nexit 0\n');
    const r = release(a);
    expect(r.status).toBe(5);
    expect(r.stdout).toMatch(
      /^alembic-preflight release: MISMATCH: the command succeeded, but the database is at \(no rows\), not 2a3b4c5d6e7f/mu,
    );
  }, 60_000);

  it('a command after -- that migrates less than predicted: MISMATCH, exit 5, with the rows seen and the count that ran', async () => {
    const a = await app();
    // a script whose upgrade cannot be read plainly (its target is a variable): graded for head
    writeFileSync(
      path.join(a.dir, 'migrate.sh'),
      '#!/bin/sh\nset -e\nREV=1f2a3b4c5d6e\nalembic -c examples/heroku-app/alembic.ini upgrade "$REV"\n',
    );
    const r = release(a, {}, `${RELEASE_LINE} -- sh migrate.sh`);
    expect(r.alembicStarts).toBe(1);
    expect(await rows(a)).toEqual([['1f2a3b4c5d6e']]);
    expect(r.status, r.stdout + r.stderr).toBe(5);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^alembic-preflight release: MISMATCH: the command succeeded, but the database is at 1f2a3b4c5d6e, not 2a3b4c5d6e7f \(1 migration applied of 2 predicted\)/u,
    );
    expect(r.stdout).not.toMatch(/OK: applied/u);
    // graded for head while the command itself names another revision: the same
    const b = await app();
    const named = release(
      b,
      {},
      `${RELEASE_LINE} --target head -- alembic -c examples/heroku-app/alembic.ini upgrade 1f2a3b4c5d6e`,
    );
    expect(named.status, named.stdout + named.stderr).toBe(5);
    expect(named.stdout).toMatch(
      /MISMATCH: the command succeeded, but the database is at 1f2a3b4c5d6e, not 2a3b4c5d6e7f \(1 migration applied of 2 predicted\)/u,
    );
  }, 60_000);

  it('applied N counts what the rows show: a script that also runs a later migration is reported as it ran', async () => {
    const a = await app();
    alembic(a, 'upgrade', '1f2a3b4c5d6e');
    writeFileSync(
      path.join(a.dir, 'migrate.sh'),
      '#!/bin/sh\nset -e\nalembic -c examples/heroku-app/alembic.ini upgrade head\n',
    );
    const r = release(a, {}, `${RELEASE_LINE} -- sh migrate.sh`);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^alembic-preflight release: OK: applied 1 migration, and the database is at 2a3b4c5d6e7f/u,
    );
  }, 60_000);

  it('at the target, a command after -- is not started either (--always-run starts it)', async () => {
    const a = await app();
    alembic(a, 'upgrade', 'head');
    writeFileSync(
      path.join(a.dir, 'migrate.sh'),
      '#!/bin/sh\nset -e\ntouch ran-the-script\nalembic -c examples/heroku-app/alembic.ini upgrade head\n',
    );
    const r = release(a, {}, `${RELEASE_LINE} -- sh migrate.sh`);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(existsSync(path.join(a.dir, 'ran-the-script'))).toBe(false);
    expect(r.alembicStarts).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^alembic-preflight release: OK: the database is already at head \(2a3b4c5d6e7f\), nothing to run \(--always-run starts the command anyway\); the command was not started/u,
    );
    const always = release(a, {}, `${RELEASE_LINE} --always-run -- sh migrate.sh`);
    expect(always.status, always.stdout + always.stderr).toBe(0);
    expect(existsSync(path.join(a.dir, 'ran-the-script'))).toBe(true);
    expect(always.stdout).toMatch(/OK: applied 0 migrations, and the database is at 2a3b4c5d6e7f/u);
  }, 60_000);

  it('wrong password: exit 3, the password appears nowhere', async () => {
    const a = await app();
    const wrong = a.url.replace(encodeURIComponent(TEST_PASSWORD), 'not-the-password-xyz');
    expect(wrong).not.toBe(a.url);
    const r = spawnSync('/bin/sh', ['-c', RELEASE_LINE], {
      cwd: a.dir,
      encoding: 'utf8',
      env: env(a, { DATABASE_URL: wrong }),
    });
    expect(r.status).toBe(3);
    expect(starts(a.marker)).toBe(0);
    expect(r.stderr).toContain('Authentication failed');
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain('not-the-password-xyz');
      expect(out).not.toContain(TEST_PASSWORD);
      expect(out).not.toContain(wrong);
    }
  }, 60_000);
});

describe('app.json', () => {
  const doc = JSON.parse(readFileSync(path.join(REPO, 'app.json'), 'utf8')) as Record<string, unknown>;
  // the documented schema (devcenter.heroku.com/articles/app-json-schema): field names and types
  const TOP: Record<string, string> = {
    name: 'string',
    description: 'string',
    keywords: 'array',
    website: 'string',
    repository: 'string',
    logo: 'string',
    success_url: 'string',
    scripts: 'object',
    env: 'object',
    formation: 'object',
    image: 'string',
    addons: 'array',
    buildpacks: 'array',
    environments: 'object',
    stack: 'string',
  };
  const kind = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

  it('uses only documented top-level fields with their documented types', () => {
    for (const [k, v] of Object.entries(doc)) {
      expect(TOP, `unknown field ${k}`).toHaveProperty(k);
      expect(kind(v), k).toBe(TOP[k]);
    }
    expect(doc.name).toBeTypeOf('string');
    expect((doc.name as string).length).toBeLessThanOrEqual(30);
  });

  it('builds with heroku/nodejs, then heroku/python, and attaches Postgres', () => {
    expect((doc.buildpacks as { url: string }[]).map((b) => b.url)).toEqual([
      'heroku/nodejs',
      'heroku/python',
    ]);
    const addons = (doc.addons as (string | { plan: string })[]).map((a) =>
      typeof a === 'string' ? a : a.plan,
    );
    expect(addons.some((a) => a.startsWith('heroku-postgresql'))).toBe(true);
  });

  it('env entries are strings or objects with description/value/required/generator', () => {
    for (const [k, v] of Object.entries(doc.env as Record<string, unknown>)) {
      if (typeof v === 'string') continue;
      expect(kind(v), k).toBe('object');
      for (const [f, fv] of Object.entries(v as Record<string, unknown>)) {
        expect(['description', 'value', 'required', 'generator'], `${k}.${f}`).toContain(f);
        expect(kind(fv)).toBe(f === 'required' ? 'boolean' : 'string');
      }
    }
  });

  it('Heroku CI uses an in-dyno Postgres and runs the tool from the local bin', () => {
    const test = (doc.environments as { test: { addons: string[]; scripts: { test: string } } }).test;
    expect(test.addons).toContain('heroku-postgresql:in-dyno');
    expect(test.scripts.test).toMatch(/^\.\/node_modules\/\.bin\/alembic-preflight /u);
    expect(test.scripts.test).not.toMatch(/\bnpx\b/u);
  });

  it('the Python buildpack finds requirements.txt and .python-version', () => {
    const req = readFileSync(path.join(REPO, 'requirements.txt'), 'utf8');
    for (const pkg of ['alembic==', 'SQLAlchemy==', 'psycopg2-binary==']) expect(req).toContain(pkg);
    expect(readFileSync(path.join(REPO, '.python-version'), 'utf8').trim()).toMatch(/^3\.\d+$/u);
  });
});
