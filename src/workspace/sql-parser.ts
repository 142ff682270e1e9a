import type { VerifyResult } from '../check/run-verify.js';
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

/** A verify run, run again with PostgreSQL's parser when the first left literal SQL of a pending step ungraded. */
export async function withSqlGrades(run: (parseSql?: SqlParser) => VerifyResult): Promise<VerifyResult> {
  const first = run();
  if (!first.database.locks?.sqlUngraded) return first;
  const parser = await loadSqlParser();
  return parser ? run(parser) : first;
}
