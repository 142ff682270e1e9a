import type { LockHolder, MetadataHolder, SchemaCatalog, TableSize } from '../../database/version-table.js';
import type { LockStep } from './lock-facts.js';
import type { LockGrade } from './lock-grade.js';
import type { MysqlGrade } from './mysql-online-ddl.js';

/** `--locks` and its thresholds: a table at or above either is large. */
export interface LockSettings {
  /** warn: findings are warnings; block: errors (release stops before Alembic starts); off: none. */
  readonly mode: 'warn' | 'block' | 'off';
  readonly rows: number;
  readonly bytes: number;
}

export const DEFAULT_LOCK_SETTINGS: LockSettings = { mode: 'warn', rows: 100_000, bytes: 256 * 1024 * 1024 };

/** A pending step's lock, graded, on its table as it is now. */
export interface PendingLock {
  readonly revision: string;
  readonly path: string;
  readonly step: LockStep;
  readonly grade: LockGrade;
  /** The table it locks (a drop_index's found by its index in the catalog). */
  readonly table: string;
  readonly size?: TableSize;
  /** At or above a threshold, by its analysed rows, its live rows or its bytes. */
  readonly large: boolean;
  /** The lock_timeout in force when the step runs (ms; 0: none): the role's or database's, env.py's, or a SET before it. */
  readonly timeoutMs: number;
  /** MySQL and MariaDB: the algorithm and lock the server uses (`grade` then stands for it in PostgreSQL's terms). */
  readonly mysql?: MysqlGrade;
}

/** Where a lock_timeout or statement_timeout is set for the migrations: a migration or env.py. */
export interface TimeoutSetting {
  readonly path: string;
  readonly line: number;
}

export interface PendingLocks {
  readonly settings: LockSettings;
  /** The server's major version (the grades depend on it). */
  readonly major: number;
  readonly steps: readonly PendingLock[];
  /** Lines of pending revisions the reading could not follow: no lock is claimed for them. */
  readonly unread: readonly {
    readonly revision: string;
    readonly path: string;
    readonly line: number;
    readonly why: string;
  }[];
  /** Statements of literal SQL that change a schema and were not parsed (no parser was given): a caller with one grades them again. */
  readonly sqlUngraded: number;
  /** Other sessions' locks on the tables the pending steps lock. */
  readonly holders: readonly LockHolder[];
  readonly timeouts?: SchemaCatalog['timeouts'];
  /** The first non-zero `lock_timeout` a pending migration's statements or env.py's migrating path set, when one does. */
  readonly timeoutSet?: TimeoutSetting;
  /** MySQL and MariaDB: the sessions whose open transactions may hold the metadata locks the steps need. */
  readonly metadata?: MetadataLocks;
}

/** MySQL and MariaDB: who may hold a metadata lock a pending step must wait for, and what could not be seen. */
export interface MetadataLocks {
  readonly holders: readonly MetadataHolder[];
  /** Other sessions could not be seen (no PROCESS privilege): why. */
  readonly blind?: string;
  /** performance_schema.metadata_locks was read: holders name their tables; else a transaction's tables are unknown. */
  readonly exact: boolean;
  /** lock_wait_timeout as the migration's sessions start, in seconds. */
  readonly waitSeconds: number | null;
  /** Tables a step alters that another session holds locked even against reads (LOCK TABLES … WRITE). */
  readonly locked: readonly string[];
}
