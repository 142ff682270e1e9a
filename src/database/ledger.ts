/**
 * The ledger: a table of our own, beside the version table, with one row per revision a release
 * applied (Alembic keeps only the current heads). It lets an older release recognise a database
 * that a newer one moved ahead, and shows whether an applied migration's file changed since.
 */
import { UsageError } from '../errors/errors.js';
import { quoteIdent } from './quote-ident.js';

/** The ledger's table unless the settings or --ledger-table name another. */
export const DEFAULT_LEDGER_TABLE = 'alembic_preflight_history';

/**
 * On PostgreSQL, the schema the ledger lives in when the version table is in the connection's default
 * schema: out of the app's schema, so that autogenerate (which compares the default schema unless
 * env.py sets include_schemas) never sees it. A version table in a schema of its own (a tenant's, or
 * env.py's version_table_schema) keeps its ledger beside it: one ledger per version table.
 */
export const LEDGER_SCHEMA = 'alembic_preflight';

/** One revision a release applied, as the ledger keeps it. */
export interface LedgerRow {
  readonly revision: string;
  readonly downRevisions: readonly string[];
  readonly branchLabels: readonly string[];
  readonly dependsOn: readonly string[];
  /** The revision file, relative to the folder the release ran in. */
  readonly path: string;
  /** SHA-256 of the file's bytes, in hex. */
  readonly sha256: string;
  /** When the release recorded it: ISO 8601, UTC. */
  readonly appliedAt: string;
  /** What identifies the release (HEROKU_RELEASE_VERSION, SOURCE_VERSION, DYNO, …), and the code's heads. */
  readonly appliedBy: Readonly<Record<string, string>>;
  /**
   * The steps of the revision's upgrade() that lock a table, as the release read them (the call, the
   * table, the column, what its arguments say); undefined for a row recorded before the ledger kept them.
   */
  readonly steps?: readonly RecordedStep[];
}

/** One step of an applied revision, as the ledger keeps it: plain data, read back without the reader that took it. */
export interface RecordedStep {
  readonly call: string;
  readonly table: string;
  readonly column?: string;
  readonly flags: readonly string[];
  readonly line: number;
  /** Under if, for or try, or in a helper: it may not have run. */
  readonly conditional?: true;
}

/** The ledger as verify read it. */
export interface LedgerState {
  readonly table: string;
  readonly exists: boolean;
  /** The schema it was found in (PostgreSQL; absent on SQLite or when it does not exist). */
  readonly schema?: string;
  /** Where it belongs (PostgreSQL): LEDGER_SCHEMA beside a default-schema version table, else the version table's schema. */
  readonly home?: { readonly schema: string; readonly exists: boolean };
  /** In the order they were recorded. */
  readonly rows: readonly LedgerRow[];
  /** Why the rows could not be read (no SELECT privilege), when the table exists. */
  readonly unreadable?: string;
  /** The table has the steps column (a ledger created before it was added has not: the next write adds it). */
  readonly hasSteps?: boolean;
  /** The app the database was handed to with `ledger owner --set` (the owner table beside the ledger), if any. */
  readonly owner?: string;
}

/**
 * The app a database was handed to (`ledger owner --set`), kept in one row of its own table beside the
 * ledger: a copy of production (heroku pg:copy) carries production's ledger, and so its owner, until
 * it is handed to the app that now uses it. Without a row, the owner is read from the ledger's rows.
 * Every database reader reads it with the ledger, on the same connection.
 */
export const OWNER_TABLE = 'alembic_preflight_owner';

/** The ledger's columns, in the order every statement names them. */
export const LEDGER_COLUMNS = [
  'revision',
  'down_revisions',
  'branch_labels',
  'depends_on',
  'path',
  'sha256',
  'applied_at',
  'applied_by',
] as const;

/** The column added later, nullable: a ledger without it is read and written as before, and gets it on the next write. */
export const STEPS_COLUMN = 'steps';

/**
 * A table of the ledger's name that is something else (another tool's, or the version table): its
 * columns are not the ledger's. Reading or writing it would fail or corrupt it, so the run stops.
 */
export function notALedger(table: string, missing: readonly string[]): UsageError {
  return new UsageError(
    `The ledger table '${table}' exists and is not alembic-preflight's ledger: it has no ${missing.join(', ')} column${missing.length === 1 ? '' : 's'}.`,
    {
      hint: 'Give the ledger a table of its own: --ledger-table alembic_preflight_history (or ledger-table in the settings), or --no-ledger.',
    },
  );
}

/** The ledger's name as a person reads it: schema-qualified where the schema is known. */
export function ledgerLabel(ledger: Pick<LedgerState, 'table' | 'schema'>): string {
  return ledger.schema === undefined ? ledger.table : `${ledger.schema}.${ledger.table}`;
}

/** Where and how a release writes the ledger, from what verify read. */
export interface LedgerPlace {
  /** The schema the rows go to (null: the connection's default, or SQLite). */
  readonly schema: string | null;
  /** Create the table there first. */
  readonly create: boolean;
  /** Before writing, create the home schema and move an existing ledger there from this schema (PostgreSQL). */
  readonly relocate?: { readonly createSchema: boolean; readonly from?: string };
}

/**
 * The ledger's place for the next write: where it is, unless it is not in its home, in which case the
 * write moves it there (or creates it there) in the same transaction; `fallback` is where the rows go
 * when the role may not (the ledger stays, or is created, beside the version table).
 */
export function ledgerPlace(
  ledger: LedgerState | undefined,
  versionTableSchema: string | null,
): { place: LedgerPlace; fallback: LedgerPlace } {
  const exists = ledger?.exists === true;
  const here: LedgerPlace = exists
    ? { schema: ledger?.schema ?? versionTableSchema, create: false }
    : { schema: versionTableSchema, create: true };
  const home = ledger?.home;
  if (home === undefined || (exists && ledger?.schema === home.schema))
    return { place: here, fallback: here };
  return {
    place: {
      schema: home.schema,
      create: !exists,
      relocate: {
        createSchema: !home.exists,
        ...(exists && ledger?.schema !== undefined ? { from: ledger.schema } : {}),
      },
    },
    fallback: here,
  };
}

/** The ledger's name as SQL: in the version table's schema when one is configured. */
export function ledgerSql(table: string, schema: string | null): string {
  return schema === null ? quoteIdent(table) : `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * CREATE TABLE IF NOT EXISTS for both dialects: plain text columns (lists and the release as JSON),
 * so that nothing depends on a server's types.
 */
export function createLedgerSql(table: string, schema: string | null): string {
  return `CREATE TABLE IF NOT EXISTS ${ledgerSql(table, schema)} (
  revision VARCHAR(255) NOT NULL,
  down_revisions TEXT NOT NULL,
  branch_labels TEXT NOT NULL,
  depends_on TEXT NOT NULL,
  path TEXT NOT NULL,
  sha256 VARCHAR(64) NOT NULL,
  applied_at VARCHAR(40) NOT NULL,
  applied_by TEXT NOT NULL,
  steps TEXT
)`;
}

/** Adds the steps column to a ledger created before it existed. */
export function addStepsColumnSql(table: string, schema: string | null): string {
  return `ALTER TABLE ${ledgerSql(table, schema)} ADD COLUMN ${STEPS_COLUMN} TEXT`;
}

/** The SELECT that reads the ledger, oldest first (the steps as NULL where the table has no such column). */
export function selectLedgerSql(table: string, schema: string | null, hasSteps: boolean): string {
  return `SELECT ${LEDGER_COLUMNS.join(', ')}, ${hasSteps ? STEPS_COLUMN : 'NULL'} FROM ${ledgerSql(table, schema)} ORDER BY applied_at`;
}

/** A row's values in LEDGER_COLUMNS order, as they are stored. */
export function ledgerValues(row: LedgerRow): string[] {
  return [
    row.revision,
    JSON.stringify(row.downRevisions),
    JSON.stringify(row.branchLabels),
    JSON.stringify(row.dependsOn),
    row.path,
    row.sha256,
    row.appliedAt,
    JSON.stringify(row.appliedBy),
  ];
}

/** The steps column's value: JSON, or null for a row whose steps were not read. */
export function stepsValue(row: LedgerRow): string | null {
  return row.steps === undefined ? null : JSON.stringify(row.steps);
}

/**
 * Rows as the database returned them (arrays in LEDGER_COLUMNS order). A row someone edited into
 * something we cannot read is left out: the ledger is evidence, and a wrong row proves nothing.
 */
export function parseLedgerRows(raw: readonly (readonly unknown[])[]): LedgerRow[] {
  const out: LedgerRow[] = [];
  for (const r of raw) {
    const [revision, down, labels, depends, file, sha, at, by, recorded] = r;
    if (
      typeof revision !== 'string' ||
      typeof file !== 'string' ||
      typeof sha !== 'string' ||
      typeof at !== 'string'
    )
      continue;
    const downRevisions = stringList(down);
    const branchLabels = stringList(labels);
    const dependsOn = stringList(depends);
    const appliedBy = stringRecord(by);
    if (!downRevisions || !branchLabels || !dependsOn || !appliedBy) continue;
    const steps = recordedSteps(recorded);
    out.push({
      revision,
      downRevisions,
      branchLabels,
      dependsOn,
      path: file,
      sha256: sha,
      appliedAt: at,
      appliedBy,
      ...(steps ? { steps } : {}),
    });
  }
  return out;
}

function parsed(v: unknown): unknown {
  if (typeof v !== 'string') return undefined;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return undefined;
  }
}

function stringList(v: unknown): string[] | undefined {
  const p = parsed(v);
  return Array.isArray(p) && p.every((x) => typeof x === 'string') ? (p as string[]) : undefined;
}

function stringRecord(v: unknown): Record<string, string> | undefined {
  const p = parsed(v);
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return undefined;
  const entries = Object.entries(p as Record<string, unknown>);
  return entries.every(([, x]) => typeof x === 'string')
    ? Object.fromEntries(entries as [string, string][])
    : undefined;
}

/** The steps column read back; a value that is not a list of steps counts as not recorded. */
function recordedSteps(v: unknown): RecordedStep[] | undefined {
  const p = parsed(v);
  if (!Array.isArray(p)) return undefined;
  const out: RecordedStep[] = [];
  for (const x of p as unknown[]) {
    if (typeof x !== 'object' || x === null) return undefined;
    const { call, table, column, flags, line, conditional } = x as Record<string, unknown>;
    if (
      typeof call !== 'string' ||
      typeof table !== 'string' ||
      typeof line !== 'number' ||
      !Array.isArray(flags) ||
      !flags.every((f) => typeof f === 'string')
    )
      return undefined;
    if (column !== undefined && typeof column !== 'string') return undefined;
    out.push({
      call,
      table,
      ...(typeof column === 'string' ? { column } : {}),
      flags: flags as string[],
      line,
      ...(conditional === true ? { conditional: true as const } : {}),
    });
  }
  return out;
}
