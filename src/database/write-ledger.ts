import { DatabaseError } from '../errors/errors.js';
import type { DatabaseTarget } from './database-url.js';
import { createLedgerSql, LEDGER_COLUMNS, ledgerSql, ledgerValues, type LedgerRow } from './ledger.js';
import { withPostgresClient, type PostgresOptions } from './read-postgres.js';
import { inWriteTransaction, openSqliteForWrite } from './write-transaction.js';

export interface LedgerWrite {
  readonly table: string;
  /** The version table's schema (null: the connection's default), where the ledger lives too. */
  readonly schema: string | null;
  /** Create the table first (it was not there when verify read the database). */
  readonly create: boolean;
}

/**
 * Appends rows to the ledger in one short transaction of its own, with lock and statement timeouts,
 * creating the table when asked. Throws a DatabaseError on any failure; the caller decides what that
 * means (for `release`, a warning that never changes its exit code).
 */
export async function writeLedger(t: DatabaseTarget, to: LedgerWrite, rows: readonly LedgerRow[], pg: PostgresOptions): Promise<void> {
  if (rows.length === 0 && !to.create) return;
  const table = ledgerSql(to.table, to.schema);
  const insert = (placeholder: (i: number) => string): string =>
    `INSERT INTO ${table} (${LEDGER_COLUMNS.join(', ')}) VALUES ${rows.map((_, r) => `(${LEDGER_COLUMNS.map((__, c) => placeholder(r * LEDGER_COLUMNS.length + c + 1)).join(', ')})`).join(', ')}`;
  const values = rows.flatMap(ledgerValues);
  if (t.dialect === 'sqlite') {
    const db = await openSqliteForWrite(t, pg.lockTimeoutMs).catch((e: unknown) => {
      if (e instanceof DatabaseError) throw e;
      throw new DatabaseError(`Cannot open ${t.written} to write the ledger: ${(e as Error).message}.`, { hint: 'Check that the file is writable.' });
    });
    try {
      db.transaction(() => {
        if (to.create) db.exec(createLedgerSql(to.table, to.schema));
        if (rows.length > 0) db.prepare(insert(() => '?')).run(...values);
      }).immediate();
    } catch (e) {
      throw new DatabaseError(`Writing the ledger ${to.table} failed: ${(e as Error).message}.`, { hint: 'Check that the file is writable and not locked by a long write.' });
    } finally {
      db.close();
    }
    return;
  }
  await withPostgresClient(t, pg, async (client) => {
    try {
      await inWriteTransaction(client, pg, async () => {
        if (to.create) await client.query(createLedgerSql(to.table, to.schema));
        if (rows.length > 0) await client.query(insert((i) => `$${i}`), values);
      });
    } catch (e) {
      const message = (e as Error).message;
      throw new DatabaseError(`Writing the ledger ${to.table} failed: ${message}.`, {
        hint: /permission denied/iu.test(message)
          ? `Grant the release's role CREATE on the schema, or create ${to.table} once as its owner (alembic-preflight ledger record --yes), or turn the ledger off (--no-ledger).`
          : 'The release itself succeeded; the next release records again.',
      });
    }
  });
}
