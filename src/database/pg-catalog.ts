import { pgLiteral, type LockHolder, type SchemaCatalog, type TableSize } from './version-table.js';

/**
 * The schema probes' catalog of one schema (env.py's, where it sets the search_path to one, else the
 * connection's current schema) in one statement: the columns of its tables and views, its indexes,
 * constraints and types (array types left out), each as a JSON array. One line, so that a server log
 * shows it whole.
 */
export function catalogSql(schema: string | undefined, live: boolean): string {
  const sql = `${CATALOG_SQL}${live ? LIVE_FACTS_SQL : ''} FROM pg_catalog.pg_namespace ns WHERE ns.nspname = pg_catalog.current_schema()`;
  return sql.replace(
    'pg_catalog.current_schema()',
    schema === undefined ? 'pg_catalog.current_schema()' : pgLiteral(schema),
  );
}

/** The lock grades' columns: sizes, other sessions' locks, the role's timeouts (read with --locks warn or block). */
const LIVE_FACTS_SQL = `,
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(c.relname, c.reltuples, pg_catalog.pg_total_relation_size(c.oid), pg_catalog.pg_stat_get_live_tuples(c.oid),
      pg_catalog.pg_stat_get_last_analyze_time(c.oid) IS NOT NULL OR pg_catalog.pg_stat_get_last_autoanalyze_time(c.oid) IS NOT NULL))
    FROM pg_catalog.pg_class c WHERE c.relnamespace = ns.oid AND c.relkind = ANY (ARRAY['r', 'p'])),
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(l.pid, c.relname, l.mode, l.granted, a.state, EXTRACT(EPOCH FROM pg_catalog.now() - a.xact_start)::float8))
    FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_class c ON c.oid = l.relation LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
    WHERE c.relnamespace = ns.oid AND c.relkind = ANY (ARRAY['r', 'p']) AND l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()),
  (SELECT pg_catalog.json_object_agg(name, reset_val) FROM pg_catalog.pg_settings WHERE name = ANY (ARRAY['lock_timeout', 'statement_timeout']))`.replace(
  /\s+/gu,
  ' ',
);

const CATALOG_SQL = `SELECT
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(c.relname, a.attname)) FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    WHERE c.relnamespace = ns.oid AND c.relkind = ANY (ARRAY['r', 'p', 'v', 'm', 'f']) AND a.attnum > 0 AND NOT a.attisdropped),
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(i.relname, t.relname)) FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
    WHERE i.relnamespace = ns.oid),
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(t.relname, k.conname)) FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class t ON t.oid = k.conrelid
    WHERE t.relnamespace = ns.oid),
  (SELECT pg_catalog.json_agg(y.typname) FROM pg_catalog.pg_type y WHERE y.typnamespace = ns.oid AND y.typcategory <> 'A')`.replace(
  /\s+/gu,
  ' ',
);

export function catalogOf(row: unknown[] | undefined, pathSchemas: number | null): SchemaCatalog {
  const pairs = (v: unknown): [string, string][] =>
    Array.isArray(v) ? v.map((p) => [String((p as unknown[])[0]), String((p as unknown[])[1])]) : [];
  return {
    columns: pairs(row?.[0]),
    indexes: pairs(row?.[1]),
    constraints: pairs(row?.[2]),
    types: Array.isArray(row?.[3]) ? (row[3] as unknown[]).map(String) : [],
    searchPathSchemas: pathSchemas ?? 0,
    ...liveFacts(row),
  };
}

/** The live facts the lock grades read with the catalog: table sizes, other sessions' locks, the timeouts. */
function liveFacts(
  row: unknown[] | undefined,
): Pick<SchemaCatalog, 'tableSizes' | 'lockHolders' | 'timeouts'> {
  // not asked for (--locks off): the catalog's row ends with the types
  if (!row || row.length <= 4) return {};
  const list = (v: unknown): unknown[][] => (Array.isArray(v) ? (v as unknown[][]) : []);
  const num = (v: unknown): number | null =>
    typeof v === 'number' && Number.isFinite(v)
      ? v
      : typeof v === 'string' && v !== '' && Number.isFinite(Number(v))
        ? Number(v)
        : null;
  const tableSizes: TableSize[] = list(row?.[4]).map((r) => {
    const reltuples = num(r[1]);
    // reltuples is -1 (PostgreSQL 14 and later) or 0 with no pages counted before the first ANALYZE
    const analysed = r[4] === true || (reltuples !== null && reltuples > 0);
    return {
      table: String(r[0]),
      rows: analysed && reltuples !== null && reltuples >= 0 ? Math.round(reltuples) : null,
      bytes: num(r[2]) ?? 0,
      liveRows: num(r[3]),
    };
  });
  const lockHolders: LockHolder[] = list(row?.[5]).map((r) => ({
    pid: num(r[0]) ?? 0,
    table: String(r[1]),
    mode: String(r[2]),
    granted: r[3] === true,
    state: typeof r[4] === 'string' ? r[4] : null,
    transactionSeconds: num(r[5]),
  }));
  const settings =
    row?.[6] !== null && typeof row?.[6] === 'object' ? (row[6] as Record<string, unknown>) : undefined;
  const timeouts = settings
    ? { lockMs: num(settings['lock_timeout']) ?? 0, statementMs: num(settings['statement_timeout']) ?? 0 }
    : undefined;
  return { tableSizes, lockHolders, ...(timeouts ? { timeouts } : {}) };
}
