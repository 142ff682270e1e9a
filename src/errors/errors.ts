/**
 * Errors are failures to do the job (bad flags, unreadable configuration, an
 * unreachable database); findings are what we found while doing it. Each error
 * carries its documented exit code and a hint that says what to do next.
 */
export const EXIT = {
  ok: 0,
  blocked: 1,
  usage: 2,
  database: 3,
  wrappedCommand: 4,
  /** release: the command succeeded but the database is not where the prediction said. */
  postCheck: 5,
  sigint: 130,
  sigterm: 143,
  internal: 70,
  /** backfill --write could not write (a read-only tree, permissions, another run holding the lock, a file changed under it). */
  cantWrite: 73,
  /** The report could not be written to standard output (a full disk, say): the run's result was lost. */
  output: 74,
} as const;

export interface ErrorDetails {
  readonly hint?: string;
  /** What Alembic itself would print for the same problem, when it fails too. */
  readonly alembicError?: string;
  readonly path?: string;
  readonly line?: number;
}

export abstract class PreflightError extends Error {
  abstract readonly exitCode: number;
  abstract readonly kind: string;
  readonly hint?: string;
  readonly alembicError?: string;
  readonly path?: string;
  readonly line?: number;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message);
    this.hint = details.hint;
    this.alembicError = details.alembicError;
    this.path = details.path;
    this.line = details.line;
  }
}

export class UsageError extends PreflightError {
  readonly exitCode = EXIT.usage;
  readonly kind = 'usage';
}

export class ConfigError extends PreflightError {
  readonly exitCode = EXIT.usage;
  readonly kind = 'configuration';
}

export class DatabaseError extends PreflightError {
  readonly exitCode = EXIT.database;
  readonly kind = 'database';
}

/** Writing the files failed or was refused; nothing of ours is left half-written. */
export class WriteError extends PreflightError {
  readonly exitCode = EXIT.cantWrite;
  readonly kind = 'write';
}
