import path from 'node:path';
import { loadProjectConfig } from '../alembic/config/alembic-config.js';
import { modelFromConfig } from '../alembic/loading/project-model.js';
import { predictUpgrade } from '../alembic/graph/upgrade-plan.js';
import { parseDatabaseUrl } from '../database/database-url.js';
import { copyProductionSchema } from '../database/copy-schema.js';
import { type Scratch } from '../database/scratch-database.js';
import { scratchVersionRows, snapshotSchema } from '../database/schema-snapshot.js';
import { predictDowngrade } from '../alembic/graph/downgrade-plan.js';
import { featuresOf } from '../alembic/config/alembic-version.js';
import { appUrlReads } from '../deploy/app-url-reads.js';
import { fenceLoadsIn, fenceTarget, makeFence, refusalError } from '../release/fence.js';
import { ConfigError, UsageError, type PreflightError } from '../errors/errors.js';
import { readAlembicFailure } from '../release/alembic-failure.js';
import type { RehearseOutcome, RehearseStep, SchemaDrift } from '../release/rehearse-outcome.js';
import { alembicCommand, flaskCommand, runChild } from '../release/run-child.js';
import { rehearseJson, rehearseText } from '../report/rehearse-report.js';
import { configOptions } from '../workspace/open-project.js';
import { withFiles, type CommandOutput } from '../workspace/command-options.js';
import { chooseVersionTable } from '../workspace/version-table-choice.js';
import { postgresOptions } from '../workspace/open-database.js';
import { catalogDdl } from '../database/catalog-ddl.js';
import { creatorOf, cycle, fenceNotLoaded, stepByStep, stepOrder } from '../release/rehearse-cycle.js';
import { makeScratch, readProduction, urlVariables, type ScratchOptions } from '../workspace/rehearse-databases.js';

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
}

/**
 * Runs the project's real migrations, with the interpreter and command the release runs, on a
 * scratch database it creates and always removes: the cycle (upgrade head, downgrade base or
 * --down-to, upgrade head) or --step (each revision up, down, up), comparing the schema after each
 * downgrade with the one before the matching upgrade.
 */
export async function rehearseCommand(opts: RehearseCommandOptions): Promise<CommandOutput & { outcome: RehearseOutcome }> {
  const loadOptions = configOptions(withFiles(opts));
  const config = await loadProjectConfig(loadOptions);
  const model = modelFromConfig(config, loadOptions.alembicVersion);
  if (model.failure) throw new UsageError(`The migrations do not load, so there is nothing to rehearse: ${model.failure.failure.message}`, { hint: 'Run alembic-preflight check and fix what it reports first.' });
  const variables = urlVariables(config);
  const order = stepOrder(model, opts.step === true);
  const production = opts.fromProduction ? await readProduction(config, opts) : undefined;
  // --database-url given: the scratch cluster runs the PostgreSQL major version that server runs (read-only, one connection)
  const major = production?.major ?? (opts.databaseUrl && !opts.scratchUrl && /^postgres/iu.test(opts.databaseUrl.trim()) ? (await readProduction(config, opts)).major : undefined);
  // listening before the scratch database exists: a signal while it is made still ends in its removal
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals) => () => void (interrupted ??= s);
  const term = onSignal('SIGTERM');
  const int = onSignal('SIGINT');
  process.on('SIGTERM', term);
  process.on('SIGINT', int);
  let scratch: Scratch;
  try {
    scratch = await makeScratch(config, opts, production, major);
  } catch (e) {
    process.off('SIGTERM', term);
    process.off('SIGINT', int);
    throw e;
  }
  const steps: RehearseStep[] = [];
  const drift: SchemaDrift[] = [];
  const flask = config.flaskMigrate === true;
  const set = [...new Set([...variables, ...(flask ? ['SQLALCHEMY_DATABASE_URI'] : []), ...(opts.urlEnv ?? [])])];
  const env = Object.fromEntries(set.map((v) => [v, scratch.url]));
  // the app's Python may connect to the scratch database and to nothing else, whatever its code reads
  const fence = makeFence([fenceTarget(parseDatabaseUrl(scratch.url, opts.cwd))], set, opts.env);
  const childEnv = { ...opts.env, ...env, ...fence.env };
  // the configuration read (-c, $ALEMBIC_CONFIG or the release line's -c, and -n) goes to Alembic as -c and -n
  const project = { ...(config.iniPath ? { config: path.relative(opts.cwd, config.iniPath) } : {}), ...(config.section !== 'alembic' ? { name: config.section } : {}) };
  const commandName = flask ? 'flask db' : 'alembic';
  const { versionTable, versionTableSchema } = chooseVersionTable(config, opts, scratch.dialect);
  // where each step should leave the scratch's version table: Alembic's own plan from the rows before it
  let rows: string[] = production ? [...production.rows].sort() : [];
  // a traceback's frame in a revision file names the revision that was running (the paths as Python loaded them)
  const real = (file: string): string => config.files.realpath(file) ?? file;
  const byFile = new Map(model.map.revisions.map((r) => [real(r.file.absPath), r.id]));
  const revisionAt = (file: string): string | undefined => byFile.get(real(path.resolve(opts.cwd, file)));
  const expectedAfter = (command: 'upgrade' | 'downgrade', target: string): string[] | undefined => {
    const p = command === 'upgrade' ? predictUpgrade(model.map, target, rows, versionTable) : predictDowngrade(model.map, target, rows, featuresOf(model.alembicVersion), versionTable);
    return p.finalHeads ? [...p.finalHeads].map(String).sort() : undefined;
  };
  let stop: PreflightError | undefined;
  let probed = false;
  const run = async (command: 'upgrade' | 'downgrade', target: string): Promise<boolean> => {
    if (interrupted || stop) return false;
    const argv = flask ? flaskCommand(target, path.relative(opts.cwd, config.scriptDir) || '.', opts.env, command) : alembicCommand(target, opts.env, project, command);
    if (!argv) throw new UsageError(flask ? 'Neither flask nor python is on PATH.' : 'Neither alembic nor python is on PATH.', { hint: 'Run rehearse where the app and its requirements are installed.' });
    if (!probed) {
      probed = true;
      if (fenceLoadsIn(argv, childEnv, opts.cwd, fence) === false) {
        stop = fenceNotLoaded(commandName);
        return false;
      }
    }
    const expected = expectedAfter(command, target);
    const loadedBefore = fence.loaded();
    const child = await runChild(argv, { cwd: opts.cwd, env: childEnv, deadlineMs: (opts.stepMinutes ?? 10) * 60_000, capture: true });
    interrupted ??= child.forwarded;
    const refused = fence.refused();
    if (refused.length > 0) {
      stop = refusalError(refused[0]!, { what: `\`${commandName} ${command} ${target}\``, tool: 'rehearse', set, reads: appUrlReads(config.files, opts.cwd, config.versionLocations.map((l) => l.absPath)) });
      return false;
    }
    if (fence.loaded() === loadedBefore) {
      stop = fenceNotLoaded(commandName);
      return false;
    }
    const ok = child.code === 0;
    const step: RehearseStep = { command, target, ok, ms: child.ms, ...(ok ? {} : { failure: readAlembicFailure(child.output ?? '', revisionAt) }) };
    steps.push(step);
    opts.progress?.(`rehearse: ${commandName} ${command} ${target}: ${ok ? 'ok' : interrupted ? 'stopped' : 'FAILED'} (${(child.ms / 1000).toFixed(1)} s)`);
    if (!ok || interrupted) return false;
    // belt and braces: the step must have moved the scratch's version table where Alembic's plan says
    const now = await scratchVersionRows(scratch.url, scratch.dialect, versionTable, versionTableSchema ?? undefined);
    if (expected && (now.length !== expected.length || now.some((r, i) => r !== expected[i]))) {
      stop = new ConfigError(`After \`${commandName} ${command} ${target}\` the scratch database's ${versionTable} holds ${now.join(', ') || 'no row'}, not ${expected.join(', ') || 'no row'}: the migrations ran somewhere else, or on another version table.`, {
        hint: 'Check that env.py takes its URL from the environment (DATABASE_URL) and passes version_table as a literal; rehearse stopped before the next step.',
      });
      return false;
    }
    rows = now;
    return true;
  };
  const snapshot = (): Promise<string[]> => snapshotSchema(scratch.url, scratch.dialect, versionTable);
  let copied: string | undefined;
  try {
    if (production) {
      const prodTarget = production.target;
      const catalog = async (): Promise<string[]> => {
        if (prodTarget.dialect !== 'postgresql') return [];
        const { withPostgresClient } = await import('../database/read-postgres.js');
        return withPostgresClient(prodTarget, postgresOptions(opts), (client) => catalogDdl(client));
      };
      copied = await copyProductionSchema(prodTarget, scratch, production.rows, production.versionTable, opts.env, { ...(opts.ssl ? { sslmode: opts.ssl } : {}), with: opts.schemaCopy ?? 'auto', catalog });
      opts.progress?.(`rehearse: production's schema copied with ${copied} (${production.rows.length} version row${production.rows.length === 1 ? '' : 's'})`);
      await run('upgrade', 'head');
    } else if (opts.step) await stepByStep(order, run, snapshot, drift);
    // which revision made a leftover is read from the files only when there is one
    else await cycle(opts.downTo ?? 'base', run, snapshot, drift, () => creatorOf(model));
  } finally {
    process.off('SIGTERM', term);
    process.off('SIGINT', int);
    fence.remove();
    await scratch.remove();
  }
  if (stop) throw stop;
  const ok = !interrupted && steps.every((s) => s.ok) && drift.length === 0;
  const outcome: RehearseOutcome = { mode: production ? 'from-production' : opts.step ? 'step' : 'cycle', scratch: scratch.describe, ...(copied ? { copiedWith: copied } : {}), command: commandName, steps, drift, ...(interrupted ? { interrupted } : {}), ok };
  const document = opts.format === 'json' ? rehearseJson(outcome) : undefined;
  const exitCode = interrupted ? (interrupted === 'SIGINT' ? 130 : 143) : ok ? 0 : 1;
  return { stdout: document ? JSON.stringify(document, null, 2) + '\n' : rehearseText(outcome), exitCode, document, outcome };
}
