import { DatabaseError } from '../errors/errors.js';
import type { DatabaseTarget } from './database-url.js';
import { OWNER_TABLE, type LedgerState } from './ledger.js';
import { inMysqlWrite } from './mysql-connect.js';
import { withPostgresClient, type PostgresOptions } from './pg-connect.js';
import { quoteIdent } from './quote-ident.js';
import { inWriteTransaction, openSqliteForWrite } from './write-transaction.js';

export { OWNER_TABLE };

function ownerSql(schema: string | null): string {
  return schema === null ? quoteIdent(OWNER_TABLE) : `${quoteIdent(schema)}.${quoteIdent(OWNER_TABLE)}`;
}

/** Where the owner table is: beside the ledger, where it is or belongs (on SQLite the schema is unused). */
export function ownerSchema(
  ledger: LedgerState | undefined,
  versionTableSchema: string | null,
): string | null {
  return ledger?.schema ?? ledger?.home?.schema ?? versionTableSchema;
}

/** Hands the database to `app`: the owner table (created when absent) holds that one row, in one transaction. */
export async function writeOwner(
  t: DatabaseTarget,
  schema: string | null,
  app: string,
  by: Readonly<Record<string, string>>,
  pg: PostgresOptions,
): Promise<void> {
  const create = (s: string | null): string =>
    `CREATE TABLE IF NOT EXISTS ${ownerSql(s)} (app VARCHAR(100) NOT NULL, set_at VARCHAR(40) NOT NULL, set_by TEXT NOT NULL)`;
  const at = new Date().toISOString();
  const setBy = JSON.stringify(by);
  if (t.dialect === 'sqlite') {
    const db = await openSqliteForWrite(t, pg.lockTimeoutMs);
    try {
      db.transaction(() => {
        db.exec(create(null));
        db.exec(`DELETE FROM ${ownerSql(null)}`);
        db.prepare(`INSERT INTO ${ownerSql(null)} (app, set_at, set_by) VALUES (?, ?, ?)`).run(
          app,
          at,
          setBy,
        );
      }).immediate();
    } catch (e) {
      throw new DatabaseError(`Writing the owner table ${OWNER_TABLE} failed: ${(e as Error).message}.`, {
        hint: 'Check that the file is writable.',
      });
    } finally {
      db.close();
    }
    return;
  }
  if (t.dialect === 'mysql') {
    await inMysqlWrite(
      t,
      pg,
      async (conn) => {
        await conn.query(`DELETE FROM ${ownerSql(schema)}`);
        await conn.query(`INSERT INTO ${ownerSql(schema)} (app, set_at, set_by) VALUES (?, ?, ?)`, [
          app,
          at,
          setBy,
        ]);
      },
      [create(schema)],
    ).catch((e: unknown) => {
      if (e instanceof DatabaseError) throw e;
      throw new DatabaseError(`Writing the owner table ${OWNER_TABLE} failed: ${(e as Error).message}.`, {
        hint: "Grant this user CREATE, INSERT and DELETE on the app's database.",
      });
    });
    return;
  }
  await withPostgresClient(t, pg, (client) =>
    inWriteTransaction(client, pg, async () => {
      const where = schema ?? 'public';
      await client.query(create(where));
      await client.query(`DELETE FROM ${ownerSql(where)}`);
      await client.query(`INSERT INTO ${ownerSql(where)} (app, set_at, set_by) VALUES ($1, $2, $3)`, [
        app,
        at,
        setBy,
      ]);
    }),
  ).catch((e: unknown) => {
    if (e instanceof DatabaseError) throw e;
    throw new DatabaseError(`Writing the owner table ${OWNER_TABLE} failed: ${(e as Error).message}.`, {
      hint: `Grant this role CREATE on the ledger's schema (${schema ?? 'public'}), or run it as the schema's owner.`,
    });
  });
}
