import type { TLSSocket } from 'node:tls';
import type { Client as PgClient } from 'pg';
import { DatabaseError, PreflightError } from '../errors/errors.js';
import { describeTarget, type PostgresTarget } from './database-url.js';
import { redactSecrets } from '../errors/redact.js';
import { LEDGER_COLUMNS, notALedger, parseLedgerRows, selectLedgerSql, STEPS_COLUMN, type LedgerState } from './ledger.js';
import { planSsl, type SslAttempt, type SslPlan } from './pg-ssl.js';
import { pgLiteral, quoteIdent, reprOf, type LockHolder, type SchemaCatalog, type TableSize, type VersionTableRequest, type VersionTableState, type Writability } from './version-table.js';
import { versionRelation, WRITE_PATH_COLUMNS, type WritePathRow } from './write-path.js';

export interface PostgresOptions {
  readonly ssl?: string;
  readonly sslCa?: string;
  readonly connectTimeoutMs: number;
  readonly retries: number;
  readonly statementTimeoutMs: number;
  readonly lockTimeoutMs: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Called before each retry (for the log); never given secrets. */
  readonly onRetry?: (info: { attempt: number; delayMs: number; kind: string; message: string }) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

type Kind = 'dns' | 'refused' | 'timeout' | 'auth' | 'tls' | 'permission' | 'missing-database' | 'too-many-connections' | 'starting-up' | 'other';

interface Classified {
  readonly kind: Kind;
  readonly transient: boolean;
  readonly message: string;
  readonly hint: string;
}

/**
 * Reads the version table over exactly one connection (application_name
 * alembic-preflight) inside a READ ONLY transaction with statement and lock
 * timeouts on our own session, then closes it. Works on a hot standby.
 */
export async function readPostgresVersionTable(t: PostgresTarget, req: VersionTableRequest, opts: PostgresOptions): Promise<VersionTableState> {
  return withPostgresClient(t, opts, (client, plan, ssl) => readInside(client, t, req, opts, plan, ssl));
}

/**
 * Connects once (with retries on transient failures and libpq's sslmode
 * fallbacks), runs `work`, and always closes the connection. Driver errors
 * become DatabaseErrors without secrets.
 */
export async function withPostgresClient<T>(t: PostgresTarget, opts: PostgresOptions, work: (client: PgClient, plan: SslPlan, ssl: SslAttempt) => Promise<T>): Promise<T> {
  const plan = planSsl(t, { flag: opts.ssl, caFile: opts.sslCa }, opts.env);
  const pg = await loadPg();
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last: Classified | undefined;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    if (attempt > 0) {
      const delayMs = Math.min(500 * 2 ** (attempt - 1), 8000);
      opts.onRetry?.({ attempt, delayMs, kind: last!.kind, message: last!.message });
      await sleep(delayMs);
    }
    const result = await connectOnce(pg, t, plan, opts);
    if ('client' in result) {
      const { client, ssl } = result;
      try {
        return await work(client, plan, ssl);
      } catch (e) {
        if (e instanceof PreflightError) throw e;
        const c = classify(e, t, plan);
        throw new DatabaseError(c.message, { hint: c.hint });
      } finally {
        // not awaited: the goodbye (Terminate, then the server's close) needs no answer, and from a
        // laptop it is one more round trip; the open socket keeps the process alive until it is done
        void client.end().catch(() => undefined);
      }
    }
    last = result.error;
    if (!last.transient) break;
  }
  throw new DatabaseError(last!.message + (last!.transient && opts.retries > 0 ? ` (gave up after ${opts.retries + 1} attempts)` : ''), { hint: last!.hint });
}

type PgModule = { Client: typeof PgClient };

/**
 * Loads the driver on first use. pg 8 asks whether it runs in a Cloudflare
 * Worker, and where Node has no global navigator (Node 20) it answers by
 * constructing a fetch Response, which loads Node's whole fetch implementation:
 * half of pg's load time, about 35 ms of every verify. A navigator present only
 * while pg loads answers first. A plain import(), so that the bundles (the
 * bin's, the Action's, the wheel's) resolve pg as they resolve every package.
 */
async function loadPg(): Promise<PgModule> {
  const g = globalThis as { navigator?: unknown };
  const load = async (): Promise<PgModule> => {
    const m = (await import('pg')) as PgModule & { default?: PgModule };
    return m.default ?? m;
  };
  if (g.navigator !== undefined) return load();
  Object.defineProperty(globalThis, 'navigator', { value: { userAgent: 'Node.js' }, configurable: true, writable: true });
  try {
    return await load();
  } finally {
    delete g.navigator;
  }
}

/**
 * How long a query may wait for its answer on our side: the server's own limit plus one connect timeout for
 * the network, or ten minutes when --statement-timeout 0 lifts the server's limit.
 */
export function queryDeadlineMs(opts: Pick<PostgresOptions, 'statementTimeoutMs' | 'connectTimeoutMs'>): number {
  return opts.statementTimeoutMs > 0 ? opts.statementTimeoutMs + opts.connectTimeoutMs : 600_000;
}

/** Our limits for the transaction just begun: the statement and lock timeouts, as SET LOCAL statements. */
export function localLimits(opts: Pick<PostgresOptions, 'statementTimeoutMs' | 'lockTimeoutMs'>): string {
  return `SET LOCAL statement_timeout = ${statementTimeoutSetting(opts.statementTimeoutMs)}; SET LOCAL lock_timeout = ${Math.max(1, Math.floor(opts.lockTimeoutMs))}`;
}

/** The statement_timeout to set: 0 means none, as in PostgreSQL. */
export function statementTimeoutSetting(ms: number): number {
  return Math.max(0, Math.floor(ms));
}

/**
 * The connect attempt, ended by us at its deadline whatever phase it is in: the driver's own timer does
 * not end a peer that answered the TLS request and then went silent.
 */
function withinDeadline<T>(work: Promise<T>, ms: number, abandon: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abandon();
      reject(Object.assign(new Error(`timeout expired after ${ms / 1000} s`), { code: 'ETIMEDOUT' }));
    }, ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function socketOf(client: PgClient): { destroy(): void } | undefined {
  return (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
}

async function connectOnce(
  pg: PgModule,
  t: PostgresTarget,
  plan: SslPlan,
  opts: PostgresOptions,
): Promise<{ client: PgClient; ssl: SslAttempt } | { error: Classified }> {
  let error: Classified | undefined;
  for (const [i, ssl] of plan.attempts.entries()) {
    const client = new pg.Client({
      host: t.host,
      port: t.port,
      user: t.user,
      password: t.password,
      database: t.database,
      // libpq's `options` (`-csearch_path=tenant`) decides which alembic_version an unqualified name finds, for Alembic as for us
      ...(t.params.has('options') ? { options: t.params.get('options') } : {}),
      ssl,
      application_name: 'alembic-preflight',
      connectionTimeoutMillis: opts.connectTimeoutMs,
      // client-side: a server that stops answering mid-query would otherwise hold the run forever
      query_timeout: queryDeadlineMs(opts),
    });
    client.on('error', () => undefined);
    try {
      await withinDeadline(client.connect(), opts.connectTimeoutMs, () => socketOf(client)?.destroy());
      return { client, ssl };
    } catch (e) {
      await client.end().catch(() => undefined);
      error = classify(e, t, plan);
      const more = i + 1 < plan.attempts.length;
      if (!more) break;
      if (plan.fallback === 'none') break;
      // the other mode reaches the same host: no point where the host itself cannot be reached
      if (error.kind === 'dns' || error.kind === 'refused') break;
    }
  }
  return { error: error! };
}

async function readInside(client: PgClient, t: PostgresTarget, req: VersionTableRequest, opts: PostgresOptions, plan: SslPlan, ssl: SslAttempt): Promise<VersionTableState> {
  if (req.versionTable.includes('\0') || req.versionTableSchema?.includes('\0')) {
    throw new DatabaseError('The version table\'s name holds a NUL character, which no PostgreSQL name can.', { hint: 'Check version_table / version_table_schema in env.py, or --version-table.' });
  }
  if (req.ledgerTable?.includes('\0')) throw new DatabaseError("The ledger table's name holds a NUL character, which no PostgreSQL name can.", { hint: 'Check --ledger-table or ledger-table in the settings.' });
  // two round trips in all (this also runs from a laptop against a remote database, where each
  // costs tens of milliseconds): the settings, the server and the table's description in one
  // simple query; the rows and the end of the transaction in another
  const setup = (await client.query(setupSql(req, opts))) as unknown as { rows: unknown[] }[];
  const info = setup[setup.length - 4]!.rows[0] as { version: string; recovery: boolean; readonly: boolean; target_schema: string | null; can_create: boolean | null; path_schemas: number | null; unreadable_catalogs: string[] };
  // the probes' catalog rides on the next round trip, when this role may read it
  const objects = req.objectsSchema;
  const readCatalog = req.catalog === true && info.unreadable_catalogs.length === 0 && !(objects && 'unknown' in objects);
  const catalogSelect = readCatalog ? `${catalogSql(objects && 'schema' in objects ? objects.schema : undefined, req.liveFacts === true)}; ` : '';
  // what an unqualified create_table would collide with: the relations of the schema CREATE TABLE writes to
  const tables = (setup[setup.length - 2]!.rows as { name: string }[]).map((r) => r.name);
  // the ledger, where the version table is (or would be): whether it is there, and readable
  const ledgerFound = setup[setup.length - 1]!.rows[0] as { can_select: boolean; missing: string[]; has_steps: boolean } | undefined;
  if (ledgerFound && ledgerFound.missing.length > 0) {
    await client.query('ROLLBACK');
    throw notALedger(req.ledgerTable!, ledgerFound.missing);
  }
  // SQLAlchemy's has_table: visible on the search_path (or in the named schema), tables, views and friends
  const table = setup[setup.length - 3]!.rows[0] as
    | ({ schema: string; name: string; typmod: number | null; type: string | null; hascol: boolean; kind: string; can_insert: boolean; can_update: boolean; can_delete: boolean } & WritePathRow)
    | undefined;
  // what decides whether Alembic can write: the server's role, the session's default, the schema, the table
  const writable: Writability = {
    recovery: info.recovery,
    readOnly: info.readonly,
    schema: info.target_schema,
    schemaExists: info.can_create !== null,
    canCreate: info.can_create === true,
    ...(table ? { table: versionRelation(table) } : {}),
  };
  let rows: unknown[] = [];
  let columnLength: number | null = null;
  let paddingType: string | null = null;
  const readLedger = ledgerFound?.can_select === true && req.ledgerTable !== undefined;
  const ledgerSelect = readLedger ? `${selectLedgerSql(req.ledgerTable!, req.versionTableSchema, ledgerFound?.has_steps === true)}; ` : '';
  let ledgerRows: unknown[][] = [];
  let catalogRow: unknown[] | undefined;
  if (table) {
    if (!table.hascol) {
      throw new DatabaseError(`The table ${table.schema}.${table.name} has no version_num column, so it is not an Alembic version table.`, {
        hint: 'Alembic would fail on it as well. Check --version-table / --version-table-schema, or the version_table given to context.configure() in env.py.',
      });
    }
    if (table.type === 'character varying' && table.typmod !== null && table.typmod > 4) columnLength = table.typmod - 4;
    // a hand-made table: character(n) hands back each value padded to n, and Alembic looks that string up
    if (table.type === 'character') paddingType = table.typmod !== null && table.typmod > 4 ? `character(${table.typmod - 4})` : 'character';
    const name = req.versionTableSchema === null ? quoteIdent(req.versionTable) : `${quoteIdent(req.versionTableSchema)}.${quoteIdent(req.versionTable)}`;
    // Alembic's own SELECT (no ORDER BY): the row order it sees decides which stale row it names first
    const res = (await client.query({ text: `SELECT version_num FROM ${name}; ${ledgerSelect}${catalogSelect}ROLLBACK`, rowMode: 'array' })) as unknown as { rows: unknown[][] }[];
    rows = res[0]!.rows.map((r) => r[0]);
    if (readLedger) ledgerRows = res[1]!.rows;
    if (readCatalog) catalogRow = res[readLedger ? 2 : 1]!.rows[0];
  } else if (readLedger || readCatalog) {
    const res = (await client.query({ text: `${ledgerSelect}${catalogSelect}ROLLBACK`, rowMode: 'array' })) as unknown as { rows: unknown[][] }[];
    if (readLedger) ledgerRows = res[0]!.rows;
    if (readCatalog) catalogRow = res[readLedger ? 1 : 0]!.rows[0];
  } else {
    await client.query('ROLLBACK');
  }
  const catalog: VersionTableState['catalog'] = !req.catalog
    ? undefined
    : objects && 'unknown' in objects
      ? { unreadable: objects.unknown }
      : !readCatalog
        ? { unreadable: `this role cannot read ${info.unreadable_catalogs.map((t) => `pg_catalog.${t}`).join(', ')}` }
        : catalogOf(catalogRow, objects && 'schema' in objects ? 1 : info.path_schemas);
  const ledger: LedgerState | undefined =
    req.ledgerTable === undefined
      ? undefined
      : {
          table: req.ledgerTable,
          exists: ledgerFound !== undefined,
          rows: parseLedgerRows(ledgerRows),
          ...(ledgerFound ? { hasSteps: ledgerFound.has_steps } : {}),
          ...(ledgerFound && !ledgerFound.can_select ? { unreadable: `this role has no SELECT privilege on ${req.ledgerTable}` } : {}),
        };
  const stream = (client as unknown as { connection?: { stream?: TLSSocket } }).connection?.stream;
  const encrypted = ssl !== false && stream !== undefined && (stream as { encrypted?: boolean }).encrypted === true;
  const d = describeTarget(t);
  return {
    tables,
    writable,
    ...(ledger ? { ledger } : {}),
    ...(catalog ? { catalog } : {}),
    dialect: 'postgresql',
    host: d.host,
    database: t.database,
    versionTable: req.versionTable,
    versionTableSchema: req.versionTableSchema,
    foundInSchema: table?.schema ?? null,
    exists: table !== undefined,
    rows: rows.map(reprOf),
    columnLength,
    paddingType,
    server: { version: info.version, inRecovery: info.recovery },
    tls: { mode: plan.mode, encrypted, verified: encrypted && (ssl as { rejectUnauthorized?: boolean }).rejectUnauthorized === true },
  };
}

/**
 * The first round trip: the session's limits, the server and its settings, the version table's
 * description, the relations of the schema CREATE TABLE writes to, and the ledger's, in one simple query.
 */
function setupSql(req: VersionTableRequest, opts: PostgresOptions): string {
  const schemaTest = req.versionTableSchema === null ? "pg_catalog.pg_table_is_visible(c.oid) AND n.nspname <> 'pg_catalog'" : `n.nspname = ${pgLiteral(req.versionTableSchema)}`;
  // one more statement in the first round trip; a SELECT of no rows when no ledger is asked for
  const ledgerQuery =
    req.ledgerTable === undefined
      ? 'SELECT true AS can_select WHERE false'
      : `SELECT pg_catalog.has_table_privilege(c.oid, 'SELECT') AS can_select,
        ARRAY(SELECT col FROM pg_catalog.unnest(ARRAY[${LEDGER_COLUMNS.map((col) => pgLiteral(col)).join(', ')}]) col
               WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attname = col AND NOT a.attisdropped)) AS missing,
        EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attname = ${pgLiteral(STEPS_COLUMN)} AND NOT a.attisdropped) AS has_steps
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = ${pgLiteral(req.ledgerTable)} AND c.relkind = ANY (ARRAY['r', 'p', 'f', 'v', 'm']) AND ${schemaTest} LIMIT 1`;
  return `BEGIN TRANSACTION READ ONLY; ${localLimits(opts)}; SELECT current_setting('server_version') AS version, pg_catalog.pg_is_in_recovery() AS recovery,
       current_setting('default_transaction_read_only') = 'on' AS readonly,
       ${req.versionTableSchema === null ? 'current_schema()' : pgLiteral(req.versionTableSchema)} AS target_schema,
       (SELECT pg_catalog.has_schema_privilege(n.oid, 'CREATE') FROM pg_catalog.pg_namespace n WHERE n.nspname = ${req.versionTableSchema === null ? 'current_schema()' : pgLiteral(req.versionTableSchema)}) AS can_create,
       pg_catalog.array_length(pg_catalog.current_schemas(false), 1) AS path_schemas,
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
     ${ledgerQuery}`;
}

/** Names the class of failure (DNS, refused, timeout, auth, TLS, permission, missing database) and what to try. */
export function classify(e: unknown, t: PostgresTarget, plan: SslPlan): Classified {
  const err = e as { code?: string; message?: string };
  const code = err.code ?? '';
  // the driver's own text is redacted by structure (a URL's userinfo, password=…), never by the
  // password's spelling: `data` or `1` would otherwise star out parts of every message
  const raw = redactSecrets(String(err.message ?? e));
  const where = `${describeTarget(t).host}/${t.database}`;
  const user = t.user ? ` as user '${t.user}'` : '';
  const mk = (kind: Kind, transient: boolean, message: string, hint: string): Classified => ({ kind, transient, message: redactSecrets(message), hint: redactSecrets(hint) });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return mk('dns', code === 'EAI_AGAIN', `DNS: cannot resolve the database host '${t.host}' (${code}).`, 'Check the host name in the URL; on Heroku, fetch the current one with `heroku config:get DATABASE_URL -a APP` (credentials rotate).');
  }
  if (code === 'ECONNREFUSED') {
    return mk('refused', true, `Connection refused by ${describeTarget(t).host}: nothing is listening there.`, 'Check the host and port, and that the server is running and accepts TCP connections.');
  }
  if (/Query read timeout/iu.test(raw)) {
    return mk('timeout', false, `The database stopped answering: a query on ${describeTarget(t).host} had no reply within the statement timeout plus the connect timeout.`, 'Check the server and the network path to it; a server that stalls under load answers again once the load passes. --statement-timeout sets the limit (0 lifts the server-side one; our wait then ends after 10 minutes).');
  }
  if (code === 'ETIMEDOUT' || code === 'ECONNRESET' || /timeout|timed out/iu.test(raw) && !/statement timeout|lock timeout/iu.test(raw)) {
    return mk('timeout', true, `Timed out connecting to ${describeTarget(t).host} (${raw}).`, 'Check network access to the database (firewall, VPN, trusted sources), or raise --connect-timeout.');
  }
  if (code === '28P01') return mk('auth', false, `Authentication failed${user} on ${where}.`, 'The password is wrong or was rotated; fetch the current URL (`heroku config:get DATABASE_URL -a APP`).');
  if (code === '28000') {
    if (/SSL|encryption/iu.test(raw)) {
      return mk('tls', false, `The server refused the connection${user} with sslmode=${plan.mode}: ${raw}.`, 'The server requires TLS: use --ssl require (or remove sslmode=disable from the URL).');
    }
    return mk('auth', false, `The server does not allow${user} to connect to ${where}: ${raw}.`, 'Check the user name and the server\'s pg_hba.conf rules.');
  }
  if (code === '3D000') return mk('missing-database', false, `The database '${t.database}' does not exist on ${describeTarget(t).host}.`, 'Check the database name at the end of the URL.');
  if (code === '42501') return mk('permission', false, `Permission denied${user} while reading the version table: ${raw}.`, 'Grant SELECT on the version table (and USAGE on its schema) to this user, or use the app\'s main credential.');
  if (code === '53300') return mk('too-many-connections', true, `The server has no connection slots left (${raw}).`, 'Every dyno shares the plan\'s connection limit; check `heroku pg:info` and close idle connections.');
  if (code === '57P03') return mk('starting-up', true, `The server is not accepting connections yet (${raw}).`, 'Wait for the server to finish starting or recovering, then retry.');
  if (code === '57014' || code === '55P03') return mk('timeout', false, `Reading the version table timed out (${raw}).`, 'Something holds a lock on the version table (a migration in progress?). Check `heroku pg:locks`, or raise --statement-timeout.');
  const tlsCodes = ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_UNTRUSTED'];
  if (tlsCodes.includes(code) || /certificate|SSL|TLS/iu.test(raw)) {
    const verifying = plan.mode === 'verify-ca' || plan.mode === 'verify-full' || plan.caFile !== undefined;
    return mk(
      'tls',
      false,
      `TLS failed with sslmode=${plan.mode}${code ? ` (${code})` : ''}: ${raw}.`,
      /does not support SSL/iu.test(raw)
        ? 'The server has TLS switched off: use --ssl prefer or --ssl disable for a trusted local network only.'
        : verifying
          ? `The server certificate does not verify against ${plan.caFile ? `the CA in ${plan.caFile}` : "Node's default CA store"}. Pass the CA that signed it with --ssl-ca FILE, or use --ssl require to encrypt without verifying (what Heroku Postgres standard certificates need).`
          : 'Check the server\'s TLS setup, or pass --ssl with another mode.',
    );
  }
  return mk('other', false, `Database error on ${where}${code ? ` (${code})` : ''}: ${raw}.`, 'Check the URL and that the server is reachable; run with --log-level debug for details.');
}

/**
 * The schema probes' catalog of current_schema() in one statement: the columns of its tables and
 * views, its indexes, constraints and types (array types left out), each as a JSON array. One line,
 * so that a server log shows it whole.
 */
/** The probes' catalog of one schema: env.py's, where it sets the search_path to one, else the connection's current schema. */
function catalogSql(schema: string | undefined, live: boolean): string {
  const sql = `${CATALOG_SQL}${live ? LIVE_FACTS_SQL : ''} FROM pg_catalog.pg_namespace ns WHERE ns.nspname = pg_catalog.current_schema()`;
  return sql.replace('pg_catalog.current_schema()', schema === undefined ? 'pg_catalog.current_schema()' : pgLiteral(schema));
}

/** The lock grades' columns: sizes, other sessions' locks, the role's timeouts (read with --locks warn or block). */
const LIVE_FACTS_SQL = `,
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(c.relname, c.reltuples, pg_catalog.pg_total_relation_size(c.oid), pg_catalog.pg_stat_get_live_tuples(c.oid),
      pg_catalog.pg_stat_get_last_analyze_time(c.oid) IS NOT NULL OR pg_catalog.pg_stat_get_last_autoanalyze_time(c.oid) IS NOT NULL))
    FROM pg_catalog.pg_class c WHERE c.relnamespace = ns.oid AND c.relkind = ANY (ARRAY['r', 'p'])),
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(l.pid, c.relname, l.mode, l.granted, a.state, EXTRACT(EPOCH FROM pg_catalog.now() - a.xact_start)::float8))
    FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_class c ON c.oid = l.relation LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
    WHERE c.relnamespace = ns.oid AND c.relkind = ANY (ARRAY['r', 'p']) AND l.pid IS DISTINCT FROM pg_catalog.pg_backend_pid()),
  (SELECT pg_catalog.json_object_agg(name, reset_val) FROM pg_catalog.pg_settings WHERE name = ANY (ARRAY['lock_timeout', 'statement_timeout']))`.replace(/\s+/gu, ' ');

const CATALOG_SQL = `SELECT
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(c.relname, a.attname)) FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    WHERE c.relnamespace = ns.oid AND c.relkind = ANY (ARRAY['r', 'p', 'v', 'm', 'f']) AND a.attnum > 0 AND NOT a.attisdropped),
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(i.relname, t.relname)) FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
    WHERE i.relnamespace = ns.oid),
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(t.relname, k.conname)) FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class t ON t.oid = k.conrelid
    WHERE t.relnamespace = ns.oid),
  (SELECT pg_catalog.json_agg(y.typname) FROM pg_catalog.pg_type y WHERE y.typnamespace = ns.oid AND y.typcategory <> 'A')`.replace(/\s+/gu, ' ');

function catalogOf(row: unknown[] | undefined, pathSchemas: number | null): SchemaCatalog {
  const pairs = (v: unknown): [string, string][] => (Array.isArray(v) ? v.map((p) => [String((p as unknown[])[0]), String((p as unknown[])[1])]) : []);
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
function liveFacts(row: unknown[] | undefined): Pick<SchemaCatalog, 'tableSizes' | 'lockHolders' | 'timeouts'> {
  // not asked for (--locks off): the catalog's row ends with the types
  if (!row || row.length <= 4) return {};
  const list = (v: unknown): unknown[][] => (Array.isArray(v) ? (v as unknown[][]) : []);
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
  const tableSizes: TableSize[] = list(row?.[4]).map((r) => {
    const reltuples = num(r[1]);
    // reltuples is -1 (PostgreSQL 14 and later) or 0 with no pages counted before the first ANALYZE
    const analysed = r[4] === true || (reltuples !== null && reltuples > 0);
    return { table: String(r[0]), rows: analysed && reltuples !== null && reltuples >= 0 ? Math.round(reltuples) : null, bytes: num(r[2]) ?? 0, liveRows: num(r[3]) };
  });
  const lockHolders: LockHolder[] = list(row?.[5]).map((r) => ({
    pid: num(r[0]) ?? 0,
    table: String(r[1]),
    mode: String(r[2]),
    granted: r[3] === true,
    state: typeof r[4] === 'string' ? r[4] : null,
    transactionSeconds: num(r[5]),
  }));
  const settings = row?.[6] !== null && typeof row?.[6] === 'object' ? (row[6] as Record<string, unknown>) : undefined;
  const timeouts = settings ? { lockMs: num(settings['lock_timeout']) ?? 0, statementMs: num(settings['statement_timeout']) ?? 0 } : undefined;
  return { tableSizes, lockHolders, ...(timeouts ? { timeouts } : {}) };
}
