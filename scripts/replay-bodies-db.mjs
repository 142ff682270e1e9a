// The databases scripts/replay-bodies.mjs runs on: a SQLite file, a throwaway PostgreSQL cluster
// (initdb/pg_ctl on a free loopback port) and a throwaway MariaDB server (mariadb-install-db and
// mariadbd on a free loopback port), each with a working database and a copy of it.
// Servers are started on first use and stopped by stop(), which is synchronous so a signal handler can
// call it.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function sqlite(root) {
  const file = (db) => path.join(root, `${db}.db`);
  return {
    async start() {},
    stop() {},
    /** An empty database named db (dropped first), and its URL. */
    init(db = 'work') {
      writeFileSync(file(db), '');
      return `sqlite:///${file(db)}`;
    },
    /** A copy of database from named to, and its URL. */
    copy(from = 'work', to = 'snap') {
      copyFileSync(file(from), file(to));
      return `sqlite:///${file(to)}`;
    },
    drop(db = 'snap') {
      rmSync(file(db), { force: true });
    },
  };
}

// PostgreSQL: trust auth on loopback, run as the postgres user when we are root
function postgresql(root) {
  let pg = null;
  const pgCmd = (bin, args) => {
    const full = asRoot
      ? ['runuser', '-u', 'postgres', '--', path.join(PG_BIN, bin), ...args]
      : [path.join(PG_BIN, bin), ...args];
    return spawnSync(full[0], full.slice(1), { encoding: 'utf8', cwd: '/' });
  };
  const psql = (sql) => {
    const r = spawnSync(
      path.join(PG_BIN, 'psql'),
      ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', pg.url('postgres'), '-c', sql],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  };
  return {
    async start() {
      if (pg) return;
      const dir = path.join(root, 'pg');
      mkdirSync(dir);
      if (asRoot) {
        const id = (flag) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
        chownSync(root, id('-u'), id('-g'));
        chownSync(dir, id('-u'), id('-g'));
      }
      const data = path.join(dir, 'data');
      const init = ['-D', data, '-U', 'replay', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'];
      let r = pgCmd('initdb', init);
      if (r.status !== 0) throw new Error(`initdb failed: ${r.stderr}`);
      const port = await freePort();
      const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c full_page_writes=off`;
      r = pgCmd('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', 'start']);
      if (r.status !== 0) throw new Error(`pg_ctl start failed: ${r.stderr}${r.stdout}`);
      pg = { data, url: (db) => `postgresql://replay@127.0.0.1:${port}/${db}` };
    },
    stop() {
      if (pg) pgCmd('pg_ctl', ['-D', pg.data, '-m', 'immediate', 'stop']);
      pg = null;
    },
    init(db = 'work') {
      psql(`DROP DATABASE IF EXISTS ${db}`);
      psql(`CREATE DATABASE ${db}`);
      return pg.url(db);
    },
    copy(from = 'work', to = 'snap') {
      psql(`CREATE DATABASE ${to} TEMPLATE ${from}`);
      return pg.url(to);
    },
    drop(db = 'snap') {
      psql(`DROP DATABASE IF EXISTS ${db}`);
    },
  };
}

// MariaDB: root over the socket for our own SQL, a password user on 127.0.0.1 for the URLs (PyMySQL)
function mariadb(root) {
  let maria = null;
  const client = (args, input) =>
    spawnSync('mariadb', ['--no-defaults', '-S', maria.socket, '-uroot', ...args], {
      encoding: 'utf8',
      input,
      maxBuffer: 1 << 28,
    });
  const sql = (text) => {
    const r = client(['-e', text]);
    if (r.status !== 0) throw new Error(`mariadb: ${r.stderr}`);
  };
  return {
    async start() {
      if (maria) return;
      const dir = path.join(root, 'maria');
      mkdirSync(path.join(dir, 'tmp'), { recursive: true });
      const user = asRoot ? ['--user=root'] : [];
      const r = spawnSync(
        'mariadb-install-db',
        [
          '--no-defaults',
          `--datadir=${dir}/data`,
          '--auth-root-authentication-method=socket',
          '--skip-test-db',
          `--tmpdir=${dir}/tmp`,
          ...user,
        ],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(`mariadb-install-db failed: ${r.stderr}`);
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
          '--innodb-buffer-pool-size=64M',
          '--innodb-flush-log-at-trx-commit=0',
          '--character-set-server=utf8mb4',
          '--collation-server=utf8mb4_general_ci',
          ...user,
        ],
        { stdio: 'ignore' },
      );
      maria = { server, socket, dir };
      for (let i = 0; i < 400 && !existsSync(socket); i++) await sleep(50);
      if (!existsSync(socket)) throw new Error('mariadbd did not start');
      const pw = 'replay-pw';
      sql(`CREATE USER 'replay'@'127.0.0.1' IDENTIFIED BY '${pw}'; GRANT ALL ON *.* TO 'replay'@'127.0.0.1'`);
      maria.url = (db) => `mysql+pymysql://replay:${pw}@127.0.0.1:${port}/${db}?charset=utf8mb4`;
    },
    stop() {
      if (!maria) return;
      const { server } = maria;
      spawnSync('mariadb-admin', ['--no-defaults', '-S', maria.socket, '-uroot', 'shutdown'], {
        timeout: 20_000,
      });
      if (server.exitCode === null && server.signalCode === null) {
        try {
          process.kill(server.pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      maria = null;
    },
    init(db = 'work') {
      sql(`DROP DATABASE IF EXISTS \`${db}\`; CREATE DATABASE \`${db}\``);
      return maria.url(db);
    },
    /** CREATE DATABASE to, then the dump of from (tables, rows, constraints) loaded into it. */
    copy(from = 'work', to = 'snap') {
      sql(`CREATE DATABASE \`${to}\``);
      const dump = spawnSync(
        'mariadb-dump',
        ['--no-defaults', '-S', maria.socket, '-uroot', '--single-transaction', '--skip-dump-date', from],
        { encoding: 'utf8', maxBuffer: 1 << 28 },
      );
      if (dump.status !== 0) throw new Error(`mariadb-dump: ${dump.stderr}`);
      const load = client([to], dump.stdout);
      if (load.status !== 0) throw new Error(`mariadb (load): ${load.stderr}`);
      return maria.url(to);
    },
    drop(db = 'snap') {
      sql(`DROP DATABASE IF EXISTS \`${db}\``);
    },
  };
}

export const DIALECTS = ['sqlite', 'postgresql', 'mysql'];

/** dialect → its database (started on first use); stopAll() stops every server started. */
export function makeDatabases(root) {
  const dbs = { sqlite: sqlite(root), postgresql: postgresql(root), mysql: mariadb(root) };
  return {
    dbs,
    stopAll() {
      for (const db of Object.values(dbs)) db.stop();
    },
  };
}
