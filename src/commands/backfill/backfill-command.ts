import { investigateMissing } from '../../history/git-history.js';
import { appWords } from '../../check/app-words.js';
import { loadProjectConfig, type ProjectConfig } from '../../alembic/config/alembic-config.js';
import { modelFromConfig } from '../../alembic/loading/project-model.js';
import { diskFiles } from '../../project/project-files.js';
import type { StampValue } from '../../alembic/graph/upgrade-plan.js';
import { sqlTableName } from '../../database/quote-ident.js';
import { missingIds } from '../../check/run-verify.js';
import { parseDatabaseUrl } from '../../database/database-url.js';
import type { VersionTableState } from '../../database/version-table.js';
import { UsageError } from '../../errors/errors.js';
import { deployOrigin } from '../../deploy/procfile-target.js';
import { gatherDeploy, gradedTarget } from '../../workspace/deploy-facts.js';
import {
  planBackfill,
  type BackfillOutcome,
  type BackfillPlan,
  type MissingId,
  type Proof,
} from '../../generate/plan-backfill.js';
import type { ProjectModel } from '../../alembic/loading/project-model.js';
import { proveBackfill } from '../../generate/prove-backfill.js';
import { writeChanges } from '../../generate/write-changes.js';
import { acquireWriteLock } from '../../generate/write-changes.js';
import { backfillJson, backfillText } from '../../report/backfill-report.js';
import { configOptions, syntaxOracle } from '../../workspace/open-project.js';
import { urlSourceOf, withFiles, type CommandOutput } from '../../workspace/command-options.js';
import { readingCache, saveReadingCache } from '../../workspace/reading-cache.js';
import { scanLogFile } from '../../workspace/read-log.js';
import { chooseVersionTable } from '../../workspace/version-table-choice.js';
import { postgresOptions, readVersionTable } from '../../workspace/open-database.js';
import type { VerifyCommandOptions } from '../../workspace/command-options.js';

export interface BackfillCommandOptions extends VerifyCommandOptions {
  readonly revisions?: readonly string[];
  readonly fromLogs?: string;
  /** `REV` (every id) or `ID=REV`. */
  readonly after?: readonly string[];
  readonly rewire?: boolean;
  readonly write?: boolean;
  /** Skip the git history search. */
  readonly git?: boolean;
  readonly now?: Date;
}

export async function backfillCommand(
  opts: BackfillCommandOptions,
): Promise<CommandOutput & { outcome: BackfillOutcome }> {
  const loadOptions = configOptions(withFiles(opts));
  const config = await loadProjectConfig(loadOptions);
  if (!opts.write) return backfillRun(opts, loadOptions, config);
  // from reading the files to proving what was written: one writer at a time
  const folders = config.versionLocations.filter((l) => l.exists).map((l) => l.absPath);
  const lock = acquireWriteLock(folders[0] ?? config.cwd, folders);
  try {
    return await backfillRun(opts, loadOptions, config);
  } finally {
    lock.release();
  }
}

async function backfillRun(
  opts: BackfillCommandOptions,
  loadOptions: ReturnType<typeof configOptions>,
  config: ProjectConfig,
): Promise<CommandOutput & { outcome: BackfillOutcome }> {
  const now = opts.now ?? new Date();
  // the proof predicts what the deploy runs: the Procfile release line's target unless --target says otherwise
  const facts = gatherDeploy(opts, config);
  const deploy = facts.target;
  const target = gradedTarget(opts.target, facts);
  const explicitIds = (opts.revisions?.length ?? 0) > 0 || opts.fromLogs !== undefined;
  const from = urlSourceOf(opts);
  const envName = from.variable;
  const raw = from.fromFlag || !explicitIds ? from.url : undefined;
  if (!explicitIds && !raw) {
    throw new UsageError(
      `Nothing to backfill from: give --revision ID, --from-logs FILE, or a database (--database-url, or $${envName}).`,
      {
        hint: 'For the incident case: alembic-preflight backfill --revision guest_lockout_001 --after <parent> --rewire',
      },
    );
  }
  let state: VersionTableState | undefined;
  if (raw) {
    const db = parseDatabaseUrl(raw, opts.cwd, opts.env);
    // the catalog ranks the candidates and lets the proof run the schema probes; --no-schema-probes reads rows only
    state = await readVersionTable(
      db,
      {
        ...chooseVersionTable(config, opts, db.dialect),
        ...(opts.schemaProbes === false ? {} : { catalog: true }),
      },
      postgresOptions(opts),
    );
  }
  const logs = opts.fromLogs !== undefined ? await scanLogFile(opts.fromLogs, opts.cwd) : undefined;
  const cache = readingCache(opts, config);
  const model = modelFromConfig(config, loadOptions.alembicVersion, undefined, {
    cache,
    ...syntaxOracle(opts, config),
  });
  await saveReadingCache(cache);
  if (model.revisionsElsewhere)
    throw new UsageError(
      `The version locations (${config.versionLocations.map((l) => l.configured).join(', ')}) hold no revision files, but ${model.revisionsElsewhere.join(', ')} holds files that read like revisions: a placeholder written here could stand for a revision that exists unread.`,
      {
        hint: `Point backfill at the revisions: --versions ${model.revisionsElsewhere[0]} (or set version_locations to what env.py sets), then run it again.`,
      },
    );

  const missing = missingOf(opts, config, model, state, logs, now);
  const ids = missing.map((m) => m.id);
  const after = parseAfter(opts.after ?? [], ids);
  const rows: readonly StampValue[] | null = state ? state.rows : null;
  const io = {
    readFile: (p: string) => {
      const bytes = config.files.bytes(p);
      if (bytes === undefined) throw new Error(`${config.files.readError(p) ?? 'cannot read'}: ${p}`);
      return bytes;
    },
    exists: (p: string) => config.files.exists(p),
    // the texts kept: the schema probes read the planned files, which are not on disk yet
    rebuild: (overlay: ReadonlyMap<string, Buffer>) =>
      modelFromConfig(config, loadOptions.alembicVersion, overlay),
  };
  const versionTable = state ? sqlTableName(state.versionTable, state.versionTableSchema) : undefined;
  const plan = planBackfill(
    model,
    {
      missing,
      after,
      rewire: opts.rewire ?? false,
      target,
      rows,
      now,
      ...(versionTable ? { versionTable } : {}),
      ...(state ? { state } : {}),
    },
    io,
  );

  const ready = plan.placeholders.length > 0 && plan.refused.length === 0 && plan.proof?.ok === true;
  const { written, restored, finalPlan } =
    opts.write && ready
      ? writeProved(plan, () =>
          proveBackfill(
            model,
            modelFromConfig({ ...config, files: diskFiles() }, loadOptions.alembicVersion),
            ids,
            rows,
            target,
          ),
        )
      : { written: false, restored: undefined, finalPlan: plan };
  const ok =
    finalPlan.refused.length === 0 &&
    (finalPlan.placeholders.length === 0 || finalPlan.proof?.ok === true) &&
    restored === undefined;
  const outcome: BackfillOutcome = {
    cwd: config.cwd,
    plan: finalPlan,
    written,
    restored,
    ok,
    target,
    words: appWords(config),
    ...(versionTable ? { versionTable } : {}),
    ...(deploy ? deployOrigin(deploy) : {}),
  };
  const stdout =
    opts.format === 'json'
      ? JSON.stringify(backfillJson(outcome, opts.write ?? false), null, 2) + '\n'
      : backfillText(outcome, opts.write ?? false);
  return { stdout, exitCode: ok ? 0 : 1, outcome };
}

function parseAfter(values: readonly string[], ids: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq > 0) out.set(v.slice(0, eq), v.slice(eq + 1));
    else {
      if (ids.length > 1 && values.length === 1) {
        throw new UsageError(
          `--after ${v} is ambiguous: there are ${ids.length} ids to place (${ids.join(', ')}).`,
          { hint: 'Name each one: --after ID=REV (repeatable).' },
        );
      }
      out.set('*', v);
    }
  }
  return out;
}

/** The ids to backfill, each with where it was seen, what git knows of it and the deploy log's parent. */
function missingOf(
  opts: BackfillCommandOptions,
  config: ProjectConfig,
  model: ProjectModel,
  state: VersionTableState | undefined,
  logs: Awaited<ReturnType<typeof scanLogFile>> | undefined,
  now: Date,
): MissingId[] {
  const explicitIds = (opts.revisions?.length ?? 0) > 0 || opts.fromLogs !== undefined;
  const seen = new Map<string, string[]>();
  const add = (id: string, where: string): void => {
    const list = seen.get(id) ?? [];
    if (!list.includes(where)) list.push(where);
    seen.set(id, list);
  };
  for (const id of opts.revisions ?? []) add(id, 'named with --revision');
  if (logs) {
    for (const g of logs.result.groups) {
      if (g.kind === 'missing-revision' && g.key)
        add(
          g.key,
          `deploy log ${logs.display}:${g.firstLine}${g.count > 1 ? ` (${g.count} times, last at line ${g.lastLine})` : ''}`,
        );
    }
  }
  if (state) {
    // the placeholder's docstring is committed: the dialect and the table, never the host or database name
    const where = `a ${state.dialect === 'sqlite' ? 'SQLite' : state.dialect === 'mysql' ? (state.mysql?.flavor ?? 'MySQL') : 'PostgreSQL'} database's ${state.versionTableSchema ? `${state.versionTableSchema}.` : ''}${state.versionTable} table (read ${now.toISOString()})`;
    for (const id of missingIds(model, state)) add(id, where);
    if (explicitIds) {
      for (const id of seen.keys()) if (state.rows.includes(id)) add(id, where);
    }
  }
  const ids = [...seen.keys()];
  const forensics =
    opts.git === false || ids.length === 0
      ? new Map()
      : investigateMissing(
          config.files,
          ids,
          config.cwd,
          config.versionLocations.map((l) => l.absPath),
        );
  const missing: MissingId[] = ids.map((id) => {
    const step = logs?.result.applied.get(id);
    return {
      id,
      seen: seen.get(id)!,
      forensics: forensics.get(id),
      logParent: step ? { from: step.from, where: `${logs!.display}:${step.line}` } : undefined,
    };
  });
  return missing;
}

/** Writes the planned files, proves the result again from the disk, and puts everything back when that proof fails. */
function writeProved(
  plan: BackfillPlan,
  reprove: () => Proof,
): { written: boolean; restored: string | undefined; finalPlan: BackfillPlan } {
  const undo = writeChanges(
    [...plan.changes].map(([absPath, c]) => ({ absPath, before: c.before, after: c.after })),
  );
  // the proof again, from what is now on disk (read afresh: the run's reader holds the folders as they were)
  const recheck = reprove();
  const finalPlan = { ...plan, proof: recheck };
  if (recheck.ok) return { written: true, restored: undefined, finalPlan };
  undo();
  return { written: false, restored: recheck.problems.join('; '), finalPlan };
}
