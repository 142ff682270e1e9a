import { DatabaseError } from '../errors/errors.js';
import type { DatabaseTarget } from './database-url.js';
import { inMysqlWrite } from './mysql-connect.js';
import { withPostgresClient, type PostgresOptions } from './pg-connect.js';
import { inWriteTransaction, openSqliteForWrite } from './write-transaction.js';
import { quoteIdent, type VersionTableRequest } from './version-table.js';

/** The statement restamp runs, as it is shown in a dry run. */
export function restampSql(req: VersionTableRequest, from: string, to: string): string {
  const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;
  return `UPDATE ${tableSql(req)} SET version_num = ${lit(to)} WHERE version_num = ${lit(from)};`;
}

function tableSql(req: VersionTableRequest): string {
  return req.versionTableSchema === null
    ? quoteIdent(req.versionTable)
    : `${quoteIdent(req.versionTableSchema)}.${quoteIdent(req.versionTable)}`;
}

/**
 * Replaces one version-table row in one transaction. It commits only if
 * exactly one row changed and `to` was not already a row; otherwise it rolls
 * back and says why.
 */
export async function restampRow(
  t: DatabaseTarget,
  req: VersionTableRequest,
  from: string,
  to: string,
  pg: PostgresOptions,
): Promise<void> {
  const table = tableSql(req);
  if (t.dialect === 'sqlite') {
    const db = await openSqliteForWrite(t, 5000);
    try {
      const run = db.transaction(() => {
        const already = db.prepare(`SELECT count(*) AS n FROM ${table} WHERE version_num = ?`).get(to) as {
          n: number;
        };
        if (already.n > 0) throw new RestampRefused(`'${to}' is already a row of ${req.versionTable}`);
        const changed = db
          .prepare(`UPDATE ${table} SET version_num = ? WHERE version_num = ?`)
          .run(to, from).changes;
        if (changed !== 1)
          throw new RestampRefused(`the UPDATE would change ${changed} rows, not exactly one`);
      });
      run.immediate();
    } catch (e) {
      if (e instanceof RestampRefused)
        throw new DatabaseError(`Restamp rolled back: ${e.message}.`, {
          hint: 'Nothing was changed. Run alembic-preflight verify to see the current rows.',
        });
      throw new DatabaseError(`Restamp failed on ${t.written}: ${(e as Error).message}.`, {
        hint: 'Nothing was changed. Check that the file is writable and not locked.',
      });
    } finally {
      db.close();
    }
    return;
  }
  if (t.dialect === 'mysql') {
    await inMysqlWrite(t, pg, async (conn) => {
      const [already] = await conn.query(`SELECT count(*) AS n FROM ${table} WHERE version_num = ?`, [to]);
      if (Number((already as { n: number }[])[0]!.n) > 0)
        throw new RestampRefused(`'${to}' is already a row of ${req.versionTable}`);
      const [res] = await conn.query(`UPDATE ${table} SET version_num = ? WHERE version_num = ?`, [to, from]);
      const changed = (res as { affectedRows: number }).affectedRows;
      if (changed !== 1) throw new RestampRefused(`the UPDATE would change ${changed} rows, not exactly one`);
    }).catch((e: unknown) => {
      if (e instanceof RestampRefused)
        throw new DatabaseError(`Restamp rolled back: ${e.message}.`, {
          hint: 'Nothing was changed. Run alembic-preflight verify to see the current rows.',
        });
      throw e;
    });
    return;
  }
  await withPostgresClient(t, pg, async (client) => {
    try {
      await inWriteTransaction(client, pg, async () => {
        const already = await client.query(`SELECT count(*)::int AS n FROM ${table} WHERE version_num = $1`, [
          to,
        ]);
        if ((already.rows[0] as { n: number }).n > 0)
          throw new RestampRefused(`'${to}' is already a row of ${req.versionTable}`);
        const res = await client.query(`UPDATE ${table} SET version_num = $1 WHERE version_num = $2`, [
          to,
          from,
        ]);
        if (res.rowCount !== 1)
          throw new RestampRefused(`the UPDATE would change ${res.rowCount ?? 0} rows, not exactly one`);
      });
    } catch (e) {
      if (e instanceof RestampRefused)
        throw new DatabaseError(`Restamp rolled back: ${e.message}.`, {
          hint: 'Nothing was changed. Run alembic-preflight verify to see the current rows.',
        });
      throw e;
    }
  });
}

class RestampRefused extends Error {}
