import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
 * A PostgreSQL server for tests: TEST_DATABASE_URL when set; else a
 * throwaway cluster from the local server binaries (initdb in a temp dir, a
 * free port); else testcontainers when Docker answers; else a clear failure.
 */
export async function startPostgres(opts: { ssl?: boolean } = {}): Promise<PgServer> {
  const external = process.env.TEST_DATABASE_URL;
  if (external && !opts.ssl) return fromUrl(external, async () => undefined);
  if (findOnPath('initdb') && findOnPath('pg_ctl')) return startLocalCluster(opts);
  if (!opts.ssl) {
    try {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const c = await new PostgreSqlContainer('postgres:15')
        .withUsername(USER)
        .withPassword(TEST_PASSWORD)
        .start();
      return fromUrl(c.getConnectionUri(), async () => {
        await c.stop();
      });
    } catch (e) {
      throw new Error(
        `No PostgreSQL for the tests: TEST_DATABASE_URL is unset, initdb/pg_ctl are not on PATH, and testcontainers failed (${(e as Error).message}). Install the PostgreSQL server binaries (apt-get install postgresql) or set TEST_DATABASE_URL.`,
      );
    }
  }
  throw new Error('The TLS tests need the local PostgreSQL server binaries (initdb, pg_ctl) on PATH.');
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

async function startLocalCluster(opts: { ssl?: boolean }): Promise<PgServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'preflight-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  // initdb refuses to run as root: run the server as the postgres user then
  const owner = asRoot
    ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    : undefined;
  const group = asRoot
    ? Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    : undefined;
  const run = (cmd: string, args: string[]): void => {
    const bin = findOnPath(cmd) ?? cmd;
    const full = asRoot ? ['runuser', '-u', 'postgres', '--', bin, ...args] : [bin, ...args];
    const r = spawnSync(full[0]!, full.slice(1), { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  const pwfile = path.join(dir, 'pw');
  writeFileSync(pwfile, TEST_PASSWORD + '\n');
  if (asRoot) {
    chownSync(dir, owner!, group!);
    chownSync(pwfile, owner!, group!);
  }
  run('initdb', [
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
  let caFile: string | undefined;
  if (opts.ssl) {
    const key = path.join(data, 'server.key');
    const crt = path.join(data, 'server.crt');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        crt,
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    chmodSync(key, 0o600);
    if (asRoot) {
      chownSync(key, owner!, group!);
      chownSync(crt, owner!, group!);
    }
    caFile = path.join(dir, 'ca.crt');
    writeFileSync(caFile, execFileSync('cat', [crt]));
    appendFileSync(
      path.join(data, 'postgresql.conf'),
      "\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n",
    );
  }
  const port = await freePort();
  run('pg_ctl', [
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
  const base = `postgresql://${USER}:${encodeURIComponent(TEST_PASSWORD)}@127.0.0.1:${port}`;
  return {
    url: `${base}/postgres`,
    host: '127.0.0.1',
    port,
    user: USER,
    password: TEST_PASSWORD,
    caFile,
    logFile: path.join(dir, 'log'),
    urlFor: (db, params) => `${base}/${db}${params ? `?${params}` : ''}`,
    startStandby: async () => {
      const sdata = path.join(dir, 'standby');
      const sport = await freePort();
      const r = spawnSync(
        asRoot ? 'runuser' : (findOnPath('pg_basebackup') ?? 'pg_basebackup'),
        [
          ...(asRoot ? ['-u', 'postgres', '--', findOnPath('pg_basebackup') ?? 'pg_basebackup'] : []),
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
      run('pg_ctl', [
        '-D',
        sdata,
        '-w',
        '-t',
        '60',
        '-l',
        path.join(dir, 'standby.log'),
        '-o',
        `-p ${sport} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c hot_standby=on`,
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
        stop: async () => run('pg_ctl', ['-D', sdata, '-m', 'immediate', 'stop']),
      };
    },
    stop: async () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
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
