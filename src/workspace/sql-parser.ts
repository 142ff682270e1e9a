import {
  databaseFacts,
  verifyOver,
  withParsedSql,
  type VerifyExtras,
  type VerifyResult,
} from '../check/run-verify.js';
import type { CheckOptions } from '../check/run-check.js';
import type { ProjectModel } from '../alembic/loading/project-model.js';
import type { VersionTableState } from '../database/version-table.js';
import type { ParsedSql } from '../check/schema/sql-lock-steps.js';
import type { SqlParser } from '../check/schema/pending-locks.js';

/** What the libpg-query package exports (its WebAssembly build of PostgreSQL's parser). */
interface PgQuery {
  loadModule(): Promise<void>;
  parseSync(sql: string): ParsedSql;
}

/**
 * PostgreSQL's own parser (libpg_query, compiled to WebAssembly), loaded once and only when a pending
 * migration runs schema-changing SQL: undefined where it is not installed (the Action's bundle), and
 * the SQL is then said to be ungraded.
 */
export async function loadSqlParser(): Promise<SqlParser | undefined> {
  try {
    const mod = (await import('libpg-query')) as unknown as PgQuery & { default?: PgQuery };
    const pg = typeof mod.parseSync === 'function' ? mod : mod.default!;
    await pg.loadModule();
    return (sql) => {
      try {
        return pg.parseSync(sql);
      } catch {
        return undefined;
      }
    };
  } catch {
    return undefined;
  }
}

/**
 * A verify run whose pending literal SQL is graded by PostgreSQL's parser: the facts are read once,
 * the parser is loaded only when a pending step's SQL was left ungraded, that step's locks are graded
 * again, and the rules run once.
 */
export async function verifyWithSqlGrades(
  model: ProjectModel,
  state: VersionTableState,
  target: string,
  opts: CheckOptions,
  extras: VerifyExtras,
): Promise<VerifyResult> {
  let database = databaseFacts(model, state, target, opts, extras);
  if (database.locks?.sqlUngraded) {
    const parser = await loadSqlParser();
    if (parser) database = withParsedSql(model, database, opts, extras.schemaOps, parser);
  }
  return verifyOver(model, database, opts);
}
