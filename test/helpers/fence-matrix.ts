import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PYTHON } from './oracle.js';

/**
 * The fence matrix: child shapes × drivers × (release --, rehearse --then). Each cell's child runs a
 * seed that deletes another database's rows with one driver; the shape is how that seed is started.
 * Every cell must leave the other database as it was: refused before start (the seed never ran), or
 * stopped at its connection (the seed ran, no statement reached the other database).
 */
export interface Server {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** The seed's Python for each driver: connect to `db`, delete its items, commit. */
export const PG_DRIVERS: Readonly<Record<string, (s: Server, db: string) => string>> = {
  psycopg2: (s, db) =>
    `import psycopg2\nc = psycopg2.connect(host="${s.host}", port=${s.port}, dbname="${db}", user="${s.user}", password="${s.password}")\nc.cursor().execute("DELETE FROM items")\nc.commit()`,
  psycopg: (s, db) =>
    `import psycopg\nwith psycopg.connect(host="${s.host}", port=${s.port}, dbname="${db}", user="${s.user}", password="${s.password}") as c:\n    c.execute("DELETE FROM items")`,
  'psycopg-async': (s, db) =>
    `import asyncio, psycopg\nasync def main():\n    c = await psycopg.AsyncConnection.connect(host="${s.host}", port=${s.port}, dbname="${db}", user="${s.user}", password="${s.password}")\n    await c.execute("DELETE FROM items")\n    await c.commit()\nasyncio.run(main())`,
  'psycopg-pool': (s, db) =>
    `import psycopg_pool\np = psycopg_pool.ConnectionPool("host=${s.host} port=${s.port} dbname=${db} user=${s.user} password=${s.password}", min_size=1, max_size=1, timeout=5)\nwith p.connection() as c:\n    c.execute("DELETE FROM items")\np.close()`,
  asyncpg: (s, db) =>
    `import asyncio, asyncpg\nasync def main():\n    c = await asyncpg.connect(host="${s.host}", port=${s.port}, database="${db}", user="${s.user}", password="${s.password}")\n    await c.execute("DELETE FROM items")\nasyncio.run(main())`,
  'asyncpg-pool': (s, db) =>
    `import asyncio, asyncpg\nasync def main():\n    p = await asyncpg.create_pool(host="${s.host}", port=${s.port}, database="${db}", user="${s.user}", password="${s.password}", min_size=1, max_size=1)\n    async with p.acquire() as c:\n        await c.execute("DELETE FROM items")\nasyncio.run(main())`,
  pg8000: (s, db) =>
    `import pg8000\nc = pg8000.connect(user="${s.user}", host="${s.host}", port=${s.port}, database="${db}", password="${s.password}")\nc.cursor().execute("DELETE FROM items")\nc.commit()`,
  sqlalchemy: (s, db) =>
    `import sqlalchemy as sa\ne = sa.create_engine("postgresql://${s.user}:${s.password}@${s.host}:${s.port}/${db}")\nwith e.begin() as c:\n    c.execute(sa.text("DELETE FROM items"))`,
  'sqlalchemy-async': (s, db) =>
    `import asyncio, sqlalchemy as sa\nfrom sqlalchemy.ext.asyncio import create_async_engine\nasync def main():\n    e = create_async_engine("postgresql+asyncpg://${s.user}:${s.password}@${s.host}:${s.port}/${db}")\n    async with e.begin() as c:\n        await c.execute(sa.text("DELETE FROM items"))\n    await e.dispose()\nasyncio.run(main())`,
};

/** The same for MySQL's drivers (a MariaDB server). */
export const MYSQL_DRIVERS: Readonly<Record<string, (s: Server, db: string) => string>> = {
  pymysql: (s, db) =>
    `import pymysql\nc = pymysql.connect(host="${s.host}", port=${s.port}, database="${db}", user="${s.user}", password="${s.password}")\nc.cursor().execute("DELETE FROM items")\nc.commit()`,
  mysqlclient: (s, db) =>
    `import MySQLdb\nc = MySQLdb.connect(host="${s.host}", port=${s.port}, db="${db}", user="${s.user}", passwd="${s.password}")\nc.cursor().execute("DELETE FROM items")\nc.commit()`,
  aiomysql: (s, db) =>
    `import asyncio, aiomysql\nasync def main():\n    c = await aiomysql.connect(host="${s.host}", port=${s.port}, db="${db}", user="${s.user}", password="${s.password}")\n    cur = await c.cursor()\n    await cur.execute("DELETE FROM items")\n    await c.commit()\n    c.close()\nasyncio.run(main())`,
  'aiomysql-pool': (s, db) =>
    `import asyncio, aiomysql\nasync def main():\n    p = await aiomysql.create_pool(host="${s.host}", port=${s.port}, db="${db}", user="${s.user}", password="${s.password}", minsize=1, maxsize=1)\n    async with p.acquire() as c:\n        cur = await c.cursor()\n        await cur.execute("DELETE FROM items")\n        await c.commit()\n    p.close()\n    await p.wait_closed()\nasyncio.run(main())`,
  'sqlalchemy-pymysql': (s, db) =>
    `import sqlalchemy as sa\ne = sa.create_engine("mysql+pymysql://${s.user}:${s.password}@${s.host}:${s.port}/${db}")\nwith e.begin() as c:\n    c.execute(sa.text("DELETE FROM items"))`,
};

export const DRIVERS: Readonly<Record<string, (s: Server, db: string) => string>> = {
  ...PG_DRIVERS,
  ...MYSQL_DRIVERS,
};

/** What a cell must come to: refused before the seed starts, or stopped at the seed's connection. */
export type Expected = 'refused' | 'stopped';

export interface Shape {
  readonly name: string;
  /** The command line (run through /bin/sh by both modes; release as `sh -c LINE`). */
  readonly line: string;
  readonly expected: Expected;
}

/** How the seed is started: by the command itself, a script, or a Python that starts another. */
export const SHAPES: readonly Shape[] = [
  { name: 'python3 seed.py', line: `${PYTHON} seed.py`, expected: 'stopped' },
  { name: 'a shell script of the app', line: './bin/seed.sh', expected: 'stopped' },
  { name: 'subprocess with a replaced environment', line: `${PYTHON} spawn_env.py`, expected: 'stopped' },
  { name: 'os.execv after del PYTHONPATH', line: `${PYTHON} spawn_execv.py`, expected: 'stopped' },
  { name: 'a grandchild python -I', line: `${PYTHON} spawn_isolated.py`, expected: 'stopped' },
  { name: 'python3 -X utf8 -I', line: `${PYTHON} -X utf8 -I seed.py`, expected: 'refused' },
  { name: '#!/usr/bin/python3 -I script', line: './bin/seed-isolated', expected: 'refused' },
  { name: 'env -i', line: `env -i ${PYTHON} seed.py`, expected: 'refused' },
  { name: 'PYTHONPATH=. set anew', line: `PYTHONPATH=. ${PYTHON} seed.py`, expected: 'refused' },
  { name: 'a wrapper script running python3 -I', line: 'sh bin/seed-wrapper.sh', expected: 'refused' },
];

/** The seed (it marks that it ran, then reaches the other database) and the scripts that start it. */
export function writeSeed(root: string, driver: string, server: Server, other: string): void {
  const seed = `open("ran", "w").close()\n${DRIVERS[driver]!(server, other)}\n`;
  const files: Record<string, string> = {
    'seed.py': seed,
    'spawn_env.py':
      'import os, subprocess, sys\nsubprocess.run([sys.executable, "seed.py"], env={"PATH": os.environ["PATH"]}, check=True)\n',
    'spawn_execv.py':
      'import os, sys\ndel os.environ["PYTHONPATH"]\nos.execv(sys.executable, [sys.executable, "seed.py"])\n',
    'spawn_isolated.py':
      'import subprocess, sys\nsubprocess.run([sys.executable, "-I", "seed.py"], check=True)\n',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(root, name), text);
  mkdirSync(path.join(root, 'bin'), { recursive: true });
  const script = (name: string, text: string) => {
    writeFileSync(path.join(root, 'bin', name), text);
    chmodSync(path.join(root, 'bin', name), 0o755);
  };
  script('seed.sh', `#!/bin/sh\nset -e\n${PYTHON} seed.py\n`);
  script('seed-isolated', `#!${PYTHON} -I\n${seed}`);
  script('seed-wrapper.sh', `#!/bin/sh\nexec ${PYTHON} -I seed.py\n`);
}
