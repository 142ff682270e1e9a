import type { Connection } from 'mysql2/promise';
import { mysqlLockedTables } from './mysql-locked-tables.js';
import type { SchemaCatalog, VersionTableRequest } from './version-table.js';

type Row = Record<string, unknown>;

/**
 * What the schema probes compare, from information_schema of the connection's database (or the one
 * env.py's objects live in): each table's columns, its indexes (named per table on MySQL), its
 * constraints (primary and foreign keys, unique, check), and each table's size as the server estimates it.
 */
export async function mysqlCatalog(
  conn: Connection,
  req: VersionTableRequest,
): Promise<SchemaCatalog | { unreadable: string }> {
  const objects = req.objectsSchema;
  if (objects && 'unknown' in objects) return { unreadable: objects.unknown };
  const schema = objects && 'schema' in objects ? objects.schema : null;
  const where = schema === null ? 'DATABASE()' : '?';
  const args = schema === null ? [] : [schema];
  try {
    const [columns] = await conn.query(
      `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS d, EXTRA AS x FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ${where}`,
      args,
    );
    const [indexes] = await conn.query(
      `SELECT INDEX_NAME AS i, TABLE_NAME AS t, COLUMN_NAME AS c, NON_UNIQUE AS nu FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ${where}`,
      args,
    );
    const [constraints] = await conn.query(
      `SELECT TABLE_NAME AS t, CONSTRAINT_NAME AS c FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ${where}`,
      args,
    );
    const [sizes] = await conn.query(
      `SELECT TABLE_NAME AS t, TABLE_ROWS AS r, DATA_LENGTH + INDEX_LENGTH AS b, ENGINE AS e FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${where} AND TABLE_TYPE = 'BASE TABLE'`,
      args,
    );
    const [name] = await conn.query(`SELECT ${where} AS s`, args);
    const schemaName = String((name as Row[])[0]!.s);
    const live = req.liveFacts ? await liveFacts(conn, schemaName) : {};
    return {
      ...live,
      schema: schemaName,
      columns: (columns as Row[]).map((r) => [String(r.t), String(r.c)] as const),
      autoIncrement: (columns as Row[])
        .filter((r) => /auto_increment/iu.test(String(r.x ?? '')))
        .map((r) => [String(r.t), String(r.c)] as const),
      declaredTypes: (columns as Row[]).map(
        (r) => [String(r.t), String(r.c), String(r.d).toLowerCase()] as const,
      ),
      indexes: [
        ...new Map(
          (indexes as Row[]).map((r) => [
            `${String(r.t)}.${String(r.i)}`,
            [String(r.i), String(r.t)] as const,
          ]),
        ).values(),
      ],
      indexedColumns: (indexes as Row[]).map(
        (r) =>
          [
            String(r.t),
            String(r.c),
            String(r.i),
            r.i === 'PRIMARY' ? 'pk' : Number(r.nu) === 0 ? 'u' : 'c',
          ] as const,
      ),
      constraints: (constraints as Row[]).map((r) => [String(r.t), String(r.c)] as const),
      tableSizes: (sizes as Row[]).map((r) => ({
        table: String(r.t),
        rows: r.r === null ? null : Number(r.r),
        bytes: Number(r.b ?? 0),
        liveRows: r.r === null ? null : Number(r.r),
        ...(typeof r.e === 'string' ? { engine: r.e } : {}),
      })),
    };
  } catch (e) {
    return { unreadable: (e as Error).message };
  }
}

/**
 * Who may hold the metadata locks an ALTER waits for: other sessions' open transactions (INNODB_TRX
 * with the processlist), the tables each holds where performance_schema's metadata_locks is on, and
 * lock_wait_timeout, how long the migration's ALTER would wait; and the tables a session holds locked
 * with no transaction to show for it (LOCK TABLES … WRITE). A user without the PROCESS privilege
 * (JawsDB's, ClearDB's) sees no other session: that is said, never taken for "none".
 */
async function liveFacts(conn: Connection, schema: string): Promise<Partial<SchemaCatalog>> {
  const [wait] = await conn.query('SELECT @@GLOBAL.lock_wait_timeout AS w, @@performance_schema AS ps');
  const w = (wait as Row[])[0]!;
  const locked = await mysqlLockedTables(conn, schema).catch(() => []);
  const base = { lockWaitSeconds: Number(w.w), ...(locked.length > 0 ? { lockedTables: locked } : {}) };
  let trx: Row[];
  try {
    [trx] = (await conn.query(
      `SELECT t.trx_mysql_thread_id AS id, TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS age, p.USER AS user, p.DB AS db, p.COMMAND AS cmd, p.STATE AS st
         FROM information_schema.INNODB_TRX t LEFT JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
        WHERE t.trx_mysql_thread_id <> CONNECTION_ID()`,
    )) as unknown as [Row[]];
  } catch (e) {
    // INNODB_TRX needs the PROCESS privilege; without it other sessions cannot be seen at all
    return {
      ...base,
      metadataHolders: [],
      sessionsHidden: `this user cannot see other sessions' transactions (${(e as Error).message})`,
    };
  }
  const tables = Number(w.ps) === 1 ? await metadataTables(conn) : undefined;
  return {
    ...base,
    metadataExact: tables !== undefined,
    metadataHolders: trx.map((r) => ({
      thread: Number(r.id),
      user: r.user === null ? null : String(r.user),
      database: r.db === null ? null : String(r.db),
      seconds: r.age === null ? null : Number(r.age),
      state: r.cmd === null ? null : `${String(r.cmd)}${r.st ? `, ${String(r.st)}` : ''}`,
      tables: tables ? (tables.get(Number(r.id)) ?? []) : null,
    })),
  };
}

/** The tables each other session holds a granted metadata lock on, where performance_schema instruments them. */
async function metadataTables(conn: Connection): Promise<Map<number, string[]> | undefined> {
  try {
    const [on] = await conn.query(
      "SELECT ENABLED AS e FROM performance_schema.setup_instruments WHERE NAME = 'wait/lock/metadata/sql/mdl'",
    );
    if (String((on as Row[])[0]?.e ?? 'NO') !== 'YES') return undefined;
    const [rows] = await conn.query(
      `SELECT t.PROCESSLIST_ID AS id, m.OBJECT_NAME AS n FROM performance_schema.metadata_locks m
         JOIN performance_schema.threads t ON t.THREAD_ID = m.OWNER_THREAD_ID
        WHERE m.OBJECT_TYPE = 'TABLE' AND m.LOCK_STATUS = 'GRANTED' AND m.OBJECT_SCHEMA = DATABASE() AND t.PROCESSLIST_ID <> CONNECTION_ID()`,
    );
    const out = new Map<number, string[]>();
    for (const r of rows as Row[]) out.set(Number(r.id), [...(out.get(Number(r.id)) ?? []), String(r.n)]);
    return out;
  } catch {
    return undefined;
  }
}
