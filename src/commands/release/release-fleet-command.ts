import { EXIT, UsageError } from '../../errors/errors.js';
import { fencedChild, withUnfenced } from '../../release/child-env.js';
import { runChild } from '../../release/run-child.js';
import { releaseLogLine, withVerdictLine } from '../../release/with-verdict-line.js';
import { verdictLine, type VerdictLine } from '../../report/verdict-line.js';
import { fleetExit, type FleetResult } from '../../check/fleet.js';
import { PreflightError } from '../../errors/errors.js';
import { ledgerRows } from '../../check/ledger-rows.js';
import { writeTenantLedgers } from '../../database/write-ledger.js';
import { postgresOptions } from '../../workspace/open-database.js';
import { fleetText } from '../../report/fleet-report.js';
import { openFleet, type FleetOptions, type OpenedFleet } from '../../workspace/open-fleet.js';

export interface ReleaseFleetOptions extends FleetOptions {
  /** The command that migrates every tenant (after `--`). */
  readonly command?: readonly string[];
  readonly alwaysRun?: boolean;
  /** --unfenced: start a loop that cannot be proved fenced anyway, recorded in the verdict line. */
  readonly unfenced?: boolean;
  readonly deadlineMinutes?: number;
  readonly out: (text: string) => void;
  /** Prints an error as the CLI does and returns its exit code; the release still ends with its verdict line. */
  readonly report?: (e: PreflightError) => number;
}

/**
 * `release --tenants PATTERN -- COMMAND`: the release phase of a schema-per-tenant app, gated on the
 * whole fleet. Every tenant is verified first (read-only); one that would fail stops the release
 * before the command starts. Otherwise the team's command (its loop over the tenants) runs, fenced to
 * the database verified, and the fleet is read again: every tenant must then be at the target.
 */
export async function releaseFleetCommand(opts: ReleaseFleetOptions): Promise<number> {
  return withVerdictLine(opts, 'command', (started, markRunning) => steps(opts, started, markRunning));
}

async function steps(opts: ReleaseFleetOptions, started: number, markRunning: () => void): Promise<number> {
  // set once the loop starts under --unfenced: every verdict after it says so
  const ran: { unproved?: string } = {};
  const verdict = (code: number, line: VerdictLine): number => {
    opts.out(releaseLogLine(withUnfenced(line, ran.unproved), started, code));
    return code;
  };
  if (!opts.command || opts.command.length === 0) {
    throw new UsageError('release --tenants runs the command that migrates each tenant, given after --.', {
      hint: "alembic-preflight release --tenants 'tenant_*' -- ./bin/migrate-tenants.sh",
    });
  }
  const before = await openFleet(opts);
  // the fence lets a child reach one database, and a loop over MySQL tenants reaches one per tenant
  if (before.db.dialect === 'mysql')
    throw new UsageError(
      'release --tenants does not run on MySQL: the loop reaches a database per tenant, and the connection fence lets a child reach one.',
      {
        hint: "Run verify --tenants 'PATTERN' as the gate (exit 1 blocks), then the team's loop, then verify --tenants again; or release each tenant's database with release --database-url.",
      },
    );
  opts.out(fleetText(before.result, before.context));
  // nothing matched: a typo in the pattern would leave every tenant behind while saying OK
  if (before.result.total === 0)
    return opts.allowEmpty
      ? verdict(
          EXIT.ok,
          verdictLine(
            'OK',
            `no schema matches '${opts.tenants}', as --allow-empty allows (no tenant yet), and nothing was verified`,
            'command-not-started',
          ),
        )
      : verdict(
          EXIT.usage,
          verdictLine(
            'STOPPED',
            `no schema matches '${opts.tenants}', so nothing was verified: check the pattern, or where no tenant exists yet, pass --allow-empty`,
            'command-not-started',
          ),
        );
  if (!before.result.ok)
    return verdict(
      fleetExit(before.result),
      verdictLine(
        'BLOCKED',
        `${failing(before.result)} of ${before.result.total} tenants would fail`,
        'command-not-started',
      ),
    );
  if (!opts.alwaysRun && before.result.groups.every((g) => g.pending === 0))
    return verdict(
      EXIT.ok,
      verdictLine(
        'OK',
        `all ${before.result.total} tenants are at ${opts.target ?? 'head'}`,
        'command-not-started',
      ),
    );
  const { env, fence, unproved } = confineLoop(opts, opts.command, before);
  ran.unproved = unproved;
  let child;
  try {
    opts.out(
      `alembic-preflight release: running ${opts.command.join(' ')} for ${before.result.total} tenants\n`,
    );
    markRunning();
    child = await runChild(opts.command, {
      cwd: opts.cwd,
      env,
      deadlineMs: (opts.deadlineMinutes ?? 50) * 60_000,
    });
    if (fence.refused().length > 0)
      return verdict(
        EXIT.usage,
        verdictLine(
          'STOPPED',
          'the command reached for another database than the one verified, and was stopped before its first statement there',
        ),
      );
  } finally {
    fence.remove();
  }
  if (child.forwarded)
    return verdict(
      child.forwarded === 'SIGINT' ? EXIT.sigint : EXIT.sigterm,
      verdictLine('STOPPED', `${child.forwarded} received: check the tenants before the next release`),
    );
  if (child.code !== 0)
    return verdict(
      EXIT.wrappedCommand,
      verdictLine(
        'FAILED',
        `the command exited with ${child.signal ?? child.code}, so the release is aborted and the previous one stays live`,
      ),
    );
  const after = await openFleet(opts);
  const behind = after.result.groups.filter((g) => !g.ok || g.pending > 0);
  if (behind.length > 0) {
    opts.out(fleetText(after.result, after.context));
    return verdict(
      EXIT.postCheck,
      verdictLine(
        'MISMATCH',
        `the command succeeded, but ${behind.reduce((n, g) => n + g.schemas.length, 0)} of ${after.result.total} tenants are not at ${opts.target ?? 'head'}`,
      ),
    );
  }
  if (before.ledgerTable !== undefined) await recordLedgers(before, before.ledgerTable, opts);
  return verdict(
    EXIT.ok,
    verdictLine('OK', `all ${after.result.total} tenants are at ${opts.target ?? 'head'}`),
  );
}

/** Each migrated tenant's ledger, as release records one database's: a failure is a warning that never changes the exit code. */
async function recordLedgers(fleet: OpenedFleet, table: string, opts: ReleaseFleetOptions): Promise<void> {
  const writes = fleet.result.groups.flatMap((g) => {
    if (g.pending === 0 || !g.applies) return [];
    const rows = ledgerRows(fleet.model, g.applies.steps, opts.env, opts.cwd);
    const to = {
      table,
      create: g.applies.ledger?.exists !== true,
      hasSteps: g.applies.ledger?.hasSteps === true,
    };
    return g.schemas.map((schema) => ({ to: { ...to, schema }, rows }));
  });
  if (writes.length === 0) return;
  const warn = (what: string, e: PreflightError): void =>
    opts.out(
      `alembic-preflight release: warning: ${what} was not written: ${e.message}${e.hint ? ` ${e.hint}` : ''}\n`,
    );
  try {
    if (fleet.db.dialect !== 'postgresql') return;
    const failed = await writeTenantLedgers(fleet.db, writes, postgresOptions(opts));
    opts.out(
      `alembic-preflight release: ledger ${table}: the migrations recorded in ${writes.length - failed.length} of ${writes.length} tenants\n`,
    );
    for (const f of failed.slice(0, SHOWN)) warn(`the ledger of ${f.schema}`, f.error);
    if (failed.length > SHOWN)
      opts.out(`alembic-preflight release: warning: … and ${failed.length - SHOWN} more tenants' ledgers\n`);
  } catch (e) {
    if (!(e instanceof PreflightError)) throw e;
    warn("the tenants' ledger", e);
  }
}

/** Ledger failures printed one by one; past this many, a count. */
const SHOWN = 10;

function failing(r: FleetResult): number {
  return r.groups.filter((g) => !g.ok).reduce((n, g) => n + g.schemas.length, 0);
}

/**
 * The loop may reach every schema of the database verified, and no other database: a loop that cannot
 * be proved fenced does not start (unless --unfenced, which it then prints), and every program it
 * starts sees only that database.
 */
function confineLoop(
  opts: ReleaseFleetOptions,
  command: readonly string[],
  before: OpenedFleet,
): ReturnType<typeof fencedChild> {
  return fencedChild(command, { url: before.url, db: before.db }, [before.urlVariable], opts.env, {
    dir: opts.cwd,
    files: before.model.config.files,
    unfenced: opts.unfenced,
    out: opts.out,
  });
}
