import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DatabaseError } from '../errors/errors.js';
import { onPath, processAlive } from '../project/programs.js';
import { quoteIdent } from './quote-ident.js';

/** A database rehearse may create objects in and then removes: never a database the user named for anything else. */
export interface Scratch {
  /** The URL Alembic connects with (it holds a password: never printed). */
  readonly url: string;
  readonly dialect: 'postgresql' | 'sqlite' | 'mysql';
  /** How it was made, for the report: "a database on the server --scratch-url names", "a local cluster (PostgreSQL 15)", "a SQLite file". */
  readonly describe: string;
  /** Removes it; safe to call twice. */
  remove(): Promise<void>;
}

/** A SQLite file in a folder of its own, removed with it. */
export function sqliteScratch(): Scratch {
  const dir = scratchFolder();
  return {
    url: `sqlite:///${path.join(dir, 'rehearse.db')}`,
    dialect: 'sqlite',
    describe: 'a SQLite file in a temporary folder',
    remove: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A uniquely named database on the server `--scratch-url` points at (its own database is only
 * connected to, to run CREATE DATABASE and, at the end, DROP DATABASE).
 */
export async function serverScratch(serverUrl: string): Promise<Scratch> {
  const { default: pg } = await import('pg');
  // named for this machine and process, so that a later run can tell a database whose run was killed
  const name = scratchName();
  const admin = new pg.Client({
    connectionString: serverUrl,
    application_name: 'alembic-preflight rehearse',
  });
  try {
    await admin.connect();
    await dropOrphans(admin);
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } catch (e) {
    throw new DatabaseError(
      `Cannot create a scratch database on the --scratch-url server: ${(e as Error).message}.`,
      {
        hint: 'The role needs CREATEDB there (ALTER ROLE … CREATEDB), on a server that is not production.',
      },
    );
  } finally {
    await admin.end().catch(() => undefined);
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  let removed = false;
  return {
    url: u.toString(),
    dialect: 'postgresql',
    describe: 'a new database on the --scratch-url server',
    async remove() {
      if (removed) return;
      removed = true;
      const c = new pg.Client({
        connectionString: serverUrl,
        application_name: 'alembic-preflight rehearse',
      });
      await c.connect();
      try {
        // a connection Alembic left open would block the drop
        await c.query(
          'SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()',
          [name],
        );
        await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
      } finally {
        await c.end().catch(() => undefined);
      }
    },
  };
}

/** initdb, pg_ctl and postgres of one major version, from PATH or Debian's versioned folders. */
export function localServerBinaries(major?: number): { bin: string; major: number } | undefined {
  const dirs: string[] = [];
  const initdb = onPath('initdb', process.env);
  if (initdb && existsSync(path.join(path.dirname(initdb), 'pg_ctl'))) dirs.push(path.dirname(initdb));
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian))
    for (const v of readdirSync(debian))
      if (existsSync(path.join(debian, v, 'bin', 'initdb'))) dirs.push(path.join(debian, v, 'bin'));
  const found = dirs.flatMap((bin) => {
    const v = /(\d+)/u.exec(
      spawnSync(path.join(bin, 'pg_ctl'), ['--version'], { encoding: 'utf8' }).stdout ?? '',
    );
    return v ? [{ bin, major: Number(v[1]) }] : [];
  });
  found.sort((a, b) => b.major - a.major);
  return major === undefined ? found[0] : found.find((f) => f.major === major);
}

/**
 * A throwaway cluster in a temporary folder, listening on 127.0.0.1 on a free port with a random
 * password: started with the local server binaries, stopped and deleted by remove(). Run as the
 * postgres user when we are root (initdb refuses root).
 */
export async function localClusterScratch(binaries: { bin: string; major: number }): Promise<Scratch> {
  const dir = scratchFolder();
  const data = path.join(dir, 'data');
  const password = randomBytes(18).toString('hex');
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]): void => {
    const exe = path.join(binaries.bin, cmd);
    const full = asRoot ? ['runuser', '-u', 'postgres', '--', exe, ...args] : [exe, ...args];
    const r = spawnSync(full[0]!, full.slice(1), { encoding: 'utf8' });
    if (r.status !== 0)
      throw new DatabaseError(
        `${cmd} failed while making the scratch cluster: ${(r.stderr || r.stdout || '').trim().split('\n').at(-1)}`,
        { hint: 'Give --scratch-url (a server where a database may be created and dropped) instead.' },
      );
  };
  const pwfile = path.join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  let started = false;
  let watchdog: ChildProcess | undefined;
  const stopArgv = (): string[] => {
    const exe = path.join(binaries.bin, 'pg_ctl');
    const args = ['-D', data, '-m', 'immediate', 'stop'];
    return asRoot ? ['runuser', '-u', 'postgres', '--', exe, ...args] : [exe, ...args];
  };
  const stop = (): void => {
    if (watchdog?.pid !== undefined) {
      try {
        process.kill(-watchdog.pid, 'SIGKILL');
      } catch {
        // it had ended
      }
      watchdog = undefined;
    }
    if (started) {
      started = false;
      const argv = stopArgv();
      spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run('initdb', [
      '-D',
      data,
      '-U',
      'rehearse',
      '--pwfile',
      pwfile,
      '--auth=scram-sha-256',
      '-E',
      'UTF8',
      '--no-locale',
      '--no-sync',
    ]);
    const port = await freePort();
    // the cluster dies with this process, however it ends (SIGKILL, an OOM kill): a watchdog outside it stops and
    // deletes it, watching from before the cluster starts
    watchdog = dieWith(process.pid, [stopArgv(), ['rm', '-rf', dir]]);
    run('pg_ctl', [
      '-D',
      data,
      '-w',
      '-l',
      path.join(dir, 'log'),
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off`,
      'start',
    ]);
    started = true;
    return {
      url: `postgresql://rehearse:${password}@127.0.0.1:${port}/postgres`,
      dialect: 'postgresql',
      describe: `a throwaway local cluster (PostgreSQL ${binaries.major})`,
      remove: async () => stop(),
    };
  } catch (e) {
    stop();
    throw e;
  }
}

/**
 * A PostgreSQL container through testcontainers, when the app installed it
 * (`@testcontainers/postgresql`) and a Docker engine answers: of production's major version when
 * known. Undefined with the reason when either is missing.
 */
export async function containerScratch(
  major: number | undefined,
): Promise<Scratch | { readonly unavailable: string }> {
  let mod: {
    PostgreSqlContainer: new (image: string) => {
      withPassword(p: string): unknown;
      start(): Promise<{ getConnectionUri(): string; stop(): Promise<unknown> }>;
    };
  };
  try {
    // an optional package: a name in a variable keeps the bundler from requiring it
    const name = '@testcontainers/postgresql';
    mod = (await import(name)) as typeof mod;
  } catch {
    return { unavailable: '@testcontainers/postgresql is not installed' };
  }
  const image = `postgres:${major ?? 16}`;
  try {
    const container = new mod.PostgreSqlContainer(image);
    (container as unknown as { withPassword(p: string): unknown }).withPassword(
      randomBytes(18).toString('hex'),
    );
    const started = await container.start();
    let removed = false;
    return {
      url: started.getConnectionUri(),
      dialect: 'postgresql',
      describe: `a throwaway container (${image})`,
      async remove() {
        if (removed) return;
        removed = true;
        await started.stop();
      },
    };
  } catch (e) {
    return {
      unavailable: `Docker did not start ${image}: ${((e as Error).message || 'no answer').split('\n')[0]}`,
    };
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Scratch folders and server databases are named with this, and their owner. */
const FOLDER_PREFIX = 'alembic-preflight-rehearse-';
const SERVER_PREFIX = 'alembic_preflight_rehearse_';
/** The connection fence's folders (release/fence.ts), which hold an owner file too. */
const FENCE_PREFIX = 'alembic-preflight-fence-';

/** A temporary folder for a scratch database, with the pid of the run that owns it. */
function scratchFolder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), FOLDER_PREFIX));
  writeFileSync(path.join(dir, 'owner'), `${process.pid}\n`);
  return dir;
}

/** A scratch database's name on a server: this machine's tag and this process's pid, so a later run can reap it. */
export function scratchName(): string {
  return `${SERVER_PREFIX}${hostTag()}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** A scratch database of this machine whose run is gone (killed before it could drop it). */
export function orphanedScratch(name: string): boolean {
  const mine = `${SERVER_PREFIX}${hostTag()}_`;
  if (!name.startsWith(mine)) return false;
  const pid = Number(name.slice(mine.length).split('_')[0]);
  return Number.isInteger(pid) && pid > 0 && !processAlive(pid);
}

/** Eight hex digits of this machine's name: a server database named with another machine's is never reaped from here. */
function hostTag(): string {
  return createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);
}

/**
 * A watchdog, in a process group of its own, that runs the commands once `pid` is gone: a run killed
 * with SIGKILL cannot clean up, so the cleanup waits outside it. The caller kills it when it cleans up
 * itself.
 */
function dieWith(pid: number, commands: readonly (readonly string[])[]): ChildProcess {
  const quote = (a: string): string => `'${a.replaceAll("'", "'\\''")}'`;
  const script = `while kill -0 ${pid} 2>/dev/null; do sleep 1; done; ${commands.map((c) => `${c.map(quote).join(' ')} >/dev/null 2>&1`).join('; ')}`;
  const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

/**
 * What killed runs left behind: scratch folders whose owner is gone (their cluster stopped, if its
 * postmaster still runs). Called before a new scratch is made; never fails the run.
 */
export function reapScratchFolders(binaries: () => { bin: string } | undefined): void {
  let names: string[];
  try {
    names = readdirSync(os.tmpdir()).filter((n) => n.startsWith(FOLDER_PREFIX) || n.startsWith(FENCE_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(os.tmpdir(), name);
    try {
      const owner = Number(readFileSync(path.join(dir, 'owner'), 'utf8').trim());
      if (!Number.isInteger(owner) || owner <= 0 || processAlive(owner)) continue;
      const postmaster = path.join(dir, 'data', 'postmaster.pid');
      if (existsSync(postmaster)) {
        const pm = Number(readFileSync(postmaster, 'utf8').split('\n')[0]);
        if (Number.isInteger(pm) && pm > 0 && processAlive(pm)) {
          const bin = binaries()?.bin;
          const pgCtl = bin ? path.join(bin, 'pg_ctl') : undefined;
          if (pgCtl)
            spawnSync(
              process.getuid?.() === 0 ? 'runuser' : pgCtl,
              process.getuid?.() === 0
                ? ['-u', 'postgres', '--', pgCtl, '-D', path.join(dir, 'data'), '-m', 'immediate', 'stop']
                : ['-D', path.join(dir, 'data'), '-m', 'immediate', 'stop'],
              { stdio: 'ignore' },
            );
          else process.kill(pm, 'SIGQUIT');
        }
      }
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // another user's, or being made right now: left alone
    }
  }
}

/** Scratch databases on the --scratch-url server that this machine's killed runs left: their connections ended, then dropped. */
async function dropOrphans(admin: {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}): Promise<void> {
  const mine = `${SERVER_PREFIX}${hostTag()}_`;
  const found = (
    await admin.query(
      'SELECT datname FROM pg_catalog.pg_database WHERE pg_catalog.left(datname, pg_catalog.length($1)) = $1',
      [mine],
    )
  ).rows as { datname: string }[];
  for (const { datname } of found) {
    const pid = Number(datname.slice(mine.length).split('_')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || processAlive(pid)) continue;
    try {
      await admin.query(
        'SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = $1',
        [datname],
      );
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)}`);
    } catch {
      // another run dropped it, or it is busy: the next run tries again
    }
  }
}
