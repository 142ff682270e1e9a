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
import type { DatabaseContext } from '../check/rule.js';
import { dataPlan } from '../check/schema/data-plan.js';
import type { DataCheck, DataChecks, RowReader } from '../database/data-probe.js';

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
  readRows?: RowReader,
): Promise<VerifyResult> {
  let database = databaseFacts(model, state, target, opts, extras);
  if (database.locks?.sqlUngraded) {
    const parser = await loadSqlParser();
    if (parser) database = withParsedSql(model, database, opts, extras.schemaOps, parser);
  }
  const data = await dataChecks(model, database, opts, readRows);
  return verifyOver(model, data ? { ...database, data } : database, opts);
}

/**
 * The data probes: planned from the pending steps (check/schema/data-plan.ts), asked of the database
 * only when a step depends on its rows, so a release with nothing such opens no second connection.
 */
async function dataChecks(
  model: ProjectModel,
  database: DatabaseContext,
  opts: CheckOptions,
  readRows: RowReader | undefined,
): Promise<DataChecks | undefined> {
  if (!readRows) return undefined;
  const plan = dataPlan(model, database.state, database.prediction);
  if (plan.probes.length === 0 && plan.settled.length === 0) return undefined;
  if (opts.policy?.data === 'off') return { checks: [], off: true };
  const read = await readRows(plan.probes);
  // in the order the steps run
  const order = (c: DataCheck): number =>
    database.prediction.steps.findIndex((s) => s.revision === c.probe.revision);
  const checks = [...plan.settled, ...read].sort(
    (a, b) => order(a) - order(b) || a.probe.line - b.probe.line,
  );
  return { checks, ...(opts.policy?.data === 'block' ? { block: true as const } : {}) };
}
