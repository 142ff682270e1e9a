import type { Client as PgClient } from 'pg';
import type { Connection } from 'mysql2/promise';
import type { DataCheck, DataProbe } from './data-probe.js';
import type { DatabaseTarget, PostgresTarget, SqliteTarget } from './database-url.js';
import type { MysqlTarget } from './mysql-url.js';
import { localLimits, withPostgresClient, type PostgresOptions } from './pg-connect.js';
import { withMysqlConnection } from './mysql-connect.js';
import { openSqlite } from './open-sqlite.js';
import { insertedKeysSql, keyColumn, keySql, probeSql, PROBE_LIMIT, type InsertedKeys } from './probe-sql.js';
import { quoteIdent } from './quote-ident.js';

/** How long each probe may run (and wait for a lock), and how long all of them together. */
export interface DataBounds {
  readonly timeoutMs: number;
  readonly budgetMs: number;
  /** MySQL and MariaDB outside a strict sql_mode: a NOT NULL over NULLs, or a shorter VARCHAR, rewrites rows rather than failing. */
  readonly strict?: boolean;
  /** --show-values: read up to three offending values with the keys. */
  readonly showValues?: boolean;
}

/** What one SELECT returned, or why it did not. */
type Answer =
  | {
      readonly keys: readonly unknown[];
      readonly rows: number;
      /** --show-values: each offending row's values. */
      readonly values?: readonly (readonly unknown[])[];
      readonly serverError?: DataCheck['serverError'];
    }
  | { readonly why: string; readonly lockedBy?: DataCheck['lockedBy'] };

/**
 * Asks the database each probe's question, read-only and bounded: one connection, one read-only
 * transaction, each probe under its own statement and lock timeouts, all under the run's budget.
 * A probe that cannot finish is not checked, with why; the transaction is rolled back.
 */
export async function runDataProbes(
  db: DatabaseTarget,
  probes: readonly DataProbe[],
  bounds: DataBounds,
  opts: PostgresOptions,
): Promise<DataCheck[]> {
  if (probes.length === 0) return [];
  const started = Date.now();
  // each probe gets its timeout or what is left of the budget, whichever is less
  const allowance = (): number => Math.min(bounds.timeoutMs, bounds.budgetMs - (Date.now() - started));
  const ask =
    db.dialect === 'sqlite'
      ? sqliteAsker(db, bounds)
      : db.dialect === 'mysql'
        ? mysqlAsker(db, opts, bounds)
        : pgAsker(db, opts, bounds.showValues === true);
  return ask(async (one) => {
    const out: DataCheck[] = [];
    for (const probe of probes) {
      const ms = allowance();
      if (ms < 1) {
        out.push({
          probe,
          result: 'not-checked',
          why: `the run's probe budget (--data-budget ${bounds.budgetMs} ms) was spent`,
        });
        continue;
      }
      out.push(checkOf(probe, await one(probe, ms), bounds, db.dialect));
    }
    return out;
  });
}

function checkOf(
  probe: DataProbe,
  a: Answer,
  bounds: DataBounds,
  dialect: DatabaseTarget['dialect'],
): DataCheck {
  if ('why' in a)
    return { probe, result: 'not-checked', why: a.why, ...(a.lockedBy ? { lockedBy: a.lockedBy } : {}) };
  if (a.rows === 0) return { probe, result: 'passes' };
  const keys = a.keys
    .filter((k) => k !== null && k !== undefined)
    .slice(0, 3)
    .map(String);
  // outside a strict sql_mode MySQL and MariaDB rewrite a NULL, cut a long value or convert a string
  // rather than fail; SQLite's batch CAST never fails
  const changes =
    (dialect === 'sqlite' && probe.kind === 'convert') ||
    (bounds.strict === false && ['not-null', 'length', 'convert', 'enum', 'range'].includes(probe.kind));
  const values = (a.values ?? []).slice(0, 3).map(shownValue);
  return {
    probe,
    result: changes ? 'changes-rows' : 'fails',
    rows: Math.min(a.rows, PROBE_LIMIT),
    ...(keys.length > 0 ? { keys } : {}),
    ...(values.length > 0 ? { values } : {}),
    ...(a.serverError ? { serverError: a.serverError } : {}),
  };
}

type Asker = (
  work: (one: (p: DataProbe, ms: number) => Promise<Answer>) => Promise<DataCheck[]>,
) => Promise<DataCheck[]>;

/** One offending row's values as a person reads them: 'text' (long text cut), numbers, NULL; a tuple for several. */
function shownValue(row: readonly unknown[]): string {
  const one = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (typeof v !== 'string') return v instanceof Date ? v.toISOString() : String(v);
    const cut = v.length > 60 ? `${v.slice(0, 60)}…` : v;
    return `'${cut.replace(/'/gu, "''")}'`;
  };
  return row.length === 1 ? one(row[0]) : `(${row.map(one).join(', ')})`;
}

function pgAsker(t: PostgresTarget, opts: PostgresOptions, show: boolean): Asker {
  return (work) =>
    withPostgresClient(t, opts, async (client) => {
      // the run's own limits for whatever runs outside a probe's savepoint (a holder's name, a key)
      await client.query(`BEGIN READ ONLY; ${localLimits(opts)}`);
      const keys = new Map<string, TableKey>();
      try {
        return await work((p, ms) => pgProbe(client, p, ms, opts.lockTimeoutMs, keys, show));
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
      }
    });
}

/**
 * One probe in its own savepoint, under its own limits, rolled back after either way: the limits
 * end with it, and a cancelled probe leaves the transaction usable for the next.
 */
async function pgProbe(
  client: PgClient,
  p: DataProbe,
  ms: number,
  lockMs: number,
  keys: Map<string, TableKey>,
  show: boolean,
): Promise<Answer> {
  await client.query('SAVEPOINT preflight_probe');
  let answer: Answer | { readonly failed: { readonly code: string; readonly message: string } };
  try {
    await client.query(
      `SET LOCAL statement_timeout = ${Math.max(1, Math.floor(ms))}; SET LOCAL lock_timeout = ${lockWaitMs(ms, lockMs)}`,
    );
    if (!keys.has(p.table)) {
      const found = await client.query<{ name: string; type: string }>(keySql('postgresql'), [
        quoteIdent(p.table),
      ]);
      keys.set(p.table, tableKey(found.rows));
    }
    const { show: key, columns } = keys.get(p.table)!;
    const run = async (text: string, values: readonly unknown[] = []): Promise<unknown[][]> =>
      (await client.query({ text, values: [...values], rowMode: 'array' })).rows as unknown[][];
    if (p.kind === 'inserted-keys') {
      const name = async (): Promise<string> =>
        String(
          (
            await run(
              "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'p'",
              [quoteIdent(p.table)],
            )
          )[0]?.[0] ?? '…',
        );
      answer = await insertedAnswer(
        insertedKeysSql(p, 'postgresql', columns, key, show),
        key,
        show,
        run,
        async () => ({
          code: '23505',
          message: `duplicate key value violates unique constraint "${await name()}"`,
        }),
      );
    } else {
      const rows = await run(probeSql(p, 'postgresql', key, show));
      // a cast counts the rows it took: that it answered at all is the pass
      answer = p.kind === 'cast' ? { rows: 0, keys: [] } : found(rows, key, show ? 1 : undefined);
    }
  } catch (e) {
    answer = { failed: { code: (e as { code?: string }).code ?? '', message: (e as Error).message } };
  }
  await client.query('ROLLBACK TO SAVEPOINT preflight_probe');
  if (!('failed' in answer)) return answer;
  const { code, message } = answer.failed;
  // a value the cast does not take: the server's error, with the value it quotes as …
  if (p.kind === 'cast' && code.startsWith('22')) {
    const quoted = show ? /"((?:[^"]|"")*)"/u.exec(message)?.[1] : undefined;
    return {
      rows: 1,
      keys: [],
      serverError: { code, message: withoutValues(message) },
      ...(quoted !== undefined ? { values: [[quoted.replace(/""/gu, '"')]] } : {}),
    };
  }
  return pgWhy(client, p, code, message, ms);
}

/** A server message with every double-quoted value in it as "…" (PostgreSQL quotes the value it refused so). */
function withoutValues(message: string): string {
  return message.replace(/"(?:[^"]|"")*"/gu, '"…"');
}

/**
 * How long a probe waits for a lock: half its time, at most the run's lock timeout. Below its statement
 * timeout, so that a lock is named as the lock it is (55P03), not as a slow probe.
 */
function lockWaitMs(ms: number, lockMs: number): number {
  return Math.max(1, Math.floor(Math.min(ms / 2, lockMs)));
}

/** Why a PostgreSQL probe did not answer; a lock is named with its table and the session holding it. */
async function pgWhy(
  client: PgClient,
  p: DataProbe,
  code: string,
  message: string,
  ms: number,
): Promise<Answer> {
  if (code === '57014') return { why: `the probe did not finish within ${ms} ms (--data-timeout)` };
  if (code === '42501') return { why: `this role may not read the rows (${code}: permission denied)` };
  if (code === '55P03') {
    for (const table of [p.table, ...(p.references ? [p.references.table] : [])]) {
      const held = await client.query<{ pid: number; mode: string }>(
        "SELECT pid, mode FROM pg_locks WHERE relation = to_regclass($1) AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND granted AND pid <> pg_backend_pid() ORDER BY mode = 'AccessExclusiveLock' DESC LIMIT 1",
        [quoteIdent(table)],
      );
      const h = held.rows[0];
      if (h)
        return {
          why: `session ${h.pid} holds ${h.mode} on ${table}: the probe gave up at its lock timeout (55P03)`,
          lockedBy: { table, pid: Number(h.pid), mode: h.mode },
        };
    }
    return { why: `a lock on ${p.table} kept the probe waiting past its lock timeout (55P03)` };
  }
  // class 42 (a name the server does not know, a syntax error) quotes no row; others may, and are not repeated
  return {
    why: code.startsWith('42')
      ? `the probe failed: ${message} (${code})`
      : `the probe failed (SQLSTATE ${code || 'unknown'})`,
  };
}

function mysqlAsker(t: MysqlTarget, opts: PostgresOptions, bounds: DataBounds): Asker {
  return (work) =>
    withMysqlConnection(t, opts, async (conn) => {
      const [v] = await conn.query('SELECT VERSION() AS v');
      const mariadb = /mariadb/iu.test(String((v as { v: unknown }[])[0]?.v));
      // whole seconds, below the probe's own time where it can be, so that a lock is named as one
      const lockSeconds = Math.max(1, Math.floor(lockWaitMs(bounds.timeoutMs, opts.lockTimeoutMs) / 1000));
      // the run's statement limit for what runs outside a probe (its key); each probe sets its own
      const run = Math.max(0, opts.statementTimeoutMs);
      const statement = mariadb
        ? `max_statement_time = ${run / 1000}`
        : `max_execution_time = ${Math.floor(run)}`;
      await conn.query(`SET SESSION lock_wait_timeout = ${lockSeconds}, ${statement}`);
      await conn.query('START TRANSACTION READ ONLY');
      const keys = new Map<string, TableKey>();
      try {
        return await work((p, ms) => mysqlProbe(conn, p, ms, mariadb, keys, bounds.showValues === true));
      } finally {
        await conn.query('ROLLBACK').catch(() => undefined);
      }
    });
}

async function mysqlProbe(
  conn: Connection,
  p: DataProbe,
  ms: number,
  mariadb: boolean,
  keys: Map<string, TableKey>,
  show: boolean,
): Promise<Answer> {
  try {
    if (!keys.has(p.table)) {
      const [found] = await conn.query(keySql('mysql'), [p.table]);
      keys.set(p.table, tableKey(found as { name: unknown; type: unknown }[]));
    }
    const { show: key, columns } = keys.get(p.table)!;
    const run = async (select: string, values: readonly unknown[] = []): Promise<unknown[][]> => {
      const bounded = mariadb
        ? `SET STATEMENT max_statement_time = ${ms / 1000} FOR ${select}`
        : select.replace(/^SELECT /u, `SELECT /*+ MAX_EXECUTION_TIME(${Math.floor(ms)}) */ `);
      const [rows] = await conn.query({ sql: bounded, rowsAsArray: true, values: [...values] });
      return rows as unknown[][];
    };
    if (p.kind === 'inserted-keys')
      return await insertedAnswer(
        insertedKeysSql(p, 'mysql', columns, key, show),
        key,
        show,
        run,
        async () => ({
          code: '1062',
          message: `Duplicate entry '…' for key '${mariadb ? 'PRIMARY' : `${p.table}.PRIMARY`}'`,
        }),
      );
    const list = await run(probeSql(p, 'mysql', key, show));
    return {
      ...found(list, key, show ? (p.kind === 'convert' ? 2 : 1) : undefined),
      ...(p.kind === 'convert' && list[0]
        ? { serverError: convertError(p, Number(list[0][1]), mariadb) }
        : {}),
    };
  } catch (e) {
    const errno = (e as { errno?: number }).errno ?? 0;
    if (errno === 1969 || errno === 3024)
      return { why: `the probe did not finish within ${ms} ms (--data-timeout)` };
    if (errno === 1205)
      return { why: `a lock on ${p.table} kept the probe waiting past lock_wait_timeout (1205)` };
    if (errno === 1142 || errno === 1143) return { why: `this user may not read the rows (${errno})` };
    return {
      why:
        errno === 1054 || errno === 1146 || errno === 1064
          ? `the probe failed: ${(e as Error).message} (${errno})`
          : `the probe failed (error ${errno || 'unknown'})`,
    };
  }
}

/**
 * What the server says of the first value the conversion refuses (in key order, as the ALTER copies
 * the rows): not an integer, or out of the type's range; values and row numbers as …. MySQL 8's words
 * come from its manual (docs/mysql.md).
 */
function convertError(p: DataProbe, notInteger: number, mariadb: boolean): DataCheck['serverError'] {
  const column = p.columns[0] ?? '…';
  if (notInteger === 0)
    return { code: '1264', message: `Out of range value for column '${column}' at row …` };
  return mariadb
    ? { code: '1292', message: "Truncated incorrect INTEGER value: '…'" }
    : { code: '1366', message: `Incorrect integer value: '…' for column '${column}' at row …` };
}

/** A probe's rows as its answer: their keys where the key may be shown, their values from column `from` when asked. */
function found(rows: readonly unknown[][], key: string | undefined, from?: number): Answer {
  return {
    rows: rows.length,
    keys: key === undefined ? [] : rows.map((r) => r[0]),
    ...(from !== undefined ? { values: rows.map((r) => r.slice(from)) } : {}),
  };
}

/** A table's primary key: its columns, and the one a finding may show (an integer or UUID key alone). */
interface TableKey {
  readonly show: string | undefined;
  readonly columns: readonly string[];
}

function tableKey(rows: readonly { name: unknown; type: unknown }[]): TableKey {
  return { show: keyColumn(rows), columns: rows.map((r) => String(r.name)) };
}

/** bulk_insert's answer: settled without a read, or the rows whose key the table holds, and the server's words for it. */
async function insertedAnswer(
  ask: InsertedKeys,
  key: string | undefined,
  show: boolean,
  run: (sql: string, values: readonly unknown[]) => Promise<unknown[][]>,
  error: () => Promise<NonNullable<DataCheck['serverError']>>,
): Promise<Answer> {
  if ('unknown' in ask) return { why: ask.unknown };
  if ('passes' in ask) return { rows: 0, keys: [] };
  if ('duplicates' in ask) return { rows: ask.duplicates, keys: [], serverError: await error() };
  const rows = await run(ask.sql, ask.params);
  if (rows.length === 0) return { rows: 0, keys: [] };
  return { ...found(rows, key, show ? 1 : undefined), serverError: await error() };
}

/** SQLite has no statement timeout: a table with more rows than the timeout's worth is not probed. */
const SQLITE_ROWS_PER_MS = 1000;

function sqliteAsker(t: SqliteTarget, bounds: DataBounds): Asker {
  return async (work) => {
    const db = await openSqlite(t.file, { readonly: true, fileMustExist: true, timeout: bounds.timeoutMs });
    const show = bounds.showValues === true;
    try {
      const tables = new Map<string, { rows: number; key: TableKey }>();
      return await work(async (p) => {
        try {
          if (!tables.has(p.table)) {
            const size = db
              .prepare(`SELECT max(rowid) FROM ${quoteIdent(p.table)}`)
              .raw()
              .get() as [number | null];
            const key = tableKey(
              db.prepare(keySql('sqlite')).all(p.table) as { name: unknown; type: unknown }[],
            );
            tables.set(p.table, { rows: Number(size[0] ?? 0), key });
          }
          const { rows, key: tk } = tables.get(p.table)!;
          const key = tk.show;
          const limit = SQLITE_ROWS_PER_MS * bounds.timeoutMs;
          if (rows > limit)
            return {
              why: `${p.table} holds about ${rows} rows, more than a probe reads in ${bounds.timeoutMs} ms (SQLite has no statement timeout)`,
            };
          const run = async (sql: string, values: readonly unknown[] = []): Promise<unknown[][]> =>
            db
              .prepare(sql)
              .raw()
              .all(...values) as unknown[][];
          if (p.kind === 'inserted-keys')
            return await insertedAnswer(
              insertedKeysSql(p, 'sqlite', tk.columns, key, show),
              key,
              show,
              run,
              async () => ({
                code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
                message: `UNIQUE constraint failed: ${tk.columns.map((c) => `${p.table}.${c}`).join(', ')}`,
              }),
            );
          return found(await run(probeSql(p, 'sqlite', key, show)), key, show ? 1 : undefined);
        } catch (e) {
          return { why: `the probe failed: ${(e as Error).message}` };
        }
      });
    } finally {
      db.close();
    }
  };
}
