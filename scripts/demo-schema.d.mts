import type { Database } from 'better-sqlite3';

export declare const REVISIONS: readonly {
  readonly revision: string;
  readonly statements: readonly string[];
}[];
export declare function migrateAndStamp(db: Database, upTo: string, rows: readonly string[]): void;
