import { DatabaseError } from '../errors/errors.js';
import type { Client as PgClient } from 'pg';
import type { DatabaseTarget, PostgresTarget, SqliteTarget } from './database-url.js';
import {
  addStepsColumnSql,
  createLedgerSql,
  LEDGER_COLUMNS,
  ledgerSql,
  ledgerValues,
  STEPS_COLUMN,
  stepsValue,
  type LedgerRow,
} from './ledger.js';
import { withPostgresClient, type PostgresOptions } from './pg-connect.js';
import { inWriteTransaction, openSqliteForWrite } from './write-transaction.js';

export interface LedgerWrite {
  readonly table: string;
  /** The version table's schema (null: the connection's default), where the ledger lives too. */
  readonly schema: string | null;
  /** Create the table first (it was not there when verify read the database). */
  readonly create: boolean;
  /** The table has the steps column; when false, the write adds it first (and writes without it if it may not). */
  readonly hasSteps: boolean;
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
): Promise<void> {
  if (rows.length === 0 && !to.create) return;
  if (t.dialect === 'sqlite') return writeSqliteLedger(t, to, rows, pg);
  await withPostgresClient(t, pg, (client) => writePostgresLedger(client, to, rows, pg));
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
      if (w.rows.length === 0 && !w.to.create) continue;
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
): Promise<void> {
  try {
    await inWriteTransaction(client, pg, async () => {
      if (to.create) await client.query(createLedgerSql(to.table, to.schema));
      let withSteps = true;
      if (addsColumn(to, rows)) {
        // only the table's owner may add the column: a release run by another role writes the rows without it
        await client.query('SAVEPOINT ledger_steps');
        withSteps = await client.query(addStepsColumnSql(to.table, to.schema)).then(
          () => true,
          async () => {
            await client.query('ROLLBACK TO SAVEPOINT ledger_steps');
            return false;
          },
        );
      }
      if (rows.length > 0) {
        const { sql, values } = insertSql(to, rows, withSteps, (i) => `$${i}`);
        await client.query(sql, values);
      }
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

/** Whether `work` ran without throwing (SQLite: a failed statement leaves the transaction usable). */
function tried(work: () => unknown): boolean {
  try {
    work();
    return true;
  } catch {
    return false;
  }
}
