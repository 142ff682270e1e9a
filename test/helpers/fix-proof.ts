import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Client } from 'pg';
import { pgExec, pidOf, type PgServer } from './pg-cluster.js';
import { makeProject, migration, rev } from './project.js';
import { ENV_PY, TEMPLATE, upgrade } from './lock-matrix.js';
import { ORACLE_PYTHON } from './oracle.js';
import { spawn } from 'node:child_process';

/**
 * A module env.py imports first: for each statement Alembic runs, whether it ran in autocommit and,
 * inside a transaction, the rows it read of the observed table's tree (its partitions or children:
 * pg_stat_xact_all_tables.seq_tup_read) and the locks the transaction held on it after (pg_locks):
 * what the server did, statement by statement. It listens on every Engine, so any env.py is observed.
 */
export const OBSERVER_PY = `import json, os
from sqlalchemy import event
from sqlalchemy.engine import Engine

LOG = os.environ.get("FIX_PROOF_LOG")
TREE = "WITH RECURSIVE tree(oid) AS (SELECT to_regclass(%s)::oid UNION SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.oid) "
READ = TREE + "SELECT coalesce(sum(s.seq_tup_read), 0) FROM pg_stat_xact_all_tables s JOIN tree ON tree.oid = s.relid"
HELD = TREE + "SELECT coalesce(string_agg(DISTINCT l.mode, ',' ORDER BY l.mode), '') FROM pg_locks l JOIN tree ON tree.oid = l.relation WHERE l.pid = pg_backend_pid() AND l.granted"


def ask(dbapi, sql):
    c = dbapi.cursor()
    c.execute(sql, (os.environ.get("FIX_PROOF_TABLE", "orders"),))
    v = c.fetchone()[0]
    c.close()
    return v


@event.listens_for(Engine, "before_cursor_execute")
def before(conn, cursor, statement, parameters, ctx, many):
    if LOG and not cursor.connection.autocommit:
        conn.info["read"] = ask(cursor.connection, READ)


@event.listens_for(Engine, "after_cursor_execute")
def after(conn, cursor, statement, parameters, ctx, many):
    if not LOG:
        return
    row = {"sql": " ".join(statement.split())[:160], "autocommit": bool(cursor.connection.autocommit)}
    if not row["autocommit"]:
        row["read"] = int(ask(cursor.connection, READ) - conn.info.get("read", 0))
        row["held"] = ask(cursor.connection, HELD)
    with open(LOG, "a") as f:
        f.write(json.dumps(row) + "\\n")
`;

/** env.py with the observer imported first (`alembic` runs from the project's root, on sys.path). */
export function observed(envPy: string): string {
  return `import observe_statements  # noqa: F401\n${envPy}`;
}

/** The lock matrix's plain online env.py, observed. */
export const OBSERVED_ENV_PY = observed(ENV_PY);

/** One logged statement: in a transaction, what it read of orders and what the transaction held on it after. */
export interface LoggedStatement {
  readonly sql: string;
  readonly autocommit: boolean;
  readonly read?: number;
  readonly held?: string;
}

/** A lock request of the migration that had to wait for the writer. */
export interface Wait {
  /** relation: a table lock that conflicts with the writer's ROW EXCLUSIVE; virtualxid: a wait for its transaction to end. */
  readonly locktype: string;
  readonly mode: string;
  readonly sql: string;
}

export interface ObservedRun {
  readonly status: number | null;
  readonly out: string;
  readonly statements: LoggedStatement[];
  readonly waits: Wait[];
  /** While the migration waited for the writer's transaction, another session's INSERT went through. */
  readonly writesWentOn: boolean;
  /** A third session inserting one row after another all along: how many, and the longest one took (ms; for the notes, never asserted). */
  readonly inserts: { readonly count: number; readonly longestMs: number };
}

/** The modes that conflict with ROW EXCLUSIVE, the lock INSERT, UPDATE and DELETE take. */
export const STOPS_WRITES = ['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'];

/** In-transaction statements that read the table while their transaction held a lock that stops writes. */
export function readsUnderWriteLock(statements: readonly LoggedStatement[]): LoggedStatement[] {
  return statements.filter(
    (s) => !s.autocommit && (s.read ?? 0) > 0 && STOPS_WRITES.some((m) => (s.held ?? '').includes(m)),
  );
}

/** A project whose b1 upgrade() runs `upgrade` over the template's tables (downgrade: `downgrade`). */
export function fixProject(
  upgradeBody: string,
  downgradeBody: string,
  extra: Record<string, string> = {},
): string {
  return makeProject({
    'migrations/env.py': OBSERVED_ENV_PY,
    'observe_statements.py': OBSERVER_PY,
    'migrations/versions/a0_base.py': rev('a0', null),
    'migrations/versions/b1_step.py': migration(
      'b1',
      'a0',
      upgradeBody,
      downgradeBody,
      'import sqlalchemy as sa\n',
    ),
    ...extra,
  });
}

export async function cloneDb(pg: PgServer, name: string): Promise<string> {
  await pgExec(pg.url, [`DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`]);
  return pg.urlFor(name);
}

/** `alembic ARGS…` with the statement log on; resolves with the status, the output and the log. */
export function alembic(
  root: string,
  url: string,
  args: readonly string[],
  table = 'orders',
): Promise<{ status: number | null; out: string; statements: LoggedStatement[] }> {
  const log = path.join(root, `statements-${Date.now()}-${Math.random().toString(36).slice(2)}.jsonl`);
  return new Promise((resolve) => {
    const child = spawn(ORACLE_PYTHON, ['-m', 'alembic', ...args], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: url,
        FIX_PROOF_LOG: log,
        FIX_PROOF_TABLE: table,
        PYTHONDONTWRITEBYTECODE: '1',
      },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (status) => resolve({ status, out, statements: readLog(log) }));
  });
}

function readLog(file: string): LoggedStatement[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LoggedStatement);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function client(url: string): Promise<Client> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url, ssl: false });
  await c.connect();
  return c;
}

/**
 * `alembic upgrade head` while a writer is mid-transaction on orders (it holds ROW EXCLUSIVE, as an
 * INSERT does). Each time the migration waits for it, the wait is recorded and the writer commits and
 * starts again at once, so every later statement meets a writer too. While the migration waits for
 * the writer's transaction to end (a concurrent build does), another session inserts a row: writes go
 * on. Counted polls, not a clock.
 */
export async function upgradeBesideWriter(root: string, url: string, table = 'orders'): Promise<ObservedRun> {
  const writer = await client(url);
  const watcher = await client(url);
  const other = await client(url);
  const looper = await client(url);
  const waits: Wait[] = [];
  let writesWentOn = false;
  let nextId = 1_000_000;
  let holding: Promise<unknown> = Promise.resolve();
  try {
    await writer.query('BEGIN');
    await writer.query(`LOCK TABLE ${table} IN ROW EXCLUSIVE MODE`);
    let done: Awaited<ReturnType<typeof alembic>> | undefined;
    const run = alembic(root, url, ['upgrade', 'head'], table).then((r) => (done = r));
    const inserts = { count: 0, longestMs: 0 };
    const loop = (async () => {
      for (let id = 2_000_000; done === undefined; id++) {
        const t = performance.now();
        await looper.query(insertInto(table, id));
        inserts.count++;
        inserts.longestMs = Math.max(inserts.longestMs, performance.now() - t);
      }
    })();
    for (let n = 0; n < 2000 && done === undefined; n++) {
      const r = await watcher.query(
        `SELECT l.locktype, l.mode, a.query FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE NOT l.granted AND a.datname = current_database() AND l.pid <> ALL($1::int[])`,
        [[pidOf(writer), pidOf(watcher), pidOf(other), pidOf(looper)]],
      );
      const w = r.rows[0] as { locktype: string; mode: string; query: string } | undefined;
      if (!w) {
        await sleep(20);
        continue;
      }
      waits.push({ locktype: w.locktype, mode: w.mode, sql: w.query.split(/\s+/u).join(' ').slice(0, 160) });
      if (w.locktype !== 'relation') {
        await other.query("SET lock_timeout = '2s'");
        const id = nextId++;
        await other.query(insertInto(table, id));
        writesWentOn = true;
      }
      // the writer finishes and a new one starts: queued behind the migration's lock when it holds one
      await holding;
      await writer.query('COMMIT');
      holding = writer.query('BEGIN').then(() => writer.query(`LOCK TABLE ${table} IN ROW EXCLUSIVE MODE`));
    }
    const result = await run;
    await holding;
    await writer.query('COMMIT');
    await loop;
    return {
      ...result,
      waits: dedupe(waits),
      writesWentOn,
      inserts: { ...inserts, longestMs: Math.round(inserts.longestMs) },
    };
  } finally {
    await Promise.all([writer, watcher, other, looper].map((c) => c.end().catch(() => undefined)));
  }
}

/**
 * A row for the shapes' tables: a fresh key where the table has one (orders' code is unique in some
 * cells), the first partition's range for the partitioned one.
 */
function insertInto(table: string, id: number): string {
  if (table === 'orders') return `INSERT INTO orders VALUES (${id}, 1, 1, 'w', ${id})`;
  return `INSERT INTO ${table} (id, amount) VALUES (${table === 'events' ? 1 : id}, 1)`;
}

/** The same wait seen on consecutive polls is one wait. */
function dedupe(waits: readonly Wait[]): Wait[] {
  return waits.filter((w, i) => i === 0 || JSON.stringify(w) !== JSON.stringify(waits[i - 1]));
}

/** A writer that stays mid-transaction on orders until `end()`: an app session idle in transaction. */
export async function idleWriter(url: string): Promise<{ end(): Promise<void> }> {
  const c = await client(url);
  await c.query('BEGIN');
  await c.query('UPDATE orders SET amount = amount WHERE id = 1');
  return {
    end: async () => {
      await c.query('COMMIT');
      await c.end();
    },
  };
}

/** The table's relfilenode (a rewrite changes it), the database's invalid indexes and unvalidated constraints. */
export async function catalogFacts(
  url: string,
  table = 'orders',
): Promise<{ relfilenode: string; invalid: string[] }> {
  const [[node]] = (await pgExec(
    url,
    `SELECT relfilenode::text FROM pg_class WHERE oid = '${table}'::regclass`,
  )) as [[string]];
  const invalid = (await pgExec(url, [
    'SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid UNION ALL SELECT conname FROM pg_constraint WHERE NOT convalidated',
  ])) as string[][];
  return { relfilenode: node, invalid: invalid.map((r) => r[0]!) };
}

export { upgrade };
