import { pgLiteral, type LockHolder, type SchemaCatalog, type TableSize } from './version-table.js';

/**
 * The schema probes' catalog of one schema (env.py's, where it sets the search_path to one, else the
 * connection's current schema) in one statement: the columns of its tables and views, its indexes,
 * constraints and types (array types left out) with their enum labels, each as a JSON array. One line, so that a server log
 * shows it whole.
 */
export function catalogSql(schema: string | undefined, live: boolean): string {
  const sql = `${CATALOG_SQL}${live ? LIVE_FACTS_SQL : ''} FROM pg_catalog.pg_namespace ns WHERE ns.nspname = pg_catalog.current_schema()`;
  return sql.replace(
    'pg_catalog.current_schema()',
    schema === undefined ? 'pg_catalog.current_schema()' : pgLiteral(schema),
  );
}

/**
 * The lock grades' columns: sizes, other sessions' locks, the role's timeouts (read with --locks warn or
 * block). A table's size is its whole inheritance tree's (a partitioned table's partitions, at every
 * level, and an inheritance parent's children: ALTER TABLE on the parent recurses into them), and a
 * table never analysed has its rows estimated from its pages as the planner would (a varlena column
 * counted 32 bytes wide). A table another session holds or waits for in ACCESS EXCLUSIVE mode is sized
 * from pg_class (its pages at the last VACUUM or ANALYZE): the size functions would queue behind that
 * lock, and the whole read with them.
 */
const LIVE_FACTS_SQL = `,
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(c.relname, s.reltuples, s.bytes, s.live, s.analysed, s.members, s.estimate, c.relkind))
    FROM pg_catalog.pg_class c CROSS JOIN LATERAL (
      WITH RECURSIVE tree(oid) AS (SELECT c.oid UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN tree t ON i.inhparent = t.oid)
      SELECT pg_catalog.sum(CASE WHEN k.relkind = 'p' THEN 0 ELSE GREATEST(k.reltuples, 0) END) AS reltuples,
        pg_catalog.sum(CASE WHEN k.locked THEN k.relpages::int8 * 8192 ELSE pg_catalog.pg_total_relation_size(k.oid) END) AS bytes,
        pg_catalog.sum(pg_catalog.pg_stat_get_live_tuples(k.oid)) AS live,
        pg_catalog.bool_and(k.relkind = 'p' OR k.reltuples > 0 OR pg_catalog.pg_stat_get_last_analyze_time(k.oid) IS NOT NULL OR pg_catalog.pg_stat_get_last_autoanalyze_time(k.oid) IS NOT NULL) AS analysed,
        pg_catalog.count(*) FILTER (WHERE k.oid <> c.oid) AS members,
        pg_catalog.sum(CASE WHEN k.relkind = 'p' THEN 0 ELSE (CASE WHEN k.locked THEN k.relpages::int8 ELSE pg_catalog.pg_relation_size(k.oid) / 8192 END) * (8168 / (28 + (SELECT COALESCE(pg_catalog.sum(CASE WHEN a.attlen > 0 THEN a.attlen ELSE 32 END), 0)
          FROM pg_catalog.pg_attribute a WHERE a.attrelid = k.oid AND a.attnum > 0 AND NOT a.attisdropped))) END) AS estimate
      FROM tree JOIN LATERAL (SELECT x.*, EXISTS (SELECT 1 FROM pg_catalog.pg_locks lk WHERE lk.relation = x.oid AND lk.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()) AND lk.mode = 'AccessExclusiveLock') AS locked
        FROM pg_catalog.pg_class x WHERE x.oid = tree.oid) k ON true) s
    WHERE c.relnamespace = ns.oid AND c.relkind = ANY (ARRAY['r', 'p'])),
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(l.pid, c.relname, l.mode, l.granted, a.state, EXTRACT(EPOCH FROM pg_catalog.now() - a.xact_start)::float8))
    FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_class c ON c.oid = l.relation LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
    WHERE c.relnamespace = ns.oid AND c.relkind = ANY (ARRAY['r', 'p']) AND l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()
      AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())),
  (SELECT pg_catalog.json_object_agg(name, reset_val) FROM pg_catalog.pg_settings WHERE name = ANY (ARRAY['lock_timeout', 'statement_timeout'])),
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(c.relname, a.attname, y.typname, a.atttypmod)) FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_type y ON y.oid = a.atttypid
    WHERE c.relnamespace = ns.oid AND c.relkind = ANY (ARRAY['r', 'p']) AND a.attnum > 0 AND NOT a.attisdropped),
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(s.typname, t.typname)) FROM pg_catalog.pg_cast k JOIN pg_catalog.pg_type s ON s.oid = k.castsource JOIN pg_catalog.pg_type t ON t.oid = k.casttarget
    WHERE k.castmethod = 'b')`.replace(/\s+/gu, ' ');

/** A type `y` as [its name, its enum labels or null, the [table, column] of its schema's tables it types]: what typesOf reads. */
export const TYPE_WITH_LABELS = `pg_catalog.json_build_array(y.typname, (SELECT pg_catalog.json_agg(e.enumlabel) FROM pg_catalog.pg_enum e WHERE e.enumtypid = y.oid), (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(c.relname, a.attname)) FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid WHERE y.typtype = 'e' AND a.atttypid = y.oid AND c.relnamespace = y.typnamespace AND c.relkind = ANY (ARRAY['r', 'p']) AND a.attnum > 0 AND NOT a.attisdropped))`;

const CATALOG_SQL = `SELECT
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(c.relname, a.attname)) FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    WHERE c.relnamespace = ns.oid AND c.relkind = ANY (ARRAY['r', 'p', 'v', 'm', 'f']) AND a.attnum > 0 AND NOT a.attisdropped),
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(i.relname, t.relname)) FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
    WHERE i.relnamespace = ns.oid),
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(t.relname, k.conname)) FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class t ON t.oid = k.conrelid
    WHERE t.relnamespace = ns.oid),
  (SELECT pg_catalog.json_agg(${TYPE_WITH_LABELS})
    FROM pg_catalog.pg_type y WHERE y.typnamespace = ns.oid AND y.typcategory <> 'A'),
  ns.nspname,
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(x.name, x.installed)) FROM (SELECT e.name, e.installed_version IS NOT NULL AS installed FROM pg_catalog.pg_available_extensions e
    UNION SELECT e.extname, true FROM pg_catalog.pg_extension e) x)`.replace(/\s+/gu, ' ');

export function catalogOf(row: unknown[] | undefined, pathSchemas: number | null): SchemaCatalog {
  const pairs = (v: unknown): [string, string][] =>
    Array.isArray(v) ? v.map((p) => [String((p as unknown[])[0]), String((p as unknown[])[1])]) : [];
  return {
    columns: pairs(row?.[0]),
    indexes: pairs(row?.[1]),
    constraints: pairs(row?.[2]),
    ...typesOf(row?.[3]),
    ...(typeof row?.[4] === 'string' ? { schema: row[4] } : {}),
    ...(row && row.length > 5
      ? {
          extensions: (Array.isArray(row[5]) ? (row[5] as unknown[][]) : []).map(
            (e) => [String(e[0]), e[1] === true] as const,
          ),
        }
      : {}),
    searchPathSchemas: pathSchemas ?? 0,
    ...liveFacts(row),
  };
}

/** The types, each [name, its enum labels or null, the columns of that type or null]. */
export function typesOf(v: unknown): Pick<SchemaCatalog, 'types' | 'enumLabels' | 'enumColumns'> {
  const rows = Array.isArray(v) ? (v as unknown[][]) : [];
  return {
    types: rows.map((r) => String(r[0])),
    enumLabels: rows.flatMap((r) =>
      Array.isArray(r[1]) ? r[1].map((l) => [String(r[0]), String(l)] as const) : [],
    ),
    enumColumns: rows.flatMap((r) =>
      Array.isArray(r[2])
        ? (r[2] as unknown[][]).map((c) => [String(c[0]), String(c[1]), String(r[0])] as const)
        : [],
    ),
  };
}

/** The live facts the lock grades read with the catalog: table sizes, other sessions' locks, the timeouts, column types and the server's binary-coercible casts. */
function liveFacts(
  row: unknown[] | undefined,
): Pick<SchemaCatalog, 'tableSizes' | 'lockHolders' | 'timeouts' | 'columnTypes' | 'binaryCasts'> {
  // not asked for (--locks off): the catalog's row ends with the schema's name and the extensions
  if (!row || row.length <= 6) return {};
  const list = (v: unknown): unknown[][] => (Array.isArray(v) ? (v as unknown[][]) : []);
  const num = (v: unknown): number | null =>
    typeof v === 'number' && Number.isFinite(v)
      ? v
      : typeof v === 'string' && v !== '' && Number.isFinite(Number(v))
        ? Number(v)
        : null;
  const tableSizes: TableSize[] = list(row?.[6]).map((r) => {
    const reltuples = num(r[1]);
    // every member analysed (reltuples is -1 from PostgreSQL 14, or 0 with no pages counted, before the first ANALYZE)
    const analysed = r[4] === true;
    const members = num(r[5]) ?? 0;
    return {
      table: String(r[0]),
      rows: analysed && reltuples !== null && reltuples >= 0 ? Math.round(reltuples) : null,
      bytes: num(r[2]) ?? 0,
      liveRows: num(r[3]),
      estimatedRows: num(r[6]),
      ...(members > 0
        ? { members, tree: r[7] === 'p' ? ('partitions' as const) : ('children' as const) }
        : {}),
    };
  });
  const lockHolders: LockHolder[] = list(row?.[7]).map((r) => ({
    pid: num(r[0]) ?? 0,
    table: String(r[1]),
    mode: String(r[2]),
    granted: r[3] === true,
    state: typeof r[4] === 'string' ? r[4] : null,
    transactionSeconds: num(r[5]),
  }));
  const settings =
    row?.[8] !== null && typeof row?.[8] === 'object' ? (row[8] as Record<string, unknown>) : undefined;
  const timeouts = settings
    ? { lockMs: num(settings['lock_timeout']) ?? 0, statementMs: num(settings['statement_timeout']) ?? 0 }
    : undefined;
  const columnTypes = list(row?.[9]).map(
    (r) => [String(r[0]), String(r[1]), String(r[2]), num(r[3]) ?? -1] as const,
  );
  const binaryCasts = list(row?.[10]).map((r) => [String(r[0]), String(r[1])] as const);
  return { tableSizes, lockHolders, ...(timeouts ? { timeouts } : {}), columnTypes, binaryCasts };
}
