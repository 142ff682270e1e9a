import type { TLSSocket } from 'node:tls';
import type { Client as PgClient } from 'pg';
import { DatabaseError } from '../errors/errors.js';
import { describeTarget, type PostgresTarget } from './database-url.js';
import {
  LEDGER_COLUMNS,
  notALedger,
  parseLedgerRows,
  selectLedgerSql,
  STEPS_COLUMN,
  LEDGER_SCHEMA,
  OWNER_TABLE,
  type LedgerState,
} from './ledger.js';
import { catalogOf, catalogSql } from './pg-catalog.js';
import { localLimits, withPostgresClient, type PostgresOptions } from './pg-connect.js';
import type { SslAttempt, SslPlan } from './pg-ssl.js';
import {
  pgLiteral,
  quoteIdent,
  reprOf,
  type VersionTableRequest,
  type VersionTableState,
  type Writability,
} from './version-table.js';
import { versionRelation, WRITE_PATH_COLUMNS, type WritePathRow } from './write-path.js';

/**
 * Reads the version table over exactly one connection (application_name
 * alembic-preflight) inside a READ ONLY transaction with statement and lock
 * timeouts on our own session, then closes it. Works on a hot standby.
 */
export async function readPostgresVersionTable(
  t: PostgresTarget,
  req: VersionTableRequest,
  opts: PostgresOptions,
): Promise<VersionTableState> {
  return withPostgresClient(t, opts, (client, plan, ssl) => readInside(client, t, req, opts, plan, ssl));
}

type VersionRelation = {
  schema: string;
  name: string;
  typmod: number | null;
  type: string | null;
  hascol: boolean;
  kind: string;
  can_insert: boolean;
  can_update: boolean;
  can_delete: boolean;
} & WritePathRow;
type LedgerFound = { schema: string; can_select: boolean; missing: string[]; has_steps: boolean };
type ServerInfo = {
  version: string;
  recovery: boolean;
  readonly: boolean;
  target_schema: string | null;
  can_create: boolean | null;
  path_schemas: number | null;
  unreadable_catalogs: string[];
  ledger_home: boolean;
};

/** What the second round trip brings back: the version table's rows, the ledger's, the catalog's row. */
interface SecondTrip {
  readonly rows: unknown[];
  readonly ledgerRows: unknown[][];
  readonly catalogRow: unknown[] | undefined;
  /** The app the database was handed to (`ledger owner --set`), if it was. */
  readonly owner: string | undefined;
}

async function readInside(
  client: PgClient,
  t: PostgresTarget,
  req: VersionTableRequest,
  opts: PostgresOptions,
  plan: SslPlan,
  ssl: SslAttempt,
): Promise<VersionTableState> {
  refuseNul(req);
  // two round trips in all (this also runs from a laptop against a remote database, where each
  // costs tens of milliseconds): the settings, the server and the table's description in one
  // simple query; the rows and the end of the transaction in another
  const setup = (await client.query(setupSql(req, opts))) as unknown as { rows: unknown[] }[];
  const info = setup[setup.length - 5]!.rows[0] as ServerInfo;
  // the probes' catalog rides on the next round trip, when this role may read it
  const objects = req.objectsSchema;
  const readCatalog =
    req.catalog === true && info.unreadable_catalogs.length === 0 && !(objects && 'unknown' in objects);
  // what an unqualified create_table would collide with: the relations of the schema CREATE TABLE writes to
  const tables = (setup[setup.length - 3]!.rows as { name: string }[]).map((r) => r.name);
  // the ledger, where the version table is (or would be): whether it is there, and readable
  const ledgerFound = setup[setup.length - 2]!.rows[0] as LedgerFound | undefined;
  // the owner table beside the ledger (where the ledger is, else where it belongs), when this role may read it
  const ownerFound = setup[setup.length - 1]!.rows[0] as { schema: string } | undefined;
  if (ledgerFound && ledgerFound.missing.length > 0) {
    await client.query('ROLLBACK');
    throw notALedger(req.ledgerTable!, ledgerFound.missing);
  }
  // SQLAlchemy's has_table: visible on the search_path (or in the named schema), tables, views and friends
  const table = setup[setup.length - 4]!.rows[0] as VersionRelation | undefined;
  const readLedger = ledgerFound?.can_select === true && req.ledgerTable !== undefined;
  const trip = await secondTrip(client, req, table, {
    ledger: readLedger
      ? `${selectLedgerSql(req.ledgerTable!, ledgerFound.schema, ledgerFound.has_steps)}; `
      : '',
    catalog: readCatalog
      ? `${catalogSql(objects && 'schema' in objects ? objects.schema : undefined, req.liveFacts === true)}; `
      : '',
    owner: ownerFound
      ? `SELECT app FROM ${quoteIdent(ownerFound.schema)}.${quoteIdent(OWNER_TABLE)} LIMIT 1; `
      : '',
  });
  const catalog: VersionTableState['catalog'] = !req.catalog
    ? undefined
    : objects && 'unknown' in objects
      ? { unreadable: objects.unknown }
      : !readCatalog
        ? {
            unreadable: `this role cannot read ${info.unreadable_catalogs.map((n) => `pg_catalog.${n}`).join(', ')}`,
          }
        : catalogOf(trip.catalogRow, objects && 'schema' in objects ? 1 : info.path_schemas);
  const ledger = ledgerOf(req, ledgerFound, trip.ledgerRows, info.ledger_home, trip.owner);
  const stream = (client as unknown as { connection?: { stream?: TLSSocket } }).connection?.stream;
  const encrypted =
    ssl !== false && stream !== undefined && (stream as { encrypted?: boolean }).encrypted === true;
  return {
    tables,
    writable: writability(info, table),
    ...(ledger ? { ledger } : {}),
    ...(catalog ? { catalog } : {}),
    dialect: 'postgresql',
    host: describeTarget(t).host,
    database: t.database,
    versionTable: req.versionTable,
    versionTableSchema: req.versionTableSchema,
    foundInSchema: table?.schema ?? null,
    exists: table !== undefined,
    rows: trip.rows.map(reprOf),
    ...columnShape(table),
    server: { version: info.version, inRecovery: info.recovery },
    tls: {
      mode: plan.mode,
      encrypted,
      verified: encrypted && (ssl as { rejectUnauthorized?: boolean }).rejectUnauthorized === true,
    },
  };
}

function refuseNul(req: VersionTableRequest): void {
  if (req.versionTable.includes('\0') || req.versionTableSchema?.includes('\0')) {
    throw new DatabaseError("The version table's name holds a NUL character, which no PostgreSQL name can.", {
      hint: 'Check version_table / version_table_schema in env.py, or --version-table.',
    });
  }
  if (req.ledgerTable?.includes('\0'))
    throw new DatabaseError("The ledger table's name holds a NUL character, which no PostgreSQL name can.", {
      hint: 'Check --ledger-table or ledger-table in the settings.',
    });
}

/** What decides whether Alembic can write: the server's role, the session's default, the schema, the table. */
function writability(info: ServerInfo, table: VersionRelation | undefined): Writability {
  return {
    recovery: info.recovery,
    readOnly: info.readonly,
    schema: info.target_schema,
    schemaExists: info.can_create !== null,
    canCreate: info.can_create === true,
    ...(table ? { table: versionRelation(table) } : {}),
  };
}

/** The version_num column's declared length, and the padded type of a hand-made character(n) column. */
function columnShape(table: VersionRelation | undefined): {
  columnLength: number | null;
  paddingType: string | null;
} {
  if (!table) return { columnLength: null, paddingType: null };
  const columnLength =
    table.type === 'character varying' && table.typmod !== null && table.typmod > 4 ? table.typmod - 4 : null;
  // a hand-made table: character(n) hands back each value padded to n, and Alembic looks that string up
  const paddingType =
    table.type === 'character'
      ? table.typmod !== null && table.typmod > 4
        ? `character(${table.typmod - 4})`
        : 'character'
      : null;
  return { columnLength, paddingType };
}

/** The second round trip: the version table's rows (Alembic's own SELECT), the ledger, the catalog, and the end of the transaction. */
async function secondTrip(
  client: PgClient,
  req: VersionTableRequest,
  table: VersionRelation | undefined,
  selects: { ledger: string; catalog: string; owner: string },
): Promise<SecondTrip> {
  const { ledger, catalog, owner } = selects;
  if (table && !table.hascol) {
    throw new DatabaseError(
      `The table ${table.schema}.${table.name} has no version_num column, so it is not an Alembic version table.`,
      {
        hint: 'Alembic would fail on it as well. Check --version-table / --version-table-schema, or the version_table given to context.configure() in env.py.',
      },
    );
  }
  if (!table && !ledger && !catalog && !owner) {
    await client.query('ROLLBACK');
    return { rows: [], ledgerRows: [], catalogRow: undefined, owner: undefined };
  }
  const name =
    req.versionTableSchema === null
      ? quoteIdent(req.versionTable)
      : `${quoteIdent(req.versionTableSchema)}.${quoteIdent(req.versionTable)}`;
  // Alembic's own SELECT (no ORDER BY): the row order it sees decides which stale row it names first
  const versionSelect = table ? `SELECT version_num FROM ${name}; ` : '';
  const res = (await client.query({
    text: `${versionSelect}${ledger}${catalog}${owner}ROLLBACK`,
    rowMode: 'array',
  })) as unknown as { rows: unknown[][] }[];
  let at = 0;
  const rows = table ? res[at++]!.rows.map((r) => r[0]) : [];
  const ledgerRows = ledger ? res[at++]!.rows : [];
  const catalogRow = catalog ? res[at++]!.rows[0] : undefined;
  const app = owner ? res[at]!.rows[0]?.[0] : undefined;
  return { rows, ledgerRows, catalogRow, owner: typeof app === 'string' ? app : undefined };
}

function ledgerOf(
  req: VersionTableRequest,
  found: LedgerFound | undefined,
  rows: unknown[][],
  homeExists: boolean,
  owner: string | undefined,
): LedgerState | undefined {
  if (req.ledgerTable === undefined) return undefined;
  return {
    table: req.ledgerTable,
    ...(owner !== undefined ? { owner } : {}),
    exists: found !== undefined,
    ...(found ? { schema: found.schema } : {}),
    // a version table in the default schema: the ledger belongs in a schema of its own
    ...(req.versionTableSchema === null ? { home: { schema: LEDGER_SCHEMA, exists: homeExists } } : {}),
    rows: parseLedgerRows(rows),
    ...(found ? { hasSteps: found.has_steps } : {}),
    ...(found && !found.can_select
      ? { unreadable: `this role has no SELECT privilege on ${found.schema}.${req.ledgerTable}` }
      : {}),
  };
}

/**
 * The first round trip: the session's limits, the server and its settings, the version table's
 * description, the relations of the schema CREATE TABLE writes to, and the ledger's, in one simple query.
 */
function setupSql(req: VersionTableRequest, opts: PostgresOptions): string {
  const schemaTest =
    req.versionTableSchema === null
      ? "pg_catalog.pg_table_is_visible(c.oid) AND n.nspname <> 'pg_catalog'"
      : `n.nspname = ${pgLiteral(req.versionTableSchema)}`;
  // its home schema first, then where ledgers were kept before it had one (beside the version table)
  const ledgerSchemaTest =
    req.versionTableSchema === null
      ? `(n.nspname = ${pgLiteral(LEDGER_SCHEMA)} OR ${schemaTest})`
      : schemaTest;
  // the ledger's relation: in its home schema first, then where ledgers were kept before it had one
  const ledgerFrom =
    req.ledgerTable === undefined
      ? ''
      : `FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = ${pgLiteral(req.ledgerTable)} AND c.relkind = ANY (ARRAY['r', 'p', 'f', 'v', 'm']) AND ${ledgerSchemaTest}
      ORDER BY n.nspname = ${pgLiteral(LEDGER_SCHEMA)} DESC LIMIT 1`;
  // one more statement in the first round trip; a SELECT of no rows when no ledger is asked for
  const ledgerQuery =
    req.ledgerTable === undefined
      ? 'SELECT true AS can_select WHERE false'
      : `SELECT n.nspname AS schema, pg_catalog.has_table_privilege(c.oid, 'SELECT') AS can_select,
        ARRAY(SELECT col FROM pg_catalog.unnest(ARRAY[${LEDGER_COLUMNS.map((col) => pgLiteral(col)).join(', ')}]) col
               WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attname = col AND NOT a.attisdropped)) AS missing,
        EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attname = ${pgLiteral(STEPS_COLUMN)} AND NOT a.attisdropped) AS has_steps
      ${ledgerFrom}`;
  // the owner table: beside the ledger where there is one, else where the ledger belongs; read only where this role may
  const ownerQuery =
    req.ledgerTable === undefined
      ? 'SELECT true AS schema WHERE false'
      : `SELECT n.nspname AS schema FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = ${pgLiteral(OWNER_TABLE)} AND c.relkind = 'r' AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
        AND n.nspname = COALESCE((SELECT n.nspname ${ledgerFrom}), ${pgLiteral(req.versionTableSchema ?? LEDGER_SCHEMA)})`;
  return `BEGIN TRANSACTION READ ONLY; ${localLimits(opts)}; SELECT current_setting('server_version') AS version, pg_catalog.pg_is_in_recovery() AS recovery,
       current_setting('default_transaction_read_only') = 'on' AS readonly,
       ${req.versionTableSchema === null ? 'current_schema()' : pgLiteral(req.versionTableSchema)} AS target_schema,
       (SELECT pg_catalog.has_schema_privilege(n.oid, 'CREATE') FROM pg_catalog.pg_namespace n WHERE n.nspname = ${req.versionTableSchema === null ? 'current_schema()' : pgLiteral(req.versionTableSchema)}) AS can_create,
       pg_catalog.array_length(pg_catalog.current_schemas(false), 1) AS path_schemas,
       EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ${pgLiteral(LEDGER_SCHEMA)}) AS ledger_home,
       ${req.catalog ? "ARRAY(SELECT t FROM pg_catalog.unnest(ARRAY['pg_attribute', 'pg_index', 'pg_constraint', 'pg_type']) t WHERE NOT pg_catalog.has_table_privilege('pg_catalog.' || t, 'SELECT'))" : 'ARRAY[]::text[]'} AS unreadable_catalogs;
     SELECT n.nspname AS schema, c.relname AS name, a.atttypmod AS typmod, pg_catalog.format_type(a.atttypid, NULL) AS type, a.attname IS NOT NULL AS hascol,
            c.relkind AS kind, pg_catalog.has_table_privilege(c.oid, 'INSERT') AS can_insert, pg_catalog.has_table_privilege(c.oid, 'UPDATE') AS can_update, pg_catalog.has_table_privilege(c.oid, 'DELETE') AS can_delete,
            ${WRITE_PATH_COLUMNS}
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'version_num' AND NOT a.attisdropped
      WHERE c.relname = ${pgLiteral(req.versionTable)} AND c.relkind = ANY (ARRAY['r', 'p', 'f', 'v', 'm']) AND ${schemaTest}
      LIMIT 1;
     SELECT c.relname AS name FROM pg_catalog.pg_class c
      WHERE c.relnamespace = (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = ${req.objectsSchema && 'schema' in req.objectsSchema ? pgLiteral(req.objectsSchema.schema) : 'current_schema()'}) AND c.relkind = ANY (ARRAY['r', 'p', 'f', 'v', 'm']);
     ${ledgerQuery};
     ${ownerQuery}`;
}
