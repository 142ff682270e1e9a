import type { Connection } from 'mysql2/promise';
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
      `SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ${where}`,
      args,
    );
    const [indexes] = await conn.query(
      `SELECT DISTINCT INDEX_NAME AS i, TABLE_NAME AS t FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ${where}`,
      args,
    );
    const [constraints] = await conn.query(
      `SELECT TABLE_NAME AS t, CONSTRAINT_NAME AS c FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ${where}`,
      args,
    );
    const [sizes] = await conn.query(
      `SELECT TABLE_NAME AS t, TABLE_ROWS AS r, DATA_LENGTH + INDEX_LENGTH AS b FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${where} AND TABLE_TYPE = 'BASE TABLE'`,
      args,
    );
    const [name] = await conn.query(`SELECT ${where} AS s`, args);
    return {
      schema: String((name as Row[])[0]!.s),
      columns: (columns as Row[]).map((r) => [String(r.t), String(r.c)] as const),
      indexes: (indexes as Row[]).map((r) => [String(r.i), String(r.t)] as const),
      constraints: (constraints as Row[]).map((r) => [String(r.t), String(r.c)] as const),
      tableSizes: (sizes as Row[]).map((r) => ({
        table: String(r.t),
        rows: r.r === null ? null : Number(r.r),
        bytes: Number(r.b ?? 0),
        liveRows: r.r === null ? null : Number(r.r),
      })),
    };
  } catch (e) {
    return { unreadable: (e as Error).message };
  }
}
