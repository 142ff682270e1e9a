import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { pgExec, startPostgres, type PgServer } from '../helpers/pg-cluster.js';
import { makeProject, rev } from '../helpers/project.js';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Killed by the test's own guard: the run would have waited on. */
  readonly hung: boolean;
}

/** The CLI in a child, async (the fake servers answer in this process), killed if it outlives the guard. */
function cli(cwd: string, args: string[], env: Record<string, string>, guardMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    let hung = false;
    const guard = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, guardMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => {
      clearTimeout(guard);
      resolve({ status, stdout, stderr, hung });
    });
  });
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

describe('every wait is bounded on our side', () => {
  let pg: PgServer;
  let root: string;
  const servers: net.Server[] = [];
  beforeAll(async () => {
    pg = await startPostgres();
    await pgExec(pg.url, ['DROP DATABASE IF EXISTS waits', 'CREATE DATABASE waits']);
    await pgExec(pg.urlFor('waits'), [
      'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)',
      "INSERT INTO alembic_version VALUES ('a1')",
    ]);
    root = makeProject({ 'migrations/versions/a1_x.py': rev('a1', null) });
  }, 120_000);
  afterAll(async () => {
    for (const s of servers) s.close();
    await pg?.stop();
  });

  it('--statement-timeout 0 means no server-side limit, as documented, not 1 ms', async () => {
    const r = await cli(root, ['verify', '--statement-timeout', '0'], { DATABASE_URL: pg.urlFor('waits') });
    expect(r.status, r.stderr).toBe(0);
    if (pg.logFile) expect(readFileSync(pg.logFile, 'utf8')).toContain('SET LOCAL statement_timeout = 0;');
  });

  it('a server that stops answering mid-query: verify ends with a database error, not a hang', async () => {
    // a proxy to the real server that forwards the startup and the first query, then swallows everything
    const proxy = net.createServer((client) => {
      const upstream = net.connect(pg.port, '127.0.0.1');
      let queries = 0;
      client.on('data', (d: Buffer) => {
        // the client's simple-query messages start with 'Q'; after the first, nothing more reaches the server
        if (d[0] === 0x51) queries++;
        if (queries <= 1) upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => client.write(d));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
    servers.push(proxy);
    const port = await listen(proxy);
    const url = pg.urlFor('waits').replace(`:${pg.port}/`, `:${port}/`);
    const r = await cli(
      root,
      [
        'verify',
        '--statement-timeout',
        '500',
        '--connect-timeout',
        '1',
        '--connect-retries',
        '0',
        '--ssl',
        'disable',
      ],
      { DATABASE_URL: url },
    );
    expect(r.hung).toBe(false);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('The database stopped answering');
  });

  it('a peer that accepts the TLS request and goes silent: ended at --connect-timeout', async () => {
    const silent = net.createServer((socket) => {
      socket.once('data', () => socket.write('S'));
      socket.on('error', () => undefined);
    });
    servers.push(silent);
    const port = await listen(silent);
    const r = await cli(
      root,
      ['verify', '--connect-timeout', '1', '--connect-retries', '0', '--ssl', 'require'],
      { DATABASE_URL: `postgresql://u:pw@127.0.0.1:${port}/db` },
    );
    expect(r.hung).toBe(false);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/Timed out connecting to 127\.0\.0\.1:\d+/u);
  });

  it('sslmode=prefer falls back to plain text when the TLS handshake fails, as psycopg2 (libpq) does', async () => {
    // the first connection answers the TLS request with 'S' and then garbage; the next ones reach the
    // real server (which has no TLS) untouched
    let first = true;
    const broken = net.createServer((client) => {
      if (first) {
        first = false;
        client.once('data', () => {
          client.write('S');
          client.once('data', () => client.end(Buffer.from('not a TLS record\n')));
        });
        client.on('error', () => undefined);
        return;
      }
      const upstream = net.connect(pg.port, '127.0.0.1');
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    servers.push(broken);
    const port = await listen(broken);
    const url = `${pg.urlFor('waits').replace(`:${pg.port}/`, `:${port}/`)}?sslmode=prefer`;
    const ours = await cli(root, ['verify', '--connect-retries', '0'], { DATABASE_URL: url });
    expect(ours.status, ours.stderr).toBe(0);
    // libpq through psycopg2, against a fresh broken first connection
    first = true;
    // async: the broken proxy answers in this process
    const py = await new Promise<{ out: string; err: string }>((resolve) => {
      const child = spawn('/usr/bin/python3', [
        '-c',
        "import psycopg2, sys\nc = psycopg2.connect(sys.argv[1])\nprint(c.get_parameter_status('server_version') is not None)",
        url,
      ]);
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', () => resolve({ out, err }));
    });
    expect(py.err).toBe('');
    expect(py.out.trim()).toBe('True');
    // and a host that cannot be reached is not tried twice
    const refused = await cli(root, ['verify', '--connect-retries', '0', '--log-level', 'debug'], {
      DATABASE_URL: 'postgresql://u:pw@127.0.0.1:1/db?sslmode=prefer',
    });
    expect(refused.status).toBe(3);
    expect(refused.stderr).toContain('Connection refused');
  });
});
