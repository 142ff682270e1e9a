import { DatabaseError } from '../errors/errors.js';
import type { PostgresTarget } from './database-url.js';
import { LEDGER_COLUMNS, parseLedgerRows, STEPS_COLUMN, type LedgerState } from './ledger.js';
import type { Client as PgClient } from 'pg';
import { localLimits, withPostgresClient, type PostgresOptions } from './pg-connect.js';
import { pgLiteral, type SchemaCatalog } from './version-table.js';
import { TYPE_WITH_LABELS, typesOf } from './pg-catalog.js';

/** One tenant schema as the fleet read found it: its version rows, its ledger, its catalog. */
export interface TenantState {
  readonly schema: string;
  /** The schema has the version table. */
  readonly exists: boolean;
  /** The version table's rows, in the order the server returned them. */
  readonly rows: readonly string[];
  readonly ledger?: LedgerState;
  /** The schema's tables and views (what an unqualified create_table collides with). */
  readonly tables: readonly string[];
  readonly catalog: SchemaCatalog;
  /** MySQL: how the database's version_num compares (its collation), whether it is a key, its width. */
  readonly mysql?: {
    readonly collation: string | null;
    readonly versionKey: boolean;
    readonly length: number | null;
  };
}

export interface FleetRead {
  readonly server: { readonly version: string; readonly inRecovery: boolean };
  /** Schemas that match the pattern and were kept (each handed to onBatch). */
  readonly total: number;
}

/** A shell-style pattern (`tenant_*`, `t?`) as a LIKE pattern with `\` as its escape. */
export function likePattern(glob: string): string {
  return [...glob]
    .map((c) => (c === '*' ? '%' : c === '?' ? '_' : c === '%' || c === '_' || c === '\\' ? `\\${c}` : c))
    .join('');
}

const RELATIONS = "ARRAY['r', 'p', 'v', 'm', 'f']";

/**
 * Schemas read per round trip: what one batch returns is what the run holds at once, however large
 * the fleet. Their version tables are read LOCK_BATCH per transaction: each table read holds a lock
 * until its transaction ends, and the server's lock table is shared (max_locks_per_transaction).
 */
const BATCH = 2500;
const LOCK_BATCH = 500;

/**
 * Every schema whose name matches `pattern`, on one connection, handed to `onBatch` BATCH schemas at a
 * time: first the names (one round trip), then per batch one round trip of read-only transactions:
 * the version tables and ledgers (a query per schema, run by the server inside one statement through
 * query_to_xml), then the batch's catalog, each kind of object grouped by schema in one pass over its
 * system catalog. Each transaction is a snapshot of its own.
 */
export async function readTenants(
  t: PostgresTarget,
  pattern: string,
  versionTable: string,
  ledgerTable: string | undefined,
  opts: PostgresOptions,
  onBatch: (tenants: TenantState[]) => void,
  keep: (schema: string) => boolean = () => true,
): Promise<FleetRead> {
  if ([pattern, versionTable, ledgerTable ?? ''].some((s) => s.includes('\0')))
    throw new DatabaseError('A name holds a NUL character, which no PostgreSQL name can.', {
      hint: 'Check --tenants and the version table.',
    });
  const like = `n.nspname LIKE ${pgLiteral(likePattern(pattern))} ESCAPE '\\'`;
  return withPostgresClient(t, opts, async (client) => {
    const first = (await client.query({
      text: `SELECT current_setting('server_version') AS version, pg_catalog.pg_is_in_recovery() AS recovery; SELECT n.nspname FROM pg_catalog.pg_namespace n WHERE ${like} ORDER BY n.nspname`,
      rowMode: 'array',
    })) as unknown as { rows: unknown[][] }[];
    const info = (first[0]!.rows[0] ?? []) as unknown[];
    // a shard reads only its own schemas
    const names = first[1]!.rows.map((r) => String(r[0])).filter(keep);
    for (let i = 0; i < names.length; i += BATCH)
      onBatch(await readBatch(client, names.slice(i, i + BATCH), versionTable, ledgerTable, opts));
    return { server: { version: String(info[0] ?? ''), inRecovery: info[1] === true }, total: names.length };
  });
}

async function readBatch(
  client: PgClient,
  batch: readonly string[],
  versionTable: string,
  ledgerTable: string | undefined,
  opts: PostgresOptions,
): Promise<TenantState[]> {
  const these = (names: readonly string[]): string =>
    `n.nspname = ANY (ARRAY[${names.map(pgLiteral).join(', ')}]::text[])`;
  const begin = `BEGIN TRANSACTION READ ONLY; ${localLimits(opts)}`;
  const perSchema = (table: string, select: string): string =>
    `CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid AND c.relname = ${pgLiteral(table)} AND c.relkind = ANY (${RELATIONS})) THEN pg_catalog.query_to_xml(pg_catalog.format(${pgLiteral(select)}, n.nspname, ${pgLiteral(table)}), false, true, '')::text END`;
  const stored: string[] = [];
  for (let i = 0; i < batch.length; i += LOCK_BATCH) {
    stored.push(
      begin,
      `SELECT n.nspname, ${perSchema(versionTable, 'SELECT version_num AS v FROM %I.%I')},
         ${ledgerTable === undefined ? 'NULL' : perSchema(ledgerTable, 'SELECT pg_catalog.json_agg(t ORDER BY t.applied_at)::text AS j FROM %I.%I t')}
         FROM pg_catalog.pg_namespace n WHERE ${these(batch.slice(i, i + LOCK_BATCH))}`,
      'ROLLBACK',
    );
  }
  const inBatch = `JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE ${these(batch)}`;
  const catalog = [
    begin,
    `SELECT n.nspname, pg_catalog.json_agg(c.relname) FROM pg_catalog.pg_class c ${inBatch} AND c.relkind = ANY (${RELATIONS}) GROUP BY n.nspname`,
    `SELECT n.nspname, pg_catalog.json_agg(pg_catalog.json_build_array(c.relname, a.attname)) FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid ${inBatch} AND c.relkind = ANY (${RELATIONS}) AND a.attnum > 0 AND NOT a.attisdropped GROUP BY n.nspname`,
    `SELECT n.nspname, pg_catalog.json_agg(pg_catalog.json_build_array(c.relname, t.relname)) FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid JOIN pg_catalog.pg_class t ON t.oid = x.indrelid ${inBatch} GROUP BY n.nspname`,
    `SELECT n.nspname, pg_catalog.json_agg(pg_catalog.json_build_array(c.relname, k.conname)) FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid ${inBatch} GROUP BY n.nspname`,
    `SELECT n.nspname, pg_catalog.json_agg(${TYPE_WITH_LABELS}) FROM pg_catalog.pg_type y JOIN pg_catalog.pg_namespace n ON n.oid = y.typnamespace WHERE ${these(batch)} AND y.typcategory <> 'A' GROUP BY n.nspname`,
    'ROLLBACK',
  ];
  const res = (await client.query({
    text: [...stored, ...catalog].join(';\n'),
    rowMode: 'array',
  })) as unknown as { rows: unknown[][] }[];
  // each transaction's BEGIN and two SET LOCALs come first, its ROLLBACK last
  const versionRows = new Map<string, unknown[]>();
  const transactions = stored.length / 3;
  for (let k = 0; k < transactions; k++)
    for (const r of res[k * 5 + 3]!.rows) versionRows.set(String(r[0]), r);
  const at = transactions * 5 + 3;
  const by = (rows: unknown[][] | undefined): Map<string, unknown[]> =>
    new Map((rows ?? []).map((r) => [String(r[0]), Array.isArray(r[1]) ? (r[1] as unknown[]) : []]));
  const [tableOf, columnOf, indexOf, constraintOf, typeOf] = res.slice(at, at + 5).map((r) => by(r.rows));
  const pairs = (v: unknown[] | undefined): [string, string][] =>
    (v ?? []).map((p) => [String((p as unknown[])[0]), String((p as unknown[])[1])]);
  return batch.map((schema) => {
    const r = versionRows.get(schema) ?? [];
    const versions = r[1] == null ? undefined : xmlValues(String(r[1]), 'v');
    return {
      schema,
      exists: versions !== undefined,
      rows: versions ?? [],
      ...(ledgerTable === undefined
        ? {}
        : { ledger: ledgerOf(ledgerTable, r[2] == null ? null : String(r[2])) }),
      tables: (tableOf!.get(schema) ?? []).map(String),
      catalog: {
        columns: pairs(columnOf!.get(schema)),
        indexes: pairs(indexOf!.get(schema)),
        constraints: pairs(constraintOf!.get(schema)),
        ...typesOf(typeOf!.get(schema)),
        searchPathSchemas: 1,
      },
    };
  });
}

/** The ledger from its rows as JSON objects (a ledger without the steps column reads as before). */
function ledgerOf(table: string, xml: unknown): LedgerState {
  if (xml === null || xml === undefined) return { table, exists: false, rows: [] };
  const json = xmlValues(String(xml), 'j')[0];
  const objects = json === undefined || json === '' ? [] : (JSON.parse(json) as Record<string, unknown>[]);
  const raw = objects.map((o) => [...LEDGER_COLUMNS.map((c) => o[c]), o[STEPS_COLUMN] ?? null]);
  return {
    table,
    exists: true,
    rows: parseLedgerRows(raw),
    hasSteps: objects.length === 0 || STEPS_COLUMN in objects[0]!,
  };
}

/** The elements query_to_xml writes for the two queries: a version row's value, the ledger's JSON. */
const ELEMENTS = { v: /<v>([^<]*)<\/v>/gu, j: /<j>([^<]*)<\/j>/gu } as const;

/** The text of each `<v>` (or `<j>`) element of query_to_xml's output, its entities decoded; a NULL value (xsi:nil) is left out. */
function xmlValues(xml: string, name: keyof typeof ELEMENTS): string[] {
  return [...xml.matchAll(ELEMENTS[name])].map((m) => decodeXml(m[1]!));
}

function decodeXml(s: string): string {
  return s.replace(
    /&(?:#x([0-9a-fA-F]+)|#(\d+)|(amp|lt|gt|quot|apos));/gu,
    (_, hex: string | undefined, dec: string | undefined, named: string | undefined) => {
      if (hex) return String.fromCodePoint(parseInt(hex, 16));
      if (dec) return String.fromCodePoint(Number(dec));
      return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[named as 'amp']!;
    },
  );
}
