import type { LedgerState } from './ledger.js';

/** One `version_num` value as the database returned it: strings normally, NULL or other types only in hand-made tables. */
export type RowValue = string | null | { readonly repr: string };

export interface VersionTableState {
  readonly dialect: 'postgresql' | 'sqlite' | 'mysql';
  /** host:port without credentials (null for SQLite). */
  readonly host: string | null;
  readonly database: string;
  readonly versionTable: string;
  /** As configured (null: the connection's default schema). */
  readonly versionTableSchema: string | null;
  /** The schema the table was found in (PostgreSQL), for the diagnosis. */
  readonly foundInSchema: string | null;
  readonly exists: boolean;
  /** Rows in SELECT order: the order Alembic sees them in. */
  readonly rows: readonly RowValue[];
  /** Declared length of version_num (PostgreSQL enforces it), when known. */
  readonly columnLength: number | null;
  /** The column's type when it pads what it stores with spaces (PostgreSQL's character(32)), else null. */
  readonly paddingType?: string | null;
  readonly server: { readonly version: string; readonly inRecovery: boolean } | null;
  /**
   * Tables and views in the schema an unqualified CREATE TABLE writes to (PostgreSQL's current_schema(),
   * SQLite's main), lower-cased where the server folds names: what a migration's create_table would collide
   * with. Undefined when not read.
   */
  readonly tables?: readonly string[];
  readonly tls: { readonly mode: string; readonly encrypted: boolean; readonly verified: boolean } | null;
  /** PostgreSQL: what decides whether Alembic can write the version table (undefined for SQLite). */
  readonly writable?: Writability;
  /** The ledger of what releases applied, when it was asked for. */
  readonly ledger?: LedgerState;
  /** The objects the schema probes compare, when asked for; `unreadable` says why they could not be read. */
  readonly catalog?: SchemaCatalog | { readonly unreadable: string };
  /** MySQL and MariaDB: the server's kind, its SQL mode and the version column's collation. */
  readonly mysql?: MysqlFacts;
  /** SQLite: the version the app's Python links, asked only when a pending step depends on it (a DROP COLUMN). */
  readonly appSqliteVersion?: string;
}

/** What decides, on MySQL and MariaDB, how the version table compares and stores a revision id. */
export interface MysqlFacts {
  readonly flavor: 'MySQL' | 'MariaDB';
  /** The SQL mode Alembic's session runs with: the URL's sql_mode= when it sets one, else the server's. */
  readonly sqlMode: string;
  /** STRICT_TRANS_TABLES or STRICT_ALL_TABLES: a value too long is an error, not a warning and a cut. */
  readonly strict: boolean;
  /** The Python driver the URL's scheme loads (mysqldb, pymysql, …), whose name Alembic's errors carry. */
  readonly driver: string;
  /** version_num's collation (null for a binary column) and type, when the table exists. */
  readonly collation?: string | null;
  readonly dataType?: string;
  /** version_num is the primary key (Alembic's own table): a second row equal under the collation is refused. */
  readonly versionKey?: boolean;
  /**
   * What this user may do on the version table (its global, database and table grants: INSERT, UPDATE,
   * DELETE, CREATE, …); undefined when roles may grant more than can be read.
   */
  readonly privileges?: readonly string[];
  /** This session's login as the server names it in its errors ('user'@'host'). */
  readonly login?: string;
}

/**
 * What the schema CREATE TABLE writes to holds (PostgreSQL's current_schema(), SQLite's main): the
 * columns of its tables and views, its indexes, and on PostgreSQL its constraints and types.
 */
export interface SchemaCatalog {
  /** [table, column] */
  readonly columns: readonly (readonly [string, string])[];
  /** [index, table] */
  readonly indexes: readonly (readonly [string, string])[];
  /** [table, constraint] (PostgreSQL) */
  readonly constraints?: readonly (readonly [string, string])[];
  /** [table, column, type] of every column typed by one of the schema's enums (PostgreSQL) */
  readonly enumColumns?: readonly (readonly [string, string, string])[];
  /** [type, label] of every enum (PostgreSQL); absent where not read (the labels are then unknown) */
  readonly enumLabels?: readonly (readonly [string, string])[];
  /** SQLite and MySQL: [table, column, index, origin] of every index's columns (origin c: CREATE INDEX, u: UNIQUE, pk: PRIMARY KEY). */
  readonly indexedColumns?: readonly (readonly [string, string, string, string])[];
  /**
   * SQLite and MySQL: [table, column, type] in lower case: SQLite's as CREATE TABLE declared it
   * (`varchar(50)`), MySQL's information_schema DATA_TYPE (`varchar`). What a type change converts from.
   */
  readonly declaredTypes?: readonly (readonly [string, string, string])[];
  /** MySQL: [table, column] of each AUTO_INCREMENT column (a CHECK may not name one). */
  readonly autoIncrement?: readonly (readonly [string, string])[];
  /** SQLite: [table, CREATE TABLE statement] as sqlite_master keeps it. */
  readonly tableSql?: readonly (readonly [string, string])[];
  /** SQLite: [table, column] of every primary key column. */
  readonly primaryKeyColumns?: readonly (readonly [string, string])[];
  /**
   * PostgreSQL: [name, installed] of each extension this database has or the server can install (a control
   * file in its share directory, as pg_available_extensions lists them); absent where not read.
   */
  readonly extensions?: readonly (readonly [string, boolean])[];
  /** type names, array types left out (PostgreSQL) */
  readonly types?: readonly string[];
  /** The schema read (PostgreSQL): a step that names it (`schema="public"`, `public.orders`) is on these tables. */
  readonly schema?: string;
  /** PostgreSQL: the schemas on the search_path that exist; a name missing from the first may be found in another */
  readonly searchPathSchemas?: number;
  /** PostgreSQL: each table's live size, read with the catalog for the lock grades. */
  readonly tableSizes?: readonly TableSize[];
  /** PostgreSQL: the locks other sessions hold or wait for on the schema's tables (no query text is read). */
  readonly lockHolders?: readonly LockHolder[];
  /** PostgreSQL: lock_timeout and statement_timeout as this role's sessions start (its and the database's settings), in ms; 0 is none. */
  readonly timeouts?: { readonly lockMs: number; readonly statementMs: number };
  /** PostgreSQL: [table, column, type's internal name, atttypmod] of the schema's tables (a type change's old type). */
  readonly columnTypes?: readonly (readonly [string, string, string, number])[];
  /** MySQL: the open transactions of other sessions on this server, which may hold metadata locks. */
  readonly metadataHolders?: readonly MetadataHolder[];
  /** MySQL: performance_schema.metadata_locks named each holder's tables (else their tables are unknown). */
  readonly metadataExact?: boolean;
  /** MySQL: tables another session holds so that even a read waits (LOCK TABLES … WRITE, an ALTER under way). */
  readonly lockedTables?: readonly string[];
  /** MySQL: why other sessions could not be seen (no PROCESS privilege), when they could not. */
  readonly sessionsHidden?: string;
  /** MySQL: lock_wait_timeout as new sessions start, in seconds. */
  readonly lockWaitSeconds?: number;
  /** PostgreSQL: the casts pg_cast marks binary-coercible (castmethod 'b'), [source, target]: ALTER COLUMN TYPE along one rewrites nothing. */
  readonly binaryCasts?: readonly (readonly [string, string])[];
}

/** The catalog the run read, or undefined where it was not read or could not be. */
export function readableCatalog(state: Pick<VersionTableState, 'catalog'>): SchemaCatalog | undefined {
  return state.catalog && !('unreadable' in state.catalog) ? state.catalog : undefined;
}

/** A table's size: rows as of the last ANALYZE (null when never analysed), bytes with its indexes and TOAST, live rows counted since. */
export interface TableSize {
  readonly table: string;
  /** The analysed count (pg_class.reltuples), summed over the tree; null unless every member was analysed. */
  readonly rows: number | null;
  readonly bytes: number;
  /** The statistics' live count (approximate), summed over the tree. */
  readonly liveRows: number | null;
  /** Rows estimated from the heap's pages and the columns' widths, summed over the tree. */
  readonly estimatedRows?: number | null;
  /** A partitioned table's partitions or an inheritance parent's children (at every level), counted in the sizes. */
  readonly members?: number;
  readonly tree?: 'partitions' | 'children';
  /** MySQL, MariaDB: the table's storage engine (InnoDB, Aria, MyISAM), which decides what it does online. */
  readonly engine?: string;
}

/** MySQL and MariaDB: another session with an open transaction, which holds the metadata lock of every table it used. */
export interface MetadataHolder {
  readonly thread: number;
  readonly user: string | null;
  /** The database its session is in (the processlist's DB). */
  readonly database: string | null;
  /** How long its transaction has been open. */
  readonly seconds: number | null;
  /** Sleep (idle in a transaction) or Query, with the processlist's state. */
  readonly state: string | null;
  /** The tables it holds metadata locks on (performance_schema); null when they cannot be seen. */
  readonly tables: readonly string[] | null;
}

/** A lock another session holds (or waits for) on a table, with its session's state and transaction age. */
export interface LockHolder {
  readonly pid: number;
  readonly table: string;
  /** pg_locks' mode: AccessShareLock, RowExclusiveLock, … */
  readonly mode: string;
  readonly granted: boolean;
  /** active, idle in transaction, …; null when this role may not see the session's state */
  readonly state: string | null;
  readonly transactionSeconds: number | null;
}

export interface Writability {
  /** A hot standby: no transaction can write. */
  readonly recovery: boolean;
  /** default_transaction_read_only is on for this session (the database's or the role's setting). */
  readonly readOnly: boolean;
  /** The schema the table is (or would be created) in: version_table_schema, else current_schema(); null when the search_path names no schema that exists. */
  readonly schema: string | null;
  readonly schemaExists: boolean;
  /** CREATE on that schema, which a missing version table needs. */
  readonly canCreate: boolean;
  /** The table's relation kind (r, p, v, m, f), this role's privileges on it, and what else decides a write. */
  readonly table?: VersionRelation;
}

export type WriteCommand = 'INSERT' | 'UPDATE' | 'DELETE';

export interface VersionRelation {
  readonly kind: string;
  readonly insert: boolean;
  readonly update: boolean;
  readonly delete: boolean;
  /** Views and foreign tables: the commands PostgreSQL can carry out on them (pg_relation_is_updatable); undefined for tables. */
  readonly updatable?: readonly WriteCommand[];
  /** Row security applies to this role here (row_security_active). */
  readonly rowSecurity?: boolean;
  /** The row-security policies that apply to this role, with their expressions as the server prints them. */
  readonly policies?: readonly RowPolicy[];
  /** Enabled user triggers that fire on a write command. */
  readonly triggers?: readonly {
    readonly name: string;
    readonly fn: string;
    readonly on: readonly WriteCommand[];
  }[];
  /** Enabled rewrite rules on a write command: `instead` for an unconditional DO INSTEAD, `nothing` for DO INSTEAD NOTHING, `returning` when it has a RETURNING clause. */
  readonly rules?: readonly {
    readonly name: string;
    readonly on: WriteCommand;
    readonly instead: boolean;
    readonly nothing: boolean;
    readonly returning: boolean;
  }[];
}

export interface RowPolicy {
  readonly name: string;
  /** The commands it covers (ALL covers every one). */
  readonly on: readonly ('SELECT' | WriteCommand)[];
  readonly permissive: boolean;
  readonly using: string | null;
  readonly check: string | null;
}

export interface VersionTableRequest {
  readonly versionTable: string;
  readonly versionTableSchema: string | null;
  /** The ledger to read beside the version table (ledger.ts); not read when absent. */
  readonly ledgerTable?: string;
  /** Read the schema's catalog for the probes (SchemaCatalog). */
  readonly catalog?: boolean;
  /** With the catalog, on PostgreSQL: the tables' sizes, other sessions' locks and the role's timeouts, for the lock grades. */
  readonly liveFacts?: boolean;
  /**
   * Where the migrations' unqualified objects live, when env.py sets the search_path to one schema:
   * the catalog is read there (absent: the connection's current schema). A string as reason
   * when env.py sets it in a way not known statically: the catalog is not read, for that reason.
   */
  readonly objectsSchema?: { readonly schema: string } | { readonly unknown: string };
}

export { quoteIdent } from './quote-ident.js';

/**
 * A PostgreSQL string literal for `s`, right whatever standard_conforming_strings says: an escape
 * string (E'…') with backslashes and quotes doubled. For statements sent as one simple query
 * (several statements in one round trip), which cannot take parameters.
 */
export function pgLiteral(s: string): string {
  // a NUL would end the protocol's query string early
  if (s.includes('\0')) throw new RangeError('a NUL character cannot be sent to PostgreSQL');
  return `E'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** Python's repr of what a driver would hand Alembic for a non-string value. */
export function reprOf(v: unknown): RowValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return { repr: String(v) };
  if (typeof v === 'boolean') return { repr: v ? 'True' : 'False' };
  if (Buffer.isBuffer(v)) {
    let s = "b'";
    for (const b of v)
      s +=
        b >= 0x20 && b < 0x7f && b !== 0x27 && b !== 0x5c
          ? String.fromCharCode(b)
          : `\\x${b.toString(16).padStart(2, '0')}`;
    return { repr: `${s}'` };
  }
  return { repr: String(v) };
}

/** The database as the reports name it, without credentials: `sqlite app.db`, `postgresql host:5432/app`, `mariadb host:3306/app`. */
export function databaseLabel(
  state: Pick<VersionTableState, 'dialect' | 'database' | 'host' | 'mysql'>,
): string {
  if (state.dialect === 'sqlite') return `sqlite ${state.database}`;
  const kind = state.dialect === 'mysql' ? (state.mysql?.flavor ?? 'MySQL').toLowerCase() : 'postgresql';
  return `${kind} ${state.host}/${state.database}`;
}
