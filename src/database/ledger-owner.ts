import { DatabaseError } from '../errors/errors.js';
import type { DatabaseTarget } from './database-url.js';
import type { LedgerState } from './ledger.js';
import { openSqlite } from './open-sqlite.js';
import { inMysqlWrite, startReadSession, withMysqlConnection } from './mysql-connect.js';
import { withPostgresClient, type PostgresOptions } from './pg-connect.js';
import { mysqlTableName, quoteIdent } from './quote-ident.js';
import { inWriteTransaction, openSqliteForWrite } from './write-transaction.js';

/**
 * The app a database was handed to (`ledger owner --set`), kept in one row of its own table beside the
 * ledger: a copy of production (heroku pg:copy) carries production's ledger, and so its owner, until
 * it is handed to the app that now uses it. Without a row, the owner is read from the ledger's rows.
 */
export const OWNER_TABLE = 'alembic_preflight_owner';

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

/** The app the database was handed to, read-only; undefined when it never was (no table, or no row). */
export async function readOwner(
  t: DatabaseTarget,
  schema: string | null,
  pg: PostgresOptions,
): Promise<string | undefined> {
  if (t.dialect === 'sqlite') {
    const db = await openSqlite(t.file, { readonly: true, fileMustExist: true });
    try {
      const there = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
        .get(OWNER_TABLE);
      if (!there) return undefined;
      const row = db.prepare(`SELECT app FROM ${ownerSql(null)} LIMIT 1`).get() as
        { app: string } | undefined;
      return row?.app;
    } finally {
      db.close();
    }
  }
  if (t.dialect === 'mysql') {
    return withMysqlConnection(t, pg, async (conn) => {
      await startReadSession(conn, pg);
      const [found] = await conn.query(
        'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?',
        [schema, OWNER_TABLE],
      );
      if (Number((found as { n: number }[])[0]!.n) === 0) return undefined;
      const [rows] = await conn.query(`SELECT app FROM ${mysqlTableName(schema, OWNER_TABLE)} LIMIT 1`);
      return (rows as { app: string }[])[0]?.app;
    });
  }
  return withPostgresClient(t, pg, async (client) => {
    await client.query('BEGIN READ ONLY');
    try {
      const where = schema ?? 'public';
      const found = await client.query<{ there: boolean }>('SELECT to_regclass($1) IS NOT NULL AS there', [
        `${quoteIdent(where)}.${quoteIdent(OWNER_TABLE)}`,
      ]);
      if (!found.rows[0]?.there) return undefined;
      const row = await client.query<{ app: string }>(`SELECT app FROM ${ownerSql(where)} LIMIT 1`);
      return row.rows[0]?.app;
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
  });
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
