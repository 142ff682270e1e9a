import path from 'node:path';
import { loadProjectConfig } from '../../alembic/config/alembic-config.js';
import { modelFromConfig, revisionFile, type ProjectModel } from '../../alembic/loading/project-model.js';
import { atLeast, parseAlembicVersion } from '../../alembic/config/alembic-version.js';
import type { LintConfig } from '../../check/lint/lint-config.js';
import { envPyText } from '../../check/rule-helpers.js';
import { fileLocks } from '../../check/schema/pending-locks.js';
import { Resolver } from '../../alembic/graph/resolver.js';
import { AlembicRaise } from '../../alembic/loading/alembic-raise.js';
import { mysqlFileLocks } from '../../check/schema/mysql-pending-locks.js';
import { DEFAULT_LOCK_SETTINGS, type PendingLock, type PendingLocks } from '../../check/schema/lock-types.js';
import { DEFAULT_DATA_SETTINGS } from '../../check/policy.js';
import { databaseLabel } from '../../database/version-table.js';
import { UsageError, WriteError } from '../../errors/errors.js';
import { planFile, type FilePlan, type FixSettings } from '../../generate/plan-fix.js';
import { acquireWriteLock, writeChanges } from '../../generate/write-changes.js';
import { pinnedVersion, projectFileReader } from '../../packaging/package-pins.js';
import { fixJson, fixText, fixVerdict, type FixOutcome } from '../../report/fix-report.js';
import { configOptions, projectLintConfig, resolveAlembicVersion } from '../../workspace/open-project.js';
import {
  urlSourceOf,
  withFiles,
  type CommandOutput,
  type VerifyCommandOptions,
} from '../../workspace/command-options.js';
import { loadSqlParser } from '../../workspace/sql-parser.js';
import { gatherVerification, verificationOutcome } from '../../workspace/verification.js';
import { EXIT } from '../../errors/errors.js';

export interface FixCommandOptions extends VerifyCommandOptions {
  /** Revision ids (or unique prefixes) to rewrite; none: every pending revision of the database. */
  readonly revisions?: readonly string[];
  readonly write?: boolean;
  /** Write over a file with uncommitted changes in its git work tree. */
  readonly force?: boolean;
  /** Without a database: the server the steps run on (default postgresql). */
  readonly dialect?: 'postgresql' | 'mysql' | 'mariadb';
}

const postgresAssumed = (major: number): FixOutcome['assumed'] => ({
  server: `PostgreSQL ${major}`,
  postgresMajor: major,
});

/** The server version `fix` grades for without a database, unless the settings name one. */
const ASSUMED_MAJOR = 15;

/**
 * `fix`: each heavy PostgreSQL step of the named (or pending) revisions rewritten into its safe form.
 * A dry run prints the diff; --write replaces the files atomically. Never runs a migration, never
 * writes to a database.
 */
export async function fixCommand(opts: FixCommandOptions): Promise<CommandOutput & { outcome: FixOutcome }> {
  const given = withFiles(opts);
  const ids = opts.revisions ?? [];
  const source = urlSourceOf(given);
  if (ids.length === 0 && !source.url)
    throw new UsageError(
      `Name the revisions to fix, or give the database to size them on (--database-url, or $${source.variable}).`,
      {
        hint: 'alembic-preflight fix 1f2a3b4c5d6e rewrites that revision; with a database URL and no id, every pending revision.',
      },
    );
  const gathered = source.url ? await fromDatabase(given, ids) : await fromFiles(given, ids);
  const { model, steps, unread, revisions, settings } = gathered;
  const plans = revisions.map((rev) =>
    planFile(
      rev,
      steps.filter((s) => s.revision === rev.revision),
      unread.filter((u) => u.revision === rev.revision),
      settings,
    ),
  );
  const changed = plans.filter((p) => p.after !== p.before);
  let written = false;
  if (opts.write && changed.length > 0) {
    refuseDirty(model, changed, opts.force === true);
    const folders = model.config.versionLocations.filter((l) => l.exists).map((l) => l.absPath);
    const lock = acquireWriteLock(folders[0] ?? model.config.cwd, folders, 'fix');
    try {
      writeChanges(
        changed.map((p) => ({
          absPath: p.absPath,
          before: Buffer.from(p.before),
          after: Buffer.from(p.after),
        })),
        'fix',
      );
      written = true;
    } finally {
      lock.release();
    }
  }
  const outcome: FixOutcome = {
    ...(gathered.sizedBy
      ? { sizedBy: gathered.sizedBy }
      : { assumed: gathered.assumed ?? postgresAssumed(settings.major ?? ASSUMED_MAJOR) }),
    files: plans,
    write: opts.write === true,
    written,
  };
  const document = opts.format === 'json' ? fixJson(outcome) : undefined;
  return {
    stdout: document ? `${JSON.stringify(document, null, 2)}\n` : fixText(outcome),
    // the verdict the report renders decides the exit: a heavy step left unchanged blocks
    exitCode: fixVerdict(outcome).word === 'OK' ? EXIT.ok : EXIT.blocked,
    outcome,
    ...(document ? { document } : {}),
  };
}

/** A revision file `fix` plans for. */
type RevisionTarget = { revision: string; path: string; absPath: string; text: string };

/** What the plan reads: the files, their graded steps and the lines the reading could not follow. */
interface Gathered {
  readonly model: ProjectModel;
  readonly revisions: readonly RevisionTarget[];
  readonly steps: readonly PendingLock[];
  readonly unread: PendingLocks['unread'];
  readonly settings: FixSettings;
  readonly sizedBy?: string;
  /** Without a database, MySQL's or MariaDB's grades: the server they are for. */
  readonly assumed?: FixOutcome['assumed'];
}

/** With a database: the pending revisions (or the named ones, which must be pending), graded on the live sizes. */
async function fromDatabase(
  opts: FixCommandOptions & { files: NonNullable<FixCommandOptions['files']> },
  ids: readonly string[],
): Promise<Gathered> {
  const v = await gatherVerification({
    ...opts,
    locks: { ...(opts.locks ?? DEFAULT_LOCK_SETTINGS), mode: 'block' },
    data: { ...DEFAULT_DATA_SETTINGS, mode: 'off' },
  });
  const { model, database } = await verificationOutcome(v);
  const { state, prediction, ledger } = database;
  if (state.dialect === 'sqlite')
    throw new UsageError(
      `fix rewrites PostgreSQL, MySQL and MariaDB steps; ${databaseLabel(state)} is SQLite.`,
      {
        hint: 'SQLite locks the whole database for any write: nothing makes a step there lighter.',
      },
    );
  if (!prediction.willSucceed)
    throw new UsageError(
      `The upgrade fails before its steps run, so they cannot be sized: ${prediction.cliOutput ?? prediction.unpredictable ?? 'see verify'}`,
      {
        hint: 'Run alembic-preflight verify: fix what it reports first, then fix the heavy steps.',
      },
    );
  const pending = prediction.steps.map((s) => s.revision);
  const chosen = ids.length === 0 ? pending : [...new Set(ids.flatMap((id) => resolveIds(model, id)))];
  for (const id of chosen) {
    if (ledger.known.has(id) || !pending.includes(id))
      throw new UsageError(
        `${id} is not pending on ${databaseLabel(state)}: the database${ledger.known.has(id) ? "'s ledger" : ''} already holds it, or it is not on the upgrade's path.`,
        {
          hint: 'A migration a database has run is not rewritten (applied-migration-edited would report it); write a new revision for what it should change.',
        },
      );
  }
  // the settings the verification read (pyproject.toml, alembic.ini): not read again
  const mysql = state.dialect === 'mysql';
  const settings = {
    ...fixSettings(model, v.settings, mysql ? undefined : database.locks?.major, mysql),
    ...(mysql && state.database ? { database: state.database } : {}),
  };
  const locks = database.locks;
  if (!locks)
    throw new UsageError(`The pending steps could not be graded on ${databaseLabel(state)}.`, {
      hint: 'Run alembic-preflight verify --locks block to see why.',
    });
  return {
    model,
    revisions: chosen.map((id) => fileOf(model, id)),
    steps: locks.steps,
    unread: locks.unread,
    settings,
    sizedBy: databaseLabel(state),
  };
}

/** Without a database: the named revisions, every table they do not create taken as large. */
async function fromFiles(
  opts: FixCommandOptions & { files: NonNullable<FixCommandOptions['files']> },
  ids: readonly string[],
): Promise<Gathered> {
  const config = await loadProjectConfig(configOptions(opts));
  const model = modelFromConfig(config, resolveAlembicVersion(config.files, config.cwd, opts.alembicVersion));
  const flavor = opts.dialect === 'mariadb' ? 'MariaDB' : opts.dialect === 'mysql' ? 'MySQL' : undefined;
  const settings = fixSettings(model, await projectLintConfig(config), undefined, flavor !== undefined);
  const revisions = [...new Set(ids.flatMap((id) => resolveIds(model, id)))].map((id) => fileOf(model, id));
  const env = envPyText(model);
  const envPy = env !== undefined ? { text: env } : undefined;
  const parseSql =
    !flavor && revisions.some((r) => r.text.includes('execute(')) ? await loadSqlParser() : undefined;
  const read = revisions.map((r) =>
    flavor
      ? mysqlFileLocks(r, flavor, envPy)
      : fileLocks(r, settings.major ?? ASSUMED_MAJOR, envPy, parseSql),
  );
  return {
    model,
    revisions,
    steps: read.flatMap((x) => x.steps),
    unread: read.flatMap((x) => x.unread),
    settings,
    ...(flavor ? { assumed: { server: flavor === 'MariaDB' ? 'MariaDB 10.6 or later' : 'MySQL 8.0' } } : {}),
  };
}

function fixSettings(
  model: ProjectModel,
  lint: LintConfig,
  major: number | undefined,
  mysql: boolean,
): FixSettings {
  // MySQL's recipes run in the migration as written; PostgreSQL's need autocommit_block()
  if (mysql) return { lockTimeout: lint.lockTimeout };
  if (!atLeast(model.alembicVersion, 1, 2))
    throw new UsageError(
      `The app runs Alembic ${model.alembicVersion.label}; the safe forms need autocommit_block(), from Alembic 1.2.`,
      {
        hint: 'Upgrade Alembic to 1.2 or later (pip install "alembic>=1.2"), then run fix again.',
      },
    );
  const pin = pinnedVersion('sqlalchemy', projectFileReader(model.config.files, model.config.cwd));
  // an x.y.z read as Alembic's versions are, compared the same way
  const pinned = pin ? parseAlembicVersion(pin.version) : null;
  const old = pinned !== null && !atLeast(pinned, 1, 4, 32);
  return {
    lockTimeout: lint.lockTimeout,
    ...(old && pin
      ? {
          notValidRefused: `postgresql_not_valid= needs SQLAlchemy 1.4.32; ${pin.source} pins ${pin.version}`,
        }
      : {}),
    ...((major ?? lint.postgresVersion) !== undefined ? { major: (major ?? lint.postgresVersion)! } : {}),
  };
}

/**
 * The revisions an identifier names, as `alembic` resolves it on the command line (Resolver, its
 * `get_revisions`): an id, a unique prefix of four characters or more, a branch label, `head`,
 * `heads`, `label@head`.
 */
function resolveIds(model: ProjectModel, id: string): string[] {
  try {
    const revs = new Resolver(model.map).getRevisions(id, 'target');
    if (revs.length === 0)
      throw new UsageError(`${id} names no revision (base is before the first one).`, {
        hint: 'Give a revision id as alembic history prints it.',
      });
    return revs.map((r) => r.id);
  } catch (e) {
    if (!(e instanceof AlembicRaise)) throw e;
    throw new UsageError(`Alembic cannot resolve ${id}: ${e.message}`, {
      hint: 'Give a revision id as alembic history prints it (or a unique prefix of four characters or more).',
    });
  }
}

/** The revision's file as the model read it; one it could not decode is refused, not guessed. */
function fileOf(model: ProjectModel, id: string): RevisionTarget {
  const file = revisionFile(model, id);
  if (!file) {
    const rev = model.map.byKey.get(id)!;
    throw new UsageError(`${rev.file.path} could not be read as text.`, {
      hint: 'Check the file is UTF-8 and readable.',
    });
  }
  return { revision: id, ...file };
}

/** Inside a git work tree, a file with uncommitted changes is not written over unless --force. */
function refuseDirty(model: ProjectModel, plans: readonly FilePlan[], force: boolean): void {
  if (force) return;
  const cwd = model.config.cwd;
  const files = plans.map((p) => path.relative(cwd, p.absPath));
  const status = model.config.files.git(cwd, ['status', '--porcelain', '--', ...files]);
  if (status === null || status.status !== 0 || status.stdout.trim() === '') return;
  const dirty = status.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.slice(3));
  throw new WriteError(
    `${dirty.join(', ')} ha${dirty.length === 1 ? 's' : 've'} uncommitted changes: nothing was written.`,
    {
      hint: 'Commit or stash them first, so the rewrite is a change of its own you can review; or pass --force.',
    },
  );
}
