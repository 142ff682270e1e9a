import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selfSignedCertificate } from './self-signed.js';
import { freePort } from '../../src/database/scratch-database.js';

export interface PgServer {
  /** postgresql://USER:PASSWORD@127.0.0.1:PORT/postgres */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The CA (self-signed server certificate) when started with TLS. */
  readonly caFile?: string;
  /** The server log (every statement and connection), for the local cluster only. */
  readonly logFile?: string;
  urlFor(database: string, params?: string): string;
  /** Starts a hot standby streaming from this cluster (local clusters only). */
  startStandby?(): Promise<PgServer>;
  stop(): Promise<void>;
}

/** Deliberately distinctive, so the leak test can grep every output for it. */
export const TEST_PASSWORD = 'S3cr3t-pw_never-printed';
const USER = 'preflight';

/** Where test/helpers/global-setup.ts keeps the run's clusters, one per vitest worker. */
export const RUN_DIR_VARIABLE = 'PREFLIGHT_TEST_RUN_DIR';

/** initdb/pg_ctl from PATH, else Debian's versioned folder (apt's postgresql package does not link them). */
function findOnPath(bin: string): string | undefined {
  const r = spawnSync(
    'sh',
    ['-c', `command -v ${bin} || ls /usr/lib/postgresql/*/bin/${bin} 2>/dev/null | sort -V | tail -n 1`],
    { encoding: 'utf8' },
  );
  const found = r.stdout.trim().split('\n').filter(Boolean).at(-1);
  return r.status === 0 && found ? found : undefined;
}

/**
 * A PostgreSQL server for tests: TEST_DATABASE_URL when set; else a cluster from the local server
 * binaries: the worker's own for the run (worker-cluster.ts) when the run made a folder for them, a
 * throwaway one (initdb in a temp dir, a free port) otherwise and for TLS; else a clear failure.
 */
export async function startPostgres(opts: { ssl?: boolean } = {}): Promise<PgServer> {
  const external = process.env.TEST_DATABASE_URL;
  if (external && !opts.ssl) return fromUrl(external, async () => undefined);
  if (!findOnPath('initdb') || !findOnPath('pg_ctl')) {
    throw new Error(
      'No PostgreSQL for the tests: initdb and pg_ctl are not on PATH or in /usr/lib/postgresql. Run npm run test:setup (it installs the server binaries), or set TEST_DATABASE_URL.',
    );
  }
  const runDir = process.env[RUN_DIR_VARIABLE];
  if (runDir && !opts.ssl) {
    const { workerCluster } = await import('./worker-cluster.js');
    return workerCluster(runDir);
  }
  return startLocalCluster(opts);
}

function fromUrl(url: string, stop: () => Promise<void>): PgServer {
  const u = new URL(url);
  const base = `${u.protocol}//${u.username}:${u.password}@${u.host}`;
  return {
    url,
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    urlFor: (db, params) => `${base}/${db}${params ? `?${params}` : ''}`,
    stop,
  };
}

const asRoot = process.getuid?.() === 0;

/** initdb refuses to run as root: run the server as the postgres user then. */
function runPg(cmd: string, args: string[]): void {
  const bin = findOnPath(cmd) ?? cmd;
  const full = asRoot ? ['runuser', '-u', 'postgres', '--', bin, ...args] : [bin, ...args];
  const r = spawnSync(full[0]!, full.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
}

function postgresIds(): { uid: number; gid: number } | undefined {
  if (!asRoot) return undefined;
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  };
}

/**
 * A cluster of its own in `dir` (a new temp dir when not given): initdb, TLS when asked, pg_ctl start on a
 * free port. Every statement and connection is logged, so tests can read what reached the server.
 */
export async function startLocalCluster(opts: { ssl?: boolean; dir?: string } = {}): Promise<PgServer> {
  const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), 'preflight-pg-'));
  mkdirSync(dir, { recursive: true });
  const data = path.join(dir, 'data');
  const ids = postgresIds();
  const pwfile = path.join(dir, 'pw');
  writeFileSync(pwfile, TEST_PASSWORD + '\n');
  if (ids) {
    chownSync(dir, ids.uid, ids.gid);
    chownSync(pwfile, ids.uid, ids.gid);
  }
  runPg('initdb', [
    '-D',
    data,
    '-U',
    USER,
    '--pwfile',
    pwfile,
    '--auth=scram-sha-256',
    '-E',
    'UTF8',
    '--no-locale',
    '--no-sync',
  ]);
  const caFile = opts.ssl ? selfSigned(dir, data, ids) : undefined;
  // a port another worker took between freePort() and the server's bind: try another
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      runPg('pg_ctl', [
        '-D',
        data,
        '-w',
        '-t',
        '60',
        '-l',
        path.join(dir, 'log'),
        '-o',
        `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c full_page_writes=off -c max_connections=50 -c log_statement=all -c log_connections=on -c log_line_prefix=app=%a:db=%d:`,
        'start',
      ]);
      return attachLocalCluster(dir, port, caFile);
    } catch (e) {
      if (attempt >= 3 || !readLog(dir).includes('could not bind')) throw e;
    }
  }
}

function readLog(dir: string): string {
  const log = path.join(dir, 'log');
  return existsSync(log) ? readFileSync(log, 'utf8') : '';
}

/** A self-signed certificate for localhost in the data folder, with ssl = on; returns the CA file. */
function selfSigned(dir: string, data: string, ids: { uid: number; gid: number } | undefined): string {
  const { crt, key } = selfSignedCertificate(data, 'server');
  chmodSync(key, 0o600);
  if (ids) {
    chownSync(key, ids.uid, ids.gid);
    chownSync(crt, ids.uid, ids.gid);
  }
  const caFile = path.join(dir, 'ca.crt');
  writeFileSync(caFile, execFileSync('cat', [crt]));
  appendFileSync(
    path.join(data, 'postgresql.conf'),
    "\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n",
  );
  return caFile;
}

/** The running cluster of `dir` on `port`; stop() ends it and removes its folder. */
export function attachLocalCluster(dir: string, port: number, caFile?: string): PgServer {
  const data = path.join(dir, 'data');
  const base = `postgresql://${USER}:${encodeURIComponent(TEST_PASSWORD)}@127.0.0.1:${port}`;
  return {
    url: `${base}/postgres`,
    host: '127.0.0.1',
    port,
    user: USER,
    password: TEST_PASSWORD,
    ...(caFile ? { caFile } : {}),
    logFile: path.join(dir, 'log'),
    urlFor: (db, params) => `${base}/${db}${params ? `?${params}` : ''}`,
    startStandby: () => startStandby(dir, port),
    stop: async () => {
      try {
        runPg('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A hot standby of the cluster in `dir`, in a folder of its own beside the primary's data. */
async function startStandby(dir: string, port: number): Promise<PgServer> {
  const ids = postgresIds();
  const sdir = mkdtempSync(path.join(dir, 'standby-'));
  if (ids) chownSync(sdir, ids.uid, ids.gid);
  const sdata = path.join(sdir, 'data');
  const sport = await freePort();
  const basebackup = findOnPath('pg_basebackup') ?? 'pg_basebackup';
  const r = spawnSync(
    asRoot ? 'runuser' : basebackup,
    [
      ...(asRoot ? ['-u', 'postgres', '--', basebackup] : []),
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      USER,
      '-D',
      sdata,
      '-R',
      '-X',
      'stream',
      '--checkpoint=fast',
    ],
    { encoding: 'utf8', env: { ...process.env, PGPASSWORD: TEST_PASSWORD } },
  );
  if (r.status !== 0) throw new Error(`pg_basebackup failed: ${r.stderr}`);
  runPg('pg_ctl', [
    '-D',
    sdata,
    '-w',
    '-t',
    '60',
    '-l',
    path.join(sdir, 'log'),
    '-o',
    `-p ${sport} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${sdir} -c hot_standby=on`,
    'start',
  ]);
  const sbase = `postgresql://${USER}:${encodeURIComponent(TEST_PASSWORD)}@127.0.0.1:${sport}`;
  return {
    url: `${sbase}/postgres`,
    host: '127.0.0.1',
    port: sport,
    user: USER,
    password: TEST_PASSWORD,
    urlFor: (db, params) => `${sbase}/${db}${params ? `?${params}` : ''}`,
    stop: async () => {
      try {
        runPg('pg_ctl', ['-D', sdata, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(sdir, { recursive: true, force: true });
      }
    },
  };
}

/** Stops every cluster (and standby) under the run's folder: the run's end, whatever the tests left. */
export function stopClustersUnder(runDir: string): void {
  const r = spawnSync('sh', ['-c', `ls -d ${runDir}/pg-*/data ${runDir}/pg-*/standby-*/data 2>/dev/null`], {
    encoding: 'utf8',
  });
  for (const data of r.stdout.split('\n').filter(Boolean)) {
    try {
      runPg('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    } catch {
      // already stopped
    }
  }
}
/** Runs SQL as the superuser through node-postgres (test set-up only). */
export async function pgExec(url: string, sql: string | string[]): Promise<unknown[][]> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url, ssl: false });
  await c.connect();
  try {
    let last: unknown[][] = [];
    for (const s of Array.isArray(sql) ? sql : [sql]) {
      const r = await c.query({ text: s, rowMode: 'array' });
      last = r.rows as unknown[][];
    }
    return last;
  } finally {
    await c.end();
  }
}

/** The server process id of a node-postgres client's session (set once it has connected; not in pg's types). */
export function pidOf(client: object): number {
  return (client as { processID?: number }).processID ?? -1;
}

/** The statements a local cluster's log holds for database `db` after offset `from` (log_statement=all). */
export function statementsIn(logFile: string, db: string, from: number): string[] {
  return readFileSync(logFile, 'utf8')
    .slice(from)
    .split('\n')
    .filter((l) => l.includes(`:db=${db}:`) && l.includes('statement: '))
    .map((l) => l.replace(/^.*statement: /u, ''));
}
