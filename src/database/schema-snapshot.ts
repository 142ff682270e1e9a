import { pathExists } from '../project/machine-files.js';
import { quoteIdent } from './quote-ident.js';
import { openSqlite } from './open-sqlite.js';
import { mysqlVersionRows, snapshotMysql } from './mysql-snapshot.js';

/**
 * The schema of a scratch database as sorted lines ("table users", "column users.email character
 * varying(255) not null", "index ix_users_email: CREATE UNIQUE INDEX …", "type mood enum(sad,ok)"),
 * so that two snapshots compare as sets. The version table (and what belongs to it) is left out:
 * Alembic itself keeps it.
 */
export async function snapshotSchema(
  url: string,
  dialect: 'postgresql' | 'sqlite' | 'mysql',
  versionTable = 'alembic_version',
): Promise<string[]> {
  if (dialect === 'mysql') return snapshotMysql(url, versionTable);
  return dialect === 'sqlite' ? snapshotSqlite(url, versionTable) : snapshotPostgres(url, versionTable);
}

async function snapshotSqlite(url: string, versionTable: string): Promise<string[]> {
  const file = url.slice('sqlite:///'.length);
  // before the first upgrade Alembic has not made the file yet: an empty schema
  if (!pathExists(file)) return [];
  const db = await openSqlite(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name <> ? COLLATE NOCASE",
      )
      .raw()
      .all(versionTable) as [string, string, string, string | null][];
    return rows
      .map(
        ([type, name, table, sql]) =>
          `${type} ${name}${type === 'index' ? ` on ${table}` : ''}: ${(sql ?? '').replace(/\s+/gu, ' ')}`,
      )
      .sort();
  } finally {
    db.close();
  }
}

const POSTGRES_SNAPSHOT = `
SELECT 'table ' || c.relname || CASE c.relkind WHEN 'v' THEN ' (view)' WHEN 'm' THEN ' (materialized view)' ELSE '' END
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = pg_catalog.current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relname <> $1
UNION ALL
SELECT 'column ' || c.relname || '.' || a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       || COALESCE(' default ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE n.nspname = pg_catalog.current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relname <> $1 AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'index ' || i.relname || ': ' || pg_catalog.pg_get_indexdef(i.oid)
  FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = i.relnamespace
 WHERE n.nspname = pg_catalog.current_schema() AND t.relname <> $1
UNION ALL
SELECT 'constraint ' || t.relname || '.' || k.conname || ': ' || pg_catalog.pg_get_constraintdef(k.oid)
  FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class t ON t.oid = k.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
 WHERE n.nspname = pg_catalog.current_schema() AND t.relname <> $1
UNION ALL
SELECT 'type ' || y.typname || CASE y.typtype WHEN 'e' THEN ' enum(' || (SELECT pg_catalog.string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = y.oid) || ')' WHEN 'd' THEN ' domain' ELSE '' END
  FROM pg_catalog.pg_type y JOIN pg_catalog.pg_namespace n ON n.oid = y.typnamespace
 WHERE n.nspname = pg_catalog.current_schema()
   AND (y.typtype IN ('e', 'd', 'r', 'm') OR (y.typtype = 'c' AND (SELECT relkind FROM pg_catalog.pg_class WHERE oid = y.typrelid) = 'c'))
UNION ALL
SELECT 'sequence ' || c.relname
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = pg_catalog.current_schema() AND c.relkind = 'S'`;

async function snapshotPostgres(url: string, versionTable: string): Promise<string[]> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url, application_name: 'alembic-preflight rehearse' });
  await c.connect();
  try {
    const r = await c.query({ text: POSTGRES_SNAPSHOT, values: [versionTable], rowMode: 'array' });
    return (r.rows as string[][]).map((row) => row[0]!).sort();
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** What `after` has that `before` had not, and what it lost. */
export function schemaDiff(
  before: readonly string[],
  after: readonly string[],
): { added: string[]; removed: string[] } {
  const b = new Set(before);
  const a = new Set(after);
  return { added: after.filter((x) => !b.has(x)), removed: before.filter((x) => !a.has(x)) };
}

/**
 * The version table's rows in a scratch database (sorted; none when the table is missing), the table
 * named as Alembic writes it: in `schema` when env.py sets version_table_schema, else where the
 * search path finds it.
 */
export async function scratchVersionRows(
  url: string,
  dialect: 'postgresql' | 'sqlite' | 'mysql',
  versionTable: string,
  schema?: string,
): Promise<string[]> {
  if (dialect === 'mysql') return mysqlVersionRows(url, versionTable, schema);
  if (dialect === 'sqlite') {
    const file = url.slice('sqlite:///'.length);
    if (!pathExists(file)) return [];
    const db = await openSqlite(file, { readonly: true, fileMustExist: true });
    try {
      const exists = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE")
        .get(versionTable);
      if (!exists) return [];
      return (
        db
          .prepare(`SELECT version_num FROM ${quoteIdent(versionTable)}`)
          .raw()
          .all() as [unknown][]
      )
        .map((r) => String(r[0]))
        .sort();
    } finally {
      db.close();
    }
  }
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: url, application_name: 'alembic-preflight rehearse' });
  await c.connect();
  try {
    const name = `${schema ? `${quoteIdent(schema)}.` : ''}${quoteIdent(versionTable)}`;
    const exists = await c.query({
      text: 'SELECT pg_catalog.to_regclass($1) IS NOT NULL',
      values: [name],
      rowMode: 'array',
    });
    if (!(exists.rows[0] as boolean[])[0]) return [];
    const r = await c.query({ text: `SELECT version_num FROM ${name}`, rowMode: 'array' });
    return (r.rows as unknown[][]).map((row) => String(row[0])).sort();
  } finally {
    await c.end().catch(() => undefined);
  }
}
