import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fenceTarget, makeFence, type Fence } from '../../src/release/fence.js';
import { parseDatabaseUrl } from '../../src/database/database-url.js';
import { pgExec } from '../helpers/pg-cluster.js';
import { PYTHON } from '../helpers/oracle.js';
import { postgresForSuite } from '../helpers/postgres-suite.js';
import { tempDir } from '../helpers/temp-dir.js';
import { mariadbForSuite } from '../helpers/mariadb-suite.js';
import type { MariaServer } from '../helpers/mariadb-server.js';

/** Runs `code` in Debian's Python behind the fence; what it printed, and the refusals the fence recorded. */
function fenced(
  fence: Fence,
  code: string,
  cwd: string,
): { out: string; status: number | null; refused: string[] } {
  const r = spawnSync(PYTHON, ['-c', code], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...fence.env },
  });
  return { out: `${r.stdout}${r.stderr}`, status: r.status, refused: fence.refused().map((x) => x.driver) };
}

/** The driver a refusal records, where the case's name is not it. */
const DRIVER_RECORDED: Readonly<Record<string, string>> = {
  sqlalchemy: 'psycopg2',
  'sqlalchemy-async': 'asyncpg',
  'psycopg-async': 'psycopg',
  'asyncpg-pool': 'asyncpg',
  'psycopg-pool': 'psycopg',
  'psycopg-async-pool': 'psycopg',
};

describe('the fence, driver by driver (real drivers, a real server)', () => {
  const pg = postgresForSuite(async (server) => {
    await pgExec(server.url, ['CREATE DATABASE fence_allowed', 'CREATE DATABASE fence_other']);
  });
  const fences: Fence[] = [];
  afterAll(() => fences.forEach((f) => f.remove()));
  const make = (url: string): Fence => {
    const f = makeFence([fenceTarget(parseDatabaseUrl(url, '/'))], ['DATABASE_URL'], {});
    fences.push(f);
    return f;
  };

  it.each([
    [
      'psycopg2',
      (u: { host: string; port: number; db: string; user: string; pw: string }) =>
        `import psycopg2\nc = psycopg2.connect(host="${u.host}", port=${u.port}, dbname="${u.db}", user="${u.user}", password="${u.pw}")\nc.cursor().execute("SELECT 1")\nprint("connected")`,
    ],
    [
      'psycopg',
      (u: { host: string; port: number; db: string; user: string; pw: string }) =>
        `import psycopg\nc = psycopg.connect(host="${u.host}", port=${u.port}, dbname="${u.db}", user="${u.user}", password="${u.pw}")\nc.execute("SELECT 1")\nprint("connected")`,
    ],
    [
      'psycopg-async',
      (u: { host: string; port: number; db: string; user: string; pw: string }) =>
        `import asyncio, psycopg\nasync def main():\n    c = await psycopg.AsyncConnection.connect(host="${u.host}", port=${u.port}, dbname="${u.db}", user="${u.user}", password="${u.pw}")\n    await c.execute("SELECT 1")\n    print("connected")\nasyncio.run(main())`,
    ],
    [
      'asyncpg',
      (u: { host: string; port: number; db: string; user: string; pw: string }) =>
        `import asyncio, asyncpg\nasync def main():\n    c = await asyncpg.connect(host="${u.host}", port=${u.port}, database="${u.db}", user="${u.user}", password="${u.pw}")\n    await c.execute("SELECT 1")\n    print("connected")\nasyncio.run(main())`,
    ],
    [
      'asyncpg-pool',
      (u: { host: string; port: number; db: string; user: string; pw: string }) =>
        `import asyncio, asyncpg\nasync def main():\n    p = await asyncpg.create_pool(host="${u.host}", port=${u.port}, database="${u.db}", user="${u.user}", password="${u.pw}", min_size=1, max_size=1)\n    async with p.acquire() as c:\n        await c.execute("SELECT 1")\n    print("connected")\nasyncio.run(main())`,
    ],
    [
      'psycopg-pool',
      (u: { host: string; port: number; db: string; user: string; pw: string }) =>
        `import psycopg_pool\np = psycopg_pool.ConnectionPool("host=${u.host} port=${u.port} dbname=${u.db} user=${u.user} password=${u.pw}", min_size=1, max_size=1, timeout=5)\nwith p.connection() as c:\n    c.execute("SELECT 1")\nprint("connected")\np.close()`,
    ],
    [
      'psycopg-async-pool',
      (u: { host: string; port: number; db: string; user: string; pw: string }) =>
        `import asyncio, psycopg_pool\nasync def main():\n    p = psycopg_pool.AsyncConnectionPool("host=${u.host} port=${u.port} dbname=${u.db} user=${u.user} password=${u.pw}", min_size=1, max_size=1, timeout=5)\n    async with p.connection() as c:\n        await c.execute("SELECT 1")\n    print("connected")\n    await p.close()\nasyncio.run(main())`,
    ],
    [
      'pg8000',
      (u: { host: string; port: number; db: string; user: string; pw: string }) =>
        `import pg8000\nc = pg8000.connect(user="${u.user}", host="${u.host}", port=${u.port}, database="${u.db}", password="${u.pw}")\nc.cursor().execute("SELECT 1")\nprint("connected")`,
    ],
    [
      'sqlalchemy-async',
      (u: { host: string; port: number; db: string; user: string; pw: string }) =>
        `import asyncio, sqlalchemy as sa\nfrom sqlalchemy.ext.asyncio import create_async_engine\nasync def main():\n    e = create_async_engine("postgresql+asyncpg://${u.user}:${u.pw}@${u.host}:${u.port}/${u.db}")\n    async with e.connect() as c:\n        await c.execute(sa.text("SELECT 1"))\n    await e.dispose()\n    print("connected")\nasyncio.run(main())`,
    ],
    [
      'sqlalchemy',
      (u: { host: string; port: number; db: string; user: string; pw: string }) =>
        `import sqlalchemy as sa\ne = sa.create_engine("postgresql://${u.user}:${u.pw}@${u.host}:${u.port}/${u.db}")\ne.connect().close()\nprint("connected")`,
    ],
  ])(
    '%s: the allowed database connects; another on the same server is refused before any statement',
    (driver, code) => {
      const server = parseDatabaseUrl(pg().url, '/');
      if (server.dialect !== 'postgresql') throw new Error('not postgres');
      const fence = make(pg().urlFor('fence_allowed'));
      const u = { host: server.host, port: server.port, user: server.user!, pw: server.password! };
      const cwd = tempDir('preflight-fence-');
      const ok = fenced(fence, code({ ...u, db: 'fence_allowed' }), cwd);
      expect(ok.refused).toEqual([]);
      expect(ok.out).not.toContain('alembic-preflight refused');
      // Debian's pg8000 1.10 cannot answer SCRAM, so its allowed connection ends at authentication, after the fence let it through
      if (driver === 'pg8000') expect(ok.out).toContain('Authentication method 10 not recognized by pg8000');
      else expect(ok.out).toContain('connected');
      const logBefore = readFileSync(pg().logFile!, 'utf8').length;
      const no = fenced(fence, code({ ...u, db: 'fence_other' }), cwd);
      expect(no.out).not.toContain('connected');
      expect(no.out).toContain("alembic-preflight refused a connection to postgresql database 'fence_other'");
      expect(no.status).not.toBe(0);
      expect(no.refused).toEqual([DRIVER_RECORDED[driver] ?? driver]);
      const other = readFileSync(pg().logFile!, 'utf8')
        .slice(logBefore)
        .split('\n')
        .filter((l) => l.includes(':db=fence_other:'));
      expect(other.filter((l) => l.includes('statement: '))).toEqual([]);
    },
    60_000,
  );

  it('goes with every Python the child starts, a replaced environment included; a Python with -I does not start', () => {
    const server = parseDatabaseUrl(pg().url, '/');
    if (server.dialect !== 'postgresql') throw new Error('not postgres');
    const fence = make(pg().urlFor('fence_allowed'));
    const cwd = tempDir('preflight-fence-spawn-');
    const other = `import psycopg2\nc = psycopg2.connect(host="${server.host}", port=${server.port}, dbname="fence_other", user="${server.user}", password="${server.password}")\nc.cursor().execute("SELECT 1")\nprint("connected")`;
    const logBefore = readFileSync(pg().logFile!, 'utf8').length;
    for (const start of [
      `subprocess.run([sys.executable, "-c", OTHER], env={"PATH": os.environ["PATH"]})`,
      `asyncio.run(asyncio.create_subprocess_exec(sys.executable, "-c", OTHER, env={}))`,
      `os.execve(sys.executable, [sys.executable, "-c", OTHER], {"PATH": "/usr/bin"})`,
    ]) {
      const r = fenced(
        fence,
        `import asyncio, os, subprocess, sys\nOTHER = ${JSON.stringify(other)}\n${start}\nimport time; time.sleep(0.5)`,
        cwd,
      );
      expect(r.out, start).not.toContain('connected');
      expect(r.out, start).toContain(
        "alembic-preflight refused a connection to postgresql database 'fence_other'",
      );
    }
    const isolated = fenced(
      fence,
      `import subprocess, sys\nsubprocess.run([sys.executable, "-I", "-c", ${JSON.stringify(other)}])\nprint("went on")`,
      cwd,
    );
    expect(isolated.out).toContain('alembic-preflight refused to start `python -I`');
    expect(isolated.out).not.toContain('went on');
    expect(isolated.status).not.toBe(0);
    // read by Python's own grammar, as the tool reads a command it starts: -X's value does not hide -E
    const behindValue = fenced(
      fence,
      `import subprocess, sys\nsubprocess.run([sys.executable, "-X", "utf8", "-E", "-c", ${JSON.stringify(other)}])\nprint("went on")`,
      cwd,
    );
    expect(behindValue.out).toContain('alembic-preflight refused to start `python -E`');
    expect(behindValue.out).not.toContain('went on');
    const touched = readFileSync(pg().logFile!, 'utf8')
      .slice(logBefore)
      .split('\n')
      .filter((l) => l.includes(':db=fence_other:') && l.includes('statement: '));
    expect(touched).toEqual([]);
  }, 60_000);

  it('sqlite3: the allowed file and memory open; any other file is refused before it is created, URI forms included', () => {
    const cwd = tempDir('preflight-fence-sqlite-');
    const allowed = path.join(cwd, 'scratch.db');
    const fence = make(`sqlite:///${allowed}`);
    expect(
      fenced(
        fence,
        `import sqlite3\nsqlite3.connect(${JSON.stringify(allowed)}).execute("CREATE TABLE t (x)")\nsqlite3.connect(":memory:")\nsqlite3.connect("file:mem?mode=memory", uri=True)\nprint("connected")`,
        cwd,
      ).out,
    ).toContain('connected');
    for (const code of [
      'sqlite3.connect("other.db")',
      'sqlite3.connect("file:other.db", uri=True)',
      'import sqlalchemy as sa; sa.create_engine("sqlite:///other.db").connect()',
    ]) {
      const r = fenced(fence, `import sqlite3\n${code}\nprint("connected")`, cwd);
      expect(r.out, code).toContain(
        `alembic-preflight refused a connection to ${path.join(cwd, 'other.db')}`,
      );
      expect(existsSync(path.join(cwd, 'other.db'))).toBe(false);
    }
  }, 60_000);

  it("a driver the fence cannot check never connects (MySQL through SQLAlchemy), and the app's own sitecustomize still runs", () => {
    const cwd = tempDir('preflight-fence-other-');
    const fence = make(`sqlite:///${path.join(cwd, 'scratch.db')}`);
    const r = fenced(
      fence,
      'import sqlalchemy as sa\ne = sa.create_engine("mysql+mysqlconnector://u:p@localhost/db", module=__import__("sqlite3"))\ne.connect()\nprint("connected")',
      cwd,
    );
    expect(r.out).not.toContain('connected');
    expect(r.out).toContain(
      'alembic-preflight refused a connection to a mysql database (driver mysqlconnector',
    );
    // a sitecustomize of the app's own, on its PYTHONPATH behind the fence, runs after it
    const site = tempDir('preflight-fence-site-');
    writeFileSync(path.join(site, 'sitecustomize.py'), 'import builtins\nbuiltins.APP_SITE = "ran"\n');
    const withSite = makeFence(
      [fenceTarget(parseDatabaseUrl(`sqlite:///${path.join(cwd, 'scratch.db')}`, '/'))],
      [],
      { PYTHONPATH: site },
    );
    fences.push(withSite);
    const chained = fenced(
      withSite,
      'import builtins, sqlite3\nprint("site:", getattr(builtins, "APP_SITE", None))\nsqlite3.connect("elsewhere.db")',
      cwd,
    );
    expect(chained.out).toContain('site: ran');
    expect(chained.refused).toEqual(['sqlite3']);
  }, 60_000);
});

describe('the fence on MariaDB (real drivers, a real server)', () => {
  const maria = mariadbForSuite();
  const fences: Fence[] = [];
  afterAll(() => fences.forEach((f) => f.remove()));

  it.each([
    [
      'pymysql',
      (db: string, m: MariaServer) =>
        `import pymysql\nc = pymysql.connect(host="127.0.0.1", port=${m.port}, user="${m.user}", password="${m.password}", database="${db}")\nc.cursor().execute("SELECT 1")\nprint("connected")`,
    ],
    [
      'aiomysql',
      (db: string, m: MariaServer) =>
        `import asyncio, aiomysql\nasync def main():\n    c = await aiomysql.connect(host="127.0.0.1", port=${m.port}, user="${m.user}", password="${m.password}", db="${db}")\n    async with c.cursor() as k:\n        await k.execute("SELECT 1")\n    print("connected")\nasyncio.run(main())`,
    ],
    [
      'aiomysql-pool',
      (db: string, m: MariaServer) =>
        `import asyncio, aiomysql\nasync def main():\n    p = await aiomysql.create_pool(host="127.0.0.1", port=${m.port}, user="${m.user}", password="${m.password}", db="${db}", minsize=1, maxsize=1)\n    async with p.acquire() as c:\n        async with c.cursor() as k:\n            await k.execute("SELECT 1")\n    print("connected")\nasyncio.run(main())`,
    ],
  ])(
    '%s: the allowed database connects; another is refused before its first statement',
    (driver, code) => {
      maria().exec('CREATE DATABASE IF NOT EXISTS fence_allowed; CREATE DATABASE IF NOT EXISTS fence_other');
      const fence = makeFence(
        [fenceTarget(parseDatabaseUrl(maria().urlFor('fence_allowed'), '/'))],
        ['DATABASE_URL'],
        {},
      );
      fences.push(fence);
      const cwd = tempDir('preflight-fence-mysql-');
      const ok = fenced(fence, code('fence_allowed', maria()), cwd);
      expect(ok.out).toContain('connected');
      expect(ok.refused).toEqual([]);
      const no = fenced(fence, code('fence_other', maria()), cwd);
      expect(no.out).not.toContain('connected');
      expect(no.out).toContain("alembic-preflight refused a connection to mysql database 'fence_other'");
      expect(no.status).not.toBe(0);
      expect(no.refused).toEqual([driver === 'aiomysql-pool' ? 'aiomysql' : driver]);
    },
    60_000,
  );
});
