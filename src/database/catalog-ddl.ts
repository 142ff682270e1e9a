import type { Client } from 'pg';
import { pgLiteral, quoteIdent } from './version-table.js';

/**
 * The DDL that rebuilds current_schema()'s objects, read from pg_catalog in a read-only transaction:
 * enum types, domains, sequences, tables (columns with their types, defaults, identity and
 * generated expressions), constraints (keys before the foreign keys that need them), the other
 * indexes, and views. What `--from-production` uses when pg_dump is not installed; functions,
 * triggers, policies and grants are pg_dump's alone.
 */
export async function catalogDdl(client: Client): Promise<string[]> {
  await client.query('BEGIN TRANSACTION READ ONLY');
  try {
    const one = async (sql: string): Promise<string[][]> =>
      (await client.query({ text: sql, rowMode: 'array' })).rows as string[][];
    const out: string[] = [];
    const [[schema]] = (await one('SELECT pg_catalog.current_schema()')) as [[string]];
    const ns = `(SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ${pgLiteral(schema)})`;
    for (const [name, labels] of await one(
      `SELECT t.typname, pg_catalog.array_to_json(ARRAY(SELECT e.enumlabel FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder))::text FROM pg_catalog.pg_type t WHERE t.typnamespace = ${ns} AND t.typtype = 'e' ORDER BY t.oid`,
    )) {
      out.push(
        `CREATE TYPE ${quoteIdent(name!)} AS ENUM (${(JSON.parse(labels!) as string[]).map(pgLiteral).join(', ')})`,
      );
    }
    for (const [name, base, notNull, dflt] of await one(
      `SELECT t.typname, pg_catalog.format_type(t.typbasetype, t.typtypmod), t.typnotnull::text, t.typdefault FROM pg_catalog.pg_type t WHERE t.typnamespace = ${ns} AND t.typtype = 'd' ORDER BY t.oid`,
    )) {
      out.push(
        `CREATE DOMAIN ${quoteIdent(name!)} AS ${base}${dflt ? ` DEFAULT ${dflt}` : ''}${notNull === 'true' ? ' NOT NULL' : ''}`,
      );
    }
    for (const [name, start, inc] of await one(
      `SELECT c.relname, s.seqstart::text, s.seqincrement::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid WHERE c.relnamespace = ${ns} AND c.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i') ORDER BY c.oid`,
    )) {
      out.push(`CREATE SEQUENCE ${quoteIdent(name!)} START ${start} INCREMENT ${inc}`);
    }
    const columns =
      await one(`SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull::text, pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE c.relnamespace = ${ns} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.oid, a.attnum`);
    const tables = new Map<string, string[]>();
    for (const [table, col, type, notNull, dflt, identity, generated] of columns) {
      const spec = [quoteIdent(col!), type!];
      if (generated === 's') spec.push(`GENERATED ALWAYS AS (${dflt}) STORED`);
      else if (identity === 'a' || identity === 'd')
        spec.push(`GENERATED ${identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`);
      else if (dflt) spec.push(`DEFAULT ${dflt}`);
      if (notNull === 'true' && identity !== 'a' && identity !== 'd') spec.push('NOT NULL');
      tables.set(table!, [...(tables.get(table!) ?? []), spec.join(' ')]);
    }
    const empty = await one(
      `SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relnamespace = ${ns} AND c.relkind IN ('r', 'p') AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)`,
    );
    for (const [t] of empty) tables.set(t!, []);
    for (const [table, cols] of tables) out.push(`CREATE TABLE ${quoteIdent(table)} (${cols.join(', ')})`);
    // a serial column's sequence belongs to its column again
    for (const [seq, table, col] of await one(
      `SELECT s.relname, t.relname, a.attname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_catalog.pg_class t ON t.oid = d.refobjid JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid WHERE d.deptype = 'a' AND s.relnamespace = ${ns}`,
    )) {
      out.push(`ALTER SEQUENCE ${quoteIdent(seq!)} OWNED BY ${quoteIdent(table!)}.${quoteIdent(col!)}`);
    }
    for (const [table, name, def] of await one(
      `SELECT t.relname, k.conname, pg_catalog.pg_get_constraintdef(k.oid) FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class t ON t.oid = k.conrelid WHERE t.relnamespace = ${ns} AND k.contype <> 'n' ORDER BY CASE k.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'f' THEN 3 ELSE 2 END, k.oid`,
    )) {
      out.push(`ALTER TABLE ${quoteIdent(table!)} ADD CONSTRAINT ${quoteIdent(name!)} ${def}`);
    }
    for (const [def] of await one(
      `SELECT pg_catalog.pg_get_indexdef(x.indexrelid) FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid WHERE i.relnamespace = ${ns} AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = x.indexrelid) ORDER BY i.oid`,
    )) {
      out.push(def!);
    }
    for (const [name, kind, def] of await one(
      `SELECT c.relname, c.relkind::text, pg_catalog.pg_get_viewdef(c.oid) FROM pg_catalog.pg_class c WHERE c.relnamespace = ${ns} AND c.relkind IN ('v', 'm') ORDER BY c.oid`,
    )) {
      out.push(
        `CREATE ${kind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW'} ${quoteIdent(name!)} AS ${def!.replace(/;\s*$/u, '')}`,
      );
    }
    return out;
  } finally {
    await client.query('ROLLBACK');
  }
}
