// The databases scripts/replay-bodies.mjs runs on: a SQLite file, a throwaway PostgreSQL cluster
// (initdb/pg_ctl on a free loopback port), each with a working database, a copy of it and a spare one.
// Servers are started on first use and stopped by stop(), which is synchronous so a signal handler can
// call it.
import { spawnSync } from 'node:child_process';
import { chownSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

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
    /** A copy of the working database, and its URL. */
    copy() {
      copyFileSync(file('work'), file('snap'));
      return `sqlite:///${file('snap')}`;
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
    copy() {
      psql('CREATE DATABASE snap TEMPLATE work');
      return pg.url('snap');
    },
    drop(db = 'snap') {
      psql(`DROP DATABASE IF EXISTS ${db}`);
    },
  };
}

export const DIALECTS = ['sqlite', 'postgresql'];

/** dialect → its database (started on first use); stopAll() stops every server started. */
export function makeDatabases(root) {
  const dbs = { sqlite: sqlite(root), postgresql: postgresql(root) };
  return {
    dbs,
    stopAll() {
      for (const db of Object.values(dbs)) db.stop();
    },
  };
}
