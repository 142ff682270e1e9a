import { DatabaseError } from '../errors/errors.js';
import type { Client as PgClient } from 'pg';
import type { DatabaseTarget, MysqlTarget, PostgresTarget, SqliteTarget } from './database-url.js';
import { inMysqlWrite } from './mysql-connect.js';
import {
  addStepsColumnSql,
  createLedgerSql,
  ledgerLabel,
  ledgerPlace,
  type LedgerPlace,
  type LedgerState,
  LEDGER_COLUMNS,
  ledgerSql,
  ledgerValues,
  STEPS_COLUMN,
  stepsValue,
  type LedgerRow,
} from './ledger.js';
import { withPostgresClient, type PostgresOptions } from './pg-connect.js';
import { inWriteTransaction, openSqliteForWrite } from './write-transaction.js';
import { quoteIdent } from './quote-ident.js';

export interface LedgerWrite extends LedgerPlace {
  readonly table: string;
  /** The table has the steps column; when false, the write adds it first (and writes without it if it may not). */
  readonly hasSteps: boolean;
  /** Where the rows go when the relocation is refused (a role that may not create the schema or move the table). */
  readonly fallback?: LedgerPlace;
}

/** What a write did: where the rows are, and why they are not in the ledger's home when they are not. */
export interface LedgerWritten {
  readonly label: string;
  /** The relocation was refused; the ledger is (or was created) beside the version table. */
  readonly stayed?: string;
}

/**
 * Appends rows to the ledger in one short transaction of its own, with lock and statement timeouts,
 * creating the table when asked. Throws a DatabaseError on any failure; the caller decides what that
 * means (for `release`, a warning that never changes its exit code).
 */
export async function writeLedger(
  t: DatabaseTarget,
  to: LedgerWrite,
  rows: readonly LedgerRow[],
  pg: PostgresOptions,
): Promise<LedgerWritten> {
  const label = labelOf(to);
  if (rows.length === 0 && !to.create && !to.relocate) return { label };
  if (t.dialect === 'sqlite') {
    await writeSqliteLedger(t, to, rows, pg);
    return { label };
  }
  if (t.dialect === 'mysql') {
    await writeMysqlLedger(t, to, rows, pg);
    return { label };
  }
  return withPostgresClient(t, pg, (client) => writePostgresLedger(client, to, rows, pg));
}

/** MySQL: the table (and an older ledger's steps column) first, each DDL committing on its own; then the rows in one transaction. */
async function writeMysqlLedger(
  t: MysqlTarget,
  to: LedgerWrite,
  rows: readonly LedgerRow[],
  pg: PostgresOptions,
): Promise<void> {
  const ddl = to.create ? [createLedgerSql(to.table, to.schema)] : [];
  let withSteps = true;
  try {
    await inMysqlWrite(
      t,
      pg,
      async (conn) => {
        if (addsColumn(to, rows))
          withSteps = await conn.query(addStepsColumnSql(to.table, to.schema)).then(
            () => true,
            () => false,
          );
        if (rows.length > 0) {
          const { sql, values } = insertSql(to, rows, withSteps, () => '?');
          await conn.query(sql, values);
        }
      },
      ddl,
    );
  } catch (e) {
    if (e instanceof DatabaseError) throw e;
    throw new DatabaseError(`Writing the ledger ${to.table} failed: ${(e as Error).message}.`, {
      hint: "Grant the release's user CREATE and INSERT on the app's database, or turn the ledger off (--no-ledger).",
    });
  }
}

/** The write a release or `ledger record` makes, from the ledger verify read. */
export function ledgerWriteOf(
  table: string,
  ledger: LedgerState | undefined,
  versionTableSchema: string | null,
): LedgerWrite {
  const { place, fallback } = ledgerPlace(ledger, versionTableSchema);
  return { table, hasSteps: ledger?.hasSteps === true, ...place, ...(place.relocate ? { fallback } : {}) };
}

/** The warning for a ledger that could not go to its own schema: where it is, and how autogenerate keeps off it. */
export function ledgerStayedWarning(written: LedgerWritten, table: string): string {
  return (
    `alembic-preflight release: warning: the ledger stays beside the version table (${written.label}): ${written.stayed}. ` +
    `The team's autogenerate sees it there; keep it out in env.py with include_object ` +
    `(return not (type_ == "table" and name == "${table}")), or grant this role CREATE on the database.\n`
  );
}

function labelOf(to: LedgerWrite | (LedgerPlace & { table: string })): string {
  return ledgerLabel({ table: to.table, ...(to.schema !== null ? { schema: to.schema } : {}) });
}

/** One tenant schema's ledger write of `release --tenants`. */
export interface TenantLedgerWrite {
  readonly to: LedgerWrite;
  readonly rows: readonly LedgerRow[];
}

/**
 * Each tenant's ledger written on one connection, each in a short transaction of its own: one that
 * fails (a role that may not create the table there) is that tenant's warning and the others go on.
 * Returns the failures by schema.
 */
export async function writeTenantLedgers(
  t: PostgresTarget,
  writes: readonly TenantLedgerWrite[],
  pg: PostgresOptions,
): Promise<{ schema: string; error: DatabaseError }[]> {
  const failed: { schema: string; error: DatabaseError }[] = [];
  await withPostgresClient(t, pg, async (client) => {
    for (const w of writes) {
      if (w.rows.length === 0 && !w.to.create && !w.to.relocate) continue;
      await writePostgresLedger(client, w.to, w.rows, pg).catch((e: unknown) => {
        if (!(e instanceof DatabaseError)) throw e;
        failed.push({ schema: w.to.schema ?? '', error: e });
      });
    }
  });
  return failed;
}

function insertSql(
  to: LedgerWrite,
  rows: readonly LedgerRow[],
  withSteps: boolean,
  placeholder: (i: number) => string,
): { sql: string; values: (string | null)[] } {
  const columns: string[] = withSteps ? [...LEDGER_COLUMNS, STEPS_COLUMN] : [...LEDGER_COLUMNS];
  const sql = `INSERT INTO ${ledgerSql(to.table, to.schema)} (${columns.join(', ')}) VALUES ${rows.map((_, r) => `(${columns.map((__, c) => placeholder(r * columns.length + c + 1)).join(', ')})`).join(', ')}`;
  return {
    sql,
    values: rows.flatMap((row) => (withSteps ? [...ledgerValues(row), stepsValue(row)] : ledgerValues(row))),
  };
}

/** An older ledger gains the steps column on the first write that has rows. */
function addsColumn(to: LedgerWrite, rows: readonly LedgerRow[]): boolean {
  return !to.create && !to.hasSteps && rows.length > 0;
}

async function writeSqliteLedger(
  t: SqliteTarget,
  to: LedgerWrite,
  rows: readonly LedgerRow[],
  pg: PostgresOptions,
): Promise<void> {
  const db = await openSqliteForWrite(t, pg.lockTimeoutMs).catch((e: unknown) => {
    if (e instanceof DatabaseError) throw e;
    throw new DatabaseError(`Cannot open ${t.written} to write the ledger: ${(e as Error).message}.`, {
      hint: 'Check that the file is writable.',
    });
  });
  try {
    db.transaction(() => {
      if (to.create) db.exec(createLedgerSql(to.table, to.schema));
      const withSteps = addsColumn(to, rows)
        ? tried(() => db.exec(addStepsColumnSql(to.table, to.schema)))
        : true;
      if (rows.length > 0) {
        const { sql, values } = insertSql(to, rows, withSteps, () => '?');
        db.prepare(sql).run(...values);
      }
    }).immediate();
  } catch (e) {
    throw new DatabaseError(`Writing the ledger ${to.table} failed: ${(e as Error).message}.`, {
      hint: 'Check that the file is writable and not locked by a long write.',
    });
  } finally {
    db.close();
  }
}

async function writePostgresLedger(
  client: PgClient,
  to: LedgerWrite,
  rows: readonly LedgerRow[],
  pg: PostgresOptions,
): Promise<LedgerWritten> {
  try {
    return await inWriteTransaction(client, pg, async () => {
      const { at, stayed } = await relocated(client, to);
      if (at.create) await client.query(createLedgerSql(to.table, at.schema));
      let withSteps = true;
      if (addsColumn({ ...to, ...at }, rows)) {
        // only the table's owner may add the column: a release run by another role writes the rows without it
        await client.query('SAVEPOINT ledger_steps');
        withSteps = await client.query(addStepsColumnSql(to.table, at.schema)).then(
          () => true,
          async () => {
            await client.query('ROLLBACK TO SAVEPOINT ledger_steps');
            return false;
          },
        );
      }
      if (rows.length > 0) {
        const { sql, values } = insertSql({ ...to, ...at }, rows, withSteps, (i) => `$${i}`);
        await client.query(sql, values);
      }
      return { label: labelOf({ ...to, ...at }), ...(stayed !== undefined ? { stayed } : {}) };
    });
  } catch (e) {
    const message = (e as Error).message;
    throw new DatabaseError(`Writing the ledger ${to.table} failed: ${message}.`, {
      hint: /permission denied/iu.test(message)
        ? `Grant the release's role CREATE on the schema, or create ${to.table} once as its owner (alembic-preflight ledger record --yes), or turn the ledger off (--no-ledger).`
        : 'The release itself succeeded; the next release records again.',
    });
  }
}

/**
 * The ledger moved into its home schema (created when absent), inside the write's transaction, so that
 * a reader sees it in one place or the other, never in neither. A role that may not is no failure: the
 * rows go to the fallback place, and the caller says why.
 */
async function relocated(client: PgClient, to: LedgerWrite): Promise<{ at: LedgerPlace; stayed?: string }> {
  const r = to.relocate;
  if (r === undefined || to.schema === null) return { at: to };
  await client.query('SAVEPOINT ledger_home');
  try {
    if (r.createSchema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(to.schema)}`);
    if (r.from !== undefined)
      await client.query(`ALTER TABLE ${ledgerSql(to.table, r.from)} SET SCHEMA ${quoteIdent(to.schema)}`);
    // a schema that exists but is not this role's: creating the table there is part of the move
    if (to.create) await client.query(createLedgerSql(to.table, to.schema));
    return { at: { schema: to.schema, create: false } };
  } catch (e) {
    await client.query('ROLLBACK TO SAVEPOINT ledger_home');
    const fallback = to.fallback ?? { schema: r.from ?? null, create: r.from === undefined };
    const why =
      r.from !== undefined
        ? `could not move it to schema ${to.schema}`
        : `could not create schema ${to.schema}`;
    return { at: fallback, stayed: `${why}: ${(e as Error).message}` };
  }
}

/** Whether `work` ran without throwing (SQLite: a failed statement leaves the transaction usable). */
function tried(work: () => unknown): boolean {
  try {
    work();
    return true;
  } catch {
    return false;
  }
}
