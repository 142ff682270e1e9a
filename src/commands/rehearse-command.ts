import path from 'node:path';
import { loadProjectConfig, type ProjectConfig } from '../alembic/config/alembic-config.js';
import { readDatabaseUrlVariables } from '../alembic/env/env-py.js';
import { modelFromConfig, revisionText, type ProjectModel } from '../alembic/loading/project-model.js';
import { readEnvPyText } from '../alembic/reading/source-reader.js';
import { predictUpgrade } from '../alembic/graph/upgrade-plan.js';
import { schemaOps } from '../check/schema/schema-ops.js';
import { parseDatabaseUrl, type DatabaseTarget } from '../database/database-url.js';
import { copyProductionSchema } from '../database/copy-schema.js';
import { containerScratch, localClusterScratch, localServerBinaries, reapScratchFolders, serverScratch, sqliteScratch, type Scratch } from '../database/scratch-database.js';
import { schemaDiff, scratchVersionRows, snapshotSchema } from '../database/schema-snapshot.js';
import { predictDowngrade } from '../alembic/graph/downgrade-plan.js';
import { featuresOf } from '../alembic/config/alembic-version.js';
import { appUrlReads } from '../deploy/app-url-reads.js';
import { fenceLoadsIn, fenceTarget, makeFence, refusalError } from '../release/fence.js';
import { ConfigError, DatabaseError, UsageError, type PreflightError } from '../errors/errors.js';
import { readAlembicFailure } from '../release/alembic-failure.js';
import type { RehearseOutcome, RehearseStep, SchemaDrift } from '../release/rehearse-outcome.js';
import { alembicCommand, flaskCommand, runChild } from '../release/run-child.js';
import { rehearseJson, rehearseText } from '../report/rehearse-report.js';
import { configOptions } from '../workspace/open-project.js';
import { withFiles, type CommandOutput } from '../workspace/command-options.js';
import { chooseVersionTable } from '../workspace/version-table-choice.js';
import { postgresOptions, readVersionTable } from '../workspace/open-database.js';
import type { VerifyCommandOptions } from '../workspace/command-options.js';
import { catalogDdl } from '../database/catalog-ddl.js';

export interface RehearseCommandOptions extends VerifyCommandOptions {
  /** Up, down and up again for each revision in turn (pytest-alembic's up/down consistency). */
  readonly step?: boolean;
  /** The downgrade's target in the cycle (default base). */
  readonly downTo?: string;
  /** A PostgreSQL server where a uniquely named database may be created and dropped. */
  readonly scratchUrl?: string;
  /** `docker`: a container even when the server binaries are installed. */
  readonly scratch?: 'auto' | 'docker';
  /** One line per step as it ends (stderr in the CLI). */
  readonly progress?: (line: string) => void;
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

type Run = (command: 'upgrade' | 'downgrade', target: string) => Promise<boolean>;

/** Empty → upgrade head → downgrade (base or REV, reached first) → upgrade head, comparing the schema each time. */
async function cycle(downTo: string, run: Run, snapshot: () => Promise<string[]>, drift: SchemaDrift[], creator: () => Creator): Promise<void> {
  let before = await snapshot();
  if (downTo !== 'base') {
    if (!(await run('upgrade', downTo))) return;
    before = await snapshot();
  }
  if (!(await run('upgrade', 'head'))) return;
  const head = await snapshot();
  if (!(await run('downgrade', downTo))) return;
  const back = schemaDiff(before, await snapshot());
  if (back.added.length + back.removed.length > 0) drift.push(...byCreator(`after downgrade ${downTo}`, back, creator()));
  if (!(await run('upgrade', 'head'))) return;
  const again = schemaDiff(head, await snapshot());
  if (again.added.length + again.removed.length > 0) drift.push({ when: 'after upgrade head again', leftBehind: again.added, missing: again.removed });
}

/** Each revision in order: up, down to where it was, up again. */
async function stepByStep(order: readonly { id: string; back: string; path: string }[], run: Run, snapshot: () => Promise<string[]>, drift: SchemaDrift[]): Promise<void> {
  let before = await snapshot();
  for (const r of order) {
    if (!(await run('upgrade', r.id))) return;
    const after = await snapshot();
    if (!(await run('downgrade', r.back))) return;
    const back = schemaDiff(before, await snapshot());
    if (back.added.length + back.removed.length > 0) drift.push({ when: `after downgrade ${r.back}`, revision: r.id, path: r.path, leftBehind: back.added, missing: back.removed });
    if (!(await run('upgrade', r.id))) return;
    const again = schemaDiff(after, await snapshot());
    if (again.added.length + again.removed.length > 0) drift.push({ when: `after upgrade ${r.id} again`, revision: r.id, path: r.path, leftBehind: again.added, missing: again.removed });
    before = after;
  }
}

/** The revisions in upgrade order, each with what a downgrade of it alone goes back to; --step needs one line of history. */
function stepOrder(model: ProjectModel, step: boolean): { id: string; back: string; path: string }[] {
  if (!step) return [];
  const p = predictUpgrade(model.map, 'heads', []);
  const out: { id: string; back: string; path: string }[] = [];
  for (const s of p.steps) {
    const rev = model.map.byKey.get(s.revision)!;
    if (rev.allDown.length > 1 || rev.nextrev.length > 1) {
      throw new UsageError(`--step walks one line of history, and ${s.revision} ${rev.allDown.length > 1 ? 'merges' : 'branches'} it.`, { hint: 'Run the cycle (without --step) for a history with branches.' });
    }
    out.push({ id: s.revision, back: rev.allDown[0] ?? 'base', path: rev.file.path });
  }
  return out;
}

type Creator = (line: string) => { revision: string; path: string } | undefined;

/** Which revision's upgrade() creates the object a snapshot line names (the last one that does), per the schema probes' reading. */
function creatorOf(model: ProjectModel): Creator {
  const order = predictUpgrade(model.map, 'heads', []).steps.map((s) => s.revision);
  const made = new Map<string, { revision: string; path: string }>();
  for (const id of order) {
    const rev = model.map.byKey.get(id);
    const text = rev ? revisionText(model, rev.file.absPath) : undefined;
    if (!rev || text === undefined) continue;
    for (const op of schemaOps(text)) if (op.op === 'create') made.set(`${op.obj.kind} ${op.obj.kind === 'column' ? `${op.obj.table}.` : ''}${op.obj.name}`, { revision: id, path: rev.file.path });
  }
  return (line) => {
    const m = /^(table|column|index|type|constraint|sequence) ([^\s:(]+)/u.exec(line);
    return m ? made.get(`${m[1]} ${m[2]}`) : undefined;
  };
}

/** Drift grouped by the revision that creates each object. */
function byCreator(when: string, diff: { added: string[]; removed: string[] }, creator: Creator): SchemaDrift[] {
  const groups = new Map<string, { revision?: string; path?: string; leftBehind: string[]; missing: string[] }>();
  const add = (line: string, key: 'leftBehind' | 'missing'): void => {
    const c = creator(line);
    const k = c?.revision ?? '';
    const g = groups.get(k) ?? { ...(c ? { revision: c.revision, path: c.path } : {}), leftBehind: [], missing: [] };
    g[key].push(line);
    groups.set(k, g);
  };
  for (const l of diff.added) add(l, 'leftBehind');
  for (const l of diff.removed) add(l, 'missing');
  return [...groups.values()].map((g) => ({ when, ...g }));
}

/** The fence never loaded in the Python that runs the migrations, so nothing keeps them on the scratch database. */
function fenceNotLoaded(command: string): ConfigError {
  return new ConfigError(`The Python that runs ${command} did not load alembic-preflight's connection fence (it ignores PYTHONPATH: python -I or -E?), so nothing would keep the migrations on the scratch database; nothing was run past this point.`, {
    hint: 'Run rehearse with a Python that honours PYTHONPATH (the console script pip installs does), or give the app only the scratch database in its environment.',
  });
}

/** The variables env.py reads its URL from (DATABASE_URL when it names none); a configuration that takes it from the ini only is refused. */
function urlVariables(config: ProjectConfig): string[] {
  if (config.flaskMigrate) return ['DATABASE_URL'];
  const envPy = readEnvPyText(config) ?? '';
  const names = [...new Set(readDatabaseUrlVariables(envPy).map((r) => r.name))];
  if (names.length === 0) {
    throw new UsageError('env.py reads no database URL from the environment, so rehearse cannot point Alembic at a scratch database without changing your files.', {
      hint: 'Have env.py take the URL from an environment variable when it is set (config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"])), as Heroku apps do.',
    });
  }
  return names.includes('DATABASE_URL') ? names : [...names, 'DATABASE_URL'];
}

interface Production {
  readonly target: DatabaseTarget;
  readonly rows: string[];
  readonly versionTable: string;
  /** The server's major version, to make the scratch cluster match it. */
  readonly major?: number;
}

/** Production's version rows and server version, read as verify reads them (read-only). */
async function readProduction(config: ProjectConfig, opts: RehearseCommandOptions): Promise<Production> {
  const envName = opts.databaseUrlEnv ?? 'DATABASE_URL';
  const raw = opts.databaseUrl ?? opts.env[envName];
  if (!raw) throw new UsageError(`--from-production reads production's schema: pass --database-url, or set ${envName}.`, { hint: `DATABASE_URL=$(heroku config:get DATABASE_URL -a APP) alembic-preflight rehearse --from-production` });
  const target = parseDatabaseUrl(raw, opts.cwd, opts.env);
  const table = chooseVersionTable(config, opts, target.dialect);
  const state = await readVersionTable(target, { versionTable: table.versionTable, versionTableSchema: table.versionTableSchema }, opts);
  const rows = state.rows.filter((r): r is string => typeof r === 'string');
  const major = state.server ? Number(/^(\d+)/u.exec(state.server.version)?.[1]) : undefined;
  return { target, rows, versionTable: table.versionTable, ...(major ? { major } : {}) };
}

/** --scratch-url, else a SQLite file for a SQLite project, else a local cluster from the server binaries (production's major when known). */
async function makeScratch(config: ProjectConfig, opts: RehearseCommandOptions, production: Production | undefined, major: number | undefined): Promise<Scratch> {
  // what runs killed with SIGKILL left (their watchdog also stops a cluster, this catches the rest)
  reapScratchFolders(() => localServerBinaries());
  if (production?.target.dialect === 'sqlite') return sqliteScratch();
  if (opts.scratchUrl) {
    const target = parseDatabaseUrl(opts.scratchUrl, opts.cwd, opts.env);
    if (target.dialect !== 'postgresql') throw new UsageError('--scratch-url must name a PostgreSQL server.', { hint: 'A SQLite project rehearses on a temporary SQLite file without it.' });
    return serverScratch(opts.scratchUrl);
  }
  const ini = config.ini;
  const url = opts.databaseUrl ?? opts.env[opts.databaseUrlEnv ?? 'DATABASE_URL'] ?? (ini?.hasOption(config.section, 'sqlalchemy.url') ? ini.get(config.section, 'sqlalchemy.url') : undefined);
  const sqlite = typeof url === 'string' && /^sqlite(?:\+\w+)?:/iu.test(url.trim());
  if (sqlite) return sqliteScratch();
  const binaries = (major !== undefined ? localServerBinaries(major) : undefined) ?? localServerBinaries();
  if (binaries && major !== undefined && binaries.major !== major) opts.progress?.(`rehearse: production runs PostgreSQL ${major}, and only PostgreSQL ${binaries.major} is installed here: the scratch cluster runs ${binaries.major}`);
  if (binaries && opts.scratch !== 'docker') return localClusterScratch(binaries);
  const container = await containerScratch(major);
  if ('url' in container) return container;
  throw new DatabaseError(`No scratch PostgreSQL: ${opts.scratch === 'docker' ? '' : '--scratch-url is not given, the PostgreSQL server binaries (initdb, pg_ctl) are not installed here, and '}${container.unavailable}.`, {
    hint: "Pass --scratch-url with the URL of a PostgreSQL server where a database may be created and dropped (never production's), install the server binaries (apt-get install postgresql), or install the package @testcontainers/postgresql beside a running Docker engine.",
  });
}
