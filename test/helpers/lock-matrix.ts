import { spawn } from 'node:child_process';
import type { Client } from 'pg';
import { verifyCommand } from '../../src/commands/verify/verify-command.js';
import type { MatrixCell, Observed } from './lock-matrix-cells.js';
import { ORACLE_PYTHON } from './oracle.js';
import { pgExec, pidOf, type PgServer } from './pg-cluster.js';
import { makeProject, migration, onlineEnvPy, rev } from './project.js';

/** The template database every cell clones: one table of each shape, `rows` rows each. */
export const TEMPLATE = 'lock_shapes';

/**
 * The shapes: a plain table (analysed) referencing customers; a partitioned table whose partitions are
 * analysed and its parent not (autovacuum never analyses a parent); an inheritance parent with two
 * children; a table never analysed (autovacuum off, so the clone's catalog says nothing of its rows);
 * a table in another schema.
 */
export async function setUpShapes(pg: PgServer, rows: number): Promise<void> {
  await pgExec(pg.url, [`DROP DATABASE IF EXISTS ${TEMPLATE}`, `CREATE DATABASE ${TEMPLATE}`]);
  const half = Math.floor(rows / 2);
  await pgExec(pg.urlFor(TEMPLATE), [
    'CREATE TABLE customers (id integer PRIMARY KEY)',
    'INSERT INTO customers SELECT generate_series(1, 100)',
    'CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer, amount integer, note varchar(50), code integer)',
    `INSERT INTO orders SELECT g, 1 + g % 100, g % 97, 'n' || g, g FROM generate_series(1, ${rows}) g`,
    'CREATE INDEX ix_orders_note ON orders (note)',
    'CREATE TABLE events (id integer NOT NULL, amount integer, note varchar(50)) PARTITION BY RANGE (id)',
    `CREATE TABLE events_a PARTITION OF events FOR VALUES FROM (1) TO (${half + 1})`,
    `CREATE TABLE events_b PARTITION OF events FOR VALUES FROM (${half + 1}) TO (${rows + 1})`,
    `INSERT INTO events SELECT g, g % 97, 'e' || g FROM generate_series(1, ${rows}) g`,
    'CREATE TABLE animals (id integer, amount integer, note varchar(50))',
    'CREATE TABLE animals_dogs () INHERITS (animals)',
    'CREATE TABLE animals_cats () INHERITS (animals)',
    `INSERT INTO animals_dogs SELECT g, g % 97, 'd' || g FROM generate_series(1, ${half}) g`,
    `INSERT INTO animals_cats SELECT g, g % 97, 'c' || g FROM generate_series(1, ${rows - half}) g`,
    'CREATE TABLE logs (id integer, amount integer, note text) WITH (autovacuum_enabled = false)',
    `INSERT INTO logs SELECT g, g % 97, 'l' || g FROM generate_series(1, ${rows}) g`,
    'CREATE SCHEMA other',
    'CREATE TABLE other.big (id integer PRIMARY KEY, amount integer)',
    `INSERT INTO other.big SELECT g, g % 97 FROM generate_series(1, ${rows}) g`,
    'CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)',
    "INSERT INTO alembic_version VALUES ('a0')",
    'ANALYZE customers, orders, events_a, events_b, animals, animals_dogs, animals_cats, other.big',
  ]);
}

export interface CellRun {
  readonly observed: Observed;
  /** verify --locks block exited non-zero. */
  readonly blocked: boolean;
  /** The codes of its errors. */
  readonly errors: string[];
  /** For a failing assertion: what verify said and what Alembic printed. */
  readonly detail: string;
}

export const ENV_PY = onlineEnvPy(
  'config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"].replace("%", "%%"))',
);

/** env.py with `line` run on the connection before the migrations (a SET), or `connectArgs` given to the engine. */
export function envPyWith(opts: { line?: string; connectArgs?: string }): string {
  let text = ENV_PY;
  if (opts.connectArgs)
    text = text.replace(
      'poolclass=pool.NullPool)',
      `poolclass=pool.NullPool, connect_args=${opts.connectArgs})`,
    );
  if (opts.line)
    text = text.replace(
      '        context.configure(connection=connection)',
      `        ${opts.line}\n        context.configure(connection=connection)`,
    );
  return text;
}

/**
 * The cell's database, cloned from the shapes as `db` with the cell's settings applied, and its
 * project (env.py passed through `env`: an observer imported first, say).
 */
export async function cellProject(
  pg: PgServer,
  cell: MatrixCell,
  db: string,
  env: (envPy: string) => string = (e) => e,
  extra: Record<string, string> = {},
): Promise<{ url: string; root: string }> {
  await pgExec(pg.url, [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db} TEMPLATE ${TEMPLATE}`]);
  const url = pg.urlFor(db);
  if (cell.setup)
    await pgExec(
      url,
      cell.setup.map((s) => s.replaceAll('$DB', db)),
    );
  const root = makeProject({
    'migrations/env.py': env(cell.envPy ?? ENV_PY),
    'migrations/versions/a0_base.py': rev('a0', null),
    'migrations/versions/b1_step.py':
      cell.file ??
      migration(
        'b1',
        'a0',
        cell.upgrade,
        cell.downgrade ?? 'pass',
        `import sqlalchemy as sa\n${cell.header ?? ''}`,
      ),
    ...extra,
  });
  return { url, root };
}

/** One cell: clone the shapes, grade with verify --locks block, then run real Alembic under observation. */
export async function runCell(
  pg: PgServer,
  cell: MatrixCell,
  i: number,
  threshold: number,
): Promise<CellRun> {
  const { url, root } = await cellProject(pg, cell, `lock_cell_${i}`);
  // the app's session: it updated a row and went idle, its transaction open (a writer that forgot to commit)
  const app = cell.holder ? await holdRow(url) : undefined;
  const verified = await verifyCommand({
    cwd: root,
    format: 'json',
    env: { DATABASE_URL: url },
    locks: { mode: 'block', rows: threshold, bytes: 2 ** 50 },
  });
  const errors = [
    ...new Set(verified.result.findings.filter((f) => f.severity === 'error').map((f) => f.code)),
  ];
  const observed = await observe(root, url, cell.table ?? 'orders', app);
  const detail = `verify: ${verified.result.findings.map((f) => `${f.severity} ${f.code}: ${f.message}`).join('\n')}\nobserved: ${JSON.stringify(observed)}`;
  return { observed, blocked: verified.exitCode !== 0, errors, detail };
}

/** A session that updates one row of orders and stays in its transaction, as an app that forgot to commit. */
async function holdRow(url: string): Promise<Client> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url, ssl: false });
  await c.connect();
  await c.query('BEGIN');
  await c.query('UPDATE orders SET amount = amount WHERE id = 1');
  return c;
}

/** Real `alembic upgrade head`, started now; resolves with its exit status and output. */
export function upgrade(root: string, url: string): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(ORACLE_PYTHON, ['-m', 'alembic', 'upgrade', 'head'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url, PYTHONDONTWRITEBYTECODE: '1' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (status) => resolve({ status, out }));
  });
}

/** The table's tree (itself, partitions or children at every level) and their indexes, by name: relfilenodes and seq_scan. */
async function snapshot(c: Client, table: string): Promise<{ heap: string; indexes: string; scans: number }> {
  await c.query('SELECT pg_catalog.pg_stat_clear_snapshot()');
  const tree = `WITH RECURSIVE tree(oid) AS (SELECT to_regclass($1)::oid UNION SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.oid)`;
  const heap = await c.query(
    `${tree} SELECT string_agg(k.relname || ':' || k.relfilenode, ' ' ORDER BY k.relname) AS v, sum(COALESCE(s.seq_scan, 0))::int AS scans
       FROM tree JOIN pg_class k ON k.oid = tree.oid LEFT JOIN pg_stat_all_tables s ON s.relid = k.oid`,
    [table],
  );
  const indexes = await c.query(
    `${tree} SELECT string_agg(x.relname || ':' || x.relfilenode, ' ' ORDER BY x.relname) AS v
       FROM tree JOIN pg_index i ON i.indrelid = tree.oid JOIN pg_class x ON x.oid = i.indexrelid`,
    [table],
  );
  const row = heap.rows[0] as { v: string | null; scans: number };
  return {
    heap: row.v ?? '',
    indexes: String((indexes.rows[0] as { v: string | null }).v ?? ''),
    scans: row.scans,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The upgrade run while an observer holds SHARE UPDATE EXCLUSIVE on the table (every schema change's
 * lock conflicts with it, plain reads and writes do not): the strongest mode the migration waits for,
 * and whether it gave up (a lock_timeout in force). A migration that gave up is run again unobserved,
 * to see what its step does. Counted polls, not a clock.
 */
async function observe(root: string, url: string, table: string, app?: Client): Promise<Observed> {
  const { default: pg } = await import('pg');
  // with the app's session holding the table, it is the one the migration queues behind
  const observer = app ?? new pg.Client({ connectionString: url, ssl: false });
  const watcher = new pg.Client({ connectionString: url, ssl: false });
  if (!app) await observer.connect();
  await watcher.connect();
  try {
    const before = await snapshot(watcher, table);
    if (!app) {
      await observer.query('BEGIN');
      await observer.query(`LOCK TABLE ${table} IN SHARE UPDATE EXCLUSIVE MODE`);
    }
    let done: { status: number | null; out: string } | undefined;
    const run = upgrade(root, url).then((r) => (done = r));
    let mode: string | null = null;
    for (let n = 0; n < 400 && done === undefined && mode === null; n++) {
      const waiting = await watcher.query(
        `WITH RECURSIVE tree(oid) AS (SELECT to_regclass($1)::oid UNION SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.oid)
         SELECT l.mode FROM pg_locks l JOIN tree ON tree.oid = l.relation WHERE NOT l.granted AND l.pid <> $2`,
        [table, pidOf(observer)],
      );
      mode = (waiting.rows[0] as { mode: string } | undefined)?.mode ?? null;
      if (mode === null) await sleep(50);
    }
    // it waits: hold on long enough for the cells' lock_timeout of 500 ms to fire four times over
    for (let n = 0; n < 40 && done === undefined && mode !== null; n++) await sleep(50);
    await observer.query('COMMIT');
    const first = await run;
    const timedOut = first.status !== 0 && /lock timeout/u.test(first.out);
    const final = timedOut ? await upgrade(root, url) : first;
    if (final.status !== 0) throw new Error(`alembic upgrade failed: ${final.out}`);
    // a backend writes its statistics as it exits: wait until Alembic's session is gone, then a little more
    for (let n = 0; n < 200; n++) {
      const others = await watcher.query(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), $1)',
        [pidOf(observer)],
      );
      if ((others.rows[0] as { n: number }).n === 0) break;
      await sleep(25);
    }
    await sleep(200);
    const after = await snapshot(watcher, table);
    const rewrite = before.heap !== after.heap;
    const indexBuilt = !rewrite && before.indexes !== after.indexes;
    return {
      rewrite,
      indexBuilt,
      scanned: !rewrite && !indexBuilt && after.scans > before.scans,
      mode,
      timedOut,
      ...(app && mode !== null ? { queuedBehindApp: true as const } : {}),
    };
  } finally {
    await observer.end().catch(() => undefined);
    await watcher.end();
  }
}
