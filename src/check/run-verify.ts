import { mysqlStorage } from '../database/mysql-collation.js';
import { firstInputRead } from './input-reads.js';
import type { Forensics } from '../history/git-history.js';
import type { ProjectModel } from '../alembic/loading/project-model.js';
import { predictUpgrade, resolveStamps, type UpgradePrediction } from '../alembic/graph/upgrade-plan.js';
import type { VersionTableState } from '../database/version-table.js';
import type { DatabaseContext, DriverFact, UrlFacts } from './rule.js';
import { alembicOutput, envPySource, envPyText } from './rule-helpers.js';
import { DEFAULT_POLICY } from './policy.js';
import { pendingLocks, type PendingLocks, type SqlParser } from './schema/pending-locks.js';
import { runCheck, type CheckOptions, type CheckResult } from './run-check.js';
import { catalogPresence } from './schema/catalog.js';
import { opsReader, probeSchema, type UpgradeClash } from './schema/schema-probe.js';
import { partlyApplied, type PartlyApplied } from './schema/partly-applied.js';
import { rollbackLosses } from './schema/rollback-losses.js';
import { sqliteStepsRefused } from './schema/sqlite-steps.js';
import { inTransactionRefused } from './schema/transaction-steps.js';
import type { SchemaOp } from './schema/schema-object.js';
import { verdictOf, withFindingsFailure } from './verdict.js';
import { ledgerView } from './ledger-view.js';
import { alreadyPresent } from './schema/already-present.js';
import { versionWrites } from './version-writes.js';
import { appWords } from './app-words.js';
import type { StampResolution } from '../alembic/graph/resolver.js';

export interface VerifyResult extends CheckResult {
  readonly database: DatabaseContext;
}

/** PostgreSQL creates Alembic's table with VARCHAR(32) and enforces it; SQLite does not. */
const DEFAULT_PG_LENGTH = 32;

/** What verify may know besides the model and the rows: git's forensics, the URLs' facts, each revision's schema steps. */
export interface VerifyExtras {
  readonly forensics?: ReadonlyMap<string, Forensics>;
  readonly url?: UrlFacts;
  readonly schemaOps?: ReadonlyMap<string, readonly SchemaOp[]>;
  readonly driver?: DriverFact;
}

/** Ids of rows that name no revision at all (the backfill candidates). */
export function missingIds(model: ProjectModel, state: VersionTableState): string[] {
  return resolveStamps(model.map, state.rows).flatMap((s) =>
    s.how === 'failed' &&
    typeof s.value === 'string' &&
    s.value !== '' &&
    s.failure?.exception === 'ResolutionError'
      ? [s.value]
      : [],
  );
}

/**
 * Compares the live version table with the graph: predicts `alembic upgrade <target>` in Alembic's
 * order of failure (scripts, target, rows, overlap, steps), resolves each row, and runs every rule
 * with that context.
 */
export function runVerify(
  model: ProjectModel,
  state: VersionTableState,
  target: string,
  opts: CheckOptions = {},
  extras: VerifyExtras = {},
): VerifyResult {
  return verifyOver(model, databaseFacts(model, state, target, opts, extras), opts);
}

/** What the rules read of the database: the prediction, each row's resolution, the schema probes, the locks, a rollback's losses. */
export function databaseFacts(
  model: ProjectModel,
  state: VersionTableState,
  target: string,
  opts: CheckOptions = {},
  extras: VerifyExtras = {},
): DatabaseContext {
  const { forensics, url = {}, schemaOps, driver } = extras;
  const prediction = predict(model, state, target);
  const stamps = resolveStamps(model.map, state.rows);
  const files = opts.files ?? model.config.files;
  const ledger = ledgerView(state.ledger, state.rows, model.map, (abs) => files.bytes(abs));
  const schema = model.failure ? undefined : probeSchema(model, state, stamps, prediction, schemaOps);
  const present = alreadyPresent(model.map, state, prediction, schema);
  const relation = state.exists ? state.writable?.table : undefined;
  const writes = relation ? versionWrites(state, prediction, relation) : undefined;
  const afterDelete = afterDeletes(model, state, stamps, prediction.target);
  const locks = gradeLocks(model, state, prediction, opts, schemaOps);
  const rollback = model.failure ? undefined : rollbackLosses(model, state, stamps, ledger, schemaOps);
  const sqliteRefused = sqliteStepsRefused(model, state, prediction, schemaOps, envPyText(model));
  const inTransaction = inTransactionRefused(model, state, prediction, envPyText(model));
  const partly = partlyAppliedFirst(model, state, prediction, schema?.clash, schemaOps);
  const inputRead = model.failure ? undefined : firstInputRead(model, prediction);
  return {
    state,
    stamps,
    prediction,
    ledger,
    forensics,
    words: appWords(model.config),
    ...(opts.otherDeployTargets && opts.otherDeployTargets.length > 0
      ? {
          otherTargets: opts.otherDeployTargets.map((o) => ({
            ...o,
            prediction: predict(model, state, o.target),
          })),
        }
      : {}),
    ...url,
    ...(driver ? { driver } : {}),
    ...(schema ? { schema } : {}),
    ...(locks ? { locks } : {}),
    ...(rollback ? { rollback } : {}),
    ...(sqliteRefused ? { sqliteRefused } : {}),
    ...(inTransaction ? { inTransaction } : {}),
    ...(partly ? { partly } : {}),
    ...(inputRead ? { inputRead } : {}),
    ...(present ? { alreadyPresent: present } : {}),
    ...(writes ? { versionWrites: writes } : {}),
    ...(afterDelete.size > 0 ? { afterDelete } : {}),
  };
}

/**
 * The one row no revision resolves, with the upgrade from the other rows were it deleted (while rows
 * remain). Only for one such row: with several, Alembic stops on the first whichever is deleted, and
 * a prediction per row would cost each the whole table again (200,000 rows: quadratic).
 */
function afterDeletes(
  model: ProjectModel,
  state: VersionTableState,
  stamps: readonly StampResolution[],
  target: string,
): Map<StampResolution['value'], UpgradePrediction> {
  const failed = stamps.filter((s) => s.how === 'failed');
  const out = new Map<StampResolution['value'], UpgradePrediction>();
  if (failed.length !== 1) return out;
  const { value } = failed[0]!;
  const rest = state.rows.filter((r) => r !== value);
  if (rest.length > 0) out.set(value, predictUpgrade(model.map, target, rest, state.versionTable));
  return out;
}

/** The first pending revision set step by step against the catalog, when the probes' clash is in it. */
function partlyAppliedFirst(
  model: ProjectModel,
  state: VersionTableState,
  prediction: UpgradePrediction,
  clash: UpgradeClash | undefined,
  schemaOps: ReadonlyMap<string, readonly SchemaOp[]> | undefined,
): PartlyApplied | undefined {
  const catalog = catalogPresence(state);
  if (!clash || !catalog) return undefined;
  return partlyApplied(
    state.dialect === 'postgresql',
    clash,
    prediction.steps[0]?.revision,
    opsReader(model, schemaOps)(clash.revision),
    catalog.has,
  );
}

/** The pending steps' locks graded again, now with PostgreSQL's parser for their literal SQL. */
export function withParsedSql(
  model: ProjectModel,
  database: DatabaseContext,
  opts: CheckOptions,
  schemaOps: ReadonlyMap<string, readonly SchemaOp[]> | undefined,
  parseSql: SqlParser,
): DatabaseContext {
  const locks = gradeLocks(model, database.state, database.prediction, { ...opts, parseSql }, schemaOps);
  return { ...database, ...(locks ? { locks } : {}) };
}

/**
 * Every rule over the model and the database's facts, and the one verdict (verdict.ts): a failure a
 * finding predicts (a pending step on an object the database lacks, say) is the prediction's too.
 */
export function verifyOver(model: ProjectModel, database: DatabaseContext, opts: CheckOptions): VerifyResult {
  const result = runCheck(model, { ...opts, database });
  const prediction = withFindingsFailure(database.prediction, result.findings);
  const verdict = verdictOf(prediction, result.findings, opts.policy ?? DEFAULT_POLICY);
  return {
    ...result,
    ok: verdict.ok,
    verdict,
    ...(prediction.cliOutput ? { alembicError: prediction.cliOutput } : {}),
    database: prediction === database.prediction ? database : { ...database, prediction },
  };
}

function gradeLocks(
  model: ProjectModel,
  state: VersionTableState,
  prediction: UpgradePrediction,
  opts: CheckOptions,
  schemaOps?: ReadonlyMap<string, readonly SchemaOp[]>,
): PendingLocks | undefined {
  return model.failure
    ? undefined
    : pendingLocks(
        model,
        state,
        prediction,
        (opts.policy ?? DEFAULT_POLICY).locks,
        envPyForLocks(model),
        schemaOps,
        opts.parseSql,
      );
}

function predict(model: ProjectModel, state: VersionTableState, target: string): UpgradePrediction {
  const f = model.failure?.failure;
  if (f) {
    const cli = alembicOutput(f)!;
    const [exception, ...rest] = f.commandError ? ['CommandError', f.message] : f.message.split(': ');
    return {
      target,
      willSucceed: false,
      steps: [],
      finalHeads: null,
      failure: {
        exception: exception ?? f.exception,
        message: f.commandError ? f.message : rest.join(': '),
        stage: 'load',
      },
      cliOutput: cli,
    };
  }
  const p = predictUpgrade(
    model.map,
    target,
    state.rows,
    state.versionTable,
    state.mysql ? mysqlStorage(state.mysql, state.versionTable) : undefined,
  );
  if (!p.willSucceed || state.dialect === 'sqlite') return p;
  const limit = state.exists ? state.columnLength : DEFAULT_PG_LENGTH;
  if (limit === null || !p.steps.some((s) => s.revision.length > limit)) return p;
  // MySQL outside strict mode cuts a long id to the column's width with a warning: the upgrade succeeds
  if (state.dialect === 'mysql' && state.mysql?.strict === false)
    return {
      ...p,
      finalHeads: p.finalHeads?.map((h) => (h === null ? h : [...h].slice(0, limit).join(''))) ?? null,
    };
  const message =
    state.dialect === 'mysql'
      ? `(${state.mysql?.driver === 'mysqldb' ? 'MySQLdb._exceptions' : 'pymysql.err'}.DataError) (1406, "Data too long for column 'version_num' at row 1")`
      : `(psycopg2.errors.StringDataRightTruncation) value too long for type character varying(${limit})`;
  return {
    target,
    willSucceed: false,
    steps: [],
    finalHeads: null,
    failure: {
      exception: 'sqlalchemy.exc.DataError',
      message,
      stage: 'step',
      detail: { kind: 'value-too-long', limit },
    },
    cliOutput: `sqlalchemy.exc.DataError: ${message}`,
  };
}

/** env.py's text and path, where a lock_timeout set for every migration would be. */
function envPyForLocks(model: ProjectModel): { path: string; text: string } | undefined {
  const text = envPyText(model);
  return text === undefined ? undefined : { path: envPySource(model).rel, text };
}
