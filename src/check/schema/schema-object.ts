import type { Catches } from './try-catches.js';

/** What the probes compare: tables (with views), their columns, indexes, named constraints, types (enums), enum labels and extensions. */
export type ObjectKind = 'table' | 'column' | 'index' | 'constraint' | 'type' | 'label' | 'extension';

/**
 * One schema object: `table` is the owner of a column or a constraint (and of an index, which is named
 * schema-wide); for an enum's label (`ALTER TYPE t ADD VALUE 'x'`), the type.
 */
export interface ObjectRef {
  readonly kind: ObjectKind;
  readonly name: string;
  readonly table?: string;
}

/**
 * One step of a revision's upgrade(), as plain data. `strict` steps fail when the object already
 * exists (create) or is missing (drop); `need` is a step that fails on a missing object (an ALTER).
 * `forget` is what the reading cannot follow: matching objects become unknown (null matches any).
 * `batch` marks a step inside `batch_alter_table`: on SQLite a batch copies the table, where adding
 * a column that exists does not fail (dropping or altering one that is missing still does).
 */
export type SchemaOp =
  | {
      readonly op: 'create';
      readonly obj: ObjectRef;
      readonly strict: boolean;
      readonly line: number;
      readonly once?: true;
      readonly batch?: true;
      /** read from literal SQL (op.execute), not an op.* call */
      readonly sql?: true;
      /** inside autocommit_block(): committed as soon as it runs */
      readonly committed?: true;
    }
  | {
      readonly op: 'drop';
      readonly obj: ObjectRef;
      readonly strict: boolean;
      readonly line: number;
      readonly batch?: true;
      /** read from literal SQL (op.execute), not an op.* call */
      readonly sql?: true;
    }
  | {
      readonly op: 'need';
      readonly obj: ObjectRef;
      readonly line: number;
      readonly batch?: true;
      /** alter_column: what it changes besides the name (type_, nullable, server_default) */
      readonly alters?: readonly string[];
      /** a column: the string literals the statement writes to it (`UPDATE t SET status = 'archived'`) */
      readonly values?: readonly string[];
    }
  | { readonly op: 'rename'; readonly obj: ObjectRef; readonly to: string; readonly line: number }
  | {
      readonly op: 'forget';
      readonly kind: ObjectKind | null;
      readonly table: string | null;
      readonly name: string | null;
      readonly line: number;
      readonly why: string;
      /** a step under if, for or try: what it does when it runs (it may fail where it does) */
      readonly maybe?: Exclude<SchemaOp, { op: 'forget' }>;
      /** changes nothing the reading knows (a conditional ALTER of an object that stays where it is) */
      readonly inert?: true;
      /** an unnamed constraint added outside batch_alter_table, in a step that certainly runs (SQLite refuses it) */
      readonly unbatchedConstraint?: true;
      /** an unnamed constraint added in batch_alter_table (a batch that copies the table refuses it unless target_metadata's naming convention names it) */
      readonly unnamedInBatch?: true;
      /** `maybe` sits in try bodies only, in the migration's transaction: on PostgreSQL its failure aborts the transaction, caught or not */
      readonly caught?: true;
      /** with `caught`: what the except clauses around it catch (elsewhere an error they do not catch stops the upgrade) */
      readonly catches?: Catches;
    };

/** The first step of the pending upgrade that fails on the schema as it is. */
export interface UpgradeClash {
  readonly obj: ObjectRef;
  /**
   * exists: the step creates what is already there; missing: it drops or alters what is not;
   * unavailable: it creates an extension the server cannot install (no control file); uncommitted: it
   * writes an enum value the same migration added, before that value is committed
   */
  readonly problem: 'exists' | 'missing' | 'unavailable' | 'uncommitted';
  readonly revision: string;
  readonly path: string;
  readonly line: number;
  /** a step of batch_alter_table (on SQLite it fails in Alembic's own copy of the table, with a KeyError) */
  readonly batch?: true;
  /**
   * a batch step that makes SQLite's batch copy the table whatever else the block holds (anything but
   * add_column and an index): Alembic reflects the table first, so a missing one is NoSuchTableError
   */
  readonly recreates?: true;
  /** the missing table is the one an ALTER TABLE names (for a column or constraint of it): PostgreSQL says "relation" */
  readonly altered?: true;
  /** the step is under if, for or try: it fails only if it runs */
  readonly maybe?: true;
  /** a step in a try body on PostgreSQL: the except catches the error, the aborted transaction fails the next statement */
  readonly caught?: true;
  /** the missing table is the one a CREATE INDEX names (SQLite says `main.` before it) */
  readonly indexed?: true;
  /** what the step does to the object: creates, drops, alters (or runs a statement on its rows), renames, adds to */
  readonly does: 'creates' | 'drops' | 'alters' | 'renames' | 'adds to';
}
