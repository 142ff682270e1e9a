import { pathKind } from '../project/machine-files.js';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { DatabaseError, PreflightError } from '../errors/errors.js';
import type { SqliteTarget } from './database-url.js';
import { openSqlite } from './open-sqlite.js';
import {
  LEDGER_COLUMNS,
  notALedger,
  OWNER_TABLE,
  parseLedgerRows,
  selectLedgerSql,
  STEPS_COLUMN,
  type LedgerState,
} from './ledger.js';
import { quoteIdent, reprOf, type VersionTableRequest, type VersionTableState } from './version-table.js';

/**
 * Reads the version table from a SQLite file opened read-only. A missing file
 * is an error: SQLite would silently create an empty database, and Alembic
 * would then "upgrade" that instead of the real one.
 */
export async function readSqliteVersionTable(
  t: SqliteTarget,
  req: VersionTableRequest,
): Promise<VersionTableState> {
  const kind = pathKind(t.file);
  if (kind === 'missing') {
    throw new DatabaseError(`The SQLite database file ${t.written} does not exist.`, {
      hint: 'Check the path in the URL (sqlite:///relative.db is relative to the current folder, sqlite:////abs.db is absolute). Alembic would create a new empty database there and run every migration on it.',
    });
  }
  if (kind !== 'file')
    throw new DatabaseError(`The SQLite database path ${t.written} is not a file.`, {
      hint: 'Point the URL at the database file.',
    });
  let db: SqliteDatabase;
  try {
    db = await openSqlite(t.file, { readonly: true, fileMustExist: true, timeout: 5000 });
  } catch (e) {
    if (e instanceof DatabaseError) throw e;
    throw new DatabaseError(`Cannot open the SQLite database ${t.written}: ${(e as Error).message}.`, {
      hint: 'Check the file permissions and that it is a SQLite database.',
    });
  }
  try {
    const schema = req.versionTableSchema ?? 'main';
    let found: { name: string } | undefined;
    try {
      found = db
        .prepare(
          `SELECT name FROM ${quoteIdent(schema)}.sqlite_master WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE`,
        )
        .get(req.versionTable) as { name: string } | undefined;
    } catch (e) {
      throw new DatabaseError(`Cannot read the SQLite catalogue of ${t.written}: ${(e as Error).message}.`, {
        hint: /not a database/iu.test((e as Error).message)
          ? 'The file is not a SQLite database; check the URL.'
          : `Check the schema name '${schema}' (SQLite schemas are attached databases).`,
      });
    }
    let rows: unknown[] = [];
    if (found) {
      try {
        rows = db
          .prepare(`SELECT version_num FROM ${quoteIdent(schema)}.${quoteIdent(found.name)}`)
          .raw()
          .all()
          .map((r) => (r as unknown[])[0]);
      } catch (e) {
        throw new DatabaseError(`Cannot read ${found.name}.version_num: ${(e as Error).message}.`, {
          hint: `The table ${found.name} exists but is not an Alembic version table; Alembic would fail on it too. Check --version-table.`,
        });
      }
    }
    const ledger = req.ledgerTable === undefined ? undefined : readLedger(db, schema, req.ledgerTable);
    // what an unqualified create_table would collide with (SQLite compares table names case-blind)
    const tables = (
      db
        .prepare(
          `SELECT name FROM ${quoteIdent(schema)}.sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
        )
        .raw()
        .all() as string[][]
    ).map((r) => String(r[0]));
    const catalog = req.catalog ? readCatalog(db, schema) : undefined;
    return {
      tables,
      ...(ledger ? { ledger } : {}),
      ...(catalog ? { catalog } : {}),
      dialect: 'sqlite',
      host: null,
      database: t.written,
      versionTable: req.versionTable,
      versionTableSchema: req.versionTableSchema,
      foundInSchema: found ? schema : null,
      exists: found !== undefined,
      rows: rows.map(reprOf),
      columnLength: null,
      server: null,
      tls: null,
    };
  } catch (e) {
    if (e instanceof PreflightError) throw e;
    throw new DatabaseError(`Reading the SQLite database ${t.written} failed: ${(e as Error).message}.`, {
      hint: 'Check that the file is a SQLite database and is not locked by a long write.',
    });
  } finally {
    db.close();
  }
}

/** The ledger beside the version table, in the same attached database. */
function readLedger(db: SqliteDatabase, schema: string, table: string): LedgerState {
  const found = db
    .prepare(
      `SELECT name FROM ${quoteIdent(schema)}.sqlite_master WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE`,
    )
    .get(table) as { name: string } | undefined;
  const owner = sqliteOwner(db, schema);
  const handed = owner === undefined ? {} : { owner };
  if (!found) return { table, exists: false, rows: [], ...handed };
  const columns = new Set(
    (db.prepare('SELECT name FROM pragma_table_info(?, ?)').raw().all(found.name, schema) as [string][]).map(
      (r) => String(r[0]).toLowerCase(),
    ),
  );
  const missing = LEDGER_COLUMNS.filter((c) => !columns.has(c));
  if (missing.length > 0) throw notALedger(table, missing);
  const hasSteps = columns.has(STEPS_COLUMN);
  try {
    return {
      table,
      exists: true,
      hasSteps,
      ...handed,
      rows: parseLedgerRows(
        db
          .prepare(selectLedgerSql(found.name, schema, hasSteps))
          .raw()
          .all() as unknown[][],
      ),
    };
  } catch (e) {
    return { table, exists: true, hasSteps, ...handed, rows: [], unreadable: (e as Error).message };
  }
}

/** The app the database was handed to (the owner table beside the ledger), if it was and can be read. */
function sqliteOwner(db: SqliteDatabase, schema: string): string | undefined {
  try {
    const there = db
      .prepare(`SELECT 1 FROM ${quoteIdent(schema)}.sqlite_master WHERE type = 'table' AND name = ?`)
      .get(OWNER_TABLE);
    if (!there) return undefined;
    const row = db
      .prepare(`SELECT app FROM ${quoteIdent(schema)}.${quoteIdent(OWNER_TABLE)} LIMIT 1`)
      .raw()
      .get() as unknown[] | undefined;
    return typeof row?.[0] === 'string' ? row[0] : undefined;
  } catch {
    // unreadable: the owner is then the ledger rows', which refuses more
    return undefined;
  }
}

/** The columns of the schema's tables and views, and its indexes, for the schema probes. */
function readCatalog(db: SqliteDatabase, schema: string): NonNullable<VersionTableState['catalog']> {
  try {
    const columns = db
      .prepare(
        `SELECT m.name, p.name, p.type FROM ${quoteIdent(schema)}.sqlite_master m JOIN pragma_table_info(m.name, ?) p WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
      )
      .raw()
      .all(schema) as [string, string, string][];
    const indexes = db
      .prepare(`SELECT name, tbl_name FROM ${quoteIdent(schema)}.sqlite_master WHERE type = 'index'`)
      .raw()
      .all() as [string, string][];
    // what SQLite's ALTER TABLE DROP COLUMN refuses: a primary key column, a UNIQUE one, an indexed one
    const indexed = db
      .prepare(
        `SELECT m.name, ii.name, il.name, il.origin FROM ${quoteIdent(schema)}.sqlite_master m JOIN pragma_index_list(m.name, ?) il JOIN pragma_index_info(il.name, ?) ii WHERE m.type = 'table' AND ii.name IS NOT NULL`,
      )
      .raw()
      .all(schema, schema) as [string, string, string, string][];
    const primaryKey = db
      .prepare(
        `SELECT m.name, p.name FROM ${quoteIdent(schema)}.sqlite_master m JOIN pragma_table_info(m.name, ?) p WHERE m.type = 'table' AND p.pk > 0`,
      )
      .raw()
      .all(schema) as [string, string][];
    const tableSql = db
      .prepare(
        `SELECT name, sql FROM ${quoteIdent(schema)}.sqlite_master WHERE type = 'table' AND sql IS NOT NULL`,
      )
      .raw()
      .all() as [string, string][];
    return {
      columns: columns.map(([t, c]) => [String(t), String(c)]),
      declaredTypes: columns.map(([t, c, d]) => [String(t), String(c), String(d).toLowerCase()]),
      indexes: indexes.map(([i, t]) => [String(i), String(t)]),
      tableSql: tableSql.map(([t, q]) => [String(t), String(q)]),
      indexedColumns: indexed.map(([t, c, i, o]) => [String(t), String(c), String(i), String(o)]),
      primaryKeyColumns: primaryKey.map(([t, c]) => [String(t), String(c)]),
    };
  } catch (e) {
    return { unreadable: (e as Error).message };
  }
}
