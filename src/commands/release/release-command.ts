import { blockedExit } from '../../check/verdict.js';
import { verificationExtras, verificationOutcome, type Verification } from '../../workspace/verification.js';
import type { VerifyResult } from '../../check/run-verify.js';
import { isCosmetic } from '../../check/rules.js';
import { ConfigError, EXIT, PreflightError } from '../../errors/errors.js';
import path from 'node:path';
import { commandGenerates, commandProject, commandTarget } from '../../deploy/procfile-target.js';
import { gatherDeploy } from '../../workspace/deploy-facts.js';
import { runChild } from '../../release/run-child.js';
import { releaseLogLine, withVerdictLine } from '../../release/with-verdict-line.js';
import { verdictLine, verdictLineText, type VerdictLine } from '../../report/verdict-line.js';
import { detectContext } from '../../release/context.js';
import { interpreterPython } from '../../release/interpreter-python.js';
import { findingText, verifyText, verifyVerdict } from '../../report/text-report.js';
import { releaseLineConfig } from '../../workspace/open-project.js';
import { policyOf, withFiles } from '../../workspace/command-options.js';
import { openProjectAndDatabase, readVersionTable } from '../../workspace/open-database.js';
import type { VerifyCommandOptions } from '../../workspace/command-options.js';
import type { LedgerRow } from '../../database/ledger.js';
import {
  ledgerStayedWarning,
  ledgerWriteOf,
  writeLedger,
  type LedgerWrite,
} from '../../database/write-ledger.js';
import type { OnAhead } from '../../check/lint/lint-config.js';
import { ledgerRows } from '../../check/ledger-rows.js';
import { appUrlReads } from '../../deploy/app-url-reads.js';
import { fencedChild, unfencedRecord, withUnfenced } from '../../release/child-env.js';
import { refusalError } from '../../release/fence.js';
import { afterUpgrade, plural } from '../../release/after-upgrade.js';
import { upgradeCommand } from '../../release/upgrade-command.js';
import { appIdentity } from '../../deploy/app-identity.js';
import { releasingOf } from '../../workspace/releasing.js';

export interface ReleaseCommandOptions extends VerifyCommandOptions {
  /** The command to run instead of `alembic upgrade <target>` (after `--`). */
  readonly command?: readonly string[];
  readonly alwaysRun?: boolean;
  /** --unfenced: start a command that cannot be proved fenced anyway, recorded in the verdict line and the ledger. */
  readonly unfenced?: boolean;
  /** Minutes before we stop the child (Heroku kills a release after an hour). */
  readonly deadlineMinutes?: number;
  readonly out: (text: string) => void;
  readonly event?: (
    level: 'info' | 'warn' | 'error',
    event: string,
    fields: Record<string, unknown>,
    msg: string,
  ) => void;
  /** Prints an error as the CLI does and returns its exit code; release then still ends with its verdict line. */
  readonly report?: (e: PreflightError) => number;
  /** --on-ahead: when the database is ahead of this code (a rollback), exit 0 without migrating (allow) or stop (block). */
  readonly onAhead?: OnAhead;
  /** --cosmetic: print the findings about how the code reads (docstrings, file names) too. */
  readonly cosmetic?: boolean;
  /** --share-database: this release may migrate a database another app owns (per its ledger). */
  readonly shareDatabase?: boolean;
}

/**
 * The Heroku release phase: verify first and stop a doomed upgrade before it
 * starts; otherwise run it with its output unchanged, verify the result, and
 * finish with one verdict line. Returns the exit code.
 */
export async function releaseCommand(opts: ReleaseCommandOptions): Promise<number> {
  return withVerdictLine(opts, 'alembic', (started, markRunning) => releaseSteps(opts, started, markRunning));
}

type Log = NonNullable<ReleaseCommandOptions['event']>;
type Verdict = (code: number, line: VerdictLine) => number;

/** What the release runs and checks, decided before anything is read from the database. */
interface ReleasePlan {
  readonly config: string | undefined;
  readonly name: string | undefined;
  /** the wrapped command as read: its target, whether Alembic starts directly, what stops it */
  readonly read: ReturnType<typeof commandTarget>;
  /** the wrapped command's reading, when it decides the target (no --target) */
  readonly wrapped: ReturnType<typeof commandTarget>;
  readonly target: string;
  /** `-c X -n Y` taken from the wrapped command, for the first line */
  readonly fromCommand: string;
}

/** The release as invoked, read from the options once, before the database is: nothing after reads them. */
interface ReleaseRun {
  readonly plan: ReleasePlan;
  readonly context: ReturnType<typeof detectContext>;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly width: number | undefined;
  /** The command after `--`; without one, `alembic upgrade TARGET` (or `flask db upgrade`) runs. */
  readonly command: readonly string[] | undefined;
  readonly alwaysRun: boolean;
  readonly unfenced: boolean;
  readonly deadlineMinutes: number;
  readonly out: (text: string) => void;
  readonly log: Log;
  /** Prints the verdict line (the log's last) and the event before it; returns the exit code. */
  readonly verdict: Verdict;
}

/** The release's facts: the invocation and the verification gathered from it. */
interface ReleaseFacts extends Verification {
  readonly run: ReleaseRun;
}

async function releaseSteps(
  given: ReleaseCommandOptions,
  started: number,
  markRunning: () => void,
): Promise<number> {
  const opts = withFiles(given);
  const run = releaseRunOf(opts, started);
  const { plan, context, out, log } = run;
  out(
    `alembic-preflight release: ${context.description}; target ${plan.target}${plan.wrapped ? ' (what the command runs)' : ''}${plan.fromCommand ? `; project ${plan.fromCommand} (the command's)` : ''}\n`,
  );
  log(
    'info',
    'release.start',
    { context: context.name, dyno: run.env.DYNO ?? null, target: plan.target },
    `release started (${context.description})`,
  );
  const facts = await gatherRelease(opts, run);
  const gated = await gate(facts);
  if (typeof gated === 'number') return gated;
  return runUpgrade(facts, gated, markRunning);
}

/** The invocation's flags and environment, read once. */
function releaseRunOf(
  opts: ReleaseCommandOptions & { files: NonNullable<ReleaseCommandOptions['files']> },
  started: number,
): ReleaseRun {
  const log: Log = opts.event ?? (() => undefined);
  const command = opts.command && opts.command.length > 0 ? opts.command : undefined;
  return {
    plan: releasePlan(opts, command),
    context: detectContext(opts.env),
    cwd: opts.cwd,
    env: opts.env,
    width: opts.width,
    command,
    alwaysRun: opts.alwaysRun === true,
    unfenced: opts.unfenced === true,
    deadlineMinutes: opts.deadlineMinutes ?? 50,
    out: opts.out,
    log,
    // the event first: the verdict is the log's last line
    verdict: (code, line) => {
      log(code === 0 ? 'info' : 'error', 'release.verdict', { exitCode: code }, verdictLineText(line));
      opts.out(releaseLogLine(line, started, code));
      return code;
    },
  };
}

/** The project and the database as read for this release, and what its verification judges by. */
async function gatherRelease(
  opts: ReleaseCommandOptions & { files: NonNullable<ReleaseCommandOptions['files']> },
  run: ReleaseRun,
): Promise<ReleaseFacts> {
  const { plan } = run;
  // with nothing declared, the Python that will run Alembic here says which syntax it takes
  const pythonFallback = opts.command ? undefined : () => interpreterPython(opts.env);
  const opened = await openProjectAndDatabase(
    { ...opts, config: plan.config, name: plan.name, pythonFallback },
    'On Heroku, attach heroku-postgresql (it sets DATABASE_URL) or pass --database-url-env NAME.',
  );
  const { settings } = opened;
  // the release line (a migration generated before this command runs is on disk by now, and looks pending)
  // and the wrapped command; the line's own finding says where it is written
  const fromLine = gatherDeploy({ ...opts, target: plan.target }, { files: opts.files }).generates;
  const wrappedGenerates = run.command
    ? commandGenerates(opts.files, run.command, opts.cwd).filter(
        (g) => !fromLine.some((l) => l.command === g.command),
      )
    : [];
  return {
    ...opened,
    run,
    target: plan.target,
    checkOptions: {
      policy: policyOf(opts, settings),
      release: plan.read?.problem,
      releaseGenerates: [...fromLine, ...wrappedGenerates],
      releasing: releasingOf(opts.env, settings, { share: opts.shareDatabase === true, always: true }),
    },
    // the same git evidence verify gives for an id no file defines (a slug has no git: it says so)
    extras: verificationExtras(opened, opts),
  };
}

function releasePlan(
  opts: ReleaseCommandOptions & { files: NonNullable<ReleaseCommandOptions['files']> },
  command: readonly string[] | undefined,
): ReleasePlan {
  // `release -- alembic -c db/alembic.ini upgrade heads`: check the project the wrapped command migrates (its
  // -c wins over ALEMBIC_CONFIG, as in Alembic; ours over both), and predict its target, not the default head
  const adopted = command ? commandProject(command) : {};
  const config = opts.config ?? adopted.config;
  const name = opts.name ?? adopted.name;
  // else the ini the project is loaded from (configOptions): ./alembic.ini, or the one the release line names
  const ini = config ?? opts.env.ALEMBIC_CONFIG ?? releaseLineConfig(opts.files, opts.cwd, opts.env)?.config;
  const read = command
    ? commandTarget(opts.files, command, opts.cwd, ini ? path.resolve(opts.cwd, ini) : undefined)
    : undefined;
  // --target decides what is graded; a command Alembic refuses (or that cannot migrate) stops the release either way
  const wrapped = opts.target === undefined ? read : undefined;
  const target = opts.target ?? wrapped?.target ?? 'head';
  const fromCommand = [
    opts.config === undefined && adopted.config !== undefined ? `-c ${adopted.config}` : '',
    opts.name === undefined && adopted.name !== undefined ? `-n ${adopted.name}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return { config, name, read, wrapped, target, fromCommand };
}

/** Verifies the database against the code: a verdict when the release ends here, else the pending revisions. */
async function gate(facts: ReleaseFacts): Promise<
  | number
  | {
      pending: string[];
      prediction: VerifyResult['database']['prediction'];
    }
> {
  const { table, state, urlSource, run, target, checkOptions } = facts;
  const { out, log, verdict, width } = run;
  const result = await verificationOutcome(facts);
  const prediction = result.database.prediction;
  // the release log is read for what went wrong: how the code reads (a docstring, a file name) stays out unless asked
  const shown = checkOptions.policy?.cosmetic
    ? result
    : { ...result, findings: result.findings.filter((f) => !isCosmetic(f.code)) };
  const hidden = result.findings.length - shown.findings.length;
  // a rollback the policy lets stand (--on-ahead allow): the ledger shows a newer release applied what this code has no file for
  if (result.verdict.qualifiers.includes('not-migrated')) {
    for (const f of shown.findings) if (f.severity !== 'info') out(findingText(f, width).join('\n') + '\n');
    log('warn', 'release.ahead', { rows: state.rows.map(String) }, 'the database is ahead of this code');
    const rows = state.rows.map(String).join(', ');
    return verdict(
      EXIT.ok,
      verdictLine(
        'OK',
        `the database is ahead of this code (${rows}, a rollback?), so Alembic was not started and nothing changed (--on-ahead block stops such a release)`,
        'not-migrated',
      ),
    );
  }
  if (!result.ok) {
    // verify's own verdict line is left out: the release's line below, the same verdict, is the log's one
    out(`${verifyText(shown, table.notes, urlSource.label, width, false).trimEnd()}\n`);
    const said = verifyVerdict(result);
    return verdict(blockedExit(result.verdict), {
      ...said,
      qualifiers: [...said.qualifiers, 'alembic-not-started'],
    });
  }
  // what does not stop this release still belongs in its log (another database verify could not read, say)
  for (const f of shown.findings) if (f.severity === 'warning') out(findingText(f, width).join('\n') + '\n');
  if (hidden > 0)
    out(
      `(${hidden} cosmetic finding${hidden === 1 ? '' : 's'} not shown: a docstring or a file name; --cosmetic prints ${hidden === 1 ? 'it' : 'them'})\n`,
    );
  const pending = prediction.steps.map((s) => s.revision);
  log(
    'info',
    'release.verified',
    { pending: pending.length, target },
    `verified: ${pending.length} migration(s) to apply`,
  );
  // a wrapped command is an upgrade too: at the target it would have nothing to apply, so it does not start
  if (pending.length === 0 && !run.alwaysRun) {
    return verdict(
      EXIT.ok,
      verdictLine(
        'OK',
        `the database is already at ${target} (${state.rows.join(', ')}), nothing to run${run.command ? ' (--always-run starts the command anyway)' : ''}`,
        ...(run.command ? (['command-not-started'] as const) : []),
      ),
    );
  }
  return { pending, prediction };
}

/**
 * The upgrade, and every program a wrapped command starts, may reach the database verify read and no
 * other (PG*, every database URL, the Python fence); a project that migrates several databases (env.py's
 * own list) may rightly reach the others, and is not confined.
 */
function confineCommand(
  facts: ReleaseFacts,
  urlVariable: readonly string[],
): ReturnType<typeof fencedChild> | undefined {
  const { url, urlSource, db, model, run } = facts;
  if (url.otherDatabases || urlSource.url === undefined) return undefined;
  return fencedChild(run.command, { url: urlSource.url, db }, urlVariable, run.env, {
    dir: run.cwd,
    files: model.config.files,
    unfenced: run.unfenced,
    out: run.out,
  });
}

/** Runs the upgrade behind the fence, then checks that the database is where the prediction said and records it. */
async function runUpgrade(
  facts: ReleaseFacts,
  gated: Exclude<Awaited<ReturnType<typeof gate>>, number>,
  markRunning: () => void,
): Promise<number> {
  const { table, db, state, model, settings, ledgerTable, urlSource, connection, run } = facts;
  const { pending, prediction } = gated;
  const { plan, out, log } = run;
  const argv = run.command
    ? [...run.command]
    : upgradeCommand(plan.target, model.config, {
        cwd: run.cwd,
        env: run.env,
        config: plan.config,
        name: plan.name,
      });
  out(
    `alembic-preflight release: running ${argv.map((a, i) => (i === 0 ? a.split('/').at(-1) : a)).join(' ')} (${pending.length} migration${pending.length === 1 ? '' : 's'}: ${pending.join(' → ') || 'none'})\n`,
  );
  const urlVariable = urlSource.fromFlag ? [] : [urlSource.variable];
  const confined = confineCommand(facts, urlVariable);
  const fence = confined?.fence;
  const unproved = confined?.unproved;
  // every verdict after this point says the command ran unfenced, when it did
  const verdict: Verdict = (code, line) => run.verdict(code, withUnfenced(line, unproved));
  markRunning();
  const child = await runChild(argv, {
    cwd: run.cwd,
    env: confined?.env ?? run.env,
    deadlineMs: run.deadlineMinutes * 60_000,
  }).catch((e: Error) => {
    fence?.remove();
    throw new ConfigError(`Could not start ${argv[0]}: ${e.message}.`, {
      hint: 'Check that the command exists and is executable.',
    });
  });
  log(
    'info',
    'release.child-exit',
    { code: child.code, signal: child.signal, ms: child.ms },
    'command finished',
  );
  const refused = fence?.refused()[0];
  fence?.remove();
  if (refused) {
    const e = refusalError(refused, {
      what: `\`${argv.map((a, i) => (i === 0 ? path.basename(a) : a)).join(' ')}\``,
      tool: 'release',
      set: urlVariable,
      reads: appUrlReads(
        model.config.files,
        run.cwd,
        model.config.versionLocations.map((l) => l.absPath),
      ),
    });
    out(`${e.message}\n  fix: ${e.hint}\n`);
    return verdict(
      EXIT.usage,
      verdictLine(
        'STOPPED',
        'the upgrade reached for another database than the one verified, and was stopped before its first statement there',
      ),
    );
  }
  const ended = childEnded(child, run.deadlineMinutes);
  if (ended) return verdict(ended.code, ended.line);
  const { matched, got, want, applied, moved } = afterUpgrade(
    model.map,
    prediction,
    state.rows,
    (await readVersionTable(db, table, connection)).rows,
  );
  const ledgerDue = ledgerTable !== undefined && settings.ledger && pending.length > 0;
  if (!matched) {
    if (ledgerDue)
      out(
        `alembic-preflight release: the ledger was not written: the database is not where the prediction said\n`,
      );
    return verdict(
      EXIT.postCheck,
      verdictLine(
        'MISMATCH',
        `the command succeeded, but the database is at ${got.join(', ') || '(no rows)'}, not ${want.join(', ')} (${moved})`,
      ),
    );
  }
  if (ledgerDue) {
    await record(
      facts,
      ledgerWriteOf(ledgerTable, state.ledger, table.versionTableSchema),
      ledgerRows(
        model,
        prediction.steps,
        run.env,
        run.cwd,
        new Date(),
        appIdentity(run.env, settings.app),
      ).map((r) => (unproved ? { ...r, appliedBy: { ...r.appliedBy, unfenced: unfencedRecord(argv) } } : r)),
    );
  }
  return verdict(
    EXIT.ok,
    verdictLine(
      'OK',
      `applied ${plural(applied ?? pending.length, 'migration')}, and the database is at ${got.join(', ')}`,
    ),
  );
}

/** How the command ended when it did not succeed: a forwarded signal, the deadline, or its exit code. */
function childEnded(
  child: Awaited<ReturnType<typeof runChild>>,
  deadlineMinutes: number,
): { code: number; line: VerdictLine } | undefined {
  if (child.forwarded)
    return {
      code: child.forwarded === 'SIGINT' ? EXIT.sigint : EXIT.sigterm,
      line: verdictLine(
        'STOPPED',
        `${child.forwarded} received and forwarded to the command, which ended with ${child.signal ?? `exit ${child.code}`}: check the database before the next release`,
      ),
    };
  if (child.deadlineHit)
    return {
      code: EXIT.wrappedCommand,
      line: verdictLine(
        'FAILED',
        `the command ran past the --deadline of ${deadlineMinutes} min and was stopped (Heroku ends a release after one hour)`,
      ),
    };
  if (child.code !== 0)
    return {
      code: EXIT.wrappedCommand,
      line: verdictLine(
        'FAILED',
        `the command exited with ${child.signal ?? child.code}, so the release is aborted and the previous one stays live`,
      ),
    };
  return undefined;
}

async function record(facts: ReleaseFacts, to: LedgerWrite, rows: LedgerRow[]): Promise<void> {
  const { out, log } = facts.run;
  try {
    const written = await writeLedger(facts.db, to, rows, facts.connection);
    if (written.stayed !== undefined) out(ledgerStayedWarning(written, to.table));
    log(
      'info',
      'release.ledger',
      { table: written.label, rows: rows.length },
      `ledger ${written.label}: ${rows.length} revision${rows.length === 1 ? '' : 's'} recorded`,
    );
  } catch (e) {
    const message = e instanceof PreflightError ? e.message : String(e);
    const hint = e instanceof PreflightError && e.hint ? ` ${e.hint}` : '';
    out(
      `alembic-preflight release: warning: the migrations were applied, but the ledger ${to.table} was not written: ${message}${hint}\n`,
    );
    log('warn', 'release.ledger-failed', { table: to.table }, 'the ledger was not written');
  }
}
