import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/database/scratch-database.js';
import { RUN_DIR_VARIABLE } from './pg-cluster.js';

/** A throwaway MariaDB server: a data folder in a temp dir, a free loopback port, no system service. */
export interface MariaServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The server's socket, for the mariadb client as root. */
  readonly socket: string;
  /** A SQLAlchemy URL for `database` (PyMySQL by default, as Alembic's users write it). */
  urlFor(database: string, scheme?: string): string;
  /** Runs SQL as root through the socket and returns its tab-separated rows. */
  exec(sql: string): string[][];
  stop(): Promise<void>;
}

/** Deliberately distinctive, so a test can grep every output for it. */
export const MARIA_PASSWORD = 'M4ria-pw_never-printed';
const USER = 'preflight';

/**
 * Starts MariaDB from Debian's mariadb-server (npm run test:setup installs it): mariadb-install-db
 * into a temp folder, then mariadbd on a free port of 127.0.0.1 with a user that has a password.
 */
export async function startMariadb(extraArgs: readonly string[] = []): Promise<MariaServer> {
  for (const bin of ['mariadb-install-db', 'mariadbd', 'mariadb'])
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0)
      throw new Error(
        `No MariaDB for the tests: ${bin} is not on PATH. Run npm run test:setup (it installs mariadb-server).`,
      );
  // inside the run's folder when there is one: the run's teardown (and its watchdog) stops what is left
  const dir = mkdtempSync(path.join(process.env[RUN_DIR_VARIABLE] ?? os.tmpdir(), 'maria-'));
  chmodSync(dir, 0o755);
  mkdirSync(path.join(dir, 'tmp'));
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? ['--user=root'] : [];
  const installed = spawnSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${dir}/data`,
      '--auth-root-authentication-method=socket',
      '--skip-test-db',
      // a temp folder of its own: two servers installed at once share /tmp's temporary table names
      `--tmpdir=${dir}/tmp`,
      ...user,
    ],
    { encoding: 'utf8' },
  );
  if (installed.status !== 0) throw new Error(`mariadb-install-db failed: ${installed.stderr}`);
  const socket = path.join(dir, 'sock');
  const port = await freePort();
  const server = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${dir}/data`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${dir}/pid`,
      `--tmpdir=${dir}/tmp`,
      '--skip-log-bin',
      '--innodb-buffer-pool-size=16M',
      // every statement and connection in mysql.general_log, for tests judged by what reached the server
      '--general-log=1',
      '--log-output=TABLE',
      ...extraArgs,
      ...user,
    ],
    { stdio: ['ignore', 'ignore', 'ignore'], detached: false },
  );
  for (let i = 0; i < 200 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(socket)) {
    server.kill('SIGKILL');
    throw new Error(
      `mariadbd did not start: ${readFileSync(path.join(dir, 'data', `${os.hostname()}.err`), 'utf8').slice(-500)}`,
    );
  }
  const exec = (sql: string): string[][] => {
    const r = spawnSync('mariadb', ['--no-defaults', '-S', socket, '-uroot', '-N', '-B', '-e', sql], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`mariadb: ${r.stderr}`);
    return r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t'));
  };
  exec(
    `CREATE USER '${USER}'@'127.0.0.1' IDENTIFIED BY '${MARIA_PASSWORD}'; GRANT ALL ON *.* TO '${USER}'@'127.0.0.1' WITH GRANT OPTION`,
  );
  return {
    host: '127.0.0.1',
    port,
    user: USER,
    password: MARIA_PASSWORD,
    socket,
    urlFor: (database, scheme = 'mysql+pymysql') =>
      `${scheme}://${USER}:${encodeURIComponent(MARIA_PASSWORD)}@127.0.0.1:${port}/${database}`,
    exec,
    stop: async () => {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Kills the MariaDB servers a run's files left in its folder (a file that failed before its afterAll). */
export function stopMariadbUnder(runDir: string): void {
  spawnSync('sh', [
    '-c',
    `for p in ${runDir}/maria-*/pid; do [ -f "$p" ] && kill -9 "$(cat "$p")"; done; true`,
  ]);
}
