import type { Connection } from 'mysql2/promise';
import { quoteMysqlIdent } from './quote-ident.js';

type Row = Record<string, unknown>;

/** At most this many tables in use are tried: each locked one costs the one second the read waits. */
const MAX_TRIED = 20;

/**
 * The tables of `schema` another session holds so that a read must wait: `LOCK TABLES … WRITE` (no
 * InnoDB transaction shows it), or an ALTER under way. SHOW OPEN TABLES names the tables in use right
 * now; each is read with `LIMIT 0` under a one-second lock_wait_timeout, and the ones that time out
 * (1205) are locked. A table only being queried reads at once. Nothing is read from the rows.
 */
export async function mysqlLockedTables(conn: Connection, schema: string): Promise<string[]> {
  const [open] = await conn.query(`SHOW OPEN TABLES FROM ${quoteMysqlIdent(schema)} WHERE In_use > 0`);
  const inUse = (open as Row[]).map((r) => String(r.Table)).slice(0, MAX_TRIED);
  if (inUse.length === 0) return [];
  const [was] = await conn.query('SELECT @@SESSION.lock_wait_timeout AS w');
  const locked: string[] = [];
  await conn.query('SET SESSION lock_wait_timeout = 1');
  try {
    for (const table of inUse) {
      try {
        await conn.query(`SELECT 1 FROM ${quoteMysqlIdent(schema)}.${quoteMysqlIdent(table)} LIMIT 0`);
      } catch (e) {
        // another refusal (no privilege on the table) says nothing of its lock
        if ((e as { errno?: number }).errno === 1205) locked.push(table);
      }
    }
  } finally {
    await conn.query(`SET SESSION lock_wait_timeout = ${Number((was as Row[])[0]!.w)}`);
  }
  return locked;
}
