/**
 * What a pending step asks of the rows already in its table:
 * - `not-null`: no NULL in the column (alter_column nullable=False; `expr` when earlier steps set it);
 * - `rows-exist`: no row at all (add_column NOT NULL with no server default: every row would be NULL);
 * - `unique`: no two rows share the key (create_unique_constraint, create_index unique=True);
 * - `foreign-key`: every key with no NULL is in the referenced table (MATCH SIMPLE);
 * - `check`: no row for which the condition is false (NULL passes);
 * - `length`: no value longer than a shorter varchar's new length (trailing spaces aside);
 * - `cast`: every value takes postgresql_using='s cast (PostgreSQL);
 * - `no-cast`: a string column changed to another type with no postgresql_using= (PostgreSQL refuses
 *   it on every database: settled without a read);
 * - `convert`: every value keeps its meaning in the new type: SQLite's batch copy CASTs it (a string that
 *   is not a number becomes 0, a fraction an integer, with no error), MySQL and MariaDB convert a string
 *   to an integer (refused in a strict sql_mode, changed outside it);
 * - `enum`: no value outside the new enum's labels (a label removed while rows still hold it): PostgreSQL's
 *   cast refuses it, MySQL and MariaDB refuse it in a strict sql_mode and write '' outside one;
 * - `range`: no value outside a smaller DECIMAL's range once rounded to its scale (MySQL and MariaDB:
 *   refused in a strict sql_mode, capped at the type's largest outside it);
 * - `check-auto-increment`: a CHECK naming an AUTO_INCREMENT column, which MySQL and MariaDB refuse
 *   whatever the rows (settled without a read);
 * - `inserted-keys`: no row op.bulk_insert writes has a primary key the table holds, or another of its
 *   rows has (the key's columns are read from the database when the probe runs).
 */
export type ProbeKind =
  | 'not-null'
  | 'rows-exist'
  | 'unique'
  | 'foreign-key'
  | 'check'
  | 'length'
  | 'cast'
  | 'no-cast'
  | 'convert'
  | 'enum'
  | 'range'
  | 'inserted-keys'
  | 'check-auto-increment';

/**
 * One row op.bulk_insert writes: each column's value where it is a literal (an integer's text, a
 * string, a bool, None as null), undefined where the reading cannot evaluate it.
 */
export type InsertedRow = Readonly<Record<string, string | boolean | null | undefined>>;

/** One read-only question about the rows, for one pending step. */
export interface DataProbe {
  readonly revision: string;
  readonly path: string;
  readonly line: number;
  /** The Alembic operation: alter_column, add_column, create_index, … */
  readonly call: string;
  readonly kind: ProbeKind;
  readonly table: string;
  readonly columns: readonly string[];
  /** The index's or constraint's name, where the migration gives one. */
  readonly name?: string;
  readonly references?: { readonly table: string; readonly columns: readonly string[] };
  /** A CHECK's condition, as the migration writes it. */
  readonly condition?: string;
  readonly nullsNotDistinct?: true;
  /** length: the new varchar's length. */
  readonly length?: number;
  /**
   * cast, no-cast: the new type as PostgreSQL names it in its errors (integer, boolean, an enum's name); convert: the
   * type of SQLite's CAST (INTEGER, REAL, NUMERIC) or MySQL's integer type (tinyint, smallint, …).
   */
  readonly castTo?: string;
  /** range: the new DECIMAL's precision and scale. */
  readonly numeric?: { readonly precision: number; readonly scale: number };
  /** enum: the new type's labels. */
  readonly labels?: readonly string[];
  /** cast: the USING expression. */
  readonly using?: string;
  /**
   * not-null, length, convert: what earlier pending steps make of the column: added (NULL in every row), then each
   * literal UPDATE's value where its condition holds, in order. Absent: the column as it is.
   */
  readonly value?: {
    readonly added: boolean;
    readonly fills: readonly { readonly value: string; readonly where?: string }[];
  };
  /** inserted-keys: the rows op.bulk_insert writes. */
  readonly inserts?: readonly InsertedRow[];
  /** The rows earlier pending steps leave in the table (their DELETE's conditions negated), as SQL. */
  readonly keep?: string;
  /** Under if, for or try: the step may not run. */
  readonly conditional: boolean;
  /** Inside batch_alter_table (SQLite copies the table). */
  readonly batch?: true;
}

/**
 * A probe's outcome: the rows make the step fail, let it pass, or (MySQL and MariaDB outside a strict
 * sql_mode) let it succeed by rewriting them; or it could not be checked, and `why` says why.
 */
export type DataResult = 'fails' | 'passes' | 'changes-rows' | 'not-checked';

export interface DataCheck {
  readonly probe: DataProbe;
  readonly result: DataResult;
  /** Offending rows found: 1, 2, 3, or 4 for "at least 4" (each probe stops at four). */
  readonly rows?: number;
  /** Up to three primary keys of those rows, where the key is one integer or UUID column. */
  readonly keys?: readonly string[];
  /** --show-values: up to three of the offending values, as the server returned them (a tuple for several columns). */
  readonly values?: readonly string[];
  readonly why?: string;
  /** cast: the error the server raised on the rows (its SQLSTATE, and its words with every quoted value as …). */
  readonly serverError?: { readonly code: string; readonly message: string };
  /** A lock that stopped the probe: the table and the session holding it. */
  readonly lockedBy?: { readonly table: string; readonly pid: number; readonly mode?: string };
}

/** Asks the database the data probes' questions (database/run-data-probes.ts, bound to the run's connection settings). */
export type RowReader = (probes: readonly DataProbe[]) => Promise<DataCheck[]>;

/** The data probes of a run: what was checked, and how they were bounded. */
export interface DataChecks {
  readonly checks: readonly DataCheck[];
  /** The run read no rows (--data off): the verdict says so. */
  readonly off?: true;
  /** --data block: a probe that could not answer blocks. */
  readonly block?: true;
}
