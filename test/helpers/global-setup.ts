import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PYTHON, REPO } from './oracle.js';
import { RUN_DIR_VARIABLE, stopClustersUnder } from './pg-cluster.js';
import { stopMariadbUnder } from './mariadb-server.js';

/**
 * The integration run's shared resources, made once and ended however the files ended: a folder for the
 * PostgreSQL cluster of each worker (worker-cluster.ts) and the MariaDB servers files start, and the
 * fork server that answers the tests'
 * questions to real Alembic (test/oracle/zygote.py, asked through ORACLE_PYTHON).
 */
export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'preflight-run-'));
  // the clusters' own folders inside belong to the postgres user when the tests run as root
  chmodSync(dir, 0o755);
  process.env[RUN_DIR_VARIABLE] = dir;
  const socket = path.join(dir, 'python.sock');
  const zygote = await startZygote(socket);
  process.env.PREFLIGHT_PYTHON_ZYGOTE = socket;
  // a run that is killed never reaches the teardown below: a watchdog outside it stops what it left
  const stop = [
    'PG_CTL=$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -n 1)',
    'AS=""; [ "$(id -u)" = 0 ] && AS="runuser -u postgres --"',
    `for d in ${dir}/pg-*/data ${dir}/pg-*/standby-*/data; do [ -d "$d" ] && $AS "$PG_CTL" -D "$d" -m immediate stop; done`,
    `for p in ${dir}/maria-*/pid; do [ -f "$p" ] && kill -9 "$(cat "$p")"; done`,
  ].join('; ');
  const watchdog = spawn(
    '/bin/sh',
    [
      '-c',
      `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -9 ${zygote.pid}; ${stop}; rm -rf ${dir}`,
    ],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  return () => {
    watchdog.kill('SIGKILL');
    zygote.kill('SIGKILL');
    stopClustersUnder(dir);
    stopMariadbUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  };
}

/** The fork server, once it accepts connections; its environment is the one the tests' questions mostly carry. */
async function startZygote(socket: string): Promise<ChildProcess> {
  const child = spawn(PYTHON, [path.join(REPO, 'test/oracle/zygote.py'), socket], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'PYTHONWARNINGS')),
  });
  child.unref();
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`test/oracle/zygote.py exited ${exited} before it listened`);
    if (await accepts(socket)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('test/oracle/zygote.py did not listen within 30 s');
}

function accepts(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(socket);
    c.once('connect', () => {
      // a connection that sends nothing: the zygote's supervisor for it ends when it closes
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}
