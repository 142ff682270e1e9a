import path from 'node:path';
import { loadProjectConfig } from '../../alembic/config/alembic-config.js';
import { modelFromConfig } from '../../alembic/loading/project-model.js';
import { parseDatabaseUrl } from '../../database/database-url.js';
import { copyProductionSchema } from '../../database/copy-schema.js';
import { type Scratch } from '../../database/scratch-database.js';
import { snapshotSchema } from '../../database/schema-snapshot.js';
import { DEFAULT_LEDGER_TABLE } from '../../database/ledger.js';
import { confinedEnv, proveCommand, unfencedNotice } from '../../release/child-env.js';
import type { ProjectFiles } from '../../project/project-files.js';
import { fenceTarget, makeFence } from '../../release/fence.js';
import { UsageError } from '../../errors/errors.js';
import type {
  IdempotencyRun,
  RehearseOutcome,
  SchemaDrift,
  ThenRun,
} from '../../release/rehearse-outcome.js';
import { appPython } from '../../release/run-child.js';
import { compareModels, idempotencyPass, runThen, type DriftConfig } from '../../release/rehearse-after.js';
import { rehearseJson, rehearseText } from '../../report/rehearse-report.js';
import { rehearseGithub, rehearseMarkdown } from '../../report/rehearse-review.js';
import { configOptions } from '../../workspace/open-project.js';
import { withFiles, type CommandOutput } from '../../workspace/command-options.js';
import { chooseVersionTable } from '../../workspace/version-table-choice.js';
import { postgresOptions } from '../../workspace/open-database.js';
import { catalogDdl } from '../../database/catalog-ddl.js';
import { creatorOf, cycle, downgradeTarget, stepByStep, stepOrder } from '../../release/rehearse-cycle.js';
import { RehearseRunner } from '../../release/rehearse-runner.js';
import {
  makeScratch,
  readProduction,
  urlVariables,
  type Production,
  type ScratchOptions,
} from '../../workspace/rehearse-databases.js';

export interface RehearseCommandOptions extends ScratchOptions {
  /** Up, down and up again for each revision in turn (pytest-alembic's up/down consistency). */
  readonly step?: boolean;
  /** The downgrade's target in the cycle (default base). */
  readonly downTo?: string;
  /** Minutes each Alembic command may take. */
  readonly stepMinutes?: number;
  /** Copy production's schema (no rows but the version table's; read-only there) and run the pending upgrade on it. */
  readonly fromProduction?: boolean;
  /** How: pg_dump, the catalog, or pg_dump when installed (auto). */
  readonly schemaCopy?: 'auto' | 'pg_dump' | 'catalog';
  /** More variables the app reads its database URL from, set to the scratch database's URL too. */
  readonly urlEnv?: readonly string[];
  /** Compare env.py's target_metadata with the schema after the final upgrade (default true). */
  readonly drift?: boolean;
  /** Run each revision's upgrade() a second time on a schema that has its changes. */
  readonly idempotent?: boolean;
  /** A command (a seed script, a smoke test) to run on the scratch database after the final upgrade. */
  readonly then?: string;
  /** --unfenced: start a --then that cannot be proved fenced anyway (the report says so). */
  readonly unfenced?: boolean;
}

/**
 * Runs the project's real migrations, with the interpreter and command the release runs, on a
 * scratch database it creates and always removes: the cycle (upgrade head, downgrade base or
 * --down-to, upgrade head) or --step (each revision up, down, up), comparing the schema after each
 * downgrade with the one before the matching upgrade.
 */
export async function rehearseCommand(
  opts: RehearseCommandOptions,
): Promise<CommandOutput & { outcome: RehearseOutcome }> {
  const files = withFiles(opts);
  const loadOptions = configOptions(files);
  const config = await loadProjectConfig(loadOptions);
  const model = modelFromConfig(config, loadOptions.alembicVersion);
  if (model.failure)
    throw new UsageError(
      `The migrations do not load, so there is nothing to rehearse: ${model.failure.failure.message}`,
      { hint: 'Run alembic-preflight check and fix what it reports first.' },
    );
  const variables = urlVariables(config);
  if (opts.idempotent && opts.fromProduction)
    throw new UsageError(
      '--idempotent runs every revision from an empty database, and --from-production runs only the pending ones on a copy.',
      { hint: 'Run them as two rehearsals.' },
    );
  const unproved = thenProof(opts, files.files);
  const order = stepOrder(model, opts.step === true);
  const walk = opts.idempotent ? stepOrder(model, true) : [];
  const downTo = downgradeTarget(model, opts.downTo ?? 'base');
  const production = opts.fromProduction ? await readProduction(config, opts) : undefined;
  // --database-url given: the scratch cluster runs the PostgreSQL major version that server runs (read-only, one connection)
  const major =
    production?.major ??
    (opts.databaseUrl && !opts.scratchUrl && /^postgres/iu.test(opts.databaseUrl.trim())
      ? (await readProduction(config, opts)).major
      : undefined);
  // listening before the scratch database exists: a signal while it is made still ends in its removal
  const { signals, stopListening } = listenForSignals();
  let scratch: Scratch;
  try {
    scratch = await makeScratch(config, opts, production, major);
  } catch (e) {
    stopListening();
    throw e;
  }
  const drift: SchemaDrift[] = [];
  const flask = config.flaskMigrate === true;
  const set = [
    ...new Set([...variables, ...(flask ? ['SQLALCHEMY_DATABASE_URI'] : []), ...(opts.urlEnv ?? [])]),
  ];
  const scratchDb = parseDatabaseUrl(scratch.url, opts.cwd);
  // every child's environment names the scratch database only (PG*, every database URL): a psql, a
  // seed script, the app's Python
  const childBase = confinedEnv(opts.env, { url: scratch.url, db: scratchDb }, set);
  // and the app's Python may connect to the scratch database and to nothing else, whatever its code reads
  const fence = makeFence([fenceTarget(scratchDb)], set, childBase);
  // the configuration read (-c, $ALEMBIC_CONFIG or the release line's -c, and -n) goes to Alembic as -c and -n
  const project = {
    ...(config.iniPath ? { config: path.relative(opts.cwd, config.iniPath) } : {}),
    ...(config.section !== 'alembic' ? { name: config.section } : {}),
  };
  const { versionTable, versionTableSchema } = chooseVersionTable(config, opts, scratch.dialect);
  const runner = new RehearseRunner({
    cwd: opts.cwd,
    env: opts.env,
    childEnv: { ...childBase, ...fence.env },
    config,
    model,
    scratch,
    fence,
    set,
    project,
    versionTable,
    versionTableSchema,
    // where each step should leave the scratch's version table: Alembic's own plan from the rows before it
    rows: production?.rows ?? [],
    stepMinutes: opts.stepMinutes ?? 10,
    ...(opts.progress ? { progress: opts.progress } : {}),
    signals,
  });
  const { run } = runner;
  const snapshot = (): Promise<string[]> => snapshotSchema(scratch.url, scratch.dialect, versionTable);
  const clean = (): boolean => runner.clean();
  let copied: string | undefined;
  let idempotency: IdempotencyRun[] | undefined;
  let models: RehearseOutcome['models'];
  let then: ThenRun | undefined;
  try {
    // each upgrade() twice, from an empty database to head, then back to empty for the run below
    if (walk.length > 0) idempotency = (await idempotencyPass(walk, runner.repeatable)) ?? [];
    if (walk.length > 0 && clean()) await run('downgrade', 'base');
    if (!clean()) {
      // the idempotency pass stopped: nothing below runs
    } else if (production) {
      copied = await copyProduction(opts, production, scratch);
      await run('upgrade', 'head');
    } else if (opts.step) await stepByStep(order, run, snapshot, drift);
    // which revision made a leftover is read from the files only when there is one
    else await cycle(downTo, run, snapshot, drift, () => creatorOf(model));
    const python = appPython(opts.env, flask);
    // the tool's ledger (copied from production, or left by a release) is not the app's drift
    const ignoreTables = [
      ...new Set([DEFAULT_LEDGER_TABLE, ...(opts.ledgerTable ? [opts.ledgerTable] : [])]),
    ];
    const driftConfig: DriftConfig = flask
      ? { flask, directory: path.relative(opts.cwd, config.scriptDir) || '.', ignoreTables }
      : { flask, ...project, ignoreTables };
    if (clean() && drift.length === 0 && opts.drift !== false && python)
      models = await compareModels(runner.runApp, python, driftConfig, model);
    if (clean() && opts.then) {
      if (unproved)
        opts.progress?.(unfencedNotice('rehearse', `--then \`${opts.then}\``, unproved).trimEnd());
      then = await runThen(runner.runApp, opts.then, unproved);
    }
  } finally {
    stopListening();
    fence.remove();
    await scratch.remove();
  }
  if (runner.stop) throw runner.stop;
  return reportOf(opts, runner, { production, scratch, copied, drift, models, idempotency, then });
}

/** SIGTERM and SIGINT noted (not acted on) while the rehearsal runs, so that its scratch database is always removed. */
function listenForSignals(): { signals: { interrupted?: NodeJS.Signals }; stopListening: () => void } {
  const signals: { interrupted?: NodeJS.Signals } = {};
  const onSignal = (s: NodeJS.Signals) => () => void (signals.interrupted ??= s);
  const term = onSignal('SIGTERM');
  const int = onSignal('SIGINT');
  process.on('SIGTERM', term);
  process.on('SIGINT', int);
  return {
    signals,
    stopListening: () => {
      process.off('SIGTERM', term);
      process.off('SIGINT', int);
    },
  };
}

/** Copies production's schema and version rows into the scratch database; returns the tool that copied it. */
async function copyProduction(
  opts: RehearseCommandOptions,
  production: Production,
  scratch: Scratch,
): Promise<string> {
  const prodTarget = production.target;
  const catalog = async (): Promise<string[]> => {
    if (prodTarget.dialect !== 'postgresql') return [];
    const { withPostgresClient } = await import('../../database/pg-connect.js');
    return withPostgresClient(prodTarget, postgresOptions(opts), (client) => catalogDdl(client));
  };
  const copied = await copyProductionSchema(
    prodTarget,
    scratch,
    production.rows,
    production.versionTable,
    opts.env,
    {
      ...(opts.ssl ? { sslmode: opts.ssl } : {}),
      with: opts.schemaCopy ?? 'auto',
      catalog,
      mysql: postgresOptions(opts),
    },
  );
  opts.progress?.(
    `rehearse: production's schema copied with ${copied} (${production.rows.length} version row${production.rows.length === 1 ? '' : 's'})`,
  );
  return copied;
}

/** What the rehearsal ran, as its outcome, its document and its exit code. */
function reportOf(
  opts: RehearseCommandOptions,
  runner: RehearseRunner,
  ran: {
    production: Production | undefined;
    scratch: Scratch;
    copied: string | undefined;
    drift: SchemaDrift[];
    models: RehearseOutcome['models'];
    idempotency: IdempotencyRun[] | undefined;
    then: ThenRun | undefined;
  },
): CommandOutput & { outcome: RehearseOutcome } {
  const { production, scratch, copied, drift, models, idempotency, then } = ran;
  const { interrupted, steps } = runner;
  const modelsOk = models === undefined || (!('failed' in models) && models.differences.length === 0);
  const ok =
    !interrupted &&
    steps.every((s) => s.ok) &&
    drift.length === 0 &&
    modelsOk &&
    (idempotency ?? []).every((r) => r.ok) &&
    then?.ok !== false;
  const outcome: RehearseOutcome = {
    mode: production ? 'from-production' : opts.step ? 'step' : 'cycle',
    scratch: scratch.describe,
    ...(copied ? { copiedWith: copied } : {}),
    command: runner.commandName,
    steps,
    drift,
    ...(models ? { models } : {}),
    ...(idempotency ? { idempotency } : {}),
    ...(then ? { then } : {}),
    ...(interrupted ? { interrupted } : {}),
    ok,
  };
  const document = opts.format === 'json' ? rehearseJson(outcome) : undefined;
  const exitCode = interrupted ? (interrupted === 'SIGINT' ? 130 : 143) : ok ? 0 : 1;
  const stdout = document
    ? JSON.stringify(document, null, 2) + '\n'
    : opts.review === 'github'
      ? rehearseGithub(outcome)
      : opts.review === 'markdown'
        ? rehearseMarkdown(outcome)
        : rehearseText(outcome);
  return { stdout, exitCode, document, outcome };
}

/**
 * Why --then cannot be proved fenced, when it cannot and --unfenced starts it anyway; refused (thrown)
 * before anything starts otherwise. Read without a target: nobody can name the scratch's URL.
 */
function thenProof(opts: RehearseCommandOptions, files: ProjectFiles): string | undefined {
  if (opts.then === undefined) return undefined;
  return proveCommand(
    ['/bin/sh', '-c', opts.then],
    { dir: opts.cwd, env: opts.env, files },
    { unfenced: opts.unfenced, tool: 'rehearse', what: `--then \`${opts.then}\`` },
  );
}
